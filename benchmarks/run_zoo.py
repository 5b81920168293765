"""
Benchmark runner: our algorithms with their shipped RL-Zoo configs and RL-Zoo's algorithms with RL-Zoo's configs,
all trained through the same entry point, exactly as a user runs them:

    python -m sb3_pg.zoo train --algo ALGO --env ENV --seed SEED --eval-freq 5000 --eval-episodes 10 ...

The budget is each config's ``n_timesteps`` unless ``-n`` is given. Each run's evaluation curve (RL-Zoo's
``evaluations.npz``: deterministic policy, ``--eval-episodes`` episodes every ``--eval-freq`` steps) and wall time
are stored in ``--out-dir`` as one JSON file per run; a run whose file exists is not redone (resumable), so
an interrupted sweep continues where it stopped. The summary, per (algo, env): seeds that reached the threshold,
steps until the evaluation mean first reached it, final evaluation (mean of the last 3), the best evaluation (max,
Tianshou's metric), mean over the whole curve (Duan et al.'s metric), wall-clock seconds; median [min, max] over seeds.

    python benchmarks/run_zoo.py --envs CartPole-v1 --algos reinforce reinforce_baseline td_actor_critic tnpg a2c ppo
    python benchmarks/run_zoo.py --envs Pendulum-v1 --algos tnpg trpo --seeds 0 1 2 3 4
    python benchmarks/run_zoo.py --envs CartPole-v1 --algos reinforce --params learning_rate:0.002 --tag lr2e-3
    python benchmarks/run_zoo.py --envs CartPole-v1 --algos reinforce a2c --summary-only
    python benchmarks/run_zoo.py --envs HalfCheetah-v5 Hopper-v5 Walker2d-v5 --algos tnpg trpo --seeds 2 3 4 --eval-freq 10000

MuJoCo (pip install "sb3-pg[mujoco]"): RL-Zoo 2.9 tunes the -v4 envs; its own algorithms (trpo, ppo, ...) run on -v5
with RL-Zoo's block of the -v4 env (stored in the run's "config").
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

THRESHOLDS = {
    "CartPole-v1": 475.0,
    "Acrobot-v1": -100.0,
    "LunarLander-v3": 200.0,
    "Pendulum-v1": -200.0,
    "MountainCarContinuous-v0": 90.0,
    # MuJoCo: no solved threshold is in use; "reached" counts runs reaching Tianshou's NPG max evaluation at 1M steps
    "HalfCheetah-v5": 3485.0,
    "Hopper-v5": 1915.0,
    "Walker2d-v5": 2503.0,
}


def zoo_config_for(algo: str, env_id: str, folder: str) -> list[str]:
    """
    ``--conf-file`` arguments for an RL-Zoo algorithm on an env its config has no block for, but an older version of
    the env has (RL-Zoo 2.9 tunes the MuJoCo ``-v4`` envs; we run the maintained ``-v5``): RL-Zoo's own block for
    the newest older version, written under the env's id to a config file in ``folder``. Empty when not needed.
    """
    import rl_zoo3
    import yaml
    from rl_zoo3.utils import ALGOS as ZOO_ALGOS

    from sb3_pg.zoo.registry import ALGOS

    if algo in ALGOS or algo not in ZOO_ALGOS:
        return []
    path = Path(rl_zoo3.__file__).parent / "hyperparams" / f"{algo}.yml"
    config = yaml.safe_load(path.read_text()) if path.is_file() else {}
    name, _, version = env_id.rpartition("-v")
    if env_id in config or not version.isdigit():
        return []
    older = [f"{name}-v{v}" for v in range(int(version) - 1, -1, -1) if f"{name}-v{v}" in config]
    if not older:
        return []
    conf = Path(folder, f"{algo}.yml")
    header = f"# rl_zoo3 {rl_zoo3.__version__} hyperparams/{algo}.yml, block {older[0]}\n"
    conf.write_text(header + yaml.safe_dump({env_id: config[older[0]]}))
    return ["--conf-file", str(conf)]


def run_file(out_dir: Path, algo: str, env_id: str, seed: int, tag: str) -> Path:
    return out_dir / f"{algo}{'-' + tag if tag else ''}_{env_id}_{seed}.json"


def train(algo: str, env_id: str, seed: int, args: argparse.Namespace) -> dict:
    """One training run through the CLI; its evaluation curve read from RL-Zoo's ``evaluations.npz``."""
    with tempfile.TemporaryDirectory() as log_folder:
        command = ["train", "--algo", algo, "--env", env_id, "--seed", str(seed), "--eval-freq", str(args.eval_freq)]
        command += ["--eval-episodes", str(args.eval_episodes), "--num-threads", "1", "--verbose", "0"]
        if args.n_timesteps > 0:
            command += ["-n", str(args.n_timesteps)]
        if args.params:
            command += ["-params", *args.params]
        conf = zoo_config_for(algo, env_id, log_folder)
        config_text = Path(conf[1]).read_text() if conf else None
        start = time.perf_counter()
        cli = [sys.executable, "-m", "sb3_pg.zoo", *command, *conf, "-f", log_folder]
        result = subprocess.run(cli, capture_output=True, text=True)
        seconds = time.perf_counter() - start
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed:\n{result.stderr[-3000:]}")
        evaluations = np.load(next(Path(log_folder, algo).glob(f"{env_id}_*/evaluations.npz")))
    curve = [[int(step), float(np.mean(returns))] for step, returns in zip(evaluations["timesteps"], evaluations["results"])]
    run = {"algo": algo, "env": env_id, "seed": seed, "command": command, "curve": curve, "seconds": seconds}
    if config_text:
        run["config"] = config_text
    return run


