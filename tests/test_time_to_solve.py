"""benchmarks/time_to_solve.py on tiny budgets (nothing here is timed) and the ``vectorization_mode`` config key."""

import importlib.util
import json
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
SPEC = importlib.util.spec_from_file_location("time_to_solve", ROOT / "benchmarks" / "time_to_solve.py")
assert SPEC is not None and SPEC.loader is not None
time_to_solve = importlib.util.module_from_spec(SPEC)
sys.modules["time_to_solve"] = time_to_solve
SPEC.loader.exec_module(time_to_solve)

FIELDS = {"algo", "env", "seed", "solved", "seconds", "steps", "config", "machine", "curve", "last3_mean", "threshold"}


def tiny_config(tmp_path: Path, n_envs: int = 4) -> str:
    """A Reinforce block on gymnasium's vectorised CartPole, small enough for a quick test."""
    block = {
        "n_envs": n_envs,
        "n_timesteps": 1500,
        "policy": "MlpPolicy",
        "n_episodes": n_envs,
        "vectorization_mode": "vector_entry_point",
    }
    path = tmp_path / "reinforce.yml"
    path.write_text(yaml.safe_dump({"CartPole-v1": block}))
    return str(path)


def check_solved_agrees_with_curve(run: dict) -> None:
    values = [value for _, value, _ in run["curve"]]
    reached = [entry for entry in run["curve"] if entry[1] >= run["threshold"]]
    assert run["solved"] == bool(reached)
    if reached:
        assert run["steps"] == reached[0][0]
        assert run["seconds"] == pytest.approx(reached[0][2], abs=1e-3)
        # the evaluations up to the solving one took part of that time, never more than all of it
        assert 0 < run["eval_seconds_to_solve"] <= run["eval_seconds"]
        assert run["eval_seconds_to_solve"] <= run["seconds"] + 1e-3
    else:
        assert run["steps"] is None and run["seconds"] is None and run["eval_seconds_to_solve"] is None
    assert run["last3_mean"] == pytest.approx(sum(values[-3:]) / len(values[-3:]), abs=0.01)


