"""
benchmarks/report.py: the results tables and the facts quoted in the prose of README.md and docs/ are what the stored
runs give (``--check``), the check fails, naming the table or fact, when a stored run changes, and the report is
deterministic.
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
# The modules report.py imports (benchmarks/report_*.py) and run_zoo's summary, which the tables use
report_common, report_facts, report_measurements, run_zoo, runs_table = (
    pytest.importorskip(name) for name in ("report_common", "report_facts", "report_measurements", "run_zoo", "runs")
)


def run_report(capsys: pytest.CaptureFixture, *args: str) -> tuple[int, str, str]:
    """``python benchmarks/report.py ARGS`` in this process: (exit status, stdout, stderr)."""
    capsys.readouterr()
    status = report.main(list(args))
    out, err = capsys.readouterr()
    return status, out, err


@pytest.fixture
def copy_root(tmp_path: Path, capsys: pytest.CaptureFixture) -> Path:
    """README.md, docs/*.md and the stored runs copied to a folder of their own, regenerated with few resamples."""
    (tmp_path / "docs").mkdir()
    shutil.copy(ROOT / "README.md", tmp_path / "README.md")
    for page in (ROOT / "docs").glob("*.md"):
        shutil.copy(page, tmp_path / "docs" / page.name)
    results = tmp_path / "benchmarks" / "results"
    results.mkdir(parents=True)
    shutil.copytree(ROOT / report_common.RUNS_DIR, results / "zoo", ignore=shutil.ignore_patterns("*.tmp"))
    # benchmarks/time_to_solve.py's runs: the held-out runs of the fast CartPole blocks
    shutil.copytree(ROOT / "benchmarks" / "results" / "time_to_solve", results / "time_to_solve")
    # benchmarks/greedy_gap.py's runs, which facts quote
    shutil.copytree(ROOT / "benchmarks" / "results" / "greedy_gap", results / "greedy_gap")
    for path in (ROOT / "benchmarks" / "results").glob("*.json"):  # reference scores, throughput, former runners, ...
        shutil.copy(path, results / path.name)
    status, _, err = run_report(capsys, "--root", str(tmp_path), *REPS, "--no-figures")
    assert status == 0, err
    return tmp_path


def test_repository_tables_match_stored_runs(capsys: pytest.CaptureFixture):
    status, out, err = run_report(capsys, "--check")
    assert status == 0, out + err
    assert "every results table and fact matches the stored runs" in out


def changed_tables(err: str) -> set[str]:
    return {line.split(" differs")[0] for line in err.splitlines() if "differs from the stored runs" in line}


def change_run(path: Path) -> None:
    """Lower a stored run's last evaluation by far, so that its final evaluation (mean of the last 3) drops."""
    stored = json.loads(path.read_text())
    stored["curve"][-1][1] -= 1000.0
    path.write_text(json.dumps(stored))


def test_check_fails_naming_the_table_of_a_changed_run(copy_root: Path, capsys: pytest.CaptureFixture):
    runs_dir = copy_root / report_common.RUNS_DIR
    args = ("--check", "--root", str(copy_root), "--runs-dir", str(runs_dir), *REPS)
    assert run_report(capsys, *args)[0] == 0

    # A run of the sweep, in one table only
    change_run(runs_dir / "reinforce-ep8-lr2e-3_CartPole-v1_0.json")
    status, _, err = run_report(capsys, *args)
    assert status == 1
    assert changed_tables(err) == {"docs/reinforce.md: table <!-- results:CartPole-v1 -->"}
    assert "-| Reinforce, 8 episodes, constant 2e-3 |" in err  # the diff of the row

    # A shipped config's run: its experiment-log table and the across-env summaries it enters (where their numbers move)
    change_run(runs_dir / "tnpg_Pendulum-v1_0.json")
    status, _, err = run_report(capsys, *args)
    assert status == 1
    named = changed_tables(err)
    assert "docs/experiments.md: table <!-- results:classic-control -->" in named
    across_envs = {f"docs/results.md: table <!-- results:{marker} -->" for marker in ("aggregate", "improvement")}
    assert named - {"docs/reinforce.md: table <!-- results:CartPole-v1 -->"} - across_envs == {
        "docs/experiments.md: table <!-- results:classic-control -->",
        "docs/reinforce.md: table <!-- results:Pendulum-v1 -->",  # TNPG's row beside the example's sweep
    }


def test_report_is_deterministic(capsys: pytest.CaptureFixture):
    first, second = (run_report(capsys, "--print", *REPS) for _ in range(2))
    assert first[0] == 0, first[2]
    assert first[1] == second[1]
    report_common._estimates.clear()  # computed afresh, not from the cache
    assert run_report(capsys, "--print", *REPS)[1] == first[1]


def test_missing_and_unknown_markers_are_errors(copy_root: Path, capsys: pytest.CaptureFixture):
    readme = copy_root / "docs" / "experiments.md"
    readme.write_text(readme.read_text().replace("<!-- results:CartPole-v1 -->", "<!-- results:CartPole-v0 -->", 1))
    status, _, err = run_report(capsys, "--check", "--root", str(copy_root), *REPS)
    assert status == 1
    assert "docs/experiments.md: no table is defined for the markers ['CartPole-v0'] (report.py's TABLES)" in err
    assert "docs/experiments.md: the markers ['CartPole-v1'] are missing" in err


def test_row_without_runs_is_an_error(copy_root: Path, capsys: pytest.CaptureFixture):
    for path in (copy_root / report_common.RUNS_DIR).glob("tnpg-damping0.001_CartPole-v1_*.json"):
        path.unlink()
    status, _, err = run_report(capsys, "--check", "--root", str(copy_root), *REPS)
    assert status == 1
    assert "docs/tnpg.md CartPole-v1: no stored runs tnpg-damping0.001_CartPole-v1_*.json" in err


def test_placeholder_table_appears_with_its_marker_and_runs(
    copy_root: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
):
    """A MuJoCo table is written only where its marker is, with the rows that have stored runs."""
    monkeypatch.setattr(report_facts, "FACTS", {})  # the facts quote the Hopper runs removed below: plain text here
    for page in (copy_root / "README.md", *(copy_root / "docs").glob("*.md")):
        page.write_text(report_facts.FACT.sub(lambda match: match["body"], page.read_text()))
    curve = [[10_000 * (i + 1), float(100 * i)] for i in range(10)]
    for stored in (copy_root / report_common.RUNS_DIR).glob("*_Hopper-v5_*.json"):  # start from an env without runs
        stored.unlink()
    for seed in (2, 3):  # seeds the shipped block was not tuned on (0, 1): report.py --check wants such runs
        run = {"algo": "tnpg", "env": "Hopper-v5", "seed": seed, "command": [], "curve": curve, "seconds": 1.0}
        run["hyperparams"] = run_zoo.config_block("tnpg", "Hopper-v5")
        (copy_root / report_common.RUNS_DIR / f"tnpg_Hopper-v5_{seed}.json").write_text(json.dumps(run))
    page = copy_root / "docs" / "tnpg.md"
    marker = "<!-- results:Hopper-v5 -->"
    if marker in page.read_text():  # start from a page without the marker
        before, rest = page.read_text().split(marker, 1)
        page.write_text(before + rest.split("<!-- /results -->", 1)[1])
    assert run_report(capsys, "--root", str(copy_root), *REPS, "--no-figures")[0] == 0
    assert "results:Hopper-v5" not in page.read_text()

    page.write_text(page.read_text() + "\n<!-- results:Hopper-v5 -->\n<!-- /results -->\n")
    status, _, err = run_report(capsys, "--root", str(copy_root), *REPS, "--no-figures")
    assert status == 0, err
    block = page.read_text().split("<!-- results:Hopper-v5 -->")[1].split("<!-- /results -->")[0]
    header = "| config | budget | reached 1915 | final eval | max eval | mean over the curve | IQM of final eval [95% CI] |"
    assert header in block
    label = dict((run, label) for label, run in report.TNPG_MUJOCO_ROWS["Hopper-v5"])["tnpg"]
    assert f"| {label} | 100k | 0/2 | 800 [800, 800] | 900 [900, 900] | 450 [450, 450] | 800 [800, 800] |" in block
    assert "TRPO" not in block  # no stored runs


def test_final_eval_and_summary_agree():
    """The IQM's per-run final evaluation is the tables' "final" (``runs.curve_stats``, the one place it is computed)."""
    runs = report_common.load_runs(ROOT / report_common.RUNS_DIR)
    for (name, env), group in runs.items():
        for run in group:
            stats = runs_table.curve_stats(run["curve"], run_zoo.THRESHOLDS[env])
            assert report_common.final_eval(run) == stats["final"], (name, env)
        summary = run_zoo.summarize(group, run_zoo.THRESHOLDS[env])
        median = float(np.median([report_common.final_eval(run) for run in group]))
        assert summary["final"].split(" ")[0] == report_common.number(median), (name, env)


def test_final_model_column_is_the_median_of_its_runs_100_episode_means():
    """The "final model, 100 episodes" cell: median [min, max] over seeds of each run's final_episodes mean; "-" where
    a run has none (run_zoo.py without --final-episodes)."""
    curve = [[5000, 100.0], [10000, 200.0]]
    runs = [
        {"seed": seed, "curve": curve, "seconds": 1.0, "final_episodes": episodes}
        for seed, episodes in enumerate(([190.0, 210.0], [100.0, 120.0, 140.0], [250.0]))
    ]
    tables = pytest.importorskip("report_tables")
    assert tables.cells(runs, "LunarLander-v3", ("final100",)) == ["200 [120, 250]"]
    assert tables.cells(runs[:1], "LunarLander-v3", ("final100",)) == ["200"]
    runs[1] = {"seed": 1, "curve": curve, "seconds": 1.0}
    assert tables.cells(runs, "LunarLander-v3", ("final100",)) == ["-"]


def test_number_formats():
    assert report_common.number(500.0) == "500"
    assert report_common.number(-84.04) == "-84"
    assert report_common.number(-0.04) == "0"
    assert report_common.number(499.66) == "499.7"
    assert report_common.steps(12_500) == "12.5k"
    assert report_common.steps(49_920) == "49.9k"
    assert report_common.budget(499_200) == "500k"
    assert report_common.budget(1_003_392) == "1M"
    assert report_common.spread([15_000, 30_000, 40_000, 20_000, 35_000], report_common.steps) == "30k [15k, 40k]"
    assert report_common.spread([70_000], report_common.steps) == "70k"
    assert report_common.spread([], report_common.steps) == "-"


def test_a_row_label_names_its_runs_seeds():
    assert report_common.seed_span([12, 10, 11, 13, 14]) == "10-14"
    assert report_common.seed_span([10, 12]) == "10, 12"
    assert report_common.seed_span([3]) == "3"


def test_check_fails_on_a_changed_throughput_file(copy_root: Path, capsys: pytest.CaptureFixture):
    path = copy_root / "benchmarks" / "results" / "throughput_tnpg.json"
    stored = json.loads(path.read_text())
    stored["algorithms"]["TNPG"]["median_steps_per_s"] *= 2
    path.write_text(json.dumps(stored))
    status, _, err = run_report(capsys, "--root", str(copy_root), *REPS, "--check")
    assert status == 1
    expected = {f"{page}: table <!-- results:throughput -->" for page in ("README.md", "docs/reinforce.md")}
    assert changed_tables(err) == {*expected, "docs/speed.md: table <!-- results:speed-targets -->"}


def test_speed_tables_follow_their_stored_files(copy_root: Path, capsys: pytest.CaptureFixture):
    """docs/speed.md's targets say "met" from the stored ratio; a changed profile or many-envs file fails --check."""
    results = copy_root / "benchmarks" / "results"
    targets = report_measurements.render_speed_targets(results)
    row = next(line for line in targets.splitlines() if "--n-envs 8`" in line and "TDActorCritic" in line)
    stored_ratio = json.loads((results / "throughput_td_actor_critic_8envs.json").read_text())["algorithms"]["TDActorCritic"]
    assert row.endswith(f"| {'yes' if stored_ratio['ratio_to_counterpart'] >= 1.5 else 'no'} | " + row.split("| ")[-1])
    path = results / "throughput_td_actor_critic_8envs.json"
    stored = json.loads(path.read_text())
    stored["algorithms"]["TDActorCritic"]["ratio_to_counterpart"] = 1.2
    path.write_text(json.dumps(stored))
    row = next(line for line in report_measurements.render_speed_targets(results).splitlines() if "**1.20x**" in line)
    assert "| 1.5x | no |" in row
    for name in ("profile_CartPole-v1_1env.json", "many_envs.json"):
        path = results / name
        text = path.read_text().replace('"steps_per_s": ', '"steps_per_s": 1', 1)
        path.write_text(text.replace('"median_steps_per_s": ', '"median_steps_per_s": 1', 1))
    status, _, err = run_report(capsys, "--root", str(copy_root), *REPS, "--check")
    assert status == 1
    markers = ("speed-targets", "profiles", "many-envs")
    assert {f"docs/speed.md: table <!-- results:{marker} -->" for marker in markers} <= changed_tables(err)


def fact_text(page: Path, key: str) -> str:
    """The text of the first fact ``key`` in a page."""
    return page.read_text().split(f"<!-- fact:{key} -->", 1)[1].split("<!-- /fact -->", 1)[0]


def changed_facts(err: str) -> set[str]:
    return {line.split(" differs")[0] for line in err.splitlines() if "fact <!-- fact:" in line}


def test_fact_is_rewritten_from_the_stored_runs(copy_root: Path, capsys: pytest.CaptureFixture):
    readme = copy_root / "docs" / "experiments.md"
    key = "run:tnpg/Walker2d-v5/final/median/0"  # a fact that names its runs and statistic (no FACTS entry)
    written = fact_text(readme, key)
    text = readme.read_text()
    readme.write_text(text.replace(f"<!-- fact:{key} -->{written}<", f"<!-- fact:{key} -->4000<"))
    status, _, err = run_report(capsys, "--check", "--root", str(copy_root), *REPS)
    assert status == 1
    fact = f"docs/experiments.md: fact <!-- fact:{key} --> differs from the stored runs"
    assert f"{fact}: {key}: '4000' -> '{written}'" in err
    assert run_report(capsys, "--root", str(copy_root), *REPS, "--no-figures")[0] == 0
    assert readme.read_text() == text


def test_check_fails_naming_the_facts_of_a_changed_run(copy_root: Path, capsys: pytest.CaptureFixture):
    runs_dir = copy_root / report_common.RUNS_DIR
    args = ("--check", "--root", str(copy_root), "--runs-dir", str(runs_dir), *REPS)
    change_run(runs_dir / "tnpg_Walker2d-v5_2.json")  # the median seed's final evaluation: 4178 -> lower
    status, _, err = run_report(capsys, *args)
    assert status == 1
    facts = changed_facts(err)
    assert "docs/experiments.md: fact <!-- fact:run:tnpg/Walker2d-v5/final/median/0 -->" in facts
    assert "docs/tnpg.md: fact <!-- fact:run:tnpg/Walker2d-v5/final/cell/0 -->" in facts
    assert "run:tnpg/Walker2d-v5/final/cell/0: '4178 [3916, 4721]' -> " in err
    assert all("Walker2d" in line or "walker" in line or "mujoco" in line for line in facts)


def test_unknown_and_unused_facts_are_errors(copy_root: Path, capsys: pytest.CaptureFixture):
    page = copy_root / "docs" / "tnpg.md"
    old, new = "<!-- fact:walker-tnpg-tune-final-median -->", "<!-- fact:walker-tnpg-tune-final-medians -->"
    text = page.read_text().replace(old, new)
    page.write_text(text)
    status, _, err = run_report(capsys, "--check", "--root", str(copy_root), *REPS)
    assert status == 1
    assert "docs/tnpg.md: no fact is defined for the keys ['walker-tnpg-tune-final-medians'] (report_facts.py's FACTS)" in err
    assert "facts used in no file (report_facts.py's FACTS): ['walker-tnpg-tune-final-median']" in err
    # A fact naming runs that are not stored
    page.write_text(text.replace(new, "<!-- fact:run:tnpg-none/Walker2d-v5/max/cell/0 -->"))
    status, _, err = run_report(capsys, "--check", "--root", str(copy_root), *REPS)
    assert status == 1
    assert "fact run:tnpg-none/Walker2d-v5/max/cell/0: ValueError('no stored runs tnpg-none_Walker2d-v5_*.json')" in err


# --- The table of runs (benchmarks/runs.py) and the migration of runs stored without hyperparams ----------------

migrate_runs = pytest.importorskip("migrate_runs")


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
    """The migration left no run without hyperparams; every stored run loads into the table."""
    assert migrate_runs.main(["--check"]) == 0
    table = runs_table.load_runs()
    assert len(table) == len(list(runs_table.RUNS_DIR.glob("*.json")))
    assert set(table.env) <= set(runs_table.ENVS)


def test_recovered_hyperparams_are_those_rl_zoo_records(tmp_path: Path):
    """For a command with -params: the block at a commit updated with them, as RL-Zoo's config.yml holds them."""
    head = migrate_runs.git("rev-parse", "HEAD").strip()
    block = migrate_runs.block_at(head, "tnpg", "CartPole-v1")
    command = ["train", "--algo", "tnpg", "-params", "cg_damping:0.5", "policy_kwargs:dict(ortho_init=False)", "gamma:0.9"]
    run = {"algo": "tnpg", "env": "CartPole-v1", "seed": 0, "command": command, "curve": [[5000, 1.0]]}
    hyperparams, source = migrate_runs.recover("tnpg-x", run, head)
    assert hyperparams == {**block, "cg_damping": 0.5, "policy_kwargs": {"ortho_init": False}, "gamma": 0.9}
    assert list(hyperparams) == sorted(hyperparams) and f"zoo_configs/tnpg.yml at {head[:7]}" in source


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


def test_check_refuses_a_shipped_block_without_held_out_runs_and_a_stale_shipped_label(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    report_shipped = pytest.importorskip("report_shipped")
    monkeypatch.setattr(report_shipped, "SHIPPED", {"chosen_on": {"reinforce": {"CartPole-v1": "0-4"}}})
    shipped = run_zoo.config_block("reinforce", "CartPole-v1")
    stored_run(tmp_path, "reinforce", 0, [[5000, 500.0]], shipped)  # a tuning seed of the block (0-4)
    stored_run(tmp_path, "reinforce-old", 12, [[5000, 500.0]], {**shipped, "learning_rate": 0.5})
    table = runs_table.load_runs(tmp_path)
    [problem] = report_shipped.shipped_problems(table)
    assert problem.startswith("reinforce on CartPole-v1: the shipped block") and "held-out seeds" in problem
    # A held-out run of the shipped block, whatever its name: no problem; a row calling other runs shipped: one
    stored_run(tmp_path, "reinforce-anything", 12, [[5000, 480.0]], shipped)
    table = runs_table.load_runs(tmp_path)
    assert report_shipped.shipped_problems(table) == []
    [problem] = report_shipped.shipped_problems(table, [("README.md", "CartPole-v1", "reinforce-old", "CartPole-v1")])
    assert "calls the runs reinforce-old on CartPole-v1 shipped" in problem
    rendered = report_shipped.render_shipped(table)
    assert "| CartPole-v1 (475) | **Reinforce** | 12 | 1/1 | 480 [480, 480] | 480 [480, 480] | 5k |" in rendered
