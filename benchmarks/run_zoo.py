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
    python benchmarks/run_zoo.py --envs LunarLander-v3 --algos reinforce_baseline tnpg ppo --jobs 4

Scaling out: ``--jobs N`` trains N runs at once (one process each). Several workers, on one machine or on machines
sharing ``--out-dir`` (e.g. over NFS), can run the same command: before a run a worker claims it by creating
``<run file>.claim`` (host, pid, time) with an exclusive create, so no run is done twice; the claim is refreshed while
the run goes on and removed once the run is stored or has failed. A claim not refreshed for ``--claim-timeout``
seconds (its worker died) is taken over. A run that fails is reported and the others go on; the exit status is then 1.
Runs claimed by a worker still at work are left out of this worker's summary: ``--summary-only`` once all are done.

``--final-episodes N`` also evaluates the model saved at the end of training on N greedy episodes (a test env seeded
apart from training's, VecNormalize statistics loaded as RL-Zoo's ``enjoy`` does), stored as the run's
``final_episodes``: a final score with N episodes behind it instead of the 3 x ``--eval-episodes`` of "final".

MuJoCo (pip install "sb3-pg[mujoco]"): RL-Zoo 2.9 tunes the -v4 envs; its own algorithms (trpo, ppo, ...) run on -v5
with RL-Zoo's block of the -v4 env (stored in the run's "config").
"""

import argparse
import contextlib
import io
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

import numpy as np
from common import first_reaching, median_range

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


def claim_file(path: Path) -> Path:
    """The claim of the run stored at ``path``: ``<run file>.claim``."""
    return path.with_name(path.name + ".claim")


def _age(path: Path) -> float | None:
    """Seconds since ``path`` was last written (or refreshed), None if it does not exist."""
    try:
        return time.time() - path.stat().st_mtime
    except FileNotFoundError:
        return None


def _read_claim(claim: Path) -> dict:
    """What a claim holds (host, pid, time, token); empty if it is gone or still being written."""
    try:
        return json.loads(claim.read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return {}


def _remove_stale(claim: Path, timeout: float) -> bool:
    """
    Remove ``claim`` if it is stale (not refreshed for ``timeout`` seconds). Workers that find the same stale claim
    take turns through an exclusive ``<run file>.takeover.claim``, and each checks the claim again while holding it,
    so a claim that another worker has just taken over is never removed.

    :return: whether the claim was removed
    """
    takeover = claim.with_name(claim.name.removesuffix(".claim") + ".takeover.claim")
    try:
        os.close(os.open(takeover, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
    except FileExistsError:
        age = _age(takeover)
        if age is not None and age > timeout:  # left by a worker that died while taking over
            takeover.unlink(missing_ok=True)
        return False
    try:
        age = _age(claim)
        if age is None or age <= timeout:
            return False
        claim.unlink(missing_ok=True)
        return True
    finally:
        takeover.unlink(missing_ok=True)


def try_claim(path: Path, timeout: float) -> str | None:
    """
    Claim the run stored at ``path`` for this worker: create ``<run file>.claim`` atomically (``O_CREAT | O_EXCL``,
    also on NFS v3+) holding host, pid, time and a token; a stale claim (not refreshed for ``timeout`` seconds) is
    taken over.

    :param path: the run's result file
    :param timeout: seconds after which a claim not refreshed is stale
    :return: the claim's token (to refresh and release it), None if another worker holds the run
    """
    claim = claim_file(path)
    token = uuid.uuid4().hex
    owner = {
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "time": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    for _ in range(3):
        try:
            fd = os.open(claim, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            age = _age(claim)
            if age is None:  # released meanwhile
                continue
            if age <= timeout or not _remove_stale(claim, timeout):
                return None
            continue
        with os.fdopen(fd, "w") as file:
            json.dump({**owner, "token": token}, file)
        return token
    return None


def release_claim(path: Path, token: str) -> None:
    """Remove the claim of the run stored at ``path`` if it is still this worker's (``token``)."""
    claim = claim_file(path)
    if _read_claim(claim).get("token") == token:
        claim.unlink(missing_ok=True)


class ClaimKeeper:
    """
    Keeps this worker's claims fresh: a thread touches each held claim every ``interval`` seconds, so that a run
    longer than ``--claim-timeout`` is not taken over while its worker lives.

    :param interval: seconds between refreshes
    """

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._held: dict[Path, str] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._refresh, daemon=True)

    def __enter__(self) -> "ClaimKeeper":
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()

    def hold(self, path: Path, token: str) -> None:
        with self._lock:
            self._held[path] = token

    def drop(self, path: Path) -> None:
        with self._lock:
            self._held.pop(path, None)

    def _refresh(self) -> None:
        while not self._stop.wait(self.interval):
            with self._lock:
                held = dict(self._held)
            for path, token in held.items():
                claim = claim_file(path)
                if _read_claim(claim).get("token") == token:
                    os.utime(claim)
                else:
                    print(f"[warning] {claim.name}: no longer this worker's claim (taken over?)", file=sys.stderr, flush=True)
                    self.drop(path)


