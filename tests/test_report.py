"""
benchmarks/report.py: the results tables and the facts quoted in the prose of README.md and docs/ are what the stored
runs and measurements give (``--check``), the check fails, naming the table or fact, when a stored result changes,
the report is deterministic, and adding an env is data.
"""

import json
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
# Few bootstrap resamples where a test regenerates its own copy first (the repository's tables use the default)
REPS = ["--reps", "100"]

sys.path.insert(0, str(ROOT / "benchmarks"))
report = pytest.importorskip("report", reason="benchmarks/report.py needs rliable (pip install -e '.[test]')")
report_common, run_zoo, runs_table = (pytest.importorskip(name) for name in ("report_common", "run_zoo", "runs"))


def run_report(capsys: pytest.CaptureFixture, *args: str) -> tuple[int, str, str]:
    """``python benchmarks/report.py ARGS`` in this process: (exit status, stdout, stderr)."""
    capsys.readouterr()
    status = report.main(list(args))
    out, err = capsys.readouterr()
    return status, out, err


@pytest.fixture
def copy_root(tmp_path: Path, capsys: pytest.CaptureFixture) -> Path:
    """README.md, docs/*.md and the stored results copied to a folder of their own, regenerated with few resamples."""
    (tmp_path / "docs").mkdir()
    shutil.copy(ROOT / "README.md", tmp_path / "README.md")
    for page in (ROOT / "docs").glob("*.md"):
        shutil.copy(page, tmp_path / "docs" / page.name)
    results = tmp_path / "benchmarks" / "results"
    results.mkdir(parents=True)
    for folder in ("zoo", "time_to_solve", "collapse"):
        shutil.copytree(ROOT / report.RESULTS / folder, results / folder, ignore=shutil.ignore_patterns("*.tmp"))
    for path in (ROOT / report.RESULTS).glob("*.json"):  # reference scores, throughput, profiles, ...
        shutil.copy(path, results / path.name)
    status, _, err = run_report(capsys, "--root", str(tmp_path), *REPS, "--no-figures")
    assert status == 0, err
    return tmp_path


def check(capsys: pytest.CaptureFixture, root: Path) -> tuple[int, str]:
    status, _, err = run_report(capsys, "--check", "--root", str(root), *REPS)
    return status, err


def test_repository_tables_match_stored_runs(capsys: pytest.CaptureFixture):
    status, out, err = run_report(capsys, "--check")
    assert status == 0, out + err
    assert "every results table and fact matches the stored results" in out


@pytest.mark.parametrize("n_runs", [1, 2, 5, 10, 13, 40])
def test_aggregates_are_rliable_s(n_runs: int):
    """The IQM and the probability of improvement are rliable's, to the last bit (ties and equal columns included)."""
    from rliable import metrics

    rng = np.random.default_rng(n_runs)
    for tasks in (1, 3):
        x, y = rng.normal(size=(n_runs, tasks)), rng.normal(size=(n_runs + 3, tasks))
        tied_x, tied_y = rng.integers(0, 3, size=x.shape).astype(float), rng.integers(0, 3, size=y.shape).astype(float)
        assert report_common.iqm(x) == metrics.aggregate_iqm(x)
        assert report_common.iqm(tied_y) == metrics.aggregate_iqm(tied_y)
        for first, second in ((x, y), (tied_x, tied_y), (x, x), (tied_x, tied_x[::-1])):
            assert report_common.probability_of_improvement(first, second) == metrics.probability_of_improvement(first, second)


def changed_tables(err: str) -> set[str]:
    return {line.split(" differs")[0] for line in err.splitlines() if ": table <!-- results:" in line and " differs " in line}


def change_run(path: Path) -> None:
    """Lower a stored run's last evaluation by far, so that its final evaluation (mean of the last 3) drops."""
    stored = json.loads(path.read_text())
    stored["curve"][-1][1] -= 1000.0
    path.write_text(json.dumps(stored))


