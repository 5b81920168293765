"""Each algorithm on every supported action space, policy type and vec env, with tiny budgets."""

import gymnasium as gym
import numpy as np
import pytest
import torch as th
from stable_baselines3.common.env_util import make_vec_env
from stable_baselines3.common.envs import (
    FakeImageEnv,
    IdentityEnv,
    IdentityEnvBox,
    IdentityEnvMultiBinary,
    IdentityEnvMultiDiscrete,
    SimpleMultiObsEnv,
)
from stable_baselines3.common.vec_env import SubprocVecEnv

from sb3_pg import TNPG, Reinforce, ReinforceBaseline, TDActorCritic

# (algorithm, extra arguments): every estimator
MODELS = [
    (Reinforce, {}),
    (Reinforce, dict(return_type="episode", normalize_advantage=True)),
    (ReinforceBaseline, dict(baseline="value")),
    (ReinforceBaseline, dict(baseline="mean", discount_gradient=True)),
    (ReinforceBaseline, dict(baseline="optimal", normalize_advantage=True)),
    (TDActorCritic, {}),
    (TDActorCritic, dict(n_steps=4, gae_lambda=0.5, discount_gradient=True, normalize_advantage=True, max_grad_norm=0.5)),
    (TNPG, dict(n_steps=32, batch_size=16, n_critic_updates=2)),
    (TNPG, dict(n_steps=32, batch_size=32, sub_sampling_factor=2, normalize_advantage=False)),
]
MODEL_IDS = [
    "reinforce",
    "reinforce-episode",
    "baseline-value",
    "baseline-mean",
    "baseline-optimal",
    "tdac",
    "tdac-gae",
    "tnpg",
    "tnpg-subsampled",
]


def make(algo, policy, env, n_episodes: int, **kwargs):
    """The model, with a batch of ``n_episodes`` complete episodes for the episodic algorithms."""
    if issubclass(algo, Reinforce):
        kwargs["n_episodes"] = n_episodes
    return algo(policy, env, seed=0, **kwargs)


ENVS = {
    "discrete": lambda: IdentityEnv(dim=3, ep_length=10),
    "box": lambda: IdentityEnvBox(ep_length=10),
    "multidiscrete": lambda: IdentityEnvMultiDiscrete(dim=3, ep_length=10),
    "multibinary": lambda: IdentityEnvMultiBinary(dim=3, ep_length=10),
}


class RewardFirstAction(gym.Wrapper):
    """Reward 1 for action 0, else 0: FakeImageEnv's rewards are all 0, which gives a zero gradient, and a constant
    reward over episodes of one length gives equal returns, which standardise to zero."""

    def step(self, action):
        obs, _, terminated, truncated, info = self.env.step(action)
        return obs, float(action == 0), terminated, truncated, info


def image_env():
    return RewardFirstAction(FakeImageEnv(screen_height=36, screen_width=36, n_channels=1))


def check_updated_with_finite_parameters(model, budget: int) -> None:
    """The budget ran, at least one update took a non-zero step from a finite loss, and every parameter is finite.
    Whether the policy got better is for tests/test_learning.py."""
    assert model.num_timesteps >= budget
    assert model._n_updates >= 1
    values = model.logger.name_to_value
    if isinstance(model, TNPG):
        # A natural step was taken (a non-zero step size), and it moved the surrogate objective
        assert values["train/step_size"] > 0 and np.isfinite(values["train/policy_objective"])
    else:
        assert np.isfinite(values["train/policy_loss"])
        assert values["train/grad_norm"] > 0
    for param in model.policy.parameters():
        assert np.isfinite(param.detach().numpy()).all()


@pytest.mark.parametrize("algo, kwargs", MODELS, ids=MODEL_IDS)
@pytest.mark.parametrize("env_name", list(ENVS))
def test_action_spaces(algo, kwargs, env_name):
    env = make_vec_env(ENVS[env_name], n_envs=2, seed=0)
    model = make(algo, "MlpPolicy", env, 4, **kwargs).learn(200)
    check_updated_with_finite_parameters(model, 200)


