"""
GymnasiumVecEnv gives a gymnasium vector env SB3's VecEnv semantics: the observations, rewards, dones, terminal
observations and time-limit flags of SB3's DummyVecEnv on the same env, seeds and actions, and the algorithms learn
from it with their episode statistics logged.
"""

import csv
import re
import warnings

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.vector import AutoresetMode, VectorWrapper
from stable_baselines3.common.callbacks import EvalCallback, StopTrainingOnRewardThreshold
from stable_baselines3.common.env_util import make_vec_env
from stable_baselines3.common.evaluation import evaluate_policy
from stable_baselines3.common.logger import configure
from stable_baselines3.common.monitor import Monitor
from stable_baselines3.common.vec_env import DummyVecEnv, VecMonitor

from sb3_pg import TNPG, Reinforce, ReinforceBaseline, TDActorCritic
from sb3_pg.common.vec_env import GymnasiumVecEnv, make_gymnasium_vec_env, unbatch_info

N_ENVS = 4
MAX_STEPS = 20  # time limit short enough for random actions to reach it (truncations) as well as fall (terminations)


def dummy(seed: int) -> DummyVecEnv:
    return make_vec_env("CartPole-v1", n_envs=N_ENVS, seed=seed, env_kwargs={"max_episode_steps": MAX_STEPS})  # type: ignore[return-value]


def compare_steps(reference, adapter, n_steps: int, rng: np.random.Generator, before_step=None) -> tuple[int, int]:
    """
    Step both vec envs with the same random actions; assert the same results.

    :param before_step: called with the adapter's step results before the comparison of each step
    :return: the numbers of terminations and truncations seen
    """
    terminations = truncations = 0
    for _ in range(n_steps):
        actions = rng.integers(0, 2, size=N_ENVS)
        obs, rewards, dones, infos = reference.step(actions)
        adapter_result = adapter.step(actions)
        if before_step is not None:
            adapter_result = before_step(reference, adapter, adapter_result)
        adapter_obs, adapter_rewards, adapter_dones, adapter_infos = adapter_result
        np.testing.assert_allclose(adapter_obs, obs, rtol=1e-5, atol=1e-6)
        assert adapter_obs.dtype == obs.dtype
        np.testing.assert_array_equal(adapter_rewards, rewards)
        assert adapter_rewards.dtype == rewards.dtype == np.float32
        np.testing.assert_array_equal(adapter_dones, dones)
        for info, adapter_info, done in zip(infos, adapter_infos, dones):
            assert adapter_info["TimeLimit.truncated"] == info["TimeLimit.truncated"]
            assert ("terminal_observation" in adapter_info) == done
            if done:
                np.testing.assert_allclose(
                    adapter_info["terminal_observation"], info["terminal_observation"], rtol=1e-5, atol=1e-6
                )
                assert adapter_info["episode"]["l"] == info["episode"]["l"]
                assert adapter_info["episode"]["r"] == info["episode"]["r"]
                truncations += info["TimeLimit.truncated"]
                terminations += not info["TimeLimit.truncated"]
    return terminations, truncations


@pytest.mark.parametrize("autoreset_mode", [AutoresetMode.SAME_STEP, AutoresetMode.NEXT_STEP])
def test_sync_vector_env_gives_dummy_vec_envs_results(autoreset_mode):
    # gymnasium's SyncVectorEnv seeds env i with seed + i and resets it from its own generator, as DummyVecEnv:
    # the same episodes, step for step (next-step autoreset: the adapter resets done envs with a reset mask)
    reference = dummy(seed=3)
    env = gym.make_vec(
        "CartPole-v1",
        num_envs=N_ENVS,
        vectorization_mode="sync",
        vector_kwargs={"autoreset_mode": autoreset_mode},
        max_episode_steps=MAX_STEPS,
    )
    adapter = VecMonitor(GymnasiumVecEnv(env))
    adapter.seed(3)
    np.testing.assert_array_equal(adapter.reset(), reference.reset())
    terminations, truncations = compare_steps(reference, adapter, 150, np.random.default_rng(0))
    assert terminations > 0 and truncations > 0


