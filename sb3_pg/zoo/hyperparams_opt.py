"""
Optuna search spaces for ``python -m sb3_pg.zoo train --algo <algo> -optimize``, in RL-Zoo's form: a sampler
``(trial, n_actions, n_envs, additional_args) -> hyperparameters`` and a converter from the sampled values
(``trial.params``) to the algorithm's keyword arguments (RL-Zoo uses it again to load a trial's settings).
"""

from typing import Any

import optuna
from rl_zoo3.hyperparams_opt import convert_onpolicy_params, sample_trpo_params


def _policy_kwargs(sampled: dict[str, Any], critic: bool) -> dict[str, Any]:
    """
    ``policy_kwargs`` from the sampled ``net_arch`` and ``activation_fn`` names, by RL-Zoo's own table for its
    on-policy algorithms (``convert_onpolicy_params``: ``"tiny"`` is ``pi=[64], vf=[64]``, ...); an actor-only policy
    takes the ``pi`` layers as a plain list.
    """
    names = dict(net_arch=sampled.pop("net_arch"), activation_fn=sampled.pop("activation_fn"))
    policy_kwargs = convert_onpolicy_params(dict(one_minus_gamma=0.0, one_minus_gae_lambda=0.0, **names))["policy_kwargs"]
    if not critic:
        policy_kwargs["net_arch"] = list(policy_kwargs["net_arch"]["pi"])
    return policy_kwargs


def convert_reinforce_params(sampled_params: dict[str, Any]) -> dict[str, Any]:
    """
    Sampled values to keyword arguments of ``Reinforce`` and ``ReinforceBaseline``: ``n_episodes_pow`` ->
    ``n_episodes``, ``one_minus_gamma`` -> ``gamma``, names -> ``policy_kwargs``. The value network exists only
    with ``baseline="value"``; the other policies are actor-only, their ``net_arch`` a plain list.
    """
    hyperparams = dict(sampled_params)
    hyperparams["n_episodes"] = 2 ** hyperparams.pop("n_episodes_pow")
    # The batch is a number of episodes: a config's minimum number of steps would conflict with it
    hyperparams["n_steps"] = None
    hyperparams["gamma"] = 1 - hyperparams.pop("one_minus_gamma")
    critic = hyperparams.get("baseline") == "value"
    return {"policy_kwargs": _policy_kwargs(hyperparams, critic), **hyperparams}


def _suggest_reinforce(trial: optuna.Trial, min_episodes: int, n_envs: int) -> dict[str, Any]:
    """
    The search space the two REINFORCE variants share (true values of the transformed ones shown in Optuna).

    :param trial: Optuna trial
    :param min_episodes: The fewest episodes per update the algorithm takes
    :param n_envs: Number of envs: every env contributes an episode to each update, so at least that many episodes
    """
    # Powers of two from the smallest that is >= max(min_episodes, n_envs) to 32 (or that one, if larger) episodes
    # per update (the N of the estimator)
    low = (max(min_episodes, n_envs) - 1).bit_length()
    sampled: dict[str, Any] = {
        "n_episodes_pow": trial.suggest_int("n_episodes_pow", low, max(low, 5)),
        "one_minus_gamma": trial.suggest_float("one_minus_gamma", 0.0001, 0.1, log=True),
        "learning_rate": trial.suggest_float("learning_rate", 1e-4, 1e-2, log=True),
        "ent_coef": trial.suggest_float("ent_coef", 1e-8, 0.01, log=True),
        "net_arch": trial.suggest_categorical("net_arch", ["tiny", "small", "medium"]),
        "activation_fn": trial.suggest_categorical("activation_fn", ["tanh", "relu"]),
    }
    trial.set_user_attr("n_episodes", 2 ** sampled["n_episodes_pow"])
    trial.set_user_attr("gamma", 1 - sampled["one_minus_gamma"])
    return sampled


def sample_reinforce_params(trial: optuna.Trial, n_actions: int, n_envs: int, additional_args: dict) -> dict[str, Any]:
    """
    Search space of ``Reinforce``: episodes per update, discount, learning rate, entropy bonus, return
    normalisation and network.

    :param trial: Optuna trial
    :param n_actions: unused (RL-Zoo's sampler signature)
    :param n_envs: Number of envs (the fewest episodes per update)
    :param additional_args: unused
    :return: keyword arguments of ``Reinforce``
    """
    sampled = _suggest_reinforce(trial, min_episodes=1, n_envs=n_envs)
    sampled["normalize_advantage"] = trial.suggest_categorical("normalize_advantage", [False, True])
    return convert_reinforce_params(sampled)


