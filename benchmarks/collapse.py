"""
Late collapse of TDActorCritic on CartPole-v1, measured: train with the shipped zoo block (and overrides), evaluate
the greedy policy every 5000 steps on 10 episodes, and keep the training metrics of every logging interval (100
updates = 800 steps with 8 envs): the entropy, |TD error|, value loss, gradient norm and KL of the updates.

    python benchmarks/collapse.py --seeds 0 1 2 3 4 --params "policy_kwargs:{}" --tag adam     # Adam
    python benchmarks/collapse.py --seeds 0 1 2 3 4 --params "policy_kwargs:{}" ent_coef:0.01 --tag ent0.01
    python benchmarks/collapse.py --seeds 0 1 2 3 4 --tag amsgrad      # the shipped block (AMSGrad)
    python benchmarks/collapse.py --seeds 0 1 2 3 4 --tag amsgrad --summary-only

A run has solved the task once three evaluations in a row reach 475; it "falls" at each later evaluation below 475.
The summary gives per run the step at which it solved, its falls, the lowest of them and, around the lowest, the
metrics of the intervals before and after it (what the policy and the critic did as it fell). Runs are stored one
JSON file each in ``benchmarks/results/collapse/`` and not redone (resumable).
"""

import argparse
import ast
import json
import time
from pathlib import Path
from typing import Any

import torch as th
import yaml
from common import learn_with_curve, median_range
from stable_baselines3.common.env_util import make_vec_env
from stable_baselines3.common.logger import KVWriter, Logger
from stable_baselines3.common.utils import get_linear_fn

from sb3_pg import TDActorCritic

ENV_ID = "CartPole-v1"
THRESHOLD = 475.0
OUT_DIR = Path(__file__).parent / "results" / "collapse"
CONFIG = Path(__file__).parent.parent / "zoo_configs" / "td_actor_critic.yml"
METRICS = {
    "entropy": ("train/entropy_loss", -1.0),
    "td_error": ("train/td_error", 1.0),
    "value_loss": ("train/value_loss", 1.0),
    "grad_norm": ("train/grad_norm", 1.0),
    "approx_kl": ("train/approx_kl", 1.0),
}


class Rows(KVWriter):
    """An SB3 logger output that keeps each dump's training metrics as a row (``step`` and :data:`METRICS`)."""

    def __init__(self) -> None:
        self.rows: list[dict[str, float]] = []

    def write(self, key_values: dict[str, Any], key_excluded: dict[str, Any], step: int = 0) -> None:
        row = {"step": float(key_values.get("time/total_timesteps", step))}
        for name, (key, sign) in METRICS.items():
            if key in key_values:
                row[name] = sign * float(key_values[key])
        self.rows.append(row)


def parse_params(pairs: list[str]) -> dict[str, Any]:
    """``key:value`` pairs, the values as Python literals (as run_zoo.py's ``--params``; ``'lin_<v>'``: a schedule)."""
    params = {}
    for pair in pairs:
        key, _, value = pair.partition(":")
        params[key] = ast.literal_eval(value)
    return params


def train(seed: int, params: dict[str, Any], timesteps: int | None) -> dict[str, Any]:
    """
    One run: the shipped block with ``params`` over it.

    :return: the run's record: config, evaluation curve, metric rows, seconds
    """
    block = dict(yaml.safe_load(CONFIG.read_text())[ENV_ID])
    n_envs = block.pop("n_envs")
    budget = int(timesteps or block.pop("n_timesteps"))
    block.pop("n_timesteps", None)
    # the block's gymnasium vector env is RL-Zoo's choice of env, not a constructor argument: the same CartPole
    # dynamics, stepped here by SB3's DummyVecEnv
    block.pop("vectorization_mode", None)
    policy = block.pop("policy")
    config = {**block, **params}
    if isinstance(config.get("policy_kwargs"), str):  # as RL-Zoo reads it
        config["policy_kwargs"] = eval(config["policy_kwargs"], {"dict": dict, "nn": th.nn})
    env = make_vec_env(ENV_ID, n_envs=n_envs, seed=seed)
    eval_env = make_vec_env(ENV_ID, n_envs=1, seed=seed + 10_000)
    # RL-Zoo's "lin_<v>": a step size decaying linearly from v to 0
    schedules = {
        key: get_linear_fn(float(value[4:]), 0.0, 1.0)
        for key, value in config.items()
        if isinstance(value, str) and value.startswith("lin_")
    }
    model = TDActorCritic(policy, env, seed=seed, **{**config, **schedules})
    rows = Rows()
    model.set_logger(Logger(folder=None, output_formats=[rows]))
    start = time.perf_counter()
    curve = learn_with_curve(model, eval_env, budget, eval_freq=5000)
    return {
        "env": ENV_ID,
        "seed": seed,
        "n_envs": n_envs,
        "timesteps": budget,
        "config": config,
        "curve": curve,
        "rows": rows.rows,
        "seconds": time.perf_counter() - start,
    }