def test_check_fails_naming_the_table_of_a_changed_run(copy_root: Path, capsys: pytest.CaptureFixture):
    runs_dir = copy_root / report.RESULTS / "zoo"
    assert check(capsys, copy_root)[0] == 0
    # A run of a sweep: the experiment log's table of runs only, with the diff of its row
    change_run(runs_dir / "reinforce-ep8-lr2e-3_CartPole-v1_0.json")
    status, err = check(capsys, copy_root)
    assert status == 1
    assert changed_tables(err) == {"docs/experiments.md: table <!-- results:runs -->"}
    assert "-| `reinforce-ep8-lr2e-3` | 0-4 |" in err and "+| `reinforce-ep8-lr2e-3` | 0-4 |" in err
    # A held-out run of a shipped block: README's table of what ships too
    change_run(runs_dir / "tnpg-heldout6-kl-lin0.01_Pendulum-v1_105.json")
    status, err = check(capsys, copy_root)
    assert "README.md: table <!-- results:shipped -->" in changed_tables(err)
    assert "-| Pendulum-v1 (-200) | **TNPG** |" in err and "+| Pendulum-v1 (-200) | **TNPG** |" in err


def test_report_is_deterministic(capsys: pytest.CaptureFixture):
    first, second = (run_report(capsys, "--print", *REPS) for _ in range(2))
    assert first[0] == 0, first[2]
    assert first[1] == second[1]
    report_common._estimates.clear()  # computed afresh, not from the cache
    assert run_report(capsys, "--print", *REPS)[1] == first[1]


def test_missing_and_unknown_markers_are_errors(copy_root: Path, capsys: pytest.CaptureFixture):
    page = copy_root / "docs" / "experiments.md"
    page.write_text(page.read_text().replace("<!-- results:runs -->", "<!-- results:runz -->", 1))
    status, err = check(capsys, copy_root)
    assert status == 1
    assert "docs/experiments.md: no table is defined for the marker runz" in err
    assert "docs/experiments.md: the marker <!-- results:runs --> is missing" in err


def test_adding_an_env_is_data(copy_root: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch):
    """An env in envs.json (here patched in) with stored runs: its section of the table of runs, no code."""
    monkeypatch.setitem(runs_table.ENVS, "NewEnv-v0", {"family": "mujoco", "threshold": 100.0})
    curve = [[10_000 * (i + 1), float(20 * i)] for i in range(10)]
    for seed in (0, 1):
        run = {"algo": "trpo", "env": "NewEnv-v0", "seed": seed, "command": ["-n", "100000"], "curve": curve}
        run |= {"seconds": 1.0, "hyperparams": {"policy": "MlpPolicy", "n_timesteps": 100000}}
        (copy_root / report.RESULTS / "zoo" / f"trpo_NewEnv-v0_{seed}.json").write_text(json.dumps(run))
    status, err = check(capsys, copy_root)
    assert status == 1 and changed_tables(err) == {"docs/experiments.md: table <!-- results:runs -->"}
    assert "+**NewEnv-v0** (threshold 100)" in err
    row = "+| `trpo` | 0, 1 | no block ships for this env | 100k | 2/2 | 60k [60k, 60k] | 160 [160, 160] | 180 [180, 180] |"
    assert row in err


def test_fact_is_rewritten_from_the_stored_runs(copy_root: Path, capsys: pytest.CaptureFixture):
    page = copy_root / "docs" / "experiments.md"
    key = "run:tnpg-tune-kllin0.06/Walker2d-v5/final/median/0"
    text = page.read_text()
    written = text.split(f"<!-- fact:{key} -->", 1)[1].split("<!-- /fact -->", 1)[0]
    page.write_text(text.replace(f"<!-- fact:{key} -->{written}<", f"<!-- fact:{key} -->4000<"))
    status, err = check(capsys, copy_root)
    assert status == 1
    assert f"docs/experiments.md: fact <!-- fact:{key} --> differs from the stored results: '4000' -> '{written}'" in err
    assert run_report(capsys, "--root", str(copy_root), *REPS, "--no-figures")[0] == 0
    assert page.read_text() == text


