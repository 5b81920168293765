"""``benchmarks/run_zoo.py --final-episodes``: the model saved at the end of training, evaluated as RL-Zoo's enjoy would."""

import sys
from pathlib import Path

import numpy as np
import yaml
from stable_baselines3.common.env_util import make_vec_env
from stable_baselines3.common.evaluation import evaluate_policy
from stable_baselines3.common.vec_env import VecNormalize

from sb3_pg import TNPG

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import run_zoo  # a script of benchmarks/, importable once that folder is on the path

ENV = "Pendulum-v1"


def greedy_returns(model: TNPG, env) -> list[float]:
    returns, _ = evaluate_policy(model, env, n_eval_episodes=3, deterministic=True, return_episode_rewards=True)
    return [float(value) for value in returns]


def test_final_evaluation_loads_the_saved_model_and_its_normalisation(tmp_path):
    """A run folder laid out as RL-Zoo's (model zip, config.yml, vecnormalize.pkl): the greedy returns of the saved
    model on a test env seeded seed + 10000 that normalises with the saved statistics (not fresh ones)."""
    seed = 3
    run_dir = tmp_path / "tnpg" / f"{ENV}_1"
    (run_dir / ENV).mkdir(parents=True)
    train_env = VecNormalize(make_vec_env(ENV, n_envs=1, seed=0), norm_reward=False)
    model = TNPG("MlpPolicy", train_env, n_steps=256, batch_size=64, seed=0, device="cpu")
    model.learn(512)
    # Statistics far from a fresh VecNormalize's, so that loading them changes the actions
    train_env.obs_rms.mean = train_env.obs_rms.mean + 1.0
    train_env.obs_rms.var = train_env.obs_rms.var * 4.0
    model.save(run_dir / f"{ENV}.zip")
    train_env.save(str(run_dir / ENV / "vecnormalize.pkl"))
    (run_dir / ENV / "config.yml").write_text(yaml.safe_dump({"normalize": True}))

    returns = run_zoo.final_evaluation("tnpg", ENV, run_dir, seed, n_episodes=3)

    expected_env = VecNormalize.load(str(run_dir / ENV / "vecnormalize.pkl"), make_vec_env(ENV, n_envs=1, seed=seed + 10_000))
    expected_env.training, expected_env.norm_reward = False, False
    assert returns == greedy_returns(model, expected_env)
    # Without the saved statistics the same episodes score otherwise: the test tells them apart
    fresh = VecNormalize(make_vec_env(ENV, n_envs=1, seed=seed + 10_000), training=False, norm_reward=False)
    assert not np.allclose(returns, greedy_returns(model, fresh))
