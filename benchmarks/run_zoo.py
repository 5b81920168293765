"""
Benchmark runner: our algorithms with their shipped RL-Zoo configs and RL-Zoo's algorithms with RL-Zoo's configs,
all trained through the same entry point, exactly as a user runs them:

    python -m sb3_pg.zoo train --algo ALGO --env ENV --seed SEED --eval-freq 5000 --eval-episodes 10 ...

The budget is each config's ``n_timesteps`` unless ``-n`` is given. Each run's evaluation curve (RL-Zoo's
``evaluations.npz``: deterministic policy, ``--eval-episodes`` episodes every ``--eval-freq`` steps; the mean of
each evaluation in ``curve``, its episodes' returns and lengths in ``episodes``) and wall time are stored in
``--out-dir`` as one JSON file per run; a run whose file exists is not redone (resumable), so an interrupted sweep
continues where it stopped. The summary, per (algo, env): seeds that reached the threshold, steps until the
evaluation mean first reached it, final evaluation (mean of the last 3), the best evaluation (max, Tianshou's
metric), mean over the whole curve (Duan et al.'s metric), wall-clock seconds; median [min, max] over seeds.

    python benchmarks/run_zoo.py --envs CartPole-v1 --algos reinforce reinforce_baseline td_actor_critic tnpg a2c ppo
    python benchmarks/run_zoo.py --envs Pendulum-v1 --algos tnpg trpo --seeds 0 1 2 3 4
    python benchmarks/run_zoo.py --envs CartPole-v1 --algos reinforce --params learning_rate:0.002 --tag lr2e-3
    python benchmarks/run_zoo.py --envs CartPole-v1 --algos reinforce a2c --summary-only
    python benchmarks/run_zoo.py --envs HalfCheetah-v5 Hopper-v5 Walker2d-v5 --algos tnpg trpo --seeds 2 3 4 --eval-freq 10000
    python benchmarks/run_zoo.py --envs LunarLander-v3 --algos reinforce_baseline tnpg ppo --jobs 4

Scaling out. One machine: ``--jobs N`` trains N runs at once (a pool of N workers, each run its own process). Many
machines: ``--ray-address ADDRESS`` (``pip install -e ".[ray]"``; ``auto`` for the cluster this machine belongs to)
sends each run to a Ray cluster as a task with one CPU; a task whose worker or node dies is retried
(``--max-retries``), and the run's data comes back to this driver, which stores it as it arrives: the machines
share no folder. Either way runs already stored are skipped, each run is stored once (written whole, then renamed
into place), a run that fails is reported with its reason (a signal by name: "killed by SIGKILL") while the others
go on, and the exit status is then non-zero. Before any training the runner refuses what cannot work: a budget
below ``--eval-freq`` (no evaluation, no curve) and an output folder it cannot write.

    ray start --head --port 6379 --num-cpus 8              # on the first machine
    ray start --address HEAD_IP:6379 --num-cpus 8          # on each other machine
    python benchmarks/run_zoo.py --envs LunarLander-v3 --algos tnpg ppo --seeds 0 1 2 3 4 --ray-address auto

``--final-episodes N`` also evaluates the model saved at the end of training on N greedy episodes (a test env seeded
apart from training's, VecNormalize statistics loaded as RL-Zoo's ``enjoy`` does), stored as the run's
``final_episodes``: a final score with N episodes behind it instead of the 3 x ``--eval-episodes`` of "final".

MuJoCo (pip install -e ".[mujoco]" in a clone): RL-Zoo 2.9 tunes the -v4 envs; its own algorithms (trpo, ppo, ...) run on -v5
with RL-Zoo's block of the -v4 env (stored in the run's "config").
"""

import argparse
import contextlib
import ctypes
import io
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

