"""
Runs that scale out: ``benchmarks/run_zoo.py`` on one machine (``--jobs``: a pool of processes) and on a Ray cluster
(``--ray-address``: one task per run, retried when its worker dies, stored by the driver), and hyperparameter tuning
by several worker processes sharing one Optuna study on a PostgreSQL server (RL-Zoo's ``-optimize --storage
--study-name``).
"""

import argparse
import json
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import optuna
import pytest

ROOT = Path(__file__).resolve().parents[1]
BENCHMARKS = ROOT / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

import run_zoo  # noqa: E402  (a script of benchmarks/, importable once that folder is on the path)

ENV = "CartPole-v1"
RUN_KEYS = {"algo", "env", "seed", "command", "curve", "episodes", "seconds", "hyperparams", "machine"}
TINY = ("-n", "2000", "--eval-freq", "1000", "--eval-episodes", "2")


def fake_run(algo: str, env_id: str, seed: int) -> dict:
    """A run dict in the stored format, as ``run_zoo.train`` returns it."""
    return {
        "algo": algo,
        "env": env_id,
        "seed": seed,
        "command": ["train"],
        "curve": [[1000, 10.0], [2000, 20.0]],
        "seconds": 0.1,
        "hyperparams": {"n_envs": 1},
    }


def stored_names(out_dir: Path) -> list[str]:
    return sorted(path.name for path in out_dir.glob("*.json"))


def leftovers(out_dir: Path) -> list[str]:
    """Partial and hidden files left in the results folder (there should be none)."""
    return sorted(path.name for path in out_dir.iterdir() if path.name.startswith("."))


def sweep(out_dir: Path, *extra: str, seeds: int = 4, algos: tuple[str, ...] = ("reinforce",)) -> list[str]:
    """``run_zoo.py`` arguments: CartPole, ``algos`` over seeds ``0 .. seeds - 1``, into ``out_dir``."""
    return ["--envs", ENV, "--algos", *algos, "--seeds", *map(str, range(seeds)), "--out-dir", str(out_dir), *extra]


class Recorder:
    """A stand-in for ``run_zoo.train``: sleeps, records each call's interval and returns a fake run."""

    def __init__(self, seconds: float, fail_seeds: tuple[int, ...] = ()):
        self.seconds = seconds
        self.fail_seeds = fail_seeds
        self.calls: list[tuple[int, float, float]] = []
        self.lock = threading.Lock()

    def __call__(self, algo: str, env_id: str, seed: int, args: argparse.Namespace) -> dict:
        start = time.monotonic()
        time.sleep(self.seconds)
        with self.lock:
            self.calls.append((seed, start, time.monotonic()))
        if seed in self.fail_seeds:
            raise run_zoo.TrainingFailed(f"killed by SIGKILL (seed {seed})")
        return fake_run(algo, env_id, seed)

    def most_at_once(self) -> int:
        events = sorted([(start, 1) for _, start, _ in self.calls] + [(end, -1) for _, _, end in self.calls])
        running = most = 0
        for _, change in events:
            running += change
            most = max(most, running)
        return most


def test_jobs_run_at_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    recorder = Recorder(seconds=0.3)
    monkeypatch.setattr(run_zoo, "train", recorder)
    run_zoo.main(sweep(tmp_path, "--jobs", "2", "-n", "2000", "--eval-freq", "1000"))
    assert sorted(seed for seed, _, _ in recorder.calls) == [0, 1, 2, 3]
    assert recorder.most_at_once() == 2
    assert stored_names(tmp_path) == [f"reinforce_{ENV}_{seed}.json" for seed in range(4)]
    assert json.loads((tmp_path / f"reinforce_{ENV}_2.json").read_text()) == fake_run("reinforce", ENV, 2)
    assert leftovers(tmp_path) == []
    out = capsys.readouterr().out
    assert out.count("[done]") == 4 and "reinforce | 2000 | 0/4" in out


def test_one_job_runs_one_at_a_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    recorder = Recorder(seconds=0.1)
    monkeypatch.setattr(run_zoo, "train", recorder)
    run_zoo.main(sweep(tmp_path, seeds=3))
    assert recorder.most_at_once() == 1 and len(recorder.calls) == 3


