"""
How noisy is each policy-gradient estimator? Measured on one fixed policy.

Every estimator here has the form g = sum_t psi_t grad log pi(a_t|s_t) summed over one episode, and differs
only in the weight psi_t. With the discount weight gamma^t they all target the gradient of the same discounted
objective J = E[sum_t gamma^t r_t]:

- ``episode return``: psi_t = G_0, the whole episode's return (the textbook trajectory form);
- ``reward-to-go``: psi_t = gamma^t G_t (causality: an action does not change the rewards before it);
- ``mean baseline``: gamma^t (G_t - b), b the mean return-to-go of held-out episodes;
- ``optimal constant baseline``: gamma^t (G_t - b*), b* = E[g . h] / E[|g|^2] with g = sum_t gamma^t grad log pi
  and h = sum_t gamma^t G_t grad log pi, the constant of least variance (estimated on held-out episodes);
- ``value baseline``: gamma^t (G_t - V(s_t)), V the policy's critic or one fitted on held-out episodes;
- ``TD error``: gamma^t delta_t, delta_t = r_t + gamma V(s_{t+1}) - V(s_t);
- ``GAE(lambda)``: gamma^t A_t, A_t = sum_k (gamma lambda)^k delta_{t+k}.

The first five are unbiased for any baseline that does not depend on the action (their baselines come from other
episodes than the ones measured), so they share one mean; the TD error and GAE with lambda < 1 are biased unless V
is the true value function. The variance of the batch estimate (a mean over N episodes) is measured over K
independent batches. Whether an estimator's mean agrees with reward-to-go's is tested on the paired per-episode
differences d_i: M |d_bar|^2 / tr Cov(d) is about 1 under equal means, and with nu = tr(C)^2 / tr(C^2) effective
degrees of freedom, nu times it is about chi-square(nu) (Satterthwaite): a small p-value means the means differ.

    python -m sb3_pg.analysis variance --env CartPole-v1
    python -m sb3_pg.analysis variance --env CartPole-v1 --algo reinforce_baseline --checkpoint model.zip
"""

import argparse
import json
import os
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, NoReturn

import gymnasium as gym
import numpy as np
import torch as th
from gymnasium import spaces
from sb3_contrib import TRPO
from stable_baselines3 import A2C, PPO
from stable_baselines3.common.base_class import BaseAlgorithm
from stable_baselines3.common.buffers import RolloutBuffer
from stable_baselines3.common.policies import ActorCriticPolicy
from stable_baselines3.common.preprocessing import preprocess_obs
from stable_baselines3.common.save_util import load_from_zip_file

from sb3_pg.common.buffers import reward_to_go
from sb3_pg.common.diagnostics import gradient_statistics, group_weights, per_step_log_prob_gradients
from sb3_pg.common.policies import ActorPolicy

UNBIASED = ("episode return", "reward-to-go", "mean baseline", "optimal constant baseline", "value baseline")
REFERENCE = "reward-to-go"
# A mean that differs from reward-to-go's with a p-value below this is reported as different
P_VALUE_THRESHOLD = 0.01
# Observation and action spaces whose samples stack into one array (what the episodes are stored as)
ARRAY_SPACES = (spaces.Box, spaces.Discrete, spaces.MultiDiscrete, spaces.MultiBinary)


