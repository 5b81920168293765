"""Settings that cannot learn are refused, or warned about, with the cause named; late failures name their cause."""

import re

import gymnasium as gym
import numpy as np
import pytest
import torch as th
from gymnasium import spaces
from stable_baselines3.common.env_util import make_vec_env
from test_step_mean_baseline import TimeOnlyReturnEnv

from sb3_pg import TNPG, Reinforce, ReinforceBaseline, TDActorCritic


def test_returns_equal_to_the_step_mean_baseline_move_nothing_even_with_adam():
    """Adam is invariant to the gradient's scale: float32 rounding noise in psi_t - b_t would make full-size steps."""
    model = ReinforceBaseline(
        "MlpPolicy", make_vec_env(TimeOnlyReturnEnv, n_envs=2, seed=0), baseline="step_mean", n_episodes=4, seed=0
    )
    before = [param.detach().clone() for param in model.policy.parameters()]
    model.learn(4 * 6 * 3)
    for param, old in zip(model.policy.parameters(), before):
        assert th.equal(param.detach(), old)


def test_reject_kl_factor_below_one_is_refused():
    with pytest.raises(ValueError, match=re.escape("reject_kl_factor=0.5 is below 1")):
        TNPG("MlpPolicy", "CartPole-v1", reject_kl_factor=0.5)
    TNPG("MlpPolicy", "CartPole-v1", reject_kl_factor=1.0)


@pytest.mark.parametrize("target_kl", [1e3, 1e30])
def test_a_target_kl_beyond_the_quadratic_model_is_refused(target_kl):
    with pytest.raises(ValueError, match=re.escape(f"target_kl={target_kl!r} is above 1.0: the step is sized")):
        TNPG("MlpPolicy", "CartPole-v1", target_kl=target_kl)


def test_a_target_kl_schedule_is_checked_against_the_bound_at_its_start_and_end():
    with pytest.raises(ValueError, match=r"target_kl: the schedule returned 5\.0 at progress_remaining=1, above 1\.0"):
        TNPG("MlpPolicy", "CartPole-v1", target_kl=lambda progress: 5.0 * progress)
    with pytest.raises(ValueError, match=r"target_kl: the schedule returned 2\.0 at progress_remaining=0, above 1\.0"):
        TNPG("MlpPolicy", "CartPole-v1", target_kl=lambda progress: 2.0 - 2.0 * progress)


def test_a_schedule_is_checked_when_used_too():
    """A schedule that is fine at its ends and not in between is refused when training reaches the bad value."""
    model = TNPG("MlpPolicy", "CartPole-v1", n_steps=64, batch_size=64, target_kl=lambda p: 5.0 if 0 < p < 1 else 0.01)
    with pytest.raises(ValueError, match=r"target_kl: the schedule returned 5\.0 at progress_remaining=0\.5"):
        model.learn(128)


@pytest.mark.parametrize("cg_damping", [1e6, 1e300])
def test_a_damping_that_outweighs_any_fisher_matrix_is_refused(cg_damping):
    with pytest.raises(ValueError, match=re.escape(f"cg_damping={cg_damping!r} is above")):
        TNPG("MlpPolicy", "CartPole-v1", cg_damping=cg_damping)


def test_a_damping_that_dominates_the_policy_s_curvature_is_warned_about():
    model = TNPG("MlpPolicy", "CartPole-v1", n_steps=128, cg_damping=1e4, seed=0)
    with pytest.warns(RuntimeWarning, match=re.escape("cg_damping=10000.0 dominates the Fisher matrix")):
        model.learn(128)
    assert model.logger.name_to_value["train/step_kl"] < 0.01 * model.logger.name_to_value["train/target_kl"]


class HugeRewardEnv(gym.Env):
    """Rewards near float32's largest value: a few of them overflow the returns."""

    observation_space = spaces.Box(-1.0, 1.0, (2,), dtype=np.float32)
    action_space = spaces.Discrete(2)

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self.t = 0
        return np.zeros(2, dtype=np.float32), {}

    def step(self, action):
        self.t += 1
        return np.zeros(2, dtype=np.float32), 3e38, False, self.t >= 5, {}


@pytest.mark.parametrize(
    "algo, kwargs",
    [(Reinforce, dict(n_episodes=2)), (ReinforceBaseline, dict(n_episodes=2)), (TDActorCritic, dict(n_steps=5))],
)
def test_returns_that_overflow_float32_are_named(algo, kwargs):
    model = algo("MlpPolicy", HugeRewardEnv(), seed=0, **kwargs)
    with pytest.raises(FloatingPointError, match="The returns overflow float32 arithmetic"):
        model.learn(20)


def test_tnpg_names_returns_that_overflow_float32():
    model = TNPG("MlpPolicy", HugeRewardEnv(), n_steps=10, batch_size=10, seed=0)
    with pytest.raises(FloatingPointError, match="returns overflow float32"):
        model.learn(10)


@pytest.mark.parametrize(
    "saved, loader",
    [
        (ReinforceBaseline, Reinforce),
        (TDActorCritic, Reinforce),
        (TNPG, Reinforce),
        (Reinforce, ReinforceBaseline),
        (TNPG, TDActorCritic),
    ],
)
def test_loading_another_algorithm_s_file_names_both(saved, loader, tmp_path):
    saved("MlpPolicy", "CartPole-v1", seed=0).save(tmp_path / "model.zip")
    with pytest.raises(ValueError, match=f"this file holds a {saved.__name__}, not a {loader.__name__}"):
        loader.load(tmp_path / "model.zip")


class NeverEndingImageEnv(gym.Env):
    observation_space = spaces.Box(0, 255, (36, 36, 3), dtype=np.uint8)
    action_space = spaces.Discrete(2)

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        return self.observation_space.sample(), {}

    def step(self, action):
        return self.observation_space.sample(), 0.0, False, False, {}


def test_a_never_ending_episode_warns_with_the_memory_it_will_take_and_stops_at_the_bound():
    model = Reinforce("CnnPolicy", NeverEndingImageEnv(), n_episodes=1, max_episode_steps=200)
    # 36 x 36 x 3 bytes per step, 200 steps: 0.74 MiB, printed as 1
    with pytest.warns(UserWarning, match=r"observations alone take about 1 MiB"), pytest.raises(ValueError, match="ran 201"):
        model.learn(100)


def test_one_episode_batches_of_the_episode_return_cannot_be_standardised():
    with pytest.raises(ValueError, match="every step of a one-episode batch has the same return"):
        Reinforce("MlpPolicy", "CartPole-v1", n_episodes=1, return_type="episode", normalize_advantage=True)


def test_a_batch_of_equal_advantages_standardises_to_exact_zeros():
    """With n_steps batches a batch can still hold one episode: its equal returns must move nothing (float32 rounding
    of the mean, divided by a standard deviation of the same size, gave steps of order one)."""
    model = Reinforce("MlpPolicy", "CartPole-v1", n_steps=10, return_type="episode", normalize_advantage=True, seed=0)
    before = [param.detach().clone() for param in model.policy.parameters()]
    model.learn(300)
    for param, old in zip(model.policy.parameters(), before):
        assert th.equal(param.detach(), old)


@pytest.mark.parametrize("algo", [Reinforce, ReinforceBaseline, TDActorCritic, TNPG])
def test_a_zero_learning_rate_is_warned_about(algo):
    with pytest.warns(UserWarning, match="learning_rate=0, the parameters it sets will not change"):
        algo("MlpPolicy", "CartPole-v1", learning_rate=0.0)