def test_vector_entry_point_steps_as_dummy_vec_env():
    # CartPole's vectorised implementation draws all envs' starts from one generator, so its episodes are not
    # DummyVecEnv's; given DummyVecEnv's states, it must step them as DummyVecEnv does
    reference = dummy(seed=0)
    adapter = make_gymnasium_vec_env("CartPole-v1", N_ENVS, seed=0, max_episode_steps=MAX_STEPS)
    cartpoles = adapter.venv.env  # type: ignore[attr-defined]
    obs = reference.reset()
    adapter.reset()
    cartpoles.state[:] = np.stack([env.unwrapped.state for env in reference.envs], axis=1)

    def restart_like_reference(reference, adapter, result):
        obs, rewards, dones, infos = result
        for i in np.flatnonzero(dones):
            # A new episode: within CartPole's reset bounds, step count 0; then DummyVecEnv's start state
            assert np.all(np.abs(obs[i]) <= 0.05) and cartpoles.steps[i] == 0
            cartpoles.state[:, i] = reference.envs[i].unwrapped.state
            obs[i] = cartpoles.state[:, i]
        return obs, rewards, dones, infos

    terminations, truncations = compare_steps(
        reference, adapter, 150, np.random.default_rng(1), before_step=restart_like_reference
    )
    assert terminations > 0 and truncations > 0
    np.testing.assert_array_equal(obs.shape, (N_ENVS, 4))


def test_a_done_env_is_reset_at_once_and_only_it():
    adapter = make_gymnasium_vec_env("CartPole-v1", 2, seed=0)
    adapter.reset()
    # env 0 pushes right until the pole falls (a termination in about ten steps); env 1 alternates and stays up
    for t in range(100):
        previous = adapter.venv.env.state.T.copy()  # type: ignore[attr-defined]
        obs, rewards, dones, infos = adapter.step(np.array([1, t % 2]))
        if dones[0]:
            break
    assert dones[0] and not dones[1] and not infos[0]["TimeLimit.truncated"]
    assert abs(infos[0]["terminal_observation"][2]) > 0.2  # the pole's angle past the 12-degree threshold
    assert np.all(np.abs(obs[0]) <= 0.05)  # the next episode's first observation
    # env 1 went on with one step: Euler's x <- x + tau * x_dot, theta <- theta + tau * theta_dot
    np.testing.assert_allclose(obs[1][[0, 2]], previous[1][[0, 2]] + 0.02 * previous[1][[1, 3]], rtol=1e-5)
    # The next step is the new episode's first step, not a second reset (next-step autoreset would give reward 0)
    obs_next, rewards, dones, _ = adapter.step(np.array([0, 0]))
    assert rewards[0] == 1.0 and not dones[0]
    np.testing.assert_allclose(obs_next[0][[0, 2]], obs[0][[0, 2]] + 0.02 * obs[0][[1, 3]], rtol=1e-5)
    assert adapter.venv.env.steps[0] == 1  # type: ignore[attr-defined]


def test_seeds_are_used_at_the_next_reset_only():
    first, second = make_gymnasium_vec_env("CartPole-v1", 3, seed=7), make_gymnasium_vec_env("CartPole-v1", 3, seed=7)
    obs = first.reset()
    np.testing.assert_array_equal(obs, second.reset())
    assert len({tuple(row) for row in obs}) == 3  # envs start apart
    assert not np.allclose(first.reset(), obs)  # no seed: the generator goes on
    first.seed(7)
    np.testing.assert_array_equal(first.reset(), obs)


def test_sb3s_helpers_on_a_vector_entry_point():
    adapter = make_gymnasium_vec_env("CartPole-v1", 3, seed=0)
    assert adapter.get_attr("render_mode") == [None, None, None]
    assert adapter.env_is_wrapped(Monitor) == [False, False, False]
    assert adapter.observation_space == adapter.venv.env.single_observation_space  # type: ignore[attr-defined]
    assert adapter.action_space == gym.spaces.Discrete(2)
    assert adapter.get_attr("max_episode_steps", indices=[1]) == [500]
    adapter.set_attr("max_episode_steps", 3)
    adapter.reset()
    for _ in range(3):
        _, _, dones, infos = adapter.step(np.array([0, 1, 0]))
    assert dones.all() and all(info["TimeLimit.truncated"] for info in infos)
    with pytest.raises(ValueError, match="all envs at once"):
        adapter.set_attr("max_episode_steps", 5, indices=[0])
    assert adapter.env_method("reset", seed=0)[0][0].shape == (3, 4)
    with warnings.catch_warnings(record=True):
        assert adapter.render() is None  # no render mode: SB3's warning, no crash
    adapter.close()


def test_sb3s_helpers_on_a_sync_vector_env():
    adapter = make_gymnasium_vec_env("CartPole-v1", 2, seed=0, vectorization_mode="sync")
    assert adapter.env_is_wrapped(gym.wrappers.TimeLimit) == [True, True]
    assert adapter.env_is_wrapped(Monitor) == [False, False]
    adapter.set_attr("marker", 5, indices=[1])
    assert adapter.get_attr("marker", indices=[1]) == [5]
    assert adapter.env_method("get_wrapper_attr", "marker", indices=1) == [5]


