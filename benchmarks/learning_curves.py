"""
CartPole-v1 learning curves over seeds: Reinforce and ReinforceBaseline with the configuration used by the tests and
examples, next to SB3's A2C with RL-Zoo's CartPole-v1 settings (8 envs, defaults otherwise), on the same budget.

Every ``--eval-freq`` steps the greedy policy is evaluated on 10 episodes of a separate env. Writes the curves
(JSON) and prints, per algorithm: steps until the evaluation mean first reaches 475 (median and range over the
seeds, "-" if never), final evaluation (mean of the last 3 evaluations), mean over the whole curve, wall time.

    python benchmarks/learning_curves.py [--seeds 0 1 2 3 4] [--timesteps 100000]
"""

import argparse
import json
import statistics
import time
from pathlib import Path

import numpy as np
import torch as th
from common import first_reaching, learn_with_curve, median_range
from stable_baselines3 import A2C
from stable_baselines3.common.env_util import make_vec_env

from sb3_pg import Reinforce, ReinforceBaseline

THRESHOLD = 475
ALGOS = {
    "Reinforce": lambda env, seed: Reinforce("MlpPolicy", env, n_episodes=4, learning_rate=5e-3, seed=seed),
    "ReinforceBaseline": lambda env, seed: ReinforceBaseline(
        "MlpPolicy", env, n_episodes=4, learning_rate=5e-3, critic_learning_rate=1e-2, seed=seed
    ),
    "A2C (RL-Zoo)": lambda env, seed: A2C("MlpPolicy", env, ent_coef=0.0, seed=seed),
}
N_ENVS = {"Reinforce": 1, "ReinforceBaseline": 1, "A2C (RL-Zoo)": 8}


def run(name: str, seed: int, timesteps: int, eval_freq: int) -> dict:
    model = ALGOS[name](make_vec_env("CartPole-v1", n_envs=N_ENVS[name], seed=seed), seed)
    start = time.perf_counter()
    curve = learn_with_curve(model, make_vec_env("CartPole-v1", n_envs=1, seed=seed + 1000), timesteps, eval_freq)
    values = [value for _, value in curve]
    return {
        "algo": name,
        "seed": seed,
        "curve": curve,
        "steps_to_threshold": first_reaching(curve, THRESHOLD),
        "final": float(np.mean(values[-3:])),
        "curve_mean": float(np.mean(values)),
        "wall_s": time.perf_counter() - start,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--timesteps", type=int, default=100_000)
    parser.add_argument("--eval-freq", type=int, default=5_000)
    parser.add_argument("--output", default="benchmarks/results/cartpole_curves.json")
    args = parser.parse_args()
    th.set_num_threads(1)

    runs = []
    for name in ALGOS:
        for seed in args.seeds:
            result = run(name, seed, args.timesteps, args.eval_freq)
            runs.append(result)
            print(
                f"{name:>18} seed {seed}: threshold at {result['steps_to_threshold']}, final {result['final']:.1f}, "
                f"curve mean {result['curve_mean']:.1f}, {result['wall_s']:.0f} s",
                flush=True,
            )
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(json.dumps({"timesteps": args.timesteps, "seeds": args.seeds, "runs": runs}, indent=1))

    print(f"\nCartPole-v1, {args.timesteps} steps, seeds {args.seeds}")
    print("algorithm | solved (seeds) | steps to 475: median [min, max] | final eval: median [min, max] | curve mean | wall s")
    for name in ALGOS:
        mine = [r for r in runs if r["algo"] == name]
        reached = [r["steps_to_threshold"] for r in mine if r["steps_to_threshold"] is not None]
        print(
            f"{name} | {len(reached)}/{len(mine)} | {median_range(reached, '{:.0f}')} | "
            f"{median_range([r['final'] for r in mine])} | {statistics.median(r['curve_mean'] for r in mine):.1f} | "
            f"{statistics.median(r['wall_s'] for r in mine):.0f}"
        )


if __name__ == "__main__":
    main()