def summarize(runs: list[dict], threshold: float) -> dict:
    firsts = [next((step for step, value in run["curve"] if value >= threshold), None) for run in runs]
    reached = [step for step in firsts if step is not None]
    return {
        "reached": f"{len(reached)}/{len(runs)}",
        "steps": median_range(reached, "{:.0f}"),
        "final": median_range([float(np.mean([v for _, v in run["curve"][-3:]])) for run in runs]),
        "max": median_range([max(v for _, v in run["curve"]) for run in runs]),
        "curve_mean": median_range([float(np.mean([v for _, v in run["curve"]])) for run in runs]),
        "seconds": median_range([run["seconds"] for run in runs], "{:.0f}"),
        "budget": max(run["curve"][-1][0] for run in runs),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--envs", nargs="+", default=["CartPole-v1"], choices=list(THRESHOLDS))
    parser.add_argument("--algos", nargs="+", default=["reinforce", "reinforce_baseline", "td_actor_critic", "tnpg"])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--eval-freq", type=int, default=5_000)
    parser.add_argument("--eval-episodes", type=int, default=10)
    parser.add_argument("-n", "--n-timesteps", type=int, default=-1, help="budget (default: the config's n_timesteps)")
    parser.add_argument("--params", nargs="+", default=None, help="RL-Zoo -params overrides, e.g. learning_rate:0.002")
    parser.add_argument("--tag", default="", help="name of a variant (with --params), part of the run files' names")
    parser.add_argument("--out-dir", default="benchmarks/results/zoo")
    parser.add_argument("--summary-only", action="store_true", help="print the summary of stored runs, train nothing")
    args = parser.parse_args()
    out_dir = Path(args.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)

    rows = []
    for env_id in args.envs:
        for algo in args.algos:
            runs = []
            for seed in args.seeds:
                path = run_file(out_dir, algo, env_id, seed, args.tag)
                if not path.exists() and not args.summary_only:
                    path.write_text(json.dumps(train(algo, env_id, seed, args)))
                    status = "done"
                else:
                    status = "stored" if path.exists() else "missing"
                if path.exists():
                    run = json.loads(path.read_text())
                    runs.append(run)
                    final = np.mean([v for _, v in run["curve"][-3:]])
                    print(f"[{status}] {path.name}: final {final:.1f}, {run['seconds']:.0f} s", flush=True)
            if runs:
                rows.append((env_id, algo + (f" ({args.tag})" if args.tag else ""), summarize(runs, THRESHOLDS[env_id])))

    print(
        "\nenv (threshold) | algo | budget | reached | steps to threshold | final eval | max eval | mean over curve | wall s"
    )
    print("|".join(["---"] * 9))
    for env_id, algo, summary in rows:
        print(
            f"{env_id} ({THRESHOLDS[env_id]:g}) | {algo} | {summary['budget']} | {summary['reached']} | {summary['steps']}"
            f" | {summary['final']} | {summary['max']} | {summary['curve_mean']} | {summary['seconds']}"
        )


if __name__ == "__main__":
    main()
