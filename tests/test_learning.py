"""
Seeded learning checks: on CartPole-v1 each algorithm reaches an evaluation mean of 475 on each of 3 seeds; on
Acrobot-v1 ReinforceBaseline with the time-dependent baseline reaches -100 on 2 seeds.
Each run stops at the threshold. Learning runs: marked slow (CI's slow job runs them).
"""

import pytest
from stable_baselines3.common.callbacks import EvalCallback, StopTrainingOnRewardThreshold
from stable_baselines3.common.env_util import make_vec_env

from sb3_pg import TNPG, Reinforce, ReinforceBaseline, TDActorCritic

pytestmark = pytest.mark.slow

# name: (class, arguments, number of envs, budget in env steps)
CONFIGS = {
    "Reinforce": (Reinforce, dict(n_episodes=4, learning_rate=5e-3, gamma=0.99), 1, 60_000),
    "ReinforceBaseline": (
        ReinforceBaseline,
        dict(n_episodes=4, learning_rate=5e-3, critic_learning_rate=1e-2, gamma=0.99),
        1,
        60_000,
    ),
    "TDActorCritic": (TDActorCritic, dict(learning_rate=5e-4, critic_learning_rate=2e-3, gamma=0.99), 8, 150_000),
    "TNPG": (TNPG, dict(n_steps=512, gamma=0.99), 1, 150_000),
}


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("name", list(CONFIGS))
def test_cartpole_reaches_475(name, seed):
    algo, kwargs, n_envs, budget = CONFIGS[name]
    env = make_vec_env("CartPole-v1", n_envs=n_envs, seed=seed)
    model = algo("MlpPolicy", env, seed=seed, device="cpu", **kwargs)
    eval_env = make_vec_env("CartPole-v1", n_envs=1, seed=seed + 1000)
    stop = StopTrainingOnRewardThreshold(reward_threshold=475)
    eval_freq = 2_500 // n_envs
    evaluation = EvalCallback(eval_env, callback_on_new_best=stop, eval_freq=eval_freq, n_eval_episodes=10, verbose=0)
    model.learn(budget, callback=evaluation)
    assert evaluation.best_mean_reward >= 475, f"best evaluation {evaluation.best_mean_reward} after {model.num_timesteps}"


@pytest.mark.parametrize("seed", [0, 1])
def test_acrobot_time_dependent_baseline_reaches_minus_100(seed):
    """
    ReinforceBaseline with Acrobot's shipped settings (2 episodes per update, Adam 3e-3, ``baseline="step_mean"``):
    batches of failed episodes give no step, and the first successes are learned from (docs/reinforce.md).
    """
    env = make_vec_env("Acrobot-v1", n_envs=1, seed=seed)
    model = ReinforceBaseline(
        "MlpPolicy", env, n_episodes=2, learning_rate=3e-3, baseline="step_mean", seed=seed, device="cpu"
    )
    eval_env = make_vec_env("Acrobot-v1", n_envs=1, seed=seed + 1000)
    stop = StopTrainingOnRewardThreshold(reward_threshold=-100)
    evaluation = EvalCallback(eval_env, callback_on_new_best=stop, eval_freq=5_000, n_eval_episodes=10, verbose=0)
    model.learn(200_000, callback=evaluation)
    assert evaluation.best_mean_reward >= -100, f"best evaluation {evaluation.best_mean_reward} after {model.num_timesteps}"