def test_check_fails_naming_the_facts_of_a_changed_run(copy_root: Path, capsys: pytest.CaptureFixture):
    for seed in (2, 3, 4):
        change_run(copy_root / report.RESULTS / "zoo" / f"tnpg-kllin0.06_Walker2d-v5_{seed}.json")
    status, err = check(capsys, copy_root)
    assert status == 1
    facts = {line.split(" differs")[0] for line in err.splitlines() if "fact <!-- fact:" in line}
    assert facts == {"docs/experiments.md: fact <!-- fact:run:tnpg-kllin0.06/Walker2d-v5/final/median/0 -->"}


def test_fact_keys_name_their_runs_and_statistic(capsys: pytest.CaptureFixture):
    zoo = runs_table.load_runs()
    text = lambda key: report.fact_text(key, zoo, ROOT / report.RESULTS)  # noqa: E731
    heldout = zoo[(zoo.name == "tnpg-heldout") & (zoo.env == "Acrobot-v1")]
    assert text("run:tnpg-heldout/Acrobot-v1/reached/of/1") == f"{heldout.reached.sum()} of {len(heldout)}"
    assert text("run:tnpg-heldout/Acrobot-v1/final/median/1") == report_common.number(heldout.final.median())
    assert text("run:tnpg-heldout/Acrobot-v1/final/n/0") == str(len(heldout))
    level = heldout.final.median()
    assert text(f"run:tnpg-heldout/Acrobot-v1/final:{level}/of/0") == f"{(heldout.final >= level).sum()} of {len(heldout)}"
    pooled = zoo[zoo.name.isin(["tnpg", "tnpg-heldout"]) & (zoo.env == "Acrobot-v1")]
    assert text("run:tnpg+tnpg-heldout/Acrobot-v1/reached/cell/1") == f"{pooled.reached.sum()}/{len(pooled)}"
    seed = int(heldout.seed.iloc[0])
    assert text(f"run:tnpg-heldout/Acrobot-v1/final/cell/1/{seed}") == report_common.number(heldout.final.iloc[0])
    stored = json.loads((ROOT / report.RESULTS / "throughput_tnpg.json").read_text())
    ratio = stored["algorithms"]["TNPG"]["ratio_to_counterpart"]
    assert text("json:throughput_tnpg.json/algorithms/TNPG/ratio_to_counterpart/ratio") == f"{ratio:.2f}x"
    with pytest.raises(ValueError, match="no stored runs"):
        text("run:tnpg-none/Acrobot-v1/final/median/1")


def test_a_fact_that_gives_no_text_is_an_error(copy_root: Path, capsys: pytest.CaptureFixture):
    page = copy_root / "docs" / "tnpg.md"
    page.write_text(page.read_text() + "\n<!-- fact:run:tnpg-none/Walker2d-v5/max/cell/0 -->1<!-- /fact -->\n")
    page.write_text(page.read_text() + "<!-- fact:walker-final -->1<!-- /fact -->\n")
    status, err = check(capsys, copy_root)
    assert status == 1
    assert "docs/tnpg.md: fact <!-- fact:run:tnpg-none/Walker2d-v5/max/cell/0 -->: ValueError('no stored runs')" in err
    assert "docs/tnpg.md: fact <!-- fact:walker-final -->: ValueError('not a run:... or json:... key')" in err


def test_number_formats():
    assert report_common.number(500.0) == "500"
    assert report_common.number(-84.04) == "-84"
    assert report_common.number(-0.04) == "0"
    assert report_common.number(499.66) == "499.7"
    assert report_common.steps(12_500) == "12.5k"
    assert report_common.steps(49_920) == "49.9k"
    assert report_common.steps(2_000_000) == "2M"
    assert report_common.spread([15_000, 30_000, 40_000, 20_000, 35_000], report_common.steps) == "30k [15k, 40k]"
    assert report_common.spread([70_000], report_common.steps) == "70k"
    assert report_common.spread([float("nan")], report_common.steps) == "-"
    assert report_common.seed_span([12, 10, 11, 13, 14]) == "10-14"
    assert report_common.seed_span([10, 12]) == "10, 12"
    assert report_common.seed_span([*range(200, 210), 0, 1, *range(100, 110), 5]) == "0, 1, 5, 100-109, 200-209"