def claim_and_train(path: Path, algo: str, env_id: str, seed: int, args: argparse.Namespace, keeper: ClaimKeeper) -> str:
    """
    Claim one run, train it and store it (written whole, then renamed into place), then release the claim, also
    when training fails.

    :return: "done", "stored" (another worker stored it meanwhile) or "claimed" (another worker holds it)
    """
    token = try_claim(path, args.claim_timeout)
    if token is None:
        return "claimed"
    keeper.hold(path, token)
    try:
        if path.exists():
            return "stored"
        run = train(algo, env_id, seed, args)
        partial = path.with_name(f".{path.name}.{token}.tmp")
        try:
            partial.write_text(json.dumps(run))
            os.replace(partial, path)
        finally:
            partial.unlink(missing_ok=True)
        return "done"
    finally:
        keeper.drop(path)
        release_claim(path, token)


def print_run(status: str, path: Path) -> None:
    run = json.loads(path.read_text())
    final = np.mean([v for _, v in run["curve"][-3:]])
    print(f"[{status}] {path.name}: final {final:.1f}, {run['seconds']:.0f} s", flush=True)


def run_all(keys: list[tuple[str, str, int]], out_dir: Path, args: argparse.Namespace) -> list[str]:
    """
    Train the runs of ``keys`` (env, algo, seed) not yet stored, ``args.jobs`` at a time, each claimed first.

    :return: the names of the runs that failed
    """
    failed = []
    with ClaimKeeper(min(60.0, args.claim_timeout / 4)) as keeper, ThreadPoolExecutor(max_workers=args.jobs) as pool:
        futures: dict[Future, Path] = {}
        for env_id, algo, seed in keys:
            path = run_file(out_dir, algo, env_id, seed, args.tag)
            if path.exists():
                print_run("stored", path)
            else:
                futures[pool.submit(claim_and_train, path, algo, env_id, seed, args, keeper)] = path
        try:
            for future in as_completed(futures):
                path = futures[future]
                try:
                    status = future.result()
                except Exception as error:
                    failed.append(path.name)
                    print(f"[failed] {path.name}: {error}", file=sys.stderr, flush=True)
                    continue
                if status == "claimed":
                    owner = _read_claim(claim_file(path))
                    print(f"[claimed] {path.name}: by {owner.get('host')} pid {owner.get('pid')} since {owner.get('time')}")
                else:
                    print_run(status, path)
        except KeyboardInterrupt:
            for future in futures:
                future.cancel()
            raise
    return failed


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
        run_dir = next(Path(log_folder, algo).glob(f"{env_id}_*"))
        evaluations = np.load(run_dir / "evaluations.npz")
        final_returns = final_evaluation(algo, env_id, run_dir, seed, args.final_episodes) if args.final_episodes else None
    curve = [[int(step), float(np.mean(returns))] for step, returns in zip(evaluations["timesteps"], evaluations["results"])]
    run = {"algo": algo, "env": env_id, "seed": seed, "command": command, "curve": curve, "seconds": seconds}
    if final_returns is not None:
        run["final_episodes"] = final_returns
    run["machine"] = {"host": socket.gethostname(), "cpus": os.cpu_count(), "torch": metadata.version("torch")}
    if config_text:
        run["config"] = config_text
    return run


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
    firsts = [first_reaching(run["curve"], threshold) for run in runs]
    reached = [float(step) for step in firsts if step is not None]
    return {
        "reached": f"{len(reached)}/{len(runs)}",
        "steps": median_range(reached, "{:.0f}"),
        "final": median_range([float(np.mean([v for _, v in run["curve"][-3:]])) for run in runs]),
        "max": median_range([max(v for _, v in run["curve"]) for run in runs]),
        "curve_mean": median_range([float(np.mean([v for _, v in run["curve"]])) for run in runs]),
        "seconds": median_range([run["seconds"] for run in runs], "{:.0f}"),
        "budget": max(run["curve"][-1][0] for run in runs),
    }


def main(argv: list[str] | None = None) -> None:
    """
    Train the runs not yet stored and print the summary of all stored ones.

    :param argv: command line without the program name (default: ``sys.argv[1:]``)
    """
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
    parser.add_argument("--jobs", type=int, default=1, help="runs trained at once, one process each")
    parser.add_argument(
        "--claim-timeout",
        type=float,
        default=900.0,
        help="seconds after which a run's claim that its worker stopped refreshing is taken over (default: 900)",
    )
    args = parser.parse_args(argv)
    if args.jobs < 1 or args.claim_timeout <= 0:
        parser.error("--jobs must be >= 1 and --claim-timeout > 0")
    out_dir = Path(args.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)

    keys = [(env_id, algo, seed) for env_id in args.envs for algo in args.algos for seed in args.seeds]
    failed = [] if args.summary_only else run_all(keys, out_dir, args)

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
    if failed:
        sys.exit(f"{len(failed)} run(s) failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
