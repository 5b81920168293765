"""
Learning-curve plots from the runs stored by ``benchmarks/run_zoo.py``: for each env, the evaluation mean of
every algorithm against env steps, median over seeds as a line and the min-max band shaded, the threshold dashed.

    pip install matplotlib   # or: pip install -e ".[docs]"
    python benchmarks/plot_curves.py --envs CartPole-v1 --algos reinforce reinforce_baseline td_actor_critic tnpg a2c ppo \\
        trpo --max-steps 300000
    # writes docs/curves_CartPole-v1.png
"""

import argparse
import json
from pathlib import Path

import matplotlib
import numpy as np
from run_zoo import THRESHOLDS

matplotlib.use("Agg")
import matplotlib.pyplot as plt


def load_curves(runs_dir: Path, algo: str, env_id: str) -> list[np.ndarray]:
    """The stored curves of one (algo, env): an array of (step, mean return) rows per seed."""
    return [np.array(json.loads(path.read_text())["curve"]) for path in sorted(runs_dir.glob(f"{algo}_{env_id}_*.json"))]


def plot_env(
    runs_dir: Path, env_id: str, algos: list[str], output: Path, max_steps: int | None = None, y_min: float | None = None
) -> None:
    figure, axis = plt.subplots(figsize=(7, 4.2))
    for algo in algos:
        curves = load_curves(runs_dir, algo, env_id)
        if not curves:
            print(f"no stored runs for {algo} on {env_id}")
            continue
        # Seeds share the evaluation steps up to the shortest run
        length = min(len(curve) for curve in curves)
        steps = curves[0][:length, 0]
        values = np.stack([curve[:length, 1] for curve in curves])
        if max_steps is not None:
            keep = steps <= max_steps
            steps, values = steps[keep], values[:, keep]
        axis.plot(steps, np.median(values, axis=0), label=f"{algo} ({len(curves)} seeds)")
        axis.fill_between(steps, values.min(axis=0), values.max(axis=0), alpha=0.2)
    if y_min is not None:
        axis.set_ylim(bottom=y_min)
    axis.axhline(THRESHOLDS[env_id], color="gray", linestyle="--", linewidth=1)
    axis.set_xlabel("env steps")
    axis.set_ylabel("evaluation mean return (10 episodes)")
    axis.set_title(f"{env_id}: median over seeds, min-max shaded")
    axis.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(output, dpi=110)
    print(f"wrote {output}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--envs", nargs="+", default=["CartPole-v1"], choices=list(THRESHOLDS))
    parser.add_argument("--algos", nargs="+", default=["reinforce", "reinforce_baseline", "td_actor_critic", "tnpg"])
    parser.add_argument("--runs-dir", default="benchmarks/results/zoo")
    parser.add_argument("--out-dir", default="docs")
    parser.add_argument("--max-steps", type=int, default=None, help="crop the curves at this many env steps")
    parser.add_argument("--y-min", type=float, default=None, help="lower end of the y axis (bands below are cut)")
    args = parser.parse_args()
    for env_id in args.envs:
        plot_env(
            Path(args.runs_dir), env_id, args.algos, Path(args.out_dir) / f"curves_{env_id}.png", args.max_steps, args.y_min
        )


if __name__ == "__main__":
    main()
