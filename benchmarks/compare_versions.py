"""
Does a change of the code keep the results? The same seeded trainings, run with the package as it was at a former
commit (extracted with ``git archive`` into a temporary folder) and as it is now, each in its own process:

- ``--mode params``: each algorithm with a config block (CartPole-v1 by default, from the *former* commit's
  ``zoo_configs/``, so both sides train the same settings) for ``--steps`` steps; the final parameters are compared,
  bit for bit (``identical``) and by their largest difference;
- ``--mode curves``: the evaluation curves (10 greedy episodes every ``--eval-every`` steps) of each seed, for a
  statistical comparison where the arithmetic changed.

    python benchmarks/compare_versions.py --ref 3224215 --mode params --steps 20000 --seeds 0 1
    python benchmarks/compare_versions.py --ref 3224215 --mode curves --algos tnpg --steps 100000 --seeds 20 21 22 23 24
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
ALGOS = ("reinforce", "reinforce_baseline", "td_actor_critic", "tnpg")


def train(algo: str, env_id: str, config_dir: str, steps: int, seed: int, mode: str, eval_every: int) -> dict[str, Any]:
    """One training with the ``sb3_pg`` found on the path and the env's block of ``config_dir/<algo>.yml``."""
    import numpy as np
    import torch as th
    import yaml
    from rl_zoo3.utils import linear_schedule
    from stable_baselines3.common.callbacks import EvalCallback
    from stable_baselines3.common.env_util import make_vec_env

    from sb3_pg import ALGOS as CLASSES

    th.set_num_threads(1)
    block = yaml.safe_load(Path(config_dir, f"{algo}.yml").read_text())[env_id]
    kwargs = {key: value for key, value in block.items() if key not in ("n_envs", "n_timesteps", "policy", "normalize")}
    for key, value in kwargs.items():
        if isinstance(value, str) and value.startswith("lin_"):
            kwargs[key] = linear_schedule(float(value[4:]))
        elif key == "policy_kwargs":
            kwargs[key] = eval(value)  # RL-Zoo's configs hold it as a Python expression
    env = make_vec_env(env_id, n_envs=block.get("n_envs", 1), seed=seed)
    model = CLASSES[algo](block.get("policy", "MlpPolicy"), env, seed=seed, device="cpu", **kwargs)
    if mode == "params":
        model.learn(steps)
        return {"params": {key: value.tolist() for key, value in model.policy.state_dict().items()}}
    with tempfile.TemporaryDirectory() as folder:
        evaluation = EvalCallback(
            make_vec_env(env_id, n_envs=1, seed=seed + 1000),
            eval_freq=max(eval_every // env.num_envs, 1),
            n_eval_episodes=10,
            log_path=folder,
            verbose=0,
        )
        model.learn(steps, callback=evaluation)
    return {"curve": [float(np.mean(returns)) for returns in evaluation.evaluations_results]}


def run_side(package_root: str, args: argparse.Namespace, config_dir: str) -> dict[str, Any]:
    """Every (algo, seed) training in a process whose ``sb3_pg`` is the one under ``package_root``."""
    command = [sys.executable, __file__, "--worker", config_dir, *sys.argv[1:]]
    env = {**os.environ, "PYTHONPATH": package_root, "OMP_NUM_THREADS": "1"}
    output = subprocess.run(command, env=env, check=True, capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ref", required=True, help="the former commit")
    parser.add_argument("--mode", choices=("params", "curves"), default="params")
    parser.add_argument("--algos", nargs="+", default=list(ALGOS), choices=ALGOS)
    parser.add_argument("--env", default="CartPole-v1")
    parser.add_argument("--steps", type=int, default=20_000)
    parser.add_argument("--eval-every", type=int, default=10_000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--out", default=None, help="JSON file for the comparison")
    parser.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.worker is not None:
        results = {
            f"{algo}_{seed}": train(algo, args.env, args.worker, args.steps, seed, args.mode, args.eval_every)
            for algo in args.algos
            for seed in args.seeds
        }
        print(json.dumps(results))
        return

    with tempfile.TemporaryDirectory() as former:
        archive = subprocess.run(
            ["git", "archive", args.ref, "sb3_pg", "zoo_configs"], cwd=ROOT, check=True, capture_output=True
        )
        subprocess.run(["tar", "-x", "-C", former], input=archive.stdout, check=True)
        config_dir = str(Path(former, "zoo_configs"))
        sides = {"former": run_side(former, args, config_dir), "current": run_side(str(ROOT), args, config_dir)}
    comparison: dict[str, Any] = {"ref": args.ref, "mode": args.mode, "env": args.env, "steps": args.steps, "runs": {}}
    for run, former_result in sides["former"].items():
        current_result = sides["current"][run]
        if args.mode == "params":
            differences = [
                max(abs(a - b) for a, b in zip(_flat(former_result["params"][key]), _flat(current_result["params"][key])))
                for key in former_result["params"]
            ]
            row: dict[str, Any] = {"identical": max(differences) == 0, "max_difference": max(differences)}
        else:
            row = {"former": former_result["curve"], "current": current_result["curve"]}
        comparison["runs"][run] = row
        print(run, json.dumps(row))
    if args.out:
        Path(args.out).write_text(json.dumps(comparison, indent=1) + "\n")


def _flat(values: Any) -> list[float]:
    return [x for item in values for x in _flat(item)] if isinstance(values, list) else [values]


if __name__ == "__main__":
    main()
