"""Save/load round trip: identical predictions, optimizer states, and training that continues."""

import numpy as np
import pytest
import torch as th
from stable_baselines3.common.env_util import make_vec_env

from sb3_pg import Reinforce, ReinforceBaseline

MODELS = [
    (Reinforce, dict(return_type="episode", discount_gradient=False)),
    (ReinforceBaseline, dict(baseline="value", critic_learning_rate=lambda p: 3e-3 * p, n_critic_epochs=3)),
    (ReinforceBaseline, dict(baseline="optimal")),
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


@pytest.mark.parametrize("algo, kwargs", MODELS, ids=["reinforce", "baseline-value", "baseline-optimal"])
def test_save_load(algo, kwargs, tmp_path):
    env = make_vec_env("CartPole-v1", n_envs=2, seed=0)
    model = algo("MlpPolicy", env, n_episodes=4, seed=0, **kwargs).learn(500)
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
    for name in ("n_episodes", "return_type", "discount_gradient", "gamma", "num_timesteps"):
        assert getattr(loaded, name) == getattr(model, name)
    if algo is ReinforceBaseline:
        assert loaded.baseline == model.baseline
        assert loaded.critic_lr_schedule(0.5) == model.critic_lr_schedule(0.5)

    # Training continues from where it stopped
    timesteps = loaded.num_timesteps
    loaded.learn(300, reset_num_timesteps=False)
    assert loaded.num_timesteps >= timesteps + 300
    assert loaded._n_updates > model._n_updates


def test_resume_is_exact(tmp_path):
    """Training 2 x k steps with a save/load in between equals training the same number of batches at once."""
    kwargs = dict(n_episodes=2, seed=3, critic_learning_rate=1e-2)
    model = ReinforceBaseline("MlpPolicy", make_vec_env("CartPole-v1", n_envs=1, seed=3), **kwargs)
    model.learn(200)
    model.save(tmp_path / "half.zip")
    # Same random state for both continuations: the next batch starts from a reset env
    th.manual_seed(7)
    np.random.seed(7)
    model.env.seed(11)
    model._last_episode_starts[:] = False
    model.learn(200, reset_num_timesteps=False)

    loaded = ReinforceBaseline.load(tmp_path / "half.zip", env=make_vec_env("CartPole-v1", n_envs=1, seed=3))
    loaded._last_obs = np.zeros((1, 4), dtype=np.float32)
    loaded._last_episode_starts = np.zeros(1, dtype=bool)
    th.manual_seed(7)
    np.random.seed(7)
    loaded.env.seed(11)
    loaded.learn(200, reset_num_timesteps=False)
    assert loaded.num_timesteps == model.num_timesteps
    for param, loaded_param in zip(model.policy.parameters(), loaded.policy.parameters()):
        th.testing.assert_close(param, loaded_param)