def run_path(tag: str, seed: int) -> Path:
    """The file of a run: ``td_actor_critic-<tag>_CartPole-v1_<seed>.json``."""
    return OUT_DIR / f"td_actor_critic-{tag}_{ENV_ID}_{seed}.json"


def falls(curve: list[list[float]], run: int = 3) -> tuple[float | None, list[tuple[float, float]]]:
    """
    The step at which a run solved the task (the last of ``run`` evaluations in a row at :data:`THRESHOLD` or more;
    None if never), and its later evaluations below :data:`THRESHOLD` as ``(step, return)``.
    """
    values = [value for _, value in curve]
    solved = next((i + run - 1 for i in range(len(values) - run + 1) if min(values[i : i + run]) >= THRESHOLD), None)
    if solved is None:
        return None, []
    return curve[solved][0], [(step, value) for step, value in curve[solved + 1 :] if value < THRESHOLD]


def window(rows: list[dict[str, float]], step: float, before: int = 10000, after: int = 5000) -> dict[str, str]:
    """Each metric's values over the logging intervals from ``before`` steps before ``step`` to ``after`` after."""
    picked = [row for row in rows if step - before <= row["step"] <= step + after]
    return {
        name: " ".join(f"{row[name]:.3g}" for row in picked[:: max(len(picked) // 6, 1)] if name in row) for name in METRICS
    }


def summarize(tag: str, runs: list[dict[str, Any]]) -> None:
    """Print each run's falls and the metrics around its lowest evaluation, then the totals."""
    print(f"\n## {tag}: {runs[0]['config'] if runs else ''}")
    solved_runs, fell, lowest = 0, 0, []
    for run in runs:
        solved, below = falls(run["curve"])
        final = sum(value for _, value in run["curve"][-3:]) / 3
        low = min(below, key=lambda point: point[1]) if below else None
        solved_runs, fell = solved_runs + (solved is not None), fell + bool(below)
        lowest += [low[1]] if low else []
        print(
            f"seed {run['seed']}: solved at {solved}, {len(below)} evaluations below 475 after it, lowest {low}, "
            f"final {final:.1f}, {run['seconds']:.0f} s"
        )
        if low:
            for name, values in window(run["rows"], low[0]).items():
                print(f"    {name:>10}: {values}")
        last = next(row for row in reversed(run["rows"]) if "entropy" in row)
        print("    last interval: " + ", ".join(f"{name} {last.get(name, float('nan')):.3g}" for name in METRICS))
    print(f"solved: {solved_runs}/{len(runs)}; fell after solving: {fell}/{len(runs)}, lowest {median_range(lowest)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--params", nargs="*", default=[], help="key:value overrides of the shipped block")
    parser.add_argument("--tag", required=True, help="name of the variant")
    parser.add_argument("-n", "--timesteps", type=int, default=None, help="budget (default: the block's)")
    parser.add_argument("--summary-only", action="store_true")
    args = parser.parse_args()
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    th.set_num_threads(1)
    runs = []
    for seed in args.seeds:
        path = run_path(args.tag, seed)
        if not path.exists() and not args.summary_only:
            record = train(seed, parse_params(args.params), args.timesteps)
            path.write_text(json.dumps(record) + "\n")
            print(f"stored {path}", flush=True)
        if path.exists():
            runs.append(json.loads(path.read_text()))
    summarize(args.tag, runs)


if __name__ == "__main__":
    main()