@pytest.mark.parametrize("threshold", [1.0, 1e9])
def test_run_fields_and_solved_agrees_with_curve(tmp_path, threshold):
    run = time_to_solve.run_one(
        "reinforce", "CartPole-v1", seed=0, conf_file=tiny_config(tmp_path), eval_every=500, threshold=threshold
    )
    assert FIELDS <= set(run)
    json.dumps(run)  # stored as JSON
    steps = [entry[0] for entry in run["curve"]]
    assert len(steps) >= 2 and steps == sorted(steps)
    # evaluated at the first update after each 500-step mark: never two evaluations between two marks
    assert len({step // 500 for step in steps}) == len(steps)
    check_solved_agrees_with_curve(run)
    assert run["config"]["n_episodes"] == 4 and run["config"]["vectorization_mode"] == "vector_entry_point"
    # every constructor argument is in the stored config, at its default where the block does not set it
    assert run["config"]["gamma"] == 0.99 and run["config"]["normalize_advantage"] is False
    assert run["machine"]["torch_threads"] == 1


def test_stop_when_solved_ends_at_the_solving_evaluation(tmp_path):
    run = time_to_solve.run_one(
        "reinforce",
        "CartPole-v1",
        seed=1,
        conf_file=tiny_config(tmp_path),
        eval_every=500,
        threshold=1.0,
        stop_when_solved=True,
    )
    assert run["solved"] and len(run["curve"]) == 1
    check_solved_agrees_with_curve(run)
    assert run["trained_steps"] < 1500


def test_rl_zoo_algorithm_with_its_own_config():
    run = time_to_solve.run_one("a2c", "CartPole-v1", seed=0, n_timesteps=1000, eval_every=500, threshold=1e9)
    assert run["config_file"] == "a2c.yml"
    assert run["config"]["n_envs"] == 8 and run["config"]["n_timesteps"] == 1000
    check_solved_agrees_with_curve(run)


def test_runs_are_interleaved_and_rotated():
    order = time_to_solve.interleaved(["a", "b", "c"], [10, 11])
    assert order == [(10, "a"), (10, "b"), (10, "c"), (11, "b"), (11, "c"), (11, "a")]


def test_params_are_read_as_yaml_with_numbers_as_numbers():
    params = time_to_solve._parse_params(
        ["td_actor_critic:learning_rate=5e-4", "td_actor_critic:critic_learning_rate=lin_4e-3", "a2c:n_envs=8"]
    )
    assert params == {"td_actor_critic": {"learning_rate": 5e-4, "critic_learning_rate": "lin_4e-3"}, "a2c": {"n_envs": 8}}
    assert isinstance(params["td_actor_critic"]["learning_rate"], float)
    with pytest.raises(SystemExit, match="expected ALGO:KEY=VALUE"):
        time_to_solve._parse_params(["td_actor_critic:learning_rate"])


def test_vectorization_mode_builds_gymnasium_vec_env(tmp_path):
    import argparse

    from rl_zoo3.exp_manager import ExperimentManager
    from stable_baselines3.common.vec_env import VecMonitor

    from sb3_pg.common.vec_env import GymnasiumVecEnv
    from sb3_pg.zoo import register

    register()
    manager = ExperimentManager(
        argparse.Namespace(), "reinforce", "CartPole-v1", str(tmp_path), eval_freq=-1, config=tiny_config(tmp_path, 8)
    )
    setup = manager.setup_experiment()
    assert setup is not None
    model, _ = setup
    env = model.get_env()
    assert isinstance(env, VecMonitor) and isinstance(env.venv, GymnasiumVecEnv) and env.num_envs == 8
    assert "vectorization_mode" not in vars(model)


def test_vectorization_mode_is_a_key_the_zoo_cli_accepts():
    from sb3_pg.zoo.cli import ZOO_KEYS
    from sb3_pg.zoo.registry import VECTORIZATION_KEY

    assert VECTORIZATION_KEY in ZOO_KEYS


def test_vectorization_mode_refuses_an_env_without_a_vectorised_implementation():
    from sb3_pg.zoo.registry import check_vectorization_mode

    with pytest.raises(ValueError, match="no vectorised implementation"):
        check_vectorization_mode("vector_entry_point", "Acrobot-v1")
    with pytest.raises(ValueError, match="is not one of"):
        check_vectorization_mode("numpy", "CartPole-v1")
    check_vectorization_mode("sync", "Acrobot-v1")


@pytest.mark.parametrize("env_id", ["CartPole-v1", "Pendulum-v1"])
@pytest.mark.parametrize("algo", ["reinforce", "tnpg", "a2c"])
def test_greedy_returns_agree_with_sb3_evaluate_policy(env_id, algo):
    """The lean evaluation gives the returns of SB3's evaluate_policy on the same first episodes."""
    import gymnasium as gym
    from stable_baselines3 import A2C
    from stable_baselines3.common.env_util import make_vec_env
    from stable_baselines3.common.evaluation import evaluate_policy

    from sb3_pg import TNPG, Reinforce
    from sb3_pg.common.vec_env import make_gymnasium_vec_env

    model_class = {"reinforce": Reinforce, "tnpg": TNPG, "a2c": A2C}[algo]
    model = model_class("MlpPolicy", env_id, seed=3, device="cpu")
    vectorised = env_id == "CartPole-v1"
    # the same seeding on both sides: one generator seeded with 7 (CartPole's vectorised implementation), or env i
    # seeded with 7 + i (SB3's make_vec_env, gymnasium's SyncVectorEnv)
    sb3_env = make_gymnasium_vec_env(env_id, n_envs=5, seed=7) if vectorised else make_vec_env(env_id, n_envs=5, seed=7)
    expected, _ = evaluate_policy(model, sb3_env, n_eval_episodes=5, deterministic=True, return_episode_rewards=True)
    env = gym.make_vec(env_id, num_envs=5, vectorization_mode="vector_entry_point" if vectorised else "sync")
    env.sb3_pg_first_seed = 7
    returns = time_to_solve.greedy_returns(model, env)
    assert sorted(returns) == pytest.approx(sorted(expected), rel=1e-5)


def test_tianshou_runs_give_the_same_fields():
    pytest.importorskip("tianshou")
    run = time_to_solve.run_tianshou("tianshou_pg", "CartPole-v1", seed=0, n_timesteps=1000, eval_every=500, threshold=1e9)
    assert FIELDS <= set(run)
    json.dumps(run)
    assert run["curve"][0][0] == 0  # Tianshou's trainer tests before training
    check_solved_agrees_with_curve(run)


def test_generated_sections_are_up_to_date():
    """README's "Seconds to solve" tables and docs/speed.md's are what the stored runs give (--report writes them)."""
    assert time_to_solve.main(["--check"]) == 0