def test_evaluate_policy_warns_without_a_monitor():
    # SB3's evaluate_policy asks env_is_wrapped(Monitor) and warns that episode returns may be modified by wrappers
    model = Reinforce("MlpPolicy", "CartPole-v1", seed=0, device="cpu")
    raw = GymnasiumVecEnv(gym.make_vec("CartPole-v1", num_envs=2, vectorization_mode="vector_entry_point"))
    with pytest.warns(UserWarning, match="Monitor"):
        rewards, _ = evaluate_policy(model, raw, n_eval_episodes=2, return_episode_rewards=True)
    assert len(rewards) == 2
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        evaluate_policy(model, VecMonitor(raw), n_eval_episodes=2)


def test_vector_envs_it_cannot_reset_are_refused():
    class Wrapped(VectorWrapper):
        pass

    with pytest.raises(ValueError, match="SAME_STEP"):
        GymnasiumVecEnv(Wrapped(gym.make_vec("CartPole-v1", num_envs=2, vectorization_mode="vector_entry_point")))
    with pytest.raises(ValueError, match="no vector entry point"):
        make_gymnasium_vec_env("Acrobot-v1", 2, vectorization_mode="vector_entry_point")
    # Without a vector entry point: gymnasium's SyncVectorEnv
    assert make_gymnasium_vec_env("Acrobot-v1", 2).venv.autoreset_mode == AutoresetMode.SAME_STEP  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(n_envs=0), "n_envs=0"),
        (dict(n_envs=-2), "n_envs=-2"),
        (dict(n_envs=2.5), "n_envs=2.5"),
        (dict(n_envs=True), "n_envs=True"),
        (dict(seed=-1), "seed=-1"),
        (dict(seed=1.5), "seed=1.5"),
        (dict(vectorization_mode="vector"), "vectorization_mode='vector'"),
    ],
)
def test_make_gymnasium_vec_env_refuses_bad_arguments_by_name(kwargs, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        make_gymnasium_vec_env("CartPole-v1", **kwargs)


def test_unbatch_info():
    info = {
        "a": np.array([1, 2, 3]),
        "_a": np.array([True, False, True]),
        "nested": {"b": np.array([0.5, 0.0, 0.0]), "_b": np.array([True, False, False])},
        "_nested": np.array([True, False, False]),
    }
    assert unbatch_info(info, 3) == [{"a": 1, "nested": {"b": 0.5}}, {}, {"a": 3}]


@pytest.mark.parametrize("algo", [Reinforce, ReinforceBaseline, TDActorCritic, TNPG])
def test_algorithms_learn_on_it_with_episode_statistics(algo, tmp_path):
    env = make_gymnasium_vec_env("CartPole-v1", 8, seed=0)
    kwargs = {"n_steps": 64} if algo is TNPG else {}
    model = algo("MlpPolicy", env, seed=0, device="cpu", **kwargs)
    model.set_logger(configure(str(tmp_path), ["csv"]))
    model.learn(3000)
    assert model.num_timesteps >= 3000
    with open(tmp_path / "progress.csv") as file:
        rows = list(csv.DictReader(file))
    returns = [float(row["rollout/ep_rew_mean"]) for row in rows if row.get("rollout/ep_rew_mean")]
    assert returns and all(value >= 8 for value in returns)  # CartPole's shortest episodes last about 8 steps
    lengths = [float(row["rollout/ep_len_mean"]) for row in rows if row.get("rollout/ep_len_mean")]
    assert lengths == pytest.approx(returns, rel=1e-6)  # a reward of 1 per step


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:Training and eval env are not of the same type")
def test_reinforce_learns_cartpole_with_64_vectorised_envs():
    # Batches of 64 episodes (one per env): 8 times the shipped config's batch, so a larger step size
    env = make_gymnasium_vec_env("CartPole-v1", 64, seed=0)
    model = Reinforce("MlpPolicy", env, n_episodes=64, learning_rate=lambda progress: 1e-2 * progress, seed=0, device="cpu")
    evaluation = EvalCallback(
        make_vec_env("CartPole-v1", n_envs=5, seed=100),
        eval_freq=20_000 // 64,
        n_eval_episodes=10,
        callback_on_new_best=StopTrainingOnRewardThreshold(475),
        verbose=0,
    )
    model.learn(300_000, callback=evaluation)
    assert evaluation.best_mean_reward >= 475, (model.num_timesteps, evaluation.best_mean_reward)