def test_stored_run_is_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    stored = tmp_path / f"reinforce_{ENV}_0.json"
    stored.write_text(json.dumps({**fake_run("reinforce", ENV, 0), "seconds": 7.0}))
    before = stored.read_bytes()
    recorder = Recorder(seconds=0.05)
    monkeypatch.setattr(run_zoo, "train", recorder)
    run_zoo.main(sweep(tmp_path, "--jobs", "2", seeds=2))
    assert [seed for seed, _, _ in recorder.calls] == [1]
    assert stored.read_bytes() == before
    out = capsys.readouterr().out
    assert f"[stored] reinforce_{ENV}_0.json" in out and f"[done] reinforce_{ENV}_1.json" in out


def test_failed_run_is_named_with_its_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    """The others go on and are stored; the exit status is non-zero and names the failed run and why."""
    monkeypatch.setattr(run_zoo, "train", Recorder(seconds=0.05, fail_seeds=(1,)))
    with pytest.raises(SystemExit, match=rf"1 run\(s\) failed: reinforce_{ENV}_1.json \(killed by SIGKILL \(seed 1\)\)"):
        run_zoo.main(sweep(tmp_path, "--jobs", "2", seeds=3))
    assert f"[failed] reinforce_{ENV}_1.json: killed by SIGKILL" in capsys.readouterr().err
    assert stored_names(tmp_path) == [f"reinforce_{ENV}_0.json", f"reinforce_{ENV}_2.json"]
    assert leftovers(tmp_path) == []
    # The next sweep does the failed run, and only it
    recorder = Recorder(seconds=0.05)
    monkeypatch.setattr(run_zoo, "train", recorder)
    run_zoo.main(sweep(tmp_path, seeds=3))
    assert [seed for seed, _, _ in recorder.calls] == [1]
    assert len(stored_names(tmp_path)) == 3 and leftovers(tmp_path) == []


