"""Save/load round trip: identical predictions, optimizer states, and training that continues."""

import numpy as np
import pytest
import torch as th
from stable_baselines3.common.env_util import make_vec_env

from sb3_pg import TNPG, Reinforce, ReinforceBaseline, TDActorCritic

MODELS = [
    (Reinforce, dict(return_type="episode", discount_gradient=False)),
    (ReinforceBaseline, dict(baseline="value", critic_learning_rate=lambda p: 3e-3 * p, n_critic_updates=3)),
    (ReinforceBaseline, dict(baseline="optimal")),
    (TDActorCritic, dict(n_steps=2, critic_learning_rate=lambda p: 3e-3 * p, discount_gradient=True)),
    (TNPG, dict(n_steps=64, batch_size=32, target_kl=0.02, cg_damping=0.05)),
]


def optimizer_states(policy) -> list[dict]:
    return [policy.optimizer.state_dict()]


def assert_same_optimizer_states(first: list[dict], second: list[dict]) -> None:
    assert len(first) == len(second)
    for state_a, state_b in zip(first, second):
        assert state_a["param_groups"] == state_b["param_groups"]
        assert state_a["state"].keys() == state_b["state"].keys() and len(state_a["state"]) > 0
        for key in state_a["state"]:
            for name, value in state_a["state"][key].items():
                th.testing.assert_close(value, state_b["state"][key][name])


@pytest.mark.parametrize("algo, kwargs", MODELS, ids=["reinforce", "baseline-value", "baseline-optimal", "tdac", "tnpg"])
def test_save_load(algo, kwargs, tmp_path):
    env = make_vec_env("CartPole-v1", n_envs=2, seed=0)
    batch = dict(n_episodes=4) if issubclass(algo, Reinforce) else {}
    model = algo("MlpPolicy", env, seed=0, **batch, **kwargs).learn(500)
    observations = np.stack([env.observation_space.sample() for _ in range(20)])
    actions, _ = model.predict(observations, deterministic=True)
    path = tmp_path / "model.zip"
    model.save(path)

    loaded = algo.load(path, env=env)
    loaded_actions, _ = loaded.predict(observations, deterministic=True)
    np.testing.assert_array_equal(actions, loaded_actions)
    for param, loaded_param in zip(model.policy.parameters(), loaded.policy.parameters()):
        th.testing.assert_close(param, loaded_param)
    assert_same_optimizer_states(optimizer_states(model.policy), optimizer_states(loaded.policy))
    for name in ("n_steps", "gamma", "num_timesteps"):
        assert getattr(loaded, name) == getattr(model, name)
    assert getattr(loaded, "discount_gradient", None) == getattr(model, "discount_gradient", None)
    if issubclass(algo, Reinforce):
        assert (loaded.n_episodes, loaded.return_type) == (model.n_episodes, model.return_type)
    if algo is TDActorCritic:
        np.testing.assert_array_equal(loaded._gradient_discounts, model._gradient_discounts)
    if algo is TNPG:
        assert (loaded.target_kl, loaded.cg_damping, loaded.batch_size) == (0.02, 0.05, 32)
    if algo in (ReinforceBaseline, TDActorCritic) and kwargs.get("baseline", "value") == "value":
        assert loaded.critic_lr_schedule(0.5) == model.critic_lr_schedule(0.5)
        assert [group["lr"] for group in loaded.policy.optimizer.param_groups] == [
            group["lr"] for group in model.policy.optimizer.param_groups
        ]
    if algo is ReinforceBaseline:
        assert loaded.baseline == model.baseline

    # Training continues from where it stopped
    timesteps = loaded.num_timesteps
    loaded.learn(300, reset_num_timesteps=False)
    assert loaded.num_timesteps >= timesteps + 300
    assert loaded._n_updates > model._n_updates


@pytest.mark.parametrize(
    "algo, kwargs",
    [
        (ReinforceBaseline, dict(n_episodes=2, critic_learning_rate=1e-2)),
        (TDActorCritic, dict(n_steps=1, discount_gradient=True)),
        (TNPG, dict(n_steps=64, batch_size=32)),
    ],
)
def test_resume_is_exact(algo, kwargs, tmp_path):
    """Training, saving and going on equals loading the saved model and going on (same seeds and env state)."""
    model = algo("MlpPolicy", make_vec_env("CartPole-v1", n_envs=1, seed=3), seed=3, **kwargs)
    model.learn(200)
    model.save(tmp_path / "half.zip")
    loaded = algo.load(tmp_path / "half.zip", env=make_vec_env("CartPole-v1", n_envs=1, seed=3))
    for agent in (model, loaded):
        # Same random state for both continuations, from an env reset with the same seed
        th.manual_seed(7)
        np.random.seed(7)
        agent.env.seed(11)
        agent._last_obs = None
        agent.learn(200, reset_num_timesteps=False)
    assert loaded.num_timesteps == model.num_timesteps
    for param, loaded_param in zip(model.policy.parameters(), loaded.policy.parameters()):
        th.testing.assert_close(param, loaded_param)