class Progress:
    """
    Progress of one stage of the analysis on stderr: a tqdm bar where tqdm is installed, else a line when the stage
    starts and one when it ends; nothing when disabled.

    :param total: Number of units of work in the stage
    :param description: What the stage does
    :param enabled: Whether to show anything
    """

    def __init__(self, total: int, description: str, enabled: bool = True) -> None:
        self.description, self.enabled, self.bar = description, enabled, None
        if not enabled:
            return
        try:
            from tqdm.auto import tqdm

            self.bar = tqdm(total=total, desc=description, file=sys.stderr, leave=False)
        except ImportError:
            print(f"{description} ({total}) ...", file=sys.stderr, flush=True)

    def update(self, n: int = 1) -> None:
        if self.bar is not None:
            self.bar.update(n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
        elif self.enabled:
            print(f"{self.description}: done", file=sys.stderr, flush=True)


@dataclass
class Episodes:
    """Steps of complete episodes of one policy, in order."""

    observations: th.Tensor
    actions: th.Tensor
    rewards: th.Tensor
    episode_ids: th.Tensor
    step_in_episode: th.Tensor
    # Per episode: the observation after the last step, and whether the episode terminated (else it was truncated)
    final_observations: th.Tensor
    terminated: th.Tensor

    @property
    def n_episodes(self) -> int:
        return len(self.terminated)


@dataclass
class EstimatorResult:
    """One estimator's figures (see the module docstring)."""

    name: str
    unbiased: bool
    batch_variance: float
    variance_ratio: float
    snr: float
    relative_mean_difference: float
    p_value: float
    mean_agrees: bool


def collect_episodes(
    policy: ActorCriticPolicy, env: gym.Env, n_episodes: int, seed: int, progress: Progress | None = None
) -> Episodes:
    """
    Run the stochastic policy for complete episodes (Box actions are clipped for the env, the sampled ones kept).

    :param policy: The fixed policy
    :param env: A gymnasium env (not vectorised)
    :param n_episodes: Number of episodes
    :param seed: Seed of the first reset (and of torch's sampling)
    :param progress: Advanced by one per episode
    """
    th.manual_seed(seed)
    observations, actions, rewards, ids, steps, finals, terminated = [], [], [], [], [], [], []
    obs, _ = env.reset(seed=seed)
    for episode in range(n_episodes):
        step, done = 0, False
        while not done:
            with th.no_grad():
                obs_tensor = policy.obs_to_tensor(obs)[0]
                action = policy.get_distribution(obs_tensor).get_actions()[0].cpu()
            env_action: Any = action.numpy()
            if isinstance(env.action_space, spaces.Box):
                env_action = np.clip(env_action, env.action_space.low, env.action_space.high)
            elif isinstance(env.action_space, spaces.Discrete):
                env_action = int(env_action)
            next_obs, reward, term, trunc, _ = env.step(env_action)
            observations.append(np.asarray(obs, dtype=np.float32))
            actions.append(action)
            rewards.append(float(reward))
            ids.append(episode)
            steps.append(step)
            step, done = step + 1, term or trunc
            obs = next_obs
            if done:
                finals.append(np.asarray(next_obs, dtype=np.float32))
                terminated.append(bool(term))
                obs, _ = env.reset()
                if progress is not None:
                    progress.update()
    return Episodes(
        observations=th.as_tensor(np.array(observations)),
        actions=th.stack(actions),
        rewards=th.tensor(rewards, dtype=th.float64),
        episode_ids=th.tensor(ids),
        step_in_episode=th.tensor(steps),
        final_observations=th.as_tensor(np.array(finals)),
        terminated=th.tensor(terminated),
    )


def _episode_starts(episodes: Episodes) -> np.ndarray:
    """1 at the first step of each episode, as one column (the layout of SB3's rollout buffers with one env)."""
    return (episodes.step_in_episode == 0).double().numpy()[:, None]


def returns_to_go(episodes: Episodes, gamma: float) -> th.Tensor:
    """G_t = sum_k gamma^k r_{t+k} within each episode (the episodic buffers' reward-to-go)."""
    rewards = episodes.rewards.numpy()[:, None]
    return th.as_tensor(reward_to_go(rewards, _episode_starts(episodes), gamma)[:, 0])


def advantages_gae(episodes: Episodes, values: th.Tensor, final_values: th.Tensor, gamma: float, lam: float) -> th.Tensor:
    """
    GAE(lambda) within each episode, by SB3's ``RolloutBuffer.compute_returns_and_advantage``: V(s') = 0 after
    termination; after truncation V(final observation), added to the last reward as SB3's ``collect_rollouts`` does.
    """
    n_steps = len(episodes.rewards)
    buffer = RolloutBuffer(n_steps, episodes_space(episodes), spaces.Discrete(1), gamma=gamma, gae_lambda=lam)
    rewards = episodes.rewards.numpy().copy()
    last_steps = np.flatnonzero(np.append(episodes.step_in_episode[1:].numpy() == 0, True))
    truncated = ~episodes.terminated.numpy()
    rewards[last_steps[truncated]] += gamma * final_values[truncated].numpy()
    buffer.rewards[:, 0] = rewards
    buffer.values[:, 0] = values.numpy()
    buffer.episode_starts[:] = _episode_starts(episodes)
    buffer.compute_returns_and_advantage(last_values=th.zeros(1), dones=np.ones(1))
    return th.as_tensor(buffer.advantages[:, 0], dtype=th.float64)


def episodes_space(episodes: Episodes) -> spaces.Box:
    """A flat Box the size of one observation (the buffer only needs the shape for its storage)."""
    return spaces.Box(-np.inf, np.inf, shape=(int(np.prod(episodes.observations.shape[1:])),))


def _flat_features(observations: th.Tensor, observation_space: spaces.Space) -> th.Tensor:
    return preprocess_obs(observations, observation_space).float().reshape(len(observations), -1)  # type: ignore[union-attr]


def fit_value_function(
    episodes: Episodes, returns: th.Tensor, observation_space: spaces.Space, n_steps: int = 300, seed: int = 0
) -> th.nn.Module:
    """An MLP V(s) regressed on the Monte-Carlo returns of the given episodes (full-batch Adam)."""
    th.manual_seed(seed)
    features = _flat_features(episodes.observations, observation_space)
    network = th.nn.Sequential(
        th.nn.Linear(features.shape[1], 64), th.nn.Tanh(), th.nn.Linear(64, 64), th.nn.Tanh(), th.nn.Linear(64, 1)
    )
    scale = float(returns.abs().mean()) + 1e-8
    optimizer = th.optim.Adam(network.parameters(), lr=1e-2)
    targets = (returns / scale).float()
    for _ in range(n_steps):
        loss = ((network(features).flatten() - targets) ** 2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    class _Scaled(th.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.network = network

        def forward(self, observations: th.Tensor) -> th.Tensor:
            return self.network(_flat_features(observations, observation_space)).flatten() * scale

    return _Scaled()


def per_episode_samples(
    policy: ActorCriticPolicy,
    episodes: Episodes,
    weights: th.Tensor,
    chunk_steps: int = 4096,
    progress: Progress | None = None,
) -> th.Tensor:
    """
    E x M x P: sample i of weighting e is sum_{t in episode i} weights[e, t] grad log pi(a_t|s_t).
    Computed a chunk of whole episodes at a time, so the T x P per-step gradients are never all in memory.
    ``progress`` is advanced by the episodes of each chunk.
    """
    n_weightings = weights.shape[0]
    samples = []
    ids = episodes.episode_ids
    first_step = th.searchsorted(ids, th.arange(episodes.n_episodes + 1))
    start_episode = 0
    while start_episode < episodes.n_episodes:
        end_episode = start_episode + 1
        while end_episode < episodes.n_episodes and first_step[end_episode + 1] - first_step[start_episode] <= chunk_steps:
            end_episode += 1
        begin, end = int(first_step[start_episode]), int(first_step[end_episode])
        grads = per_step_log_prob_gradients(policy, episodes.observations[begin:end], episodes.actions[begin:end]).double()
        local_ids = ids[begin:end] - start_episode
        n_local = end_episode - start_episode
        chunk = th.stack([group_weights(local_ids, n_local, weights[e, begin:end]) @ grads for e in range(n_weightings)])
        samples.append(chunk)
        if progress is not None:
            progress.update(n_local)
        start_episode = end_episode
    return th.cat(samples, dim=1)


def same_mean_p_value(differences: th.Tensor) -> tuple[float, float]:
    """
    Whether paired per-episode differences have mean zero (see the module docstring).

    :param differences: M x P paired differences d_i
    :return: (M |d_bar|^2 / tr Cov(d), p-value)
    """
    n_samples = differences.shape[0]
    mean = differences.mean(0)
    centred = differences - mean
    trace = (centred**2).sum().item() / (n_samples - 1)
    if trace <= 0:
        return (0.0, 1.0) if mean.abs().max() == 0 else (float("inf"), 0.0)
    gram = centred @ centred.T
    trace_squared = (gram**2).sum().item() / (n_samples - 1) ** 2
    dof = trace**2 / trace_squared
    ratio = n_samples * mean.dot(mean).item() / trace
    # Survival function of chi-square(dof) at dof * ratio: the regularised upper incomplete gamma function
    p_value = th.special.gammaincc(th.tensor(dof / 2, dtype=th.float64), th.tensor(dof * ratio / 2, dtype=th.float64))
    return ratio, float(p_value)


def estimator_weights(
    episodes: Episodes,
    fit_episodes: Episodes,
    policy: ActorCriticPolicy,
    value_fn: Any,
    gamma: float,
    lambdas: list[float],
    progress: Progress | None = None,
) -> dict[str, th.Tensor]:
    """
    psi_t of every estimator on ``episodes``, the baselines' constants estimated on ``fit_episodes`` (whose gradients
    advance ``progress``).
    """
    returns = returns_to_go(episodes, gamma)
    discounts = gamma ** episodes.step_in_episode.double()
    episode_returns = returns[th.searchsorted(episodes.episode_ids, episodes.episode_ids, right=False)]
    # Constants from held-out episodes, so that they do not depend on the measured episodes' actions
    fit_returns = returns_to_go(fit_episodes, gamma)
    fit_discounts = gamma ** fit_episodes.step_in_episode.double()
    mean_baseline = fit_returns.mean()
    g_and_h = per_episode_samples(
        policy, fit_episodes, th.stack([fit_discounts, fit_discounts * fit_returns]), progress=progress
    )
    optimal_baseline = (g_and_h[0] * g_and_h[1]).sum() / (g_and_h[0] ** 2).sum()
    with th.no_grad():
        values = value_fn(episodes.observations).double().flatten()
        final_values = value_fn(episodes.final_observations).double().flatten()
    weights = {
        "episode return": episode_returns,
        "reward-to-go": discounts * returns,
        "mean baseline": discounts * (returns - mean_baseline),
        "optimal constant baseline": discounts * (returns - optimal_baseline),
        "value baseline": discounts * (returns - values),
        "TD error": discounts * advantages_gae(episodes, values, final_values, gamma, 0.0),
    }
    for lam in lambdas:
        weights[f"GAE({lam:g})"] = discounts * advantages_gae(episodes, values, final_values, gamma, lam)
    return weights


def analyse(
    policy: ActorCriticPolicy,
    env: gym.Env,
    value_fn: Any | None = None,
    n_batches: int = 50,
    episodes_per_batch: int = 8,
    fit_episodes: int = 50,
    gamma: float = 0.99,
    lambdas: tuple[float, ...] = (0.9, 0.95, 0.97),
    seed: int = 0,
    progress: bool = False,
) -> list[EstimatorResult]:
    """
    Measure every estimator's variance on one fixed policy (see the module docstring).

    :param policy: The policy
    :param env: A gymnasium env
    :param value_fn: V(observations) for the value baseline, TD error and GAE; ``None``: fit one on held-out episodes
    :param n_batches: K, the number of batches over which the batch estimate's variance is measured
    :param episodes_per_batch: N, the episodes of one batch
    :param fit_episodes: Held-out episodes for the baselines' constants (and the fitted value function)
    :param gamma: Discount factor
    :param lambdas: The GAE lambdas
    :param seed: Seed of the episodes
    :param progress: Show the progress of each stage on stderr (:class:`Progress`)
    :return: One result per estimator, reward-to-go's the reference
    """
    if n_batches < 2 or episodes_per_batch < 1 or fit_episodes < 2:
        raise ValueError("need n_batches >= 2, episodes_per_batch >= 1 and fit_episodes >= 2")

    def stage(total: int, description: str) -> Progress:
        return Progress(total, description, enabled=progress)

    bar = stage(fit_episodes, "held-out episodes")
    held_out = collect_episodes(policy, env, fit_episodes, seed=seed + 1, progress=bar)
    bar.close()
    if value_fn is None:
        bar = stage(1, "fitting V on the held-out episodes")
        value_fn = fit_value_function(held_out, returns_to_go(held_out, gamma), policy.observation_space, seed=seed)
        bar.update()
        bar.close()
    n_measured = n_batches * episodes_per_batch
    bar = stage(n_measured, "measured episodes")
    measured = collect_episodes(policy, env, n_measured, seed=seed, progress=bar)
    bar.close()
    bar = stage(fit_episodes, "baselines from the held-out episodes")
    weights = estimator_weights(measured, held_out, policy, value_fn, gamma, list(lambdas), progress=bar)
    bar.close()
    names = list(weights)
    bar = stage(n_measured, "per-episode gradients")
    samples = per_episode_samples(policy, measured, th.stack([weights[name] for name in names]), progress=bar)
    bar.close()
    reference = samples[names.index(REFERENCE)]
    batch_means = samples.reshape(len(names), n_batches, episodes_per_batch, -1).mean(dim=2)

    # Variance of the batch estimate over the K batches; the signal |E g|^2 from all the episodes
    variances = {name: gradient_statistics(batch_means[index]).sample_variance for index, name in enumerate(names)}
    results = []
    for index, name in enumerate(names):
        mean = samples[index].mean(0)
        signal = gradient_statistics(samples[index]).signal
        if name == REFERENCE:
            p_value = 1.0
            difference = 0.0
        else:
            _, p_value = same_mean_p_value(samples[index] - reference)
            difference = ((mean - reference.mean(0)).norm() / reference.mean(0).norm()).item()
        unbiased = name in UNBIASED
        results.append(
            EstimatorResult(
                name=name,
                unbiased=unbiased,
                batch_variance=variances[name],
                variance_ratio=variances[name] / variances[REFERENCE] if variances[REFERENCE] > 0 else float("nan"),
                snr=signal / variances[name] if variances[name] > 0 else float("inf"),
                relative_mean_difference=difference,
                p_value=p_value,
                mean_agrees=p_value >= P_VALUE_THRESHOLD,
            )
        )
    return results


def theory_checks(results: list[EstimatorResult]) -> list[tuple[str, bool]]:
    """The claims of the theory, each with whether this measurement agrees."""
    by_name = {result.name: result for result in results}
    reference = by_name[REFERENCE]
    checks = [
        (
            "unbiased estimators share reward-to-go's mean (p >= 0.01)",
            all(result.mean_agrees for result in results if result.unbiased),
        ),
        (
            "reward-to-go has less variance than the episode return",
            reference.batch_variance < by_name["episode return"].batch_variance,
        ),
    ]
    for name in ("mean baseline", "optimal constant baseline", "value baseline"):
        checks.append((f"{name} has less variance than reward-to-go", by_name[name].batch_variance < reference.batch_variance))
    return checks


def format_table(results: list[EstimatorResult]) -> str:
    header = ("estimator", "unbiased", "batch variance", "vs reward-to-go", "SNR", "|mean - ref| / |ref|", "p (same mean)")
    widths = (25, 8, 14, 15, 8, 20, 13)
    lines = [" | ".join(h.ljust(w) for h, w in zip(header, widths)), "-|-".join("-" * w for w in widths)]
    for r in results:
        cells = (
            r.name,
            "yes" if r.unbiased else "no",
            f"{r.batch_variance:.4g}",
            f"{r.variance_ratio:.3f}",
            f"{r.snr:.3g}",
            f"{r.relative_mean_difference:.3f}",
            f"{r.p_value:.3g}",
        )
        lines.append(" | ".join(cell.ljust(w) for cell, w in zip(cells, widths)))
    return "\n".join(lines)


def plot(results: list[EstimatorResult], path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 0.45 * len(results) + 1.2))
    names = [r.name for r in results][::-1]
    values = [r.batch_variance for r in results][::-1]
    colors = ["tab:blue" if r.unbiased else "tab:orange" for r in results][::-1]
    ax.barh(names, values, color=colors)
    ax.set_xscale("log")
    ax.set_xlabel("variance of the batch gradient estimate, tr Cov (log scale)")
    ax.set_title(title)
    from matplotlib.patches import Patch

    ax.legend(handles=[Patch(color="tab:blue", label="unbiased"), Patch(color="tab:orange", label="biased (bootstraps)")])
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def analysable_algorithms() -> dict[str, type[BaseAlgorithm]]:
    """The algorithms the variance CLI analyses, by ``--algo`` name: ours and SB3's A2C and PPO, sb3-contrib's TRPO."""
    from sb3_pg import ALGOS

    return {**ALGOS, "a2c": A2C, "ppo": PPO, "trpo": TRPO}


def checkpoint_algorithms(checkpoint: str) -> list[str]:
    """
    The algorithm that saved ``checkpoint``: sb3_pg's save their class's name; for SB3's (whose zip does not name the
    class), those whose saved state has exactly the attributes stored (each algorithm stores its own
    hyperparameters, so the set of stored attributes tells them apart). A class matches when the checkpoint holds
    every attribute it stores and no attribute that only other classes store; an attribute the class defines with a
    default (added after older checkpoints were saved) may be missing.

    :param checkpoint: Path of a model saved by ``model.save``
    :return: The names (``--algo`` values) of the matching algorithms, usually one
    """
    data, _, _ = load_from_zip_file(checkpoint, device="cpu")
    # sb3_pg's algorithms save their class's name
    algorithms = analysable_algorithms()
    if data and "algorithm_class" in data:
        return [name for name, algo_class in algorithms.items() if algo_class.__name__ == data["algorithm_class"]]
    stored = set(data or {})
    attributes, required = {}, {}
    for name, algo_class in algorithms.items():
        # The attributes a model of this class saves, before _setup_model adds its schedules
        model: Any = algo_class("MlpPolicy", None, _init_setup_model=False)  # type: ignore[call-arg]
        attributes[name] = set(model.__dict__) - set(model._excluded_save_params())
        # An attribute with a class-level default may be missing from checkpoints saved before it existed
        required[name] = {attribute for attribute in attributes[name] if not hasattr(algo_class, attribute)}
    known = set().union(*attributes.values())
    return [name for name, own in attributes.items() if required[name] <= stored and not (stored - own) & known]


def load_policy(algo: str, env_id: str, checkpoint: str | None, seed: int) -> tuple[ActorCriticPolicy, Any | None, str]:
    """The policy, V(observations) when the checkpoint has a critic (else ``None``) and where they come from."""
    algos = analysable_algorithms()
    if algo not in algos:
        raise ValueError(f"--algo {algo!r} is not one of {sorted(algos)}")
    if checkpoint is None:
        algo_class: Any = algos[algo]  # an on-policy algorithm: (policy, env, ...)
        model = algo_class("MlpPolicy", env_id, seed=seed, device="cpu")
        return model.policy, None, f"fresh {algo} policy (seed {seed})"
    matches = checkpoint_algorithms(checkpoint)
    if algo not in matches:
        found = f"a {' or '.join(matches)} model" if matches else f"none of {sorted(algos)}"
        raise ValueError(f"--checkpoint {checkpoint} is not a {algo} model: its saved attributes are those of {found}")
    model = algos[algo].load(checkpoint, device="cpu")
    policy = model.policy
    assert isinstance(policy, ActorCriticPolicy), f"{type(policy).__name__} is not an actor-critic policy"
    # Actor-only policies (REINFORCE's, and ReinforceBaseline's with a constant baseline) have no value network
    has_critic = not isinstance(policy, ActorPolicy)
    value_fn = policy.predict_values if has_critic else None
    return policy, value_fn, f"{algo} checkpoint {checkpoint}"


def add_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """The ``variance`` command's flags, added to ``parser`` (its own, or its subcommand of ``python -m sb3_pg.analysis``)."""
    parser.add_argument("--env", required=True, help="gymnasium env id")
    parser.add_argument("--algo", default="reinforce_baseline", help="the checkpoint's algorithm (or the fresh policy's)")
    parser.add_argument("--checkpoint", default=None, help="a saved model (.zip); default: a freshly initialised policy")
    parser.add_argument("--batches", type=int, default=50, help="K: batches over which the variance is measured")
    parser.add_argument("--episodes", type=int, default=8, help="N: episodes per batch")
    parser.add_argument("--fit-episodes", type=int, default=50, help="held-out episodes for the baselines")
    parser.add_argument("--gamma", type=float, default=0.99, help="discount factor, in [0, 1]")
    parser.add_argument("--lambdas", type=float, nargs="*", default=[0.9, 0.95, 0.97], help="GAE lambdas, in [0, 1]")
    parser.add_argument("--fit-value", action="store_true", help="fit V even when the checkpoint has a critic")
    parser.add_argument(
        "--max-episode-steps",
        type=int,
        default=None,
        help="cut episodes after this many steps (default: the env's time limit; needed for an env without one)",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the episodes (>= 0)")
    parser.add_argument("--plot", default=None, help="PNG path (default: variance_<env>.png); checked before the work starts")
    parser.add_argument("--no-plot", action="store_true", help="write no plot")
    parser.add_argument("--json", default=None, help="also write the results as JSON here (written before the plot)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bars on stderr")
    parser.add_argument("--strict", action="store_true", help="exit with status 1 when an unbiased estimator's mean differs")
    return parser


def output_path_problem(path: Path) -> str | None:
    """Why a file cannot be written at ``path`` (checked before the work, so that no result is lost); ``None`` if it can."""
    if path.is_dir():
        return "it is a folder"
    folder = path.absolute().parent
    if not folder.is_dir():
        return f"its folder {folder} does not exist"
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"its folder {folder} is not writable"
    return None


def _check_arguments(args: argparse.Namespace, error: Callable[[str], NoReturn]) -> Path | None:
    """
    Every flag that could fail after the work, checked before it.

    :param args: The parsed flags
    :param error: The parser's ``error`` (prints the usage and the message, exits with status 2)
    :return: The plot's path, or ``None`` for no plot
    """
    for flag, value, low in (
        ("--batches", args.batches, 2),
        ("--episodes", args.episodes, 1),
        ("--fit-episodes", args.fit_episodes, 2),
        ("--seed", args.seed, 0),
        *((("--max-episode-steps", args.max_episode_steps, 1),) if args.max_episode_steps is not None else ()),
    ):
        if value < low:
            error(f"{flag} {value}: must be >= {low}")
    for flag, value in (("--gamma", args.gamma), *(("--lambdas", lam) for lam in args.lambdas)):
        if not 0 <= value <= 1:
            error(f"{flag} {value}: must be in [0, 1]")
    if args.checkpoint is not None and not Path(args.checkpoint).is_file():
        error(f"--checkpoint {args.checkpoint}: no such file")
    _check_env(args.env, args.max_episode_steps, error)
    return _check_outputs(args, error)


def _check_env(env_id: str, max_episode_steps: int | None, error: Callable[[str], NoReturn]) -> None:
    """The env is registered, can be made, and its episodes end (a time limit of its own or ``--max-episode-steps``)."""
    if env_id not in gym.registry:
        error(f"--env {env_id}: not a registered gymnasium env")
    if max_episode_steps is None and gym.spec(env_id).max_episode_steps is None:
        error(f"--env {env_id} has no time limit, so its episodes may never end: pass --max-episode-steps N")
    try:
        gym.make(env_id).close()
    except Exception as made:  # a missing optional package (box2d, mujoco, ...), bad defaults of a custom env
        error(f"--env {env_id} cannot be made: {type(made).__name__}: {made}")


def _check_outputs(args: argparse.Namespace, error: Callable[[str], NoReturn]) -> Path | None:
    """The JSON and plot paths can be written (folder, plot format); the plot's path, or ``None`` for no plot."""
    if args.json is not None:
        problem = output_path_problem(Path(args.json))
        if problem:
            error(f"--json {args.json}: {problem}")
    if args.no_plot:
        return None
    plot_path = Path(args.plot or f"variance_{args.env.replace('/', '_')}.png")
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
    except ImportError:
        if args.plot is not None:
            error(f"--plot {args.plot}: matplotlib is not installed (pip install matplotlib), or pass --no-plot")
        print("no plot: matplotlib is not installed (pip install matplotlib)")
        return None
    problem = output_path_problem(plot_path)
    formats = FigureCanvasAgg.get_supported_filetypes()
    if problem is None and plot_path.suffix and plot_path.suffix[1:].lower() not in formats:
        problem = f"matplotlib writes {', '.join(sorted(formats))}, not {plot_path.suffix}"
    if problem:
        error(f"--plot {plot_path}: {problem}")
    return plot_path


def run(args: argparse.Namespace, error: Callable[[str], NoReturn]) -> int:
    """
    The ``variance`` command: check the flags, measure, print the table, write the JSON, then the plot.

    :param args: The parsed flags (:func:`add_arguments`)
    :param error: The parser's ``error``
    :return: The exit status: 0, or 1 if the plot could not be written or ``--strict`` finds a mean that differs
    """
    plot_path = _check_arguments(args, error)
    try:
        policy, value_fn, source = load_policy(args.algo, args.env, args.checkpoint, args.seed)
    except ValueError as problem:
        error(str(problem))
    env = (
        gym.make(args.env) if args.max_episode_steps is None else gym.make(args.env, max_episode_steps=args.max_episode_steps)
    )
    for kind, ours, theirs in (
        ("observation", policy.observation_space, env.observation_space),
        ("action", policy.action_space, env.action_space),
    ):
        if ours != theirs:
            error(
                f"--checkpoint {args.checkpoint} does not match --env {args.env}: "
                f"its {kind} space is {ours}, the env's is {theirs}"
            )
        if not isinstance(theirs, ARRAY_SPACES):
            names = ", ".join(space.__name__ for space in ARRAY_SPACES)
            error(f"--env {args.env}: its {kind} space is {theirs}; the analysis takes {names} spaces")
    if args.fit_value:
        value_fn = None
    results = analyse(
        policy,
        env,
        value_fn=value_fn,
        n_batches=args.batches,
        episodes_per_batch=args.episodes,
        fit_episodes=args.fit_episodes,
        gamma=args.gamma,
        lambdas=tuple(args.lambdas),
        seed=args.seed,
        progress=not args.no_progress,
    )
    value_source = "the checkpoint's critic" if value_fn is not None else f"fitted on {args.fit_episodes} held-out episodes"
    print(
        f"{args.env}, {source}: K={args.batches} batches of N={args.episodes} episodes, gamma={args.gamma}, V {value_source}"
    )
    print(format_table(results))
    checks = theory_checks(results)
    for claim, holds in checks:
        print(f"[{'ok' if holds else 'NO'}] {claim}")
    # The JSON first: a plot that fails cannot lose the results
    if args.json:
        payload = {"env": args.env, "source": source, "results": [asdict(r) for r in results], "checks": dict(checks)}
        Path(args.json).write_text(json.dumps(payload, indent=1))
        print(f"json: {args.json}")
    status = 1 if args.strict and not checks[0][1] else 0
    if plot_path is not None:
        try:
            plot(results, plot_path, f"{args.env}: gradient-estimator variance ({source})")
            print(f"plot: {plot_path}")
        except (OSError, ValueError) as problem:
            print(f"no plot: writing {plot_path} failed ({problem}); the results are above", file=sys.stderr)
            status = 1
    return status


def main(argv: list[str] | None = None) -> int:
    """
    ``python -m sb3_pg.analysis variance ...`` (see the module docstring and ``--help``).

    :param argv: The flags after ``variance`` (default: ``sys.argv[1:]``)
    :return: The exit status
    """
    parser = argparse.ArgumentParser(
        prog="python -m sb3_pg.analysis variance",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_arguments(parser)
    return run(parser.parse_args(argv), parser.error)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