def test_training_process_killed_by_a_signal_is_named(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A training process that dies of a signal: the reason names the signal, not an empty message."""

    def killed(command: list[str], **kwargs: object) -> subprocess.CompletedProcess:
        return subprocess.CompletedProcess(command, -signal.SIGKILL, stdout="", stderr="")

    monkeypatch.setattr(run_zoo.subprocess, "run", killed)
    args = run_zoo.parse_args(sweep(tmp_path))
    with pytest.raises(run_zoo.TrainingFailed, match=r"^killed by SIGKILL$"):
        run_zoo.train("reinforce", ENV, 0, args)
    assert run_zoo.signal_reason(1) == "exit status 1" and run_zoo.signal_reason(-signal.SIGTERM) == "killed by SIGTERM"


def test_refuses_a_budget_below_the_evaluation_frequency(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    recorder = Recorder(seconds=0.0)
    monkeypatch.setattr(run_zoo, "train", recorder)
    with pytest.raises(SystemExit) as exit_info:
        run_zoo.main(sweep(tmp_path, "-n", "1000", "--eval-freq", "5000", seeds=1))
    assert exit_info.value.code == 2 and recorder.calls == []
    assert "budget of 1000 steps is below --eval-freq 5000" in capsys.readouterr().err
    # The config's own budget counts when -n is not given, and an n_timesteps of --params over it
    args = run_zoo.parse_args(sweep(tmp_path, "--params", "n_timesteps:3000"))
    assert run_zoo.budget("reinforce", ENV, args) == 3000
    assert run_zoo.budget("reinforce", ENV, run_zoo.parse_args(sweep(tmp_path))) > 5000


def test_refuses_an_output_folder_it_cannot_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    recorder = Recorder(seconds=0.0)
    monkeypatch.setattr(run_zoo, "train", recorder)
    blocker = tmp_path / "a file"
    blocker.write_text("")
    with pytest.raises(SystemExit) as exit_info:
        run_zoo.main(sweep(blocker / "results", "-n", "2000"))
    assert exit_info.value.code == 2 and recorder.calls == []
    assert "cannot write the output folder" in capsys.readouterr().err


def finish(processes: list[subprocess.Popen], timeout: float) -> list[tuple[str, str]]:
    """The output of each process once it has ended; any still running when one times out is killed."""
    try:
        return [process.communicate(timeout=timeout) for process in processes]
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.communicate()


def check_stored(out_dir: Path, seeds: range) -> None:
    """The runs of a real tiny sweep (REINFORCE's shipped CartPole block, 2000 steps), stored in the usual format."""
    assert stored_names(out_dir) == [f"reinforce_{ENV}_{seed}.json" for seed in seeds]
    assert leftovers(out_dir) == []
    for seed in seeds:
        run = json.loads((out_dir / f"reinforce_{ENV}_{seed}.json").read_text())
        assert set(run) == RUN_KEYS and run["seed"] == seed
        assert set(run["machine"]) == {"host", "cpus", "torch"}
        steps = [step for step, _ in run["curve"]]  # every --eval-freq 1000 steps (rounded to the block's n_envs)
        assert len(steps) >= 2 and steps == sorted(steps) and steps[-1] >= 2000
        # Each evaluation's 2 episodes (--eval-episodes 2): their mean is the curve's point, each at least a step long
        returns, lengths = run["episodes"]["returns"], run["episodes"]["lengths"]
        assert [len(episodes) for episodes in returns] == [len(episodes) for episodes in lengths] == [2] * len(steps)
        assert [sum(episodes) / 2 for episodes in returns] == pytest.approx([value for _, value in run["curve"]])
        assert all(length >= 1 for episodes in lengths for length in episodes)
        # CartPole pays 1 per step: an episode's return is its length
        assert [r for episodes in returns for r in episodes] == pytest.approx([n for episodes in lengths for n in episodes])
        assert run["command"][:6] == ["train", "--algo", "reinforce", "--env", ENV, "--seed"]
        assert run["hyperparams"]["policy"] == "MlpPolicy" and "n_episodes" in run["hyperparams"]


@pytest.mark.slow
def test_jobs_end_to_end(tmp_path: Path) -> None:
    """The real command: two CartPole runs of REINFORCE trained at once, stored with the hyperparameters they ran."""
    command = [sys.executable, str(BENCHMARKS / "run_zoo.py"), *sweep(tmp_path, *TINY, "--jobs", "2", seeds=2)]
    result = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.count("[done]") == 2
    check_stored(tmp_path, range(2))


def parent(pid: int) -> int:
    """The parent of process ``pid`` (0 once it is gone)."""
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return 0


def descends_from(pid: int, ancestor: int) -> bool:
    while pid > 1:
        pid = parent(pid)
        if pid == ancestor:
            return True
    return False


def training_of_this_test(seconds: float) -> int:
    """A training process (``python -m sb3_pg.zoo train``) started by a Ray worker of this test's cluster."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for proc in Path("/proc").iterdir():
            if not proc.name.isdigit():
                continue
            try:
                cmdline = (proc / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if b"sb3_pg.zoo" in cmdline and b"train" in cmdline and descends_from(int(proc.name), os.getpid()):
                return int(proc.name)
        time.sleep(0.2)
    pytest.fail("no training process started")


@pytest.mark.slow  # a local Ray cluster of two nodes, real tiny runs
def test_ray_cluster_loses_no_run_when_a_worker_dies(tmp_path: Path) -> None:
    """
    ``--ray-address`` on a two-node cluster (127.0.0.1): one worker killed (SIGKILL) mid-run; its task is retried,
    every run is stored exactly once by the driver, the exit status is 0, and the killed worker's training process
    died with it.
    """
    pytest.importorskip("ray", reason='the [ray] extra: pip install -e ".[ray]"')
    from ray.cluster_utils import Cluster

    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1, "include_dashboard": False})
    driver = None
    try:
        cluster.add_node(num_cpus=1)  # a second node (its own raylet and object store) on this machine
        cluster.wait_for_nodes()
        out_dir = tmp_path / "results"
        command = [sys.executable, str(BENCHMARKS / "run_zoo.py"), *sweep(out_dir, *TINY, seeds=3)]
        driver = subprocess.Popen(
            [*command, "--ray-address", cluster.address], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        training = training_of_this_test(seconds=300)
        worker = parent(training)
        time.sleep(1.0)  # the training is under way
        os.kill(worker, signal.SIGKILL)
        [(out, err)] = finish([driver], timeout=600)
        assert driver.returncode == 0, err[-3000:]
        done = sorted(line.split(":")[0] for line in out.splitlines() if line.startswith("[done]"))
        assert done == [f"[done] reinforce_{ENV}_{seed}.json" for seed in range(3)]  # each run stored once
        check_stored(out_dir, range(3))
        deadline = time.monotonic() + 30
        while parent(training) and time.monotonic() < deadline:  # the orphan is gone (killed with its worker)
            time.sleep(0.2)
        assert parent(training) == 0
        # A run that fails (a key the algorithm refuses) on the cluster: named with the reason the driver got back
        bad = [*command, "--tag", "bad", "--params", "not_a_key:1", "--seeds", "0", "--ray-address", cluster.address]
        failed = subprocess.run(bad, capture_output=True, text=True, timeout=600)
        assert failed.returncode == 1, failed.stderr[-3000:]
        reason = r"exit status \d+: sb3-pg train: error: Reinforce does not accept the hyperparameter 'not_a_key'"
        assert re.search(rf"1 run\(s\) failed: reinforce-bad_{ENV}_0\.json \({reason}", failed.stderr), failed.stderr
    finally:
        if driver is not None and driver.poll() is None:
            driver.kill()
            driver.communicate()
        cluster.shutdown()


# --- Tuning on a shared Optuna study in PostgreSQL -------------------------------------------------------------


def postgres_bin() -> Path:
    """The folder of PostgreSQL's server programs (initdb, pg_ctl, createdb); the test fails if there is none."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda path: int(path.parts[-3]))
    if found:
        return found[-1].parent
    initdb = shutil.which("initdb")
    if initdb is None:
        pytest.fail("PostgreSQL's server programs (initdb, pg_ctl) are not installed: apt-get install -y postgresql")
    return Path(initdb).resolve().parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def postgres_url(tmp_path: Path) -> Iterator[str]:
    """
    A PostgreSQL server of its own on 127.0.0.1 (a free port, password login) with an empty database ``optuna``;
    stopped and its data removed afterwards, also when the test fails. As root, the server runs as the ``postgres``
    user (PostgreSQL refuses root) in a data folder of that user.
    """
    import psycopg  # noqa: F401  (SQLAlchemy's driver for postgresql+psycopg:// URLs: the test extra installs it)

    bin_dir = postgres_bin()
    as_user: list[str] = []
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")  # Debian's postgresql package creates it
        base = Path(tempfile.mkdtemp(prefix="sb3-pg-postgres-"))
        os.chown(base, user.pw_uid, user.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    else:
        base = tmp_path / "postgres"
        base.mkdir()
    data, password = base / "data", "scale-out"
    password_file = base / "password"
    password_file.write_text(password)
    if as_user:
        os.chown(password_file, user.pw_uid, user.pw_gid)
    started = False
    try:
        initdb = [str(bin_dir / "initdb"), "-D", str(data), "-U", "sb3pg", f"--pwfile={password_file}"]
        subprocess.run([*as_user, *initdb, "--auth=scram-sha-256", "-E", "UTF8", "--no-sync"], check=True, capture_output=True)
        for _ in range(3):  # another program may take the free port first
            port = free_port()
            options = f"-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories='' -c fsync=off"
            pg_ctl = [str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(base / "server.log"), "-w", "-t", "60"]
            started = subprocess.run([*as_user, *pg_ctl, "-o", options, "start"], capture_output=True).returncode == 0
            if started:
                break
        assert started, (base / "server.log").read_text()
        environment = {**os.environ, "PGPASSWORD": password}
        createdb = [str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "sb3pg", "optuna"]
        subprocess.run(createdb, check=True, env=environment, capture_output=True)
        yield f"postgresql+psycopg://sb3pg:{password}@127.0.0.1:{port}/optuna"
    finally:
        if started:
            subprocess.run(
                [*as_user, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"], capture_output=True
            )
        shutil.rmtree(base, ignore_errors=True)


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "sb3_pg.zoo", *args]


@pytest.mark.slow
def test_tuning_workers_share_a_postgresql_study(postgres_url: str, tmp_path: Path) -> None:
    """
    Two ``-optimize`` workers (separate processes, as on two machines) on one study: each runs its ``--n-trials``
    (the count is per worker), the study holds every trial once, and the best trial's hyperparameters train.
    """
    from sb3_pg import Reinforce
    from sb3_pg.zoo.hyperparams_opt import convert_reinforce_params

    study_name, n_trials = "reinforce-cartpole", 2
    # Once, before the workers: the study and its tables (workers creating them at the same time can collide)
    optuna_cli = shutil.which("optuna", path=str(Path(sys.executable).parent)) or "optuna"
    create = [optuna_cli, "create-study", "--storage", postgres_url, "--study-name", study_name, "--direction", "maximize"]
    subprocess.run(create, check=True, capture_output=True)

    processes = []
    for worker in (1, 2):
        command = cli("train", "--algo", "reinforce", "--env", ENV, "-optimize", "--n-trials", str(n_trials), "--n-jobs", "1")
        command += ["--storage", postgres_url, "--study-name", study_name, "--sampler", "tpe", "--pruner", "median"]
        command += ["-n", "1000", "--n-evaluations", "1", "--eval-episodes", "2", "--no-optim-plots", "--num-threads", "1"]
        command += ["--seed", str(worker), "-f", str(tmp_path / f"worker{worker}" / "logs")]
        command += ["--optimization-log-path", str(tmp_path / f"worker{worker}" / "trials")]
        processes.append(subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=tmp_path))
    outputs = finish(processes, timeout=600)
    for process, (out, _) in zip(processes, outputs):
        assert process.returncode == 0, out[-3000:]

    study = optuna.load_study(storage=postgres_url, study_name=study_name)
    trials = study.get_trials(deepcopy=False)
    numbers = sorted(trial.number for trial in trials)
    assert numbers == list(range(2 * n_trials))  # n_trials each, numbered by the shared study, none twice
    assert all(trial.state in (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED) for trial in trials)
    assert len({json.dumps(trial.params, sort_keys=True) for trial in trials}) == len(trials)
    # Who ran what: each worker's --optimization-log-path holds a trial_<number> folder per trial it ran
    ran = [{int(path.name.split("_")[1]) for path in (tmp_path / f"worker{w}" / "trials").glob("trial_*")} for w in (1, 2)]
    assert len(ran[0]) == len(ran[1]) == n_trials and not ran[0] & ran[1] and ran[0] | ran[1] == set(numbers)
    # Each worker's report (RL-Zoo's CSV of the study) lists the trials
    for w in (1, 2):
        assert (
            len(list((tmp_path / f"worker{w}" / "logs" / "reinforce").glob(f"report_{ENV}_{n_trials}-trials-1000-*.csv"))) == 1
        )

    # The best trial's hyperparameters in a training run: RL-Zoo loads a trial from the storage with --trial-id
    best = study.best_trial
    expected = convert_reinforce_params(best.params)
    if best.number > 0:
        load = ["--storage", postgres_url, "--study-name", study_name, "--trial-id", str(best.number)]
    else:  # RL-Zoo 2.9 skips --trial-id 0 (it tests the id for truth): pass the converted values instead
        policy = expected["policy_kwargs"]
        kwargs = (
            f"dict(net_arch={policy['net_arch']!r}, activation_fn=__import__('torch').nn.{policy['activation_fn'].__name__})"
        )
        load = ["-params", *(f"{key}:{value!r}" for key, value in expected.items() if key != "policy_kwargs")]
        load.append(f"policy_kwargs:{kwargs}")
    log_folder = tmp_path / "best"
    command = cli("train", "--algo", "reinforce", "--env", ENV, "-n", "500", "--eval-freq", "-1", "--seed", "0")
    result = subprocess.run([*command, *load, "--num-threads", "1", "-f", str(log_folder)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    model = Reinforce.load(log_folder / "reinforce" / f"{ENV}_1" / f"{ENV}.zip", device="cpu")
    for key, value in expected.items():
        actual = model.policy_kwargs if key == "policy_kwargs" else getattr(model, key)
        if key == "learning_rate" and callable(actual):  # RL-Zoo hands constants to SB3 as constant schedules
            actual = actual(1.0)
        assert actual == value, key
    assert model.num_timesteps >= 500
