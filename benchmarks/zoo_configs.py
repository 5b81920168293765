"""
Our shipped RL-Zoo configs, run through the RL-Zoo entry point exactly as a user runs them, next to RL-Zoo's
own algorithms with RL-Zoo's configs on the same command line.

For each algorithm and seed: ``python -m sb3_pg.zoo train --algo ALGO --env ENV --seed SEED`` with RL-Zoo's
evaluation every ``--eval-freq`` steps (``--eval-episodes`` deterministic episodes); the budget is each config's
``n_timesteps`` unless ``--n-timesteps`` is given. Printed: steps until the evaluation mean first reaches the
threshold, final evaluation (mean of the last 3), wall time; median and range over seeds.

    python benchmarks/zoo_configs.py --env CartPole-v1 --algos reinforce reinforce_baseline td_actor_critic tnpg a2c
"""

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from common import median_range

THRESHOLDS = {"CartPole-v1": 475.0, "Acrobot-v1": -100.0, "Pendulum-v1": -200.0, "LunarLander-v3": 200.0}


def run(algo: str, env_id: str, seed: int, args: argparse.Namespace) -> dict:
    """One training run through the CLI; its evaluation curve read from RL-Zoo's ``evaluations.npz``."""
    with tempfile.TemporaryDirectory() as log_folder:
        command = [sys.executable, "-m", "sb3_pg.zoo", "train", "--algo", algo, "--env", env_id, "--seed", str(seed)]
        command += ["--eval-freq", str(args.eval_freq), "--eval-episodes", str(args.eval_episodes), "-f", log_folder]
        command += ["--num-threads", "1", "--verbose", "0"]
        if args.n_timesteps > 0:
            command += ["-n", str(args.n_timesteps)]
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        seconds = time.perf_counter() - start
        evaluations = np.load(next(Path(log_folder, algo).glob(f"{env_id}_*/evaluations.npz")))
    curve = [(int(step), float(np.mean(returns))) for step, returns in zip(evaluations["timesteps"], evaluations["results"])]
    return {"curve": curve, "seconds": seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--env", default="CartPole-v1", choices=list(THRESHOLDS))
    parser.add_argument("--algos", nargs="+", default=["reinforce", "reinforce_baseline", "td_actor_critic", "tnpg"])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--eval-freq", type=int, default=10_000)
    parser.add_argument("--eval-episodes", type=int, default=10)
    parser.add_argument("-n", "--n-timesteps", type=int, default=-1)
    parser.add_argument("--output", default=None)
    args = parser.parse_args()
    threshold = THRESHOLDS[args.env]

    runs: dict[str, list[dict]] = {}
    for algo in args.algos:
        runs[algo] = []
        for seed in args.seeds:
            result = run(algo, args.env, seed, args)
            runs[algo].append(result)
            curve = result["curve"]
            reached = next((step for step, value in curve if value >= threshold), None)
            print(f" {algo} seed {seed}: threshold at {reached}, final {np.mean([v for _, v in curve[-3:]]):.1f}", flush=True)
    output = args.output or f"benchmarks/results/zoo_configs_{args.env}.json"
    Path(output).write_text(json.dumps({"env": args.env, "seeds": args.seeds, "runs": runs}, indent=1))

    print(f"\n{args.env} through `python -m sb3_pg.zoo train`, seeds {args.seeds}, threshold {threshold}")
    print("algo | budget | reached (seeds) | steps to threshold: median [min, max] | final eval: median [min, max] | wall s")
    for algo, results in runs.items():
        firsts = [next((s for s, v in r["curve"] if v >= threshold), None) for r in results]
        reached = [step for step in firsts if step is not None]
        finals = [float(np.mean([v for _, v in r["curve"][-3:]])) for r in results]
        budget = results[0]["curve"][-1][0]
        seconds = median_range([r["seconds"] for r in results], "{:.0f}")
        print(
            f"{algo} | {budget} | {len(reached)}/{len(results)} | {median_range(reached, '{:.0f}')} | {median_range(finals)}"
            f" | {seconds}"
        )


if __name__ == "__main__":
    main()