def sample_reinforce_baseline_params(
    trial: optuna.Trial, n_actions: int, n_envs: int, additional_args: dict
) -> dict[str, Any]:
    """
    Search space of ``ReinforceBaseline``: that of ``Reinforce`` plus the baseline (learned value, batch mean,
    variance-minimising constant) and, for the learned value, the critic's learning rate and epochs.

    :param trial: Optuna trial
    :param n_actions: unused (RL-Zoo's sampler signature)
    :param n_envs: Number of envs (the fewest episodes per update)
    :param additional_args: unused
    :return: keyword arguments of ``ReinforceBaseline``
    """
    # The baselines from the batch are leave-one-out estimates: at least 2 episodes per update
    sampled = _suggest_reinforce(trial, min_episodes=2, n_envs=n_envs)
    sampled["baseline"] = trial.suggest_categorical("baseline", ["value", "mean", "step_mean", "optimal"])
    sampled["normalize_advantage"] = trial.suggest_categorical("normalize_advantage", [False, True])
    if sampled["baseline"] == "value":
        sampled["critic_learning_rate"] = trial.suggest_float("critic_learning_rate", 1e-4, 3e-2, log=True)
        sampled["n_critic_updates"] = trial.suggest_int("n_critic_updates", 1, 10)
    return convert_reinforce_params(sampled)


def convert_td_actor_critic_params(sampled_params: dict[str, Any]) -> dict[str, Any]:
    """Sampled values to ``TDActorCritic`` keyword arguments: ``one_minus_gamma`` -> ``gamma``, names -> ``policy_kwargs``."""
    hyperparams = dict(sampled_params)
    hyperparams["gamma"] = 1 - hyperparams.pop("one_minus_gamma")
    return {"policy_kwargs": _policy_kwargs(hyperparams, critic=True), **hyperparams}


def sample_td_actor_critic_params(trial: optuna.Trial, n_actions: int, n_envs: int, additional_args: dict) -> dict[str, Any]:
    """
    Search space of ``TDActorCritic``: actor and critic learning rates, steps per env between updates (the
    update stays one-step TD: ``gae_lambda`` keeps its default 0), discount, entropy bonus, gradient clipping
    and network.

    :param trial: Optuna trial
    :param n_actions: unused (RL-Zoo's sampler signature)
    :param n_envs: unused
    :param additional_args: unused
    :return: keyword arguments of ``TDActorCritic``
    """
    sampled: dict[str, Any] = {
        "learning_rate": trial.suggest_float("learning_rate", 1e-5, 3e-3, log=True),
        "critic_learning_rate": trial.suggest_float("critic_learning_rate", 1e-5, 1e-2, log=True),
        "n_steps": trial.suggest_categorical("n_steps", [1, 2, 4, 8, 16]),
        "one_minus_gamma": trial.suggest_float("one_minus_gamma", 0.0001, 0.1, log=True),
        "ent_coef": trial.suggest_float("ent_coef", 1e-8, 0.01, log=True),
        "max_grad_norm": trial.suggest_float("max_grad_norm", 0.3, 5.0, log=True),
        "net_arch": trial.suggest_categorical("net_arch", ["tiny", "small", "medium"]),
        "activation_fn": trial.suggest_categorical("activation_fn", ["tanh", "relu"]),
    }
    trial.set_user_attr("gamma", 1 - sampled["one_minus_gamma"])
    return convert_td_actor_critic_params(sampled)


# TNPG is TRPO without the line search and takes the same keyword arguments, so RL-Zoo's TRPO search space
# (batch/rollout sizes, gamma, GAE lambda, critic learning rate and updates, CG steps, target KL, network) fits it
HYPERPARAMS_SAMPLER = {
    "reinforce": sample_reinforce_params,
    "reinforce_baseline": sample_reinforce_baseline_params,
    "td_actor_critic": sample_td_actor_critic_params,
    "tnpg": sample_trpo_params,
}
HYPERPARAMS_CONVERTER = {
    "reinforce": convert_reinforce_params,
    "reinforce_baseline": convert_reinforce_params,
    "td_actor_critic": convert_td_actor_critic_params,
    "tnpg": convert_onpolicy_params,
}
