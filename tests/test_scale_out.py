"""
Runs that scale out: hyperparameter tuning by several worker processes sharing one Optuna study on a PostgreSQL
server (RL-Zoo's ``-optimize --storage --study-name``), and ``benchmarks/run_zoo.py`` workers (``--jobs``, claims
in a shared results folder) that never do a run twice.
"""

import argparse
import json
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import optuna
import pytest

ROOT = Path(__file__).resolve().parents[1]
BENCHMARKS = ROOT / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

import run_zoo  # noqa: E402  (a script of benchmarks/, importable once that folder is on the path)

ENV = "CartPole-v1"
RUN_KEYS = {"algo", "env", "seed", "command", "curve", "seconds", "machine"}


def fake_run(algo: str, env_id: str, seed: int) -> dict:
    """A run dict in the stored format, as ``run_zoo.train`` returns it."""
    return {
        "algo": algo,
        "env": env_id,
        "seed": seed,
        "command": ["train"],
        "curve": [[1000, 10.0], [2000, 20.0]],
        "seconds": 0.1,
    }


def stored_names(out_dir: Path) -> list[str]:
    return sorted(path.name for path in out_dir.glob("*.json"))


def leftovers(out_dir: Path) -> list[str]:
    """Claims and partial files left in the results folder (there should be none)."""
    return sorted(path.name for path in out_dir.iterdir() if path.name.endswith((".claim", ".tmp")))


def sweep(out_dir: Path, *extra: str, seeds: int = 4, algos: tuple[str, ...] = ("reinforce",)) -> list[str]:
    """``run_zoo.py`` arguments: CartPole, ``algos`` over seeds ``0 .. seeds - 1``, into ``out_dir``."""
    return ["--envs", ENV, "--algos", *algos, "--seeds", *map(str, range(seeds)), "--out-dir", str(out_dir), *extra]


class Recorder:
    """A stand-in for ``run_zoo.train``: sleeps, records each call's interval and returns a fake run."""

    def __init__(self, seconds: float, fail_seeds: tuple[int, ...] = (), during: Callable[[Path], None] | None = None):
        self.seconds = seconds
        self.fail_seeds = fail_seeds
        self.during = during
        self.calls: list[tuple[int, float, float]] = []
        self.lock = threading.Lock()

    def __call__(self, algo: str, env_id: str, seed: int, args: argparse.Namespace) -> dict:
        start = time.monotonic()
        path = run_zoo.run_file(Path(args.out_dir), algo, env_id, seed, args.tag)
        owner = json.loads(run_zoo.claim_file(path).read_text())
        assert owner["pid"] == os.getpid() and owner["host"] == socket.gethostname() and owner["time"]
        time.sleep(self.seconds)
        if self.during is not None:
            self.during(path)
        with self.lock:
            self.calls.append((seed, start, time.monotonic()))
        if seed in self.fail_seeds:
            raise RuntimeError(f"train --seed {seed} failed")
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
    run_zoo.main(sweep(tmp_path, "--jobs", "2"))
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


def test_run_stored_meanwhile_is_not_redone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    """A run another worker stores after this one listed the runs to do (and before it claims it) is not redone."""

    def other_worker_stores_seed_1(path: Path) -> None:
        (tmp_path / f"reinforce_{ENV}_1.json").write_text(json.dumps(fake_run("reinforce", ENV, 1)))

    recorder = Recorder(seconds=0.05, during=other_worker_stores_seed_1)
    monkeypatch.setattr(run_zoo, "train", recorder)
    run_zoo.main(sweep(tmp_path, seeds=2))
    assert [seed for seed, _, _ in recorder.calls] == [0]
    assert f"[stored] reinforce_{ENV}_1.json" in capsys.readouterr().out and leftovers(tmp_path) == []