def test_measurement_tables_follow_their_stored_files(copy_root: Path, capsys: pytest.CaptureFixture):
    """A table of stored measurements is data: a changed value fails --check naming its table."""
    results = copy_root / report.RESULTS
    path = results / "throughput_tnpg.json"
    stored = json.loads(path.read_text())
    stored["algorithms"]["TNPG"]["median_steps_per_s"] = 1234.0
    path.write_text(json.dumps(stored))
    for name in ("profile_CartPole-v1_1env.json", "many_envs.json"):
        text = (results / name).read_text()
        (results / name).write_text(
            text.replace('"steps_per_s": ', '"steps_per_s": 1', 1).replace('_steps_per_s": ', '_steps_per_s": 1', 1)
        )
    status, err = check(capsys, copy_root)
    assert status == 1
    assert {
        f"docs/speed.md: table <!-- results:{marker} -->" for marker in ("throughput", "profiles", "many-envs")
    } <= changed_tables(err)
    assert "| `throughput_tnpg.json` | Pendulum-v1 | 2 | 41k | TNPG | 1,234 |" in report.render_measurement(
        results, *report.MEASUREMENTS[0][2:]
    )


# --- The table of runs (benchmarks/runs.py) ------------------------------------------------------------------------


def stored_run(tmp_path: Path, name: str, seed: int, curve: list, hyperparams: dict, **extra) -> None:
    algo = extra.pop("algo", name.split("-")[0])
    run = {"algo": algo, "env": "CartPole-v1", "seed": seed, "command": ["train", "--algo", algo], "curve": curve}
    run.update(seconds=1.0, hyperparams=hyperparams, **extra)
    (tmp_path / f"{name}_CartPole-v1_{seed}.json").write_text(json.dumps(run))


def test_run_table_has_one_row_per_run_with_its_statistics(tmp_path: Path):
    shipped = run_zoo.config_block("reinforce", "CartPole-v1")
    curve = [[5000, 100.0], [10000, 480.0], [15000, 300.0], [20000, 500.0]]
    stored_run(tmp_path, "reinforce", 0, curve, shipped, final_episodes=[400.0, 500.0])
    stored_run(tmp_path, "reinforce-lr", 1, [[5000, 10.0]], {**shipped, "learning_rate": 0.5})
    table = runs_table.load_runs(tmp_path)
    assert list(table.name) == ["reinforce", "reinforce-lr"] and list(table.tag) == ["", "lr"]
    first = table.iloc[0]
    assert first.final == pytest.approx((480 + 300 + 500) / 3) and first["max"] == 500.0
    assert first.curve_mean == pytest.approx(1380 / 4) and first.steps == 10000 and first.reached
    assert first.final100 == 450.0 and first.budget == int(float(shipped["n_timesteps"]))
    assert np.isnan(table.iloc[1].steps) and np.isnan(table.iloc[1].final100) and not table.iloc[1].reached
    # The shipped row is found by config, whatever the run's name
    assert list(table.shipped) == [True, False]


def test_canonical_config_is_equal_exactly_when_runs_trained_alike():
    block = {"policy": "MlpPolicy", "n_envs": 1, "n_timesteps": 1e5, "learning_rate": 0.003, "n_episodes": 8}
    canonical = runs_table.canonical_config
    assert canonical("reinforce", block, 100_000) == canonical("reinforce", {**block, "n_timesteps": 100_000}, 100_000)
    # A key at the algorithm's default (or RL-Zoo's) is the same as no key
    assert canonical("reinforce", block, 100_000) == canonical("reinforce", {**block, "normalize_advantage": False}, 100_000)
    assert canonical("reinforce", {**block, "n_envs": 1}, 100_000) == canonical("reinforce", block, 100_000)
    # Another value, another budget: another config
    assert canonical("reinforce", block, 100_000) != canonical("reinforce", {**block, "learning_rate": 0.002}, 100_000)
    assert canonical("reinforce", block, 100_000) != canonical("reinforce", block, 50_000)
    # A critic's step size with a baseline that has no critic changes nothing
    step_mean = {**block, "baseline": "step_mean"}
    assert canonical("reinforce_baseline", step_mean, 1) == canonical(
        "reinforce_baseline", {**step_mean, "critic_learning_rate": 9}, 1
    )
    assert canonical("reinforce_baseline", block, 1) != canonical(
        "reinforce_baseline", {**block, "critic_learning_rate": 9}, 1
    )