@pytest.mark.parametrize("algo, kwargs", MODELS, ids=MODEL_IDS)
def test_gsde(algo, kwargs):
    model = make(algo, "MlpPolicy", "Pendulum-v1", 2, use_sde=True, sde_sample_freq=4, **kwargs).learn(400)
    check_updated_with_finite_parameters(model, 400)
    assert "train/std" in model.logger.name_to_value


@pytest.mark.parametrize("algo, kwargs", MODELS, ids=MODEL_IDS)
def test_cnn_policy(algo, kwargs):
    env = make_vec_env(image_env, n_envs=2, seed=0)
    model = make(algo, "CnnPolicy", env, 2, **kwargs).learn(20)
    check_updated_with_finite_parameters(model, 20)


@pytest.mark.parametrize("algo, kwargs", MODELS, ids=MODEL_IDS)
def test_multi_input_policy(algo, kwargs):
    env = make_vec_env(SimpleMultiObsEnv, n_envs=2, seed=0)
    model = make(algo, "MultiInputPolicy", env, 2, **kwargs).learn(50)
    check_updated_with_finite_parameters(model, 50)


@pytest.mark.parametrize("algo", [Reinforce, ReinforceBaseline, TDActorCritic, TNPG])
def test_subproc_vec_env(algo):
    env = make_vec_env("CartPole-v1", n_envs=2, seed=0, vec_env_cls=SubprocVecEnv)
    try:
        model = algo("MlpPolicy", env, n_steps={TDActorCritic: 2, TNPG: 32}.get(algo, 64), seed=0).learn(64)
        check_updated_with_finite_parameters(model, 64)
    finally:
        env.close()


@pytest.mark.parametrize("algo", [Reinforce, ReinforceBaseline, TDActorCritic, TNPG])
def test_schedules_callbacks_progress_bar_tensorboard(algo, tmp_path):
    from stable_baselines3.common.callbacks import ConvertCallback, EvalCallback

    steps_seen = []
    eval_callback = EvalCallback(gym.make("CartPole-v1"), eval_freq=100, n_eval_episodes=2, verbose=0)
    model = make(
        algo, "MlpPolicy", "CartPole-v1", 2, learning_rate=lambda progress: 1e-3 * progress, tensorboard_log=str(tmp_path)
    )
    count_steps = ConvertCallback(lambda local_vars, _: steps_seen.append(1) or True)
    model.learn(300, callback=[eval_callback, count_steps], progress_bar=True, log_interval=1)
    assert len(steps_seen) == model.num_timesteps
    assert np.isfinite(eval_callback.last_mean_reward)
    assert model.logger.name_to_value["train/learning_rate"] < 1e-3
    assert any(tmp_path.rglob("events.out.tfevents*"))


@pytest.mark.parametrize("algo, kwargs", MODELS, ids=MODEL_IDS)
def test_entropy_coefficient_schedule(algo, kwargs):
    def trained(ent_coef):
        model = make(algo, "MlpPolicy", "CartPole-v1", 2, ent_coef=ent_coef, **kwargs)
        model.learn(300)
        return model

    # A schedule is the coefficient it returns: a constant one trains exactly as the float
    as_float, as_schedule = trained(0.02), trained(lambda progress: 0.02)
    for param, same in zip(as_float.policy.parameters(), as_schedule.policy.parameters()):
        assert th.equal(param, same)
    assert as_schedule.logger.name_to_value["train/ent_coef"] == 0.02
    # and a decaying one is used at its current value (logged), which changes the updates
    decaying = trained(lambda progress: 0.1 + 0.4 * progress)
    assert 0.1 <= decaying.logger.name_to_value["train/ent_coef"] < 0.5
    assert any(not th.equal(p, q) for p, q in zip(as_float.policy.parameters(), decaying.policy.parameters()))