def test_failing_run_releases_its_claim(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.setattr(run_zoo, "train", Recorder(seconds=0.05, fail_seeds=(1,)))
    with pytest.raises(SystemExit, match=f"1 run\\(s\\) failed: reinforce_{ENV}_1.json"):
        run_zoo.main(sweep(tmp_path, "--jobs", "2", seeds=3))
    assert f"[failed] reinforce_{ENV}_1.json: train --seed 1 failed" in capsys.readouterr().err
    assert stored_names(tmp_path) == [f"reinforce_{ENV}_0.json", f"reinforce_{ENV}_2.json"]
    assert leftovers(tmp_path) == []
    # The next sweep does the failed run, and only it
    recorder = Recorder(seconds=0.05)
    monkeypatch.setattr(run_zoo, "train", recorder)
    run_zoo.main(sweep(tmp_path, seeds=3))
    assert [seed for seed, _, _ in recorder.calls] == [1]
    assert len(stored_names(tmp_path)) == 3 and leftovers(tmp_path) == []


def test_stale_claim_is_taken_over_and_a_live_one_left_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    owner = {"host": "elsewhere", "pid": 1, "time": "2020-01-01T00:00:00+00:00", "token": "theirs"}
    stale, live = (run_zoo.claim_file(tmp_path / f"reinforce_{ENV}_{seed}.json") for seed in (0, 1))
    for claim in (stale, live):
        claim.write_text(json.dumps(owner))
    os.utime(stale, (time.time() - 3600, time.time() - 3600))
    recorder = Recorder(seconds=0.05)
    monkeypatch.setattr(run_zoo, "train", recorder)
    run_zoo.main(sweep(tmp_path, "--claim-timeout", "60", seeds=3))
    assert sorted(seed for seed, _, _ in recorder.calls) == [0, 2]
    assert stored_names(tmp_path) == [f"reinforce_{ENV}_0.json", f"reinforce_{ENV}_2.json"]
    assert leftovers(tmp_path) == [live.name] and json.loads(live.read_text()) == owner
    assert f"[claimed] reinforce_{ENV}_1.json: by elsewhere pid 1" in capsys.readouterr().out


def test_live_claim_is_refreshed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A run longer than --claim-timeout keeps its claim: its worker refreshes it, so no other worker takes it."""
    taken: list[str | None] = []

    def other_worker(path: Path) -> None:
        taken.append(run_zoo.try_claim(path, timeout=0.4))

    monkeypatch.setattr(run_zoo, "train", Recorder(seconds=1.2, during=other_worker))
    run_zoo.main(sweep(tmp_path, "--claim-timeout", "0.4", seeds=1))
    assert taken == [None]
    assert stored_names(tmp_path) == [f"reinforce_{ENV}_0.json"] and leftovers(tmp_path) == []


def test_one_taker_of_a_stale_claim(tmp_path: Path) -> None:
    """Workers that find the same stale claim at once: exactly one of them takes it over."""
    path = tmp_path / f"reinforce_{ENV}_0.json"
    claim = run_zoo.claim_file(path)

    def take(barrier: threading.Barrier, tokens: list[str | None]) -> None:
        barrier.wait()
        tokens.append(run_zoo.try_claim(path, timeout=60))

    for _ in range(20):
        claim.write_text(json.dumps({"token": "dead worker"}))
        os.utime(claim, (time.time() - 3600, time.time() - 3600))
        barrier, tokens = threading.Barrier(6), list[str | None]()
        threads = [threading.Thread(target=take, args=(barrier, tokens)) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        winners = [token for token in tokens if token is not None]
        assert len(winners) == 1
        assert json.loads(claim.read_text())["token"] == winners[0]
        run_zoo.release_claim(path, winners[0])
        assert leftovers(tmp_path) == []


WORKER = """
import json, os, sys, time
from pathlib import Path
sys.path.insert(0, {benchmarks!r})
import run_zoo

ready = Path({ready!r})
(ready / str(os.getpid())).touch()


def train(algo, env_id, seed, args):
    deadline = time.monotonic() + 60
    while len(list(ready.iterdir())) < 2 and time.monotonic() < deadline:  # both workers are up
        time.sleep(0.05)
    time.sleep(0.4)
    line = json.dumps({{"run": f"{{algo}}_{{env_id}}_{{seed}}", "pid": os.getpid()}}) + "\\n"
    fd = os.open({log!r}, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
    os.write(fd, line.encode())
    os.close(fd)
    return {{"algo": algo, "env": env_id, "seed": seed, "command": ["train"], "curve": [[1000, 1.0]], "seconds": 0.4}}


run_zoo.train = train
run_zoo.main(sys.argv[1:])
"""


def finish(processes: list[subprocess.Popen], timeout: float) -> list[tuple[str, str]]:
    """The output of each process once it has ended; any still running when one times out is killed."""
    try:
        return [process.communicate(timeout=timeout) for process in processes]
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.communicate()


@pytest.mark.slow  # two worker processes
def test_two_workers_share_the_runs(tmp_path: Path) -> None:
    """Two worker processes on one results folder: every run done exactly once, by one or the other."""
    out_dir, ready, log = tmp_path / "results", tmp_path / "ready", tmp_path / "calls.jsonl"
    ready.mkdir()
    script = tmp_path / "worker.py"
    script.write_text(WORKER.format(benchmarks=str(BENCHMARKS), ready=str(ready), log=str(log)))
    command = [sys.executable, str(script), *sweep(out_dir, "--jobs", "2", seeds=5, algos=("reinforce", "tnpg"))]
    workers = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = finish(workers, timeout=300)
    for worker, (_, err) in zip(workers, outputs):
        assert worker.returncode == 0, err
    calls = [json.loads(line) for line in log.read_text().splitlines()]
    runs = [call["run"] for call in calls]
    expected = [f"{algo}_{ENV}_{seed}" for algo in ("reinforce", "tnpg") for seed in range(5)]
    assert sorted(runs) == sorted(expected)  # each run exactly once
    assert {call["pid"] for call in calls} == {worker.pid for worker in workers}  # both workers did some
    assert stored_names(out_dir) == sorted(f"{run}.json" for run in expected)
    assert leftovers(out_dir) == []
    for path in out_dir.glob("*.json"):  # as the fake train returned them (a real run also records its machine)
        assert set(json.loads(path.read_text())) == RUN_KEYS - {"machine"}


@pytest.mark.slow
def test_jobs_end_to_end(tmp_path: Path) -> None:
    """The real command: two CartPole runs of REINFORCE trained at once, stored in the usual format."""
    command = [sys.executable, str(BENCHMARKS / "run_zoo.py"), *sweep(tmp_path, seeds=2)]
    command += ["-n", "2000", "--eval-freq", "1000", "--eval-episodes", "2", "--jobs", "2"]
    result = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.count("[done]") == 2
    assert stored_names(tmp_path) == [f"reinforce_{ENV}_0.json", f"reinforce_{ENV}_1.json"]
    assert leftovers(tmp_path) == []
    for seed in (0, 1):
        run = json.loads((tmp_path / f"reinforce_{ENV}_{seed}.json").read_text())
        assert set(run) == RUN_KEYS and run["seed"] == seed
        assert set(run["machine"]) == {"host", "cpus", "torch"}
        assert [step for step, _ in run["curve"]] == [1000, 2000]
        assert run["command"][:6] == ["train", "--algo", "reinforce", "--env", ENV, "--seed"]


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