# The envs and their solved thresholds (data: benchmarks/results/envs.json)
THRESHOLDS = {
    env_id: float(facts["threshold"])
    for env_id, facts in json.loads((Path(__file__).resolve().parent / "results" / "envs.json").read_text())["envs"].items()
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


def config_block(algo: str, env_id: str) -> dict[str, Any]:
    """
    The config block ``python -m sb3_pg.zoo train --algo ALGO --env ENV`` starts from: ours (``zoo_configs/``) for our
    algorithms, RL-Zoo's for its own (its newest older version of the env where it has no block for this one, as
    :func:`zoo_config_for` writes it); empty when there is none (the CLI then says why).
    """
    import rl_zoo3
    import yaml

    from sb3_pg.zoo.registry import ALGOS, config_path

    path = config_path(algo) if algo in ALGOS else Path(rl_zoo3.__file__).parent / "hyperparams" / f"{algo}.yml"
    config = yaml.safe_load(path.read_text()) if path.is_file() else {}
    name, _, version = env_id.rpartition("-v")
    older = [f"{name}-v{v}" for v in range(int(version) - 1, -1, -1)] if version.isdigit() and algo not in ALGOS else []
    return next((dict(config[key]) for key in (env_id, *older) if key in config), {})


def budget(algo: str, env_id: str, args: argparse.Namespace) -> int:
    """A run's training budget: ``-n``, else an ``n_timesteps`` of ``--params``, else the config block's."""
    if args.n_timesteps > 0:
        return args.n_timesteps
    overrides = dict(param.split(":", 1) for param in args.params or [])
    return int(float(overrides.get("n_timesteps", config_block(algo, env_id).get("n_timesteps", 0))))


def signal_reason(returncode: int) -> str:
    """How a process ended, a signal by name: ``killed by SIGKILL``, ``exit status 1``."""
    if returncode < 0:
        try:
            return f"killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"killed by signal {-returncode}"
    return f"exit status {returncode}"


class TrainingFailed(RuntimeError):
    """A training run that did not finish; its message is the reason (how the process ended, its last error line)."""


def die_with_parent() -> Callable[[], None] | None:
    """
    On Linux, what makes a training process die with the worker that started it (``PR_SET_PDEATHSIG``): a worker
    killed mid-run leaves no orphan training on (its run is retried elsewhere); None on other systems.
    """
    if not sys.platform.startswith("linux"):
        return None
    prctl = ctypes.CDLL(None, use_errno=True).prctl
    return lambda: prctl(1, signal.SIGKILL)  # 1: PR_SET_PDEATHSIG; runs in the child between fork and exec


def run_hyperparams(run_dir: Path, env_id: str) -> dict[str, Any]:
    """The hyperparameters a run trained with: RL-Zoo's ``config.yml`` (the config block after ``-params``)."""
    import yaml

    saved = yaml.load((run_dir / env_id / "config.yml").read_text(), Loader=yaml.UnsafeLoader)  # written by RL-Zoo
    return {key: value for key, value in dict(saved).items()}


def train(algo: str, env_id: str, seed: int, args: argparse.Namespace) -> dict:
    """
    One training run through the CLI, in a process of its own: its evaluation curve (RL-Zoo's ``evaluations.npz``),
    the hyperparameters it trained with, its wall time and machine.

    :raises TrainingFailed: the training process failed; the message says how (a signal by name) and its last error
    """
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
        result = subprocess.run(cli, capture_output=True, text=True, preexec_fn=die_with_parent())
        seconds = time.perf_counter() - start
        if result.returncode != 0:
            lines = [line for line in result.stderr.splitlines() if line.strip()]
            last = ([line for line in lines if "error" in line.lower()] or lines)[-1:]  # the error, not what follows
            raise TrainingFailed(": ".join([signal_reason(result.returncode), *last]))
        run_dir = next(Path(log_folder, algo).glob(f"{env_id}_*"))
        evaluations = np.load(run_dir / "evaluations.npz")
        hyperparams = run_hyperparams(run_dir, env_id)
        final_returns = final_evaluation(algo, env_id, run_dir, seed, args.final_episodes) if args.final_episodes else None
    curve = [[int(step), float(np.mean(returns))] for step, returns in zip(evaluations["timesteps"], evaluations["results"])]
    run = {"algo": algo, "env": env_id, "seed": seed, "command": command, "curve": curve, "seconds": seconds}
    # Each evaluation's episodes, in the curve's order: a mean alone cannot tell one bad start state from a worse policy
    run["episodes"] = {"returns": evaluations["results"].tolist(), "lengths": evaluations["ep_lengths"].tolist()}
    run["hyperparams"] = hyperparams
    if final_returns is not None:
        run["final_episodes"] = final_returns
    run["machine"] = {"host": socket.gethostname(), "cpus": os.cpu_count(), "torch": metadata.version("torch")}
    if config_text:
        run["config"] = config_text
    return run


def store(path: Path, run: dict) -> None:
    """Store a run: written whole to a hidden file, then renamed into place (a reader never sees half a run)."""
    partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        partial.write_text(json.dumps(run))
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def print_run(status: str, path: Path) -> None:
    run = json.loads(path.read_text())
    final = np.mean([v for _, v in run["curve"][-3:]])
    print(f"[{status}] {path.name}: final {final:.1f}, {run['seconds']:.0f} s", flush=True)


Todo = dict[Path, tuple[str, str, int]]  # run file -> (algo, env, seed)


def run_local(todo: Todo, args: argparse.Namespace) -> dict[str, str]:
    """
    Train the runs of ``todo`` on this machine, ``args.jobs`` at a time (each in its own process), storing each as it
    ends.

    :return: the failed runs' names and why they failed
    """
    failed = {}
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:  # threads that wait on one training process each
        futures = {pool.submit(train, algo, env_id, seed, args): path for path, (algo, env_id, seed) in todo.items()}
        try:
            for future in as_completed(futures):
                path = futures[future]
                try:
                    store(path, future.result())
                except Exception as error:
                    failed[path.name] = str(error) or type(error).__name__
                    print(f"[failed] {path.name}: {failed[path.name]}", file=sys.stderr, flush=True)
                    continue
                print_run("done", path)
        except KeyboardInterrupt:
            for future in futures:
                future.cancel()
            raise
    return failed


def run_ray(todo: Todo, args: argparse.Namespace) -> dict[str, str]:
    """
    Train the runs of ``todo`` on the Ray cluster at ``args.ray_address``, one task with one CPU per run; a task
    whose worker or node dies is retried up to ``args.max_retries`` times. Each run's data comes back to this driver,
    which stores it as it arrives.

    :return: the failed runs' names and why they failed
    """
    import ray
    from ray import cloudpickle

    if train.__module__ != "__main__":  # imported (tests): ship this file's code with the task, as for a script
        cloudpickle.register_pickle_by_value(sys.modules[train.__module__])
    ray.init(address=args.ray_address, log_to_driver=False, logging_level=logging.WARNING)
    try:
        task = ray.remote(num_cpus=1, max_retries=args.max_retries, retry_exceptions=False)(train)
        pending = {task.remote(algo, env_id, seed, args): path for path, (algo, env_id, seed) in todo.items()}
        failed = {}
        while pending:
            ready, _ = ray.wait(list(pending), num_returns=1)
            path = pending.pop(ready[0])
            try:
                store(path, ray.get(ready[0]))
            except ray.exceptions.RayTaskError as error:  # raised by train: its own message
                failed[path.name] = str(error.cause) if error.cause is not None else str(error).splitlines()[-1]
            except ray.exceptions.RayError as error:  # worker or node lost more often than retried
                failed[path.name] = f"{type(error).__name__}: {str(error).splitlines()[0]}"
            else:
                print_run("done", path)
                continue
            print(f"[failed] {path.name}: {failed[path.name]}", file=sys.stderr, flush=True)
        return failed
    finally:
        ray.shutdown()


def refuse(args: argparse.Namespace, keys: list[tuple[str, str, int]], out_dir: Path) -> str | None:
    """What makes the sweep unable to work, before any training: an output folder it cannot write, a budget below
    ``--eval-freq``; None if nothing does."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=out_dir, prefix=".write-test-"):
            pass
    except OSError as error:
        return f"cannot write the output folder {out_dir}: {error.strerror or error}"
    for env_id, algo in sorted({(env_id, algo) for env_id, algo, _ in keys}):
        steps = budget(algo, env_id, args)
        if 0 < steps < args.eval_freq:
            return (
                f"{algo} on {env_id}: a budget of {steps} steps is below --eval-freq {args.eval_freq}: "
                "no evaluation would run (lower --eval-freq or raise -n)"
            )
    return None


def final_evaluation(algo: str, env_id: str, run_dir: Path, seed: int, n_episodes: int) -> list[float]:
    """
    The returns of ``n_episodes`` greedy episodes of the model saved at the end of training (RL-Zoo's
    ``<env>.zip``, with its VecNormalize statistics if it has them), on a test env built as RL-Zoo's ``enjoy`` builds
    it, seeded ``seed + 10000`` (not the training or evaluation env's seed).
    """
    from rl_zoo3.utils import ALGOS, create_test_env, get_saved_hyperparams
    from stable_baselines3.common.evaluation import evaluate_policy

    from sb3_pg.zoo.registry import register

    register()
    hyperparams, stats_path = get_saved_hyperparams(str(run_dir / env_id), norm_reward=False, test_mode=True)
    with contextlib.redirect_stdout(io.StringIO()):  # RL-Zoo prints the VecNormalize loading
        env = create_test_env(
            env_id, n_envs=1, stats_path=stats_path, seed=seed + 10_000, should_render=False, hyperparams=hyperparams
        )
    model = ALGOS[algo].load(run_dir / f"{env_id}.zip", device="cpu")
    returns, _ = evaluate_policy(model, env, n_eval_episodes=n_episodes, deterministic=True, return_episode_rewards=True)
    env.close()
    assert isinstance(returns, list)  # return_episode_rewards=True: one return per episode
    return [float(value) for value in returns]


def summarize(runs: list[dict], threshold: float) -> dict:
    """A row of the summary: each statistic over the runs (seeds) as median [min, max] (``runs.curve_stats``)."""
    from report_common import number, spread
    from runs import curve_stats

    stats = [curve_stats(run["curve"], threshold) for run in runs]
    reached = [stat["steps"] for stat in stats if not np.isnan(stat["steps"])]
    return {
        "reached": f"{len(reached)}/{len(runs)}",
        "steps": spread(reached, "{:.0f}".format),
        **{key: spread([stat[key] for stat in stats], number) for key in ("final", "max", "curve_mean")},
        "seconds": spread([run["seconds"] for run in runs], "{:.0f}".format),
        "budget": int(max(stat["last_step"] for stat in stats)),
    }


def print_summary(out_dir: Path, args: argparse.Namespace) -> None:
    """The summary of the stored runs of the sweep (with ``--summary-only``, each run too, or that it is missing)."""
    rows = []
    for env_id in args.envs:
        for algo in args.algos:
            runs = []
            for seed in args.seeds:
                path = run_file(out_dir, algo, env_id, seed, args.tag)
                if path.exists():
                    runs.append(json.loads(path.read_text()))
                    if args.summary_only:
                        print_run("stored", path)
                elif args.summary_only:
                    print(f"[missing] {path.name}")
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--envs", nargs="+", default=["CartPole-v1"], choices=list(THRESHOLDS))
    parser.add_argument("--algos", nargs="+", default=["reinforce", "reinforce_baseline", "td_actor_critic", "tnpg"])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--eval-freq", type=int, default=5_000)
    parser.add_argument("--eval-episodes", type=int, default=10)
    parser.add_argument(
        "--final-episodes",
        type=int,
        default=0,
        help="also evaluate the final model on this many greedy episodes (stored as the run's final_episodes)",
    )
    parser.add_argument("-n", "--n-timesteps", type=int, default=-1, help="budget (default: the config's n_timesteps)")
    parser.add_argument("--params", nargs="+", default=None, help="RL-Zoo -params overrides, e.g. learning_rate:0.002")
    parser.add_argument("--tag", default="", help="name of a variant (with --params), part of the run files' names")
    parser.add_argument("--out-dir", default="benchmarks/results/zoo")
    parser.add_argument("--summary-only", action="store_true", help="print the summary of stored runs, train nothing")
    parser.add_argument("--jobs", type=int, default=1, help="runs trained at once on this machine, one process each")
    parser.add_argument(
        "--ray-address",
        default=None,
        help="run on this Ray cluster instead ('auto': the cluster this machine belongs to; pip install -e '.[ray]')",
    )
    parser.add_argument("--max-retries", type=int, default=3, help="with --ray-address: retries of a run whose worker dies")
    return parser


def parse_args(argv: list[str] | None = None, parser: argparse.ArgumentParser | None = None) -> argparse.Namespace:
    """The runner's arguments (``argv``: the command line without the program name; default ``sys.argv[1:]``)."""
    parser = parser or build_parser()
    args = parser.parse_args(argv)
    if args.jobs < 1 or args.max_retries < 0:
        parser.error("--jobs must be >= 1 and --max-retries >= 0")
    return args


def main(argv: list[str] | None = None) -> None:
    """
    Train the runs not yet stored and print the summary of all stored ones.

    :param argv: command line without the program name (default: ``sys.argv[1:]``)
    """
    parser = build_parser()
    args = parse_args(argv, parser)
    out_dir = Path(args.out_dir)
    keys = [(env_id, algo, seed) for env_id in args.envs for algo in args.algos for seed in args.seeds]
    failed: dict[str, str] = {}
    if not args.summary_only:
        reason = refuse(args, keys, out_dir)
        if reason:
            parser.error(reason)
        todo: Todo = {}
        for env_id, algo, seed in keys:
            path = run_file(out_dir, algo, env_id, seed, args.tag)
            if path.exists():
                print_run("stored", path)
            else:
                todo[path] = (algo, env_id, seed)
        if todo:
            failed = run_ray(todo, args) if args.ray_address else run_local(todo, args)

    print_summary(out_dir, args)
    if failed:
        sys.exit(f"{len(failed)} run(s) failed: " + "; ".join(f"{name} ({reason})" for name, reason in failed.items()))


if __name__ == "__main__":
    main()