def test_actor_policy_has_no_value_network():
    model = Reinforce("MlpPolicy", "CartPole-v1")
    assert not hasattr(model.policy, "value_net")
    names = [name for name, _ in model.policy.named_parameters()]
    assert names and not any("value" in name for name in names)
    # Constant baselines need no critic either
    assert not hasattr(ReinforceBaseline("MlpPolicy", "CartPole-v1", baseline="mean").policy, "value_net")
    assert hasattr(ReinforceBaseline("MlpPolicy", "CartPole-v1").policy, "value_net")


@pytest.mark.parametrize("algo, share", [(Reinforce, True), (TNPG, True), (TNPG, False)])
def test_discrete_forward_is_sb3_distributions(algo, share):
    """forward() samples a discrete action without a torch Distribution: SB3's actions, log-probs and values."""
    import torch as th
    from stable_baselines3.common.policies import ActorCriticPolicy

    kwargs = {} if algo is Reinforce else dict(policy_kwargs=dict(share_features_extractor=share))
    policy = algo("MlpPolicy", "CartPole-v1", seed=0, **kwargs).policy
    obs = th.randn(256, 4)
    for deterministic in (False, True):
        th.manual_seed(1)
        actions, values, log_prob = policy(obs, deterministic=deterministic)
        th.manual_seed(1)
        distribution = policy.get_distribution(obs)
        expected = distribution.get_actions(deterministic=deterministic)
        assert th.equal(actions, expected)
        th.testing.assert_close(log_prob, distribution.log_prob(expected))
        if algo is not Reinforce:
            _, expected_values, _ = ActorCriticPolicy.forward(policy, obs, deterministic=deterministic)
            th.testing.assert_close(values, expected_values)
    # Sampled: both actions drawn with their probabilities
    assert 0 < policy(obs)[0].float().mean() < 1


# The estimators with a critic, and the envs of each policy type (with its budget)
CRITIC_MODELS = [
    (algo, kwargs) for algo, kwargs in MODELS if algo in (TDActorCritic, TNPG) or kwargs.get("baseline") == "value"
]
CRITIC_IDS = [name for name, (algo, kwargs) in zip(MODEL_IDS, MODELS) if (algo, kwargs) in CRITIC_MODELS]
POLICY_ENVS = {
    "MlpPolicy": ("Pendulum-v1", 64),
    "MlpPolicy-gsde": ("Pendulum-v1", 64),
    "CnnPolicy": (image_env, 20),
    "MultiInputPolicy": (SimpleMultiObsEnv, 50),
}


@pytest.mark.parametrize("policy", list(POLICY_ENVS))
@pytest.mark.parametrize("algo, kwargs", CRITIC_MODELS, ids=CRITIC_IDS)
def test_separate_actor_and_critic_features_extractors(algo, kwargs, policy):
    """SB3's share_features_extractor=False: the actor's and the critic's extractors are separate modules."""
    env_id, budget = POLICY_ENVS[policy]
    env = make_vec_env(env_id, n_envs=2, seed=0)
    extra = dict(use_sde=True) if policy.endswith("gsde") else {}
    policy_kwargs = dict(share_features_extractor=False)
    model = make(algo, policy.split("-")[0], env, 2, policy_kwargs=policy_kwargs, **extra, **kwargs)
    assert model.policy.pi_features_extractor is not model.policy.vf_features_extractor
    critic = {id(param) for param in model.policy.critic_parameters()}
    assert all(id(param) in critic for param in model.policy.vf_features_extractor.parameters())
    check_updated_with_finite_parameters(model.learn(budget), budget)


@pytest.mark.parametrize("algo, kwargs", [(Reinforce, {}), (ReinforceBaseline, dict(baseline="mean"))])
def test_separate_features_extractors_are_refused_without_a_critic(algo, kwargs):
    with pytest.raises(ValueError, match="share_features_extractor=False: this policy has no value network"):
        algo("MlpPolicy", "CartPole-v1", policy_kwargs=dict(share_features_extractor=False), **kwargs)