def test_every_stored_run_has_its_hyperparams_and_a_row():
    """Every stored run records the hyperparameters it trained with and loads into the table."""
    paths = list(runs_table.RUNS_DIR.glob("*.json"))
    assert all("hyperparams" in json.loads(path.read_text()) for path in paths)
    table = runs_table.load_runs()
    assert len(table) == len(paths)
    assert set(table.env) <= set(runs_table.ENVS)


def test_a_run_without_hyperparams_is_refused(tmp_path: Path):
    run = {"algo": "reinforce", "env": "CartPole-v1", "seed": 0, "curve": [[5000, 1.0]], "seconds": 1.0}
    (tmp_path / "reinforce_CartPole-v1_0.json").write_text(json.dumps(run))
    with pytest.raises(ValueError, match="no hyperparams"):
        runs_table.load_runs(tmp_path)


def test_time_to_solve_runs_load(tmp_path: Path):
    """benchmarks/time_to_solve.py's runs join the table, their shipped ones found by config; stopped runs left out."""
    config = {**run_zoo.config_block("tnpg", "CartPole-v1"), "cg_damping": 0.1}  # 0.1: the constructor's default
    curve = [[2000, 100.0, 1.0], [4000, 480.0, 2.0], [6000, 500.0, 3.0]]
    run = {"algo": "tnpg", "env": "CartPole-v1", "seed": 3, "config": config, "curve": curve, "seconds": 2.0}
    (tmp_path / "heldout").mkdir()
    (tmp_path / "heldout" / "CartPole-v1_tnpg_3.json").write_text(json.dumps(run))
    (tmp_path / "heldout" / "CartPole-v1_tnpg_4.json").write_text(json.dumps({**run, "seed": 4, "stopped_when_solved": True}))
    table = runs_table.load_time_to_solve(tmp_path)
    assert list(table.seed) == [3] and list(table.name) == ["time_to_solve/heldout"]
    row = table.iloc[0]
    assert row.shipped and row.steps == 4000 and row.final == pytest.approx(1080 / 3) and row["max"] == 500.0


def test_check_refuses_a_shipped_block_without_held_out_runs_and_rows_are_labelled_by_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(report, "SHIPPED", {"chosen_on": {"reinforce": {"CartPole-v1": "0-4"}}})
    shipped = run_zoo.config_block("reinforce", "CartPole-v1")
    stored_run(tmp_path, "reinforce", 0, [[5000, 500.0]], shipped)  # a tuning seed of the block (0-4)
    stored_run(tmp_path, "reinforce-old", 12, [[5000, 500.0]], {**shipped, "learning_rate": 0.5})
    table = runs_table.load_runs(tmp_path)
    [problem] = report.shipped_problems(table)
    assert problem.startswith("reinforce on CartPole-v1: the shipped block") and "held-out seeds" in problem
    # A held-out run of the shipped block, whatever its name: no problem
    stored_run(tmp_path, "reinforce-anything", 12, [[5000, 480.0]], shipped)
    table = runs_table.load_runs(tmp_path)
    assert report.shipped_problems(table) == []
    rendered = report.render_shipped(table)
    assert "| CartPole-v1 (475) | **Reinforce** | 12 | 1/1 | 480 [480, 480] | 480 | 5k |" in rendered
    # The table of runs labels each row by its config, so no row can call another block shipped
    runs = report.render_runs(table)
    assert "| `reinforce-anything` | 12 | **shipped** |" in runs
    assert "| `reinforce-old` | 12 | `learning_rate=0.5` |" in runs
