"""
Learning-curve plots from the table of runs (``benchmarks/runs.py``): for each env, the evaluation mean of each
algorithm against env steps, the median over seeds as a line and the min-max band shaded, the threshold dashed. By
default the runs of README's table of what ships: each shipped block on its held-out seeds, beside RL-Zoo's peers;
``--names`` plots stored runs by name instead.

    pip install matplotlib   # or: pip install -e ".[docs]"
    python benchmarks/plot_curves.py                       # docs/curves_<env>.png for every env with shipped runs
    python benchmarks/plot_curves.py --envs LunarLander-v3 --names tnpg-1M ppo --out-dir /tmp
"""

import argparse
import sys
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from report import NAMES, OURS, held_out
from runs import ENVS, RESULTS, load_runs, load_time_to_solve

matplotlib.use("Agg")
import matplotlib.pyplot as plt


def plot_env(runs: pd.DataFrame, env_id: str, label: str, output: Path, max_steps: float | None = None) -> None:
    """
    One env's figure: a line (median over seeds) and a band (min to max) per group of ``runs``.

    :param runs: the runs of the env
    :param label: the column whose values make the groups (``algo`` or ``name``)
    :param output: the PNG file
    :param max_steps: crop the curves at this many env steps
    """
    figure, axis = plt.subplots(figsize=(7, 4.2))
    lows = []
    for key, group in runs.groupby(label, sort=False):
        # Seeds may evaluate at different steps (whole-episode batches): each curve on the steps of the longest one
        curves = [np.array(curve, dtype=float) for curve in group.curve]
        steps = max(curves, key=len)[:, 0]
        steps = steps[steps <= (max_steps or steps[-1])]
        values = np.array([np.interp(steps, curve[:, 0], curve[:, 1]) for curve in curves])
        name = f"{NAMES.get(str(key), key)}" + (" (RL-Zoo)" if key in NAMES and key not in OURS else "")
        median = np.median(values, axis=0)
        lows.append(np.percentile(median, 5))  # the y axis starts near the lines: early outliers' bands are cut
        axis.plot(steps, median, label=f"{name} ({len(curves)} seeds)")
        axis.fill_between(steps, values.min(axis=0), values.max(axis=0), alpha=0.2)
    threshold = ENVS[env_id]["threshold"]
    axis.axhline(threshold, color="gray", linestyle="--", linewidth=1)
    top = max(axis.get_ylim()[1], threshold)
    axis.set_ylim(min(lows) - 0.05 * (top - min(lows)), top)
    axis.set_xlabel("env steps")
    axis.set_ylabel("evaluation mean return (10 greedy episodes)")
    axis.set_title(f"{env_id}: median over seeds, min-max shaded")
    axis.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(output, dpi=110, metadata={"Software": None})
    plt.close(figure)
    print(f"wrote {output}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--envs", nargs="+", default=list(ENVS), choices=list(ENVS))
    parser.add_argument("--names", nargs="+", default=None, help="stored run names (default: what ships, held out)")
    parser.add_argument("--results", type=Path, default=RESULTS, help="the stored results (zoo/, time_to_solve/)")
    parser.add_argument("--out-dir", type=Path, default=Path("docs"))
    parser.add_argument("--max-steps", type=float, default=None, help="crop the curves at this many env steps")
    args = parser.parse_args()
    zoo = load_runs(args.results / "zoo")
    if args.names:
        runs, label = zoo[zoo.name.isin(args.names)], "name"
    else:
        runs, label = held_out(pd.concat([zoo, load_time_to_solve(args.results / "time_to_solve")])), "algo"
        order = {algo: index for index, algo in enumerate(NAMES)}
        runs = runs.sort_values("algo", key=lambda algos: algos.map(order), kind="stable")
    for env_id in args.envs:
        if (runs.env == env_id).any():
            plot_env(runs[runs.env == env_id], env_id, label, args.out_dir / f"curves_{env_id}.png", args.max_steps)


if __name__ == "__main__":
    main()
