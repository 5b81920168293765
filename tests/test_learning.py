"""Seeded learning checks on CartPole-v1: each seed solves it in under 10 s on 2 CPU cores, so they run by default."""

import pytest
from stable_baselines3.common.callbacks import EvalCallback, StopTrainingOnRewardThreshold
from stable_baselines3.common.env_util import make_vec_env

from sb3_pg import Reinforce, ReinforceBaseline

BUDGET = 60_000
CONFIGS = {
    "Reinforce": (Reinforce, dict(n_episodes=4, learning_rate=5e-3, gamma=0.99)),
    "ReinforceBaseline": (
        ReinforceBaseline,
        dict(n_episodes=4, learning_rate=5e-3, critic_learning_rate=1e-2, gamma=0.99),
    ),
}


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("name", list(CONFIGS))
def test_cartpole_reaches_475(name, seed):
    algo, kwargs = CONFIGS[name]
    model = algo("MlpPolicy", make_vec_env("CartPole-v1", n_envs=1, seed=seed), seed=seed, device="cpu", **kwargs)
    eval_env = make_vec_env("CartPole-v1", n_envs=1, seed=seed + 1000)
    stop = StopTrainingOnRewardThreshold(reward_threshold=475)
    evaluation = EvalCallback(eval_env, callback_on_new_best=stop, eval_freq=2_500, n_eval_episodes=10, verbose=0)
    model.learn(BUDGET, callback=evaluation)
    assert evaluation.best_mean_reward >= 475, f"best evaluation {evaluation.best_mean_reward} after {model.num_timesteps}"
