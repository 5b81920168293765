"""ReinforceBaseline's time-dependent baseline (``baseline="step_mean"``): its values, and batches it cancels."""

import gymnasium as gym
import numpy as np
import torch as th
from gymnasium import spaces
from stable_baselines3.common.env_util import make_vec_env
from stable_baselines3.common.logger import configure

from sb3_pg import ReinforceBaseline
from sb3_pg.common.buffers import EpisodicSamples


class TimeOnlyReturnEnv(gym.Env):
    """Every episode lasts ``length`` steps with reward -1 at each, whatever the actions: returns depend on time only."""

    def __init__(self, length: int = 6):
        self.observation_space = spaces.Box(-1.0, 1.0, shape=(3,), dtype=np.float32)
        self.action_space = spaces.Discrete(2)
        self.length = length
        self.t = 0

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self.t = 0
        return self.observation_space.sample(), {}

    def step(self, action):
        self.t += 1
        return self.observation_space.sample(), -1.0, self.t >= self.length, False, {}


def test_values_by_hand():
    """Episode i's b_t is the mean of G_t over the other episodes that reach step t, and 0 where none does."""
    model = ReinforceBaseline("MlpPolicy", "CartPole-v1", baseline="step_mean", n_episodes=3)
    model.set_logger(configure(None, [""]))
    # Three episodes: returns (3, 2, 1), (5, 4) and (7), steps in the order a shuffled batch may hold them
    returns = th.tensor([2.0, 7.0, 3.0, 4.0, 1.0, 5.0])
    episode_ids = th.tensor([0, 2, 0, 1, 0, 1])
    steps = th.tensor([1, 0, 0, 1, 2, 0])
    zeros = th.zeros(6)
    data = EpisodicSamples(th.zeros(6, 4), zeros, zeros, zeros, returns, zeros, episode_ids, steps)
    advantages = model._advantages(data, log_prob=th.zeros(6))
    baselines = returns - advantages
    # Episode 0 at t = 1: the other episode reaching t = 1 returns 4; episode 2 at t = 0: (3 + 5) / 2; episode 0 at
    # t = 0: (7 + 5) / 2; episode 1 at t = 1: 2; episode 0 at t = 2: no other episode, 0; episode 1 at t = 0: (3 + 7) / 2
    np.testing.assert_allclose(baselines.numpy(), [4.0, 4.0, 6.0, 2.0, 0.0, 5.0])
    assert model.logger.name_to_value["train/baseline"] == np.mean([4.0, 4.0, 6.0, 2.0, 0.0, 5.0])


def test_returns_that_depend_on_time_only_give_no_step():
    """
    Equal-length episodes with the same rewards, whatever the actions: the time-dependent baseline cancels every
    return, so the policy does not move, where the constant leave-one-out mean leaves a time trend that moves it.
    """
    moved = {}
    for baseline in ("step_mean", "mean"):
        env = make_vec_env(TimeOnlyReturnEnv, n_envs=2, seed=0)
        model = ReinforceBaseline(
            "MlpPolicy",
            env,
            baseline=baseline,
            n_episodes=4,
            learning_rate=0.1,
            seed=0,
            policy_kwargs=dict(optimizer_class=th.optim.SGD, optimizer_kwargs={}),
        )
        before = [p.detach().clone() for p in model.policy.parameters()]
        model.learn(4 * 6 * 3)
        moved[baseline] = max((p.detach() - b).abs().max().item() for p, b in zip(model.policy.parameters(), before))
    # Zero up to float32 rounding of the leave-one-out sums
    assert moved["step_mean"] < 1e-6
    assert moved["mean"] > 1e-3
