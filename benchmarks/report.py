"""
Results report: every table and number of README.md and docs/*.md that stored results can give is written from them,
so none is typed by hand, and ``--check`` fails where one differs.

A table sits between ``<!-- results:NAME -->`` and ``<!-- /results -->``; ``blocks`` below says what writes each: a
group-by of the run table (``benchmarks/runs.py``: one row per stored run, the config it trained with as a key), or
``MEASUREMENTS``, tables of stored measurement files given as data (which rows, which columns). A number in the prose
is ``<!-- fact:KEY -->TEXT<!-- /fact -->``, and KEY says where TEXT comes from:

- ``run:NAMES/ENV/COLUMN/STAT/DIGITS[/SEEDS]``: a statistic of stored runs. NAMES is a run name (``<algo>[-<tag>]``)
  or several joined by ``+``; COLUMN one of the run table's (``final``, ``max``, ``curve_mean``, ``steps``,
  ``reached``, ``final100``), or ``COLUMN:LEVEL``, whether it is at or above LEVEL; STAT ``cell`` ("median [min,
  max]"; counts "3/5"), ``median``, ``min``, ``max``, ``of`` (counts: "3 of 5") or ``n`` (the number of runs);
  DIGITS the decimals of returns; SEEDS, comma-separated, keeps only those seeds.
- ``json:FILE/KEY/.../FORMAT``: a value of a stored measurement (``benchmarks/results/FILE``), KEY by KEY (in a list:
  the entry of that ``"name"``, or an index; %-quoted where a key holds "/"); FORMAT a key of ``FORMATS``.

The README's table is what ships: per env, the runs whose config equals today's block, on the seeds it was not chosen
on (``benchmarks/results/shipped.json``), beside RL-Zoo's peers, with the IQM of the final evaluations and its 95%
stratified-bootstrap interval (rliable, seeded). docs/experiments.md gets every stored run, per env, grouped by run
name, each group labelled by how its config differs from the shipped block; docs/results.md the across-env summaries
(scores normalised per env: random policy 0, threshold 1) and figures ``docs/results_*.png``.

    pip install -e ".[docs]"                 # rliable, matplotlib
    python benchmarks/report.py              # rewrite the tables and facts, draw the figures
    python benchmarks/report.py --check      # exit 1, naming file and table (or fact), where one differs
    python benchmarks/report.py --print      # print every table and fact, change nothing
    python benchmarks/report.py --random-scores   # measure the random policy's scores once (needs box2d)
"""

from __future__ import annotations

import argparse
import difflib
import json
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from functools import partial
from importlib.metadata import version
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
import report_common
from report_common import BOOTSTRAP_REPS, BOOTSTRAP_SEED, interval_estimate, iqm_cell, number, seed_span, spread, steps
from runs import ENVS, ROOT, ZOO_DEFAULTS, constructor_defaults, load_runs, load_time_to_solve, shipped_config

RESULTS = "benchmarks/results"
SHIPPED = json.loads((ROOT / RESULTS / "shipped.json").read_text())
NAMES = {"reinforce": "Reinforce", "reinforce_baseline": "ReinforceBaseline", "td_actor_critic": "TDActorCritic"}
NAMES |= {"tnpg": "TNPG", "a2c": "A2C", "ppo": "PPO", "trpo": "TRPO"}
OURS, PEERS = ("reinforce", "reinforce_baseline", "td_actor_critic", "tnpg"), ("a2c", "ppo", "trpo")
CLASSIC = tuple(env for env, facts in ENVS.items() if facts["family"] == "classic")
# docs/results.md: the sets of envs whose normalised scores are aggregated, and each of ours against its counterpart
AGGREGATES = (
    ("classic", "the classic-control envs", CLASSIC),
    ("cartpole-acrobot", "CartPole-v1 and Acrobot-v1", ("CartPole-v1", "Acrobot-v1")),
    ("cartpole", "CartPole-v1", ("CartPole-v1",)),
)
IMPROVEMENT_PAIRS = (("reinforce", "a2c"), ("reinforce_baseline", "a2c"), ("td_actor_critic", "a2c"), ("tnpg", "trpo"))

FORMATS: dict[str, Callable[[Any], str]] = {
    "str": str,
    "yes": lambda value: "yes" if value else "no",
    "rate": "{:,.0f}".format,
    "ratio": "{:.2f}x".format,
    "k": lambda value: f"{value / 1000:.0f}k",
    "ms": lambda value: f"{value / 1000:.2f}",  # from microseconds
    "pct": lambda value: f"{100 * value:.0f}%",
    "sci": lambda value: f"{value:.1e}".replace("e-0", "e-"),
    "g3": "{:.3g}".format,
    "steps": steps,
    **{f"f{digits}": f"{{:.{digits}f}}".format for digits in range(4)},
}
# Tables of stored measurements: (page, marker, stored files (a glob in benchmarks/results/), the rows of each file (a
# path whose "*" steps through a dict's items or a list's entries), the columns: (header, path from the row, format);
# a path "^..." is from the file, "@N" is the key the Nth "*" matched, "#" the file's name)
PARTS = ("env", "inference", "bookkeeping", "update", "critic", "logging", "callbacks")
MEASUREMENTS: tuple[tuple[str, str, str, str, tuple[tuple[str, str, str], ...]], ...] = (
    (
        "docs/speed.md",
        "throughput",
        "throughput*.json",
        "algorithms/*",
        (
            ("stored file", "#", "str"),
            ("env", "^env", "str"),
            ("envs", "^n_envs", "str"),
            ("steps", "^timesteps", "steps"),
            ("algorithm", "@0", "str"),
            ("steps/s (median)", "median_steps_per_s", "rate"),
            ("ratio to the counterpart", "ratio_to_counterpart", "ratio"),
            ("collection only, steps/s", "^collection_only_steps_per_s", "rate"),
        ),
    ),
    (
        "docs/speed.md",
        "profiles",
        "profile_*.json",
        "algorithms/*",
        (
            ("profile", "^profile", "str"),
            ("algorithm", "@0", "str"),
            ("steps/s", "steps_per_s", "rate"),
            *((part, f"parts/{part}/us_per_step", "f1") for part in PARTS),
            ("update floor", "parts/update/floor_us_per_step", "f1"),
            ("ceiling steps/s", "ceiling_steps_per_s", "rate"),
            ("fraction of ceiling", "ratio_to_ceiling", "f2"),
        ),
    ),
    (
        "docs/speed.md",
        "many-envs",
        "many_envs.json",
        "results/*/*",
        (
            ("n_envs", "@0", "str"),
            ("vec env", "@1", "str"),
            ("learn() steps/s", "median_steps_per_s", "rate"),
            ("ratio to DummyVecEnv", "ratio_to_dummy", "f2"),
            ("kept steps/s", "median_kept_steps_per_s", "rate"),
            ("collection only steps/s", "median_collection_only_steps_per_s", "rate"),
            ("discarded", "median_discarded_share", "pct"),
        ),
    ),
    (
        "docs/understanding_policy_gradients.md",
        "variance-fresh",
        "variance_CartPole-v1_fresh.json",
        "results/*",
        (
            ("estimator", "name", "str"),
            ("unbiased", "unbiased", "yes"),
            ("batch variance", "batch_variance", "f0"),
            ("vs reward-to-go", "variance_ratio", "f2"),
            ("SNR", "snr", "g3"),
            ("p (same mean as reward-to-go)", "p_value", "f2"),
        ),
    ),
)
MARKER = re.compile(r"<!-- results:(?P<name>[^ ]+) -->\n(?P<body>.*?)<!-- /results -->", re.DOTALL)
# A key starts with a lower-case letter (a page can name the form itself, `fact:KEY`); TEXT holds no "<"
FACT = re.compile(r"<!-- fact:(?P<key>[a-z][^<>]*?) -->(?P<body>[^<]*)<!-- /fact -->")
RUN_KEY = re.compile(
    r"run:(?P<names>[^/]+)/(?P<env>[^/]+)/(?P<column>[a-z_0-9]+)(?::(?P<level>-?[\d.]+))?/(?P<stat>[a-z]+)/(?P<digits>\d)"
    r"(?:/(?P<seeds>[\d,]+))?"
)


def markdown(header: Sequence[str], rows: list[list[str]]) -> str:
    """The one formatter of a table: Markdown rows."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows]) + "\n"


def chosen_on(algo: str, env_id: str) -> set[int]:
    """The seeds the shipped block of (algo, env) was chosen on (``shipped.json``; none for RL-Zoo's or an untuned one)."""
    seeds: set[int] = set()
    for part in SHIPPED["chosen_on"].get(algo, {}).get(env_id, "").split():
        first, _, last = part.partition("-")
        seeds |= set(range(int(first), int(last or first) + 1))
    return seeds


def held_out(table: pd.DataFrame) -> pd.DataFrame:
    """The runs of the shipped blocks on held-out seeds, one per (algo, env, seed) (the same config run twice: once)."""
    shipped = table[table.shipped]
    keep = [seed not in chosen_on(algo, env) for algo, env, seed in zip(shipped.algo, shipped.env, shipped.seed)]
    return shipped[keep].drop_duplicates(["algo", "env", "seed"])


def shipped_problems(table: pd.DataFrame) -> list[str]:
    """A shipped block of ours with stored runs (of any config) but none of its own on held-out seeds, and no reason
    in ``shipped.json``."""
    reported, problems = held_out(table), []
    for algo, env_id in sorted(set(zip(table.algo, table.env))):
        if algo in OURS and shipped_config(algo, env_id) and env_id not in SHIPPED.get("unreported", {}).get(algo, {}):
            if not ((reported.algo == algo) & (reported.env == env_id)).any():
                problems.append(
                    f"{algo} on {env_id}: the shipped block (zoo_configs/{algo}.yml) has no stored runs on held-out "
                    f"seeds (seeds other than {sorted(chosen_on(algo, env_id)) or 'none'}); run them, or give the "
                    "reason in benchmarks/results/shipped.json's 'unreported'"
                )
    return problems


def render_shipped(table: pd.DataFrame) -> str:
    """README: per env, each shipped block of ours and RL-Zoo's peers on held-out seeds."""
    runs, rows = held_out(table), []
    order = {algo: index for index, algo in enumerate((*OURS, *PEERS))}
    for env_id, facts in ENVS.items():
        groups = runs[runs.env == env_id].groupby("algo")
        for algo, group in sorted(groups, key=lambda item: order.get(str(item[0]), len(order))):
            name = f"**{NAMES[algo]}**" if algo in OURS else f"{NAMES[algo]} (RL-Zoo)"
            first_steps = steps(group.steps.median()) if group.reached.any() else "-"
            cells = [
                f"{env_id} ({number(facts['threshold'])})",
                name,
                seed_span(group.seed),
                f"{group.reached.sum()}/{len(group)}",
            ]
            rows.append([*cells, iqm_cell(group.final), spread(group.final), first_steps, steps(group.budget.max())])
    header = ["env (threshold)", "algorithm", "held-out seeds", "reached", "final: IQM [95% CI]", "final: median [min, max]"]
    return markdown([*header, "steps to threshold (median)", "budget"], rows)


def config_difference(algo: str, env_id: str, config: str) -> str:
    """How a run's config differs from today's block for (algo, env), ``key=value`` each (the budget aside)."""
    shipped = shipped_config(algo, env_id)
    if config == shipped:
        return "**shipped**"
    if shipped is None:
        return "no block ships for this env"
    ours, theirs = json.loads(config), json.loads(shipped)
    defaults = {**constructor_defaults(algo), **ZOO_DEFAULTS}
    keys = sorted(key for key in {*ours, *theirs} - {"n_timesteps"} if ours.get(key) != theirs.get(key))
    cells = [
        f"`{key}={ours[key]}`" if key in ours else f"`{key}={defaults[key]}`" if key in defaults else f"`{key}` unset"
        for key in keys
    ]
    return ", ".join(cells) or "the same (another budget)"


def render_runs(table: pd.DataFrame) -> str:
    """docs/experiments.md: every stored run of ``run_zoo.py``, per env, a row per run name."""
    order = {algo: index for index, algo in enumerate((*OURS, *PEERS))}
    parts = []
    for env_id, facts in ENVS.items():
        runs = table[table.env == env_id]
        if runs.empty:
            continue
        groups = sorted(runs.groupby("name"), key=lambda item: (order.get(item[1].algo.iloc[0], 9), not item[1].shipped.all()))
        threshold = number(facts["threshold"])
        header = ["run", "seeds", "config: differs from the shipped block", "budget", f"reached {threshold}"]
        header += [f"steps to {threshold}", "final", "max", "mean over the curve"]
        with_final100 = runs.final100.notna().any()
        rows = []
        for name, group in groups:
            difference = config_difference(group.algo.iloc[0], env_id, group.config.iloc[0])
            row = [f"`{name}`", seed_span(group.seed), difference, steps(group.budget.max())]
            row += [f"{group.reached.sum()}/{len(group)}", spread(group.steps, steps)]
            row += [spread(group[column]) for column in ("final", "max", "curve_mean")]
            rows.append(row + ([spread(group.final100)] if with_final100 else []))
        header += ["final model, 100 episodes"] if with_final100 else []
        parts.append(f"**{env_id}** (threshold {threshold})\n\n" + markdown(header, rows))
    return "\n".join(parts)


def render_falls(table: pd.DataFrame, folder: Path) -> str:
    """
    docs/experiments.md: TDActorCritic's falls on CartPole-v1 after solving it (``collapse.falls``), per run name of
    ``benchmarks/collapse.py`` (``folder``) and of ``run_zoo.py``.
    """
    from collapse import falls

    collapse = [
        json.loads(path.read_text()) | {"name": path.name.split("_CartPole")[0]} for path in sorted(folder.glob("*.json"))
    ]
    zoo = table[(table.algo == "td_actor_critic") & (table.env == "CartPole-v1")]
    groups = [
        (f"`{name}` (collapse.py)", [r for r in collapse if r["name"] == name])
        for name in sorted({r["name"] for r in collapse})
    ]
    groups += [(f"`{name}` (run_zoo.py)", group.to_dict("records")) for name, group in zoo.groupby("name")]
    rows = []
    for label, runs in groups:
        drops = [falls(run["curve"]) for run in runs]
        lowest = [min(value for _, value in dropped) for _, dropped in drops if dropped]
        finals = [np.mean([value for _, value in run["curve"][-3:]]) for run in runs]
        entropies = [
            next(row["entropy"] for row in reversed(run["rows"]) if "entropy" in row) for run in runs if "rows" in run
        ]
        solved, fell = sum(step is not None for step, _ in drops), sum(bool(dropped) for _, dropped in drops)
        cells = [label, seed_span(run["seed"] for run in runs), f"{solved}/{len(runs)}", f"{fell}/{len(runs)}"]
        cells += [str(sum(len(dropped) for _, dropped in drops)), spread(lowest), spread(finals)]
        rows.append([*cells, spread(entropies, lambda value: number(value, 2))])
    header = ["runs", "seeds", "solved", "fell after solving", "evaluations below 475 after solving", "lowest of them"]
    return markdown([*header, "final", "entropy at the end"], rows)


def lookup(value: Any, keys: Sequence[str]) -> Any:
    """A value in stored JSON, key by key; in a list, the entry of that ``"name"`` or an index."""
    for key in keys:
        if isinstance(value, list):
            value = value[int(key)] if key.lstrip("-").isdigit() else next(e for e in value if e.get("name") == key)
        else:
            value = value[unquote(key)]
    return value


def json_rows(value: Any, path: Sequence[str], keys: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    """The rows a path gives: each ``*`` steps through a dict's items or a list's entries (keyed by ``"name"``)."""
    if not path:
        yield keys, value
    elif path[0] == "*":
        items = value.items() if isinstance(value, dict) else ((entry.get("name", ""), entry) for entry in value)
        for key, item in items:
            yield from json_rows(item, path[1:], (*keys, str(key)))
    else:
        yield from json_rows(lookup(value, path[:1]), path[1:], keys)


def render_measurement(results_dir: Path, files: str, rows_path: str, columns: Sequence[tuple[str, str, str]]) -> str:
    """A table of stored measurement files (``MEASUREMENTS``): a row per item the rows' path gives, a cell per column."""
    rows = []
    for path in sorted(results_dir.glob(files)):
        stored = json.loads(path.read_text())
        for keys, row in json_rows(stored, rows_path.split("/")):
            cells = []
            for _, where, fmt in columns:
                if where == "#":
                    value: Any = f"`{path.name}`"
                elif where.startswith("@"):
                    value = keys[int(where[1:])]
                else:
                    try:
                        value = (
                            lookup(stored, where[1:].split("/")) if where.startswith("^") else lookup(row, where.split("/"))
                        )
                    except (KeyError, StopIteration):
                        value = None
                cells.append("-" if value is None else FORMATS[fmt](value))
            rows.append(cells)
    return markdown([header for header, _, _ in columns], rows)


def normalised_finals(table: pd.DataFrame, algo: str, envs: Sequence[str], reference: dict) -> np.ndarray | None:
    """
    Final evaluations of an algorithm's untagged runs normalised per env, (score - random) / (threshold - random):
    seeds x envs over the seeds stored on every env (rliable resamples runs within each env); None without such seeds.
    """
    runs = table[(table.name == algo) & table.env.isin(envs)]
    seeds = set.intersection(*(set(runs[runs.env == env].seed) for env in envs))
    if not seeds:
        return None
    columns = []
    for env in envs:
        low, high = reference[env]["mean"], ENVS[env]["threshold"]
        finals = runs[(runs.env == env) & runs.seed.isin(seeds)].sort_values("seed").final
        columns.append(((finals - low) / (high - low)).to_numpy())
    return np.array(columns).T


def aggregate_scores(table: pd.DataFrame, reference: dict, envs: Sequence[str]) -> dict[str, np.ndarray]:
    """``{algorithm: runs x envs}`` for every algorithm with untagged runs on all of ``envs``."""
    scores = {algo: normalised_finals(table, algo, envs, reference) for algo in NAMES}
    return {algo: matrix for algo, matrix in scores.items() if matrix is not None}


def improvement_estimates(table: pd.DataFrame, reference: dict) -> list[tuple[str, str, list[str], tuple]]:
    """P(ours > counterpart) (:func:`report_common.probability_of_improvement`) over the envs both ran, with its CI."""
    results = []
    for ours, theirs in IMPROVEMENT_PAIRS:
        envs = [env for env in CLASSIC if {ours, theirs} <= set(table[table.env == env].name)]
        if envs:
            x, y = (normalised_finals(table, algo, envs, reference) for algo in (ours, theirs))
            assert x is not None and y is not None
            results.append((ours, theirs, envs, interval_estimate([x, y], report_common.probability_of_improvement)))
    return results


def results_blocks(table: pd.DataFrame, stored: dict) -> dict[str, str]:
    """docs/results.md: the random policy's scores, the aggregate IQMs and the probabilities of improvement."""
    reference, rows, aggregate = stored["scores"], [], []
    for env in CLASSIC:
        if env in reference:
            score = reference[env]
            cell = f"{number(score['mean'])} [{number(score['min'])}, {number(score['max'])}]"
            rows.append([env, cell, number(ENVS[env]["threshold"])])
    for _, title, envs in AGGREGATES:
        for i, (algo, scores) in enumerate(aggregate_scores(table, reference, envs).items()):
            point, low, high = iqm_estimate(scores)
            aggregate.append(["" if i else title, NAMES[algo], str(scores.shape[0]), f"{point:.2f} [{low:.2f}, {high:.2f}]"])
    improvement = [
        [NAMES[ours], NAMES[theirs], ", ".join(envs), f"{point:.2f} [{low:.2f}, {high:.2f}]"]
        for ours, theirs, envs, (point, low, high) in improvement_estimates(table, reference)
    ]
    random_header = f"random policy: mean return [min, max] over {stored['episodes']} episodes (score 0)"
    return {
        "random-scores": markdown(["env", random_header, "threshold (score 1)"], rows),
        "aggregate": markdown(["envs", "algorithm", "runs per env", "IQM of normalised final eval [95% CI]"], aggregate),
        "improvement": markdown(["X (ours)", "Y", "envs", "P(X > Y) [95% CI]"], improvement),
    }


def iqm_estimate(scores: np.ndarray) -> tuple[float, float, float]:
    """IQM with its 95% CI (:func:`report_common.iqm`, rliable's ``aggregate_iqm``) of runs x tasks."""
    return interval_estimate(scores, report_common.iqm)


def blocks(zoo: pd.DataFrame, table: pd.DataFrame, results_dir: Path) -> dict[tuple[str, str], str]:
    """
    Every generated table: ``{(file, marker): Markdown}``.

    :param zoo: the run table of ``run_zoo.py``'s runs
    :param table: the same with ``time_to_solve.py``'s runs
    :param results_dir: the stored results (``benchmarks/results``)
    """
    generated = {
        ("README.md", "shipped"): render_shipped(table),
        ("docs/experiments.md", "runs"): render_runs(zoo),
        ("docs/experiments.md", "falls"): render_falls(zoo, results_dir / "collapse"),
    }
    for marker, body in results_blocks(zoo, json.loads((results_dir / "random_scores.json").read_text())).items():
        generated["docs/results.md", marker] = body
    for page, marker, files, rows, columns in MEASUREMENTS:
        generated[page, marker] = render_measurement(results_dir, files, rows, columns)
    return generated


def fact_text(key: str, zoo: pd.DataFrame, results_dir: Path) -> str:
    """The text of a fact key (``run:...`` or ``json:...``, the module's docstring)."""
    if key.startswith("json:"):
        file, *keys, form = key[len("json:") :].split("/")
        return FORMATS[form](lookup(json.loads((results_dir / file).read_text()), keys))
    match = RUN_KEY.fullmatch(key)
    if match is None:
        raise ValueError("not a run:... or json:... key")
    runs = zoo[zoo.name.isin(match["names"].split("+")) & (zoo.env == match["env"])]
    if match["seeds"]:
        runs = runs[runs.seed.isin([int(seed) for seed in match["seeds"].split(",")])]
    if runs.empty:
        raise ValueError("no stored runs")
    values, stat = runs[match["column"]].astype(float), match["stat"]
    if stat == "n":
        return str(len(runs))
    if match["column"] == "reached" or match["level"]:
        hits = int((values >= float(match["level"])).sum() if match["level"] else values.sum())
        return f"{hits} of {len(runs)}" if stat == "of" else f"{hits}/{len(runs)}"
    fmt = steps if match["column"] == "steps" else lambda value: number(value, int(match["digits"]))
    values = values.dropna()
    return spread(values, fmt) if stat == "cell" else fmt(float(getattr(np, stat)(values)))


def fill(kind: str, texts: dict[str, str], match: re.Match) -> str:
    """A marked table (``kind`` "results") or fact span with its text written: ``texts`` by marker or key."""
    if kind == "results":
        return f"<!-- results:{match['name']} -->\n\n{texts.get(match['name'], '')}\n<!-- /results -->"
    return f"<!-- fact:{match['key']} -->{texts[match['key']]}<!-- /fact -->"


def sync_files(root: Path, generated: dict[tuple[str, str], str], zoo: pd.DataFrame, check: bool) -> list[str]:
    """
    Write the generated tables and facts into README.md and docs/*.md, or (``check``) only compare.

    :return: the problems found: a table or fact that differs (``check``), a marker without a table or a table without
        its marker, a fact whose key gives no text, a missing file
    """
    failed = []
    for path in [root / "README.md", *sorted((root / "docs").glob("*.md"))]:
        name, text = path.relative_to(root).as_posix(), path.read_text()
        found, expected = {m["name"] for m in MARKER.finditer(text)}, {marker for file, marker in generated if file == name}
        failed += [f"{name}: no table is defined for the marker {marker} (report.py's blocks)" for marker in found - expected]
        failed += [f"{name}: the marker <!-- results:{marker} --> is missing" for marker in expected - found]
        blocks_of = {marker: body for (file, marker), body in generated.items() if file == name}
        new = MARKER.sub(partial(fill, "results", blocks_of), text)
        texts: dict[str, str] = {}
        for key in {m["key"] for m in FACT.finditer(new)}:
            try:
                texts[key] = fact_text(key, zoo, root / RESULTS)
            except (ValueError, KeyError, IndexError, StopIteration, FileNotFoundError) as error:
                failed.append(f"{name}: fact <!-- fact:{key} -->: {error!r}")
                texts[key] = "?"
        new = FACT.sub(partial(fill, "fact", texts), new)
        if new == text:
            continue
        if not check:
            path.write_text(new)
            print(f"updated {name}")
            continue
        old_blocks = {m["name"]: m["body"] for m in MARKER.finditer(text)}
        for m in MARKER.finditer(new):
            if old_blocks.get(m["name"], m["body"]) != m["body"]:
                diff = difflib.unified_diff(
                    old_blocks[m["name"]].splitlines(), m["body"].splitlines(), "written", "stored", lineterm=""
                )
                failed.append(
                    f"{name}: table <!-- results:{m['name']} --> differs from the stored results\n" + "\n".join(diff)
                )
        for a, b in zip(FACT.finditer(text), FACT.finditer(new)):
            if a["body"] != b["body"]:
                failed.append(
                    f"{name}: fact <!-- fact:{a['key']} --> differs from the stored results: {a['body']!r} -> {b['body']!r}"
                )
    failed += [
        f"{name}: missing (it holds generated tables)"
        for name in sorted({n for n, _ in generated})
        if not (root / name).is_file()
    ]
    return failed


def draw_figures(table: pd.DataFrame, reference: dict, out_dir: Path) -> list[Path]:
    """
    docs/results_*.png: per set of envs, the IQM of normalised final evaluations with 95% CIs; performance profiles,
    one panel per set; the probability of improvement of ours over the counterparts (``rliable.plot_utils``).
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from rliable import library, plot_utils

    tab10 = plt.get_cmap("tab10")
    colors = dict(zip(NAMES.values(), (tab10(i) for i in range(tab10.N))))
    written = []

    def save(figure: plt.Figure, name: str) -> None:
        written.append(out_dir / f"results_{name}.png")
        figure.savefig(written[-1], dpi=110, bbox_inches="tight", metadata={"Software": None})
        plt.close(figure)

    sets = [(name, title, aggregate_scores(table, reference, envs)) for name, title, envs in AGGREGATES]
    for name, title, scores in sets:
        estimates = {NAMES[algo]: iqm_estimate(matrix) for algo, matrix in scores.items()}
        figure, axis = plot_utils.plot_interval_estimates(
            {label: np.array([point]) for label, (point, _, _) in estimates.items()},
            {label: np.array([[low], [high]]) for label, (_, low, high) in estimates.items()},
            metric_names=[f"IQM over {title}"],
            colors=colors,
            subfigure_width=5.0,
            row_height=0.5,
            xlabel_y_coordinate=-0.5 / (0.5 * len(estimates)),  # half an inch below the axes
            xlabel="normalised final evaluation (random policy 0, threshold 1)",
        )
        axis.axvline(1.0, color="gray", linestyle="--", linewidth=1)
        low, high = axis.get_xlim()
        axis.set_xlim(low - 0.05 * (high - low), high + 0.05 * (high - low))  # intervals at the edge stay visible
        save(figure, f"iqm_{name}")

    tau = np.linspace(0.0, 1.2, 121)
    figure, axes = plt.subplots(1, len(sets), figsize=(5.2 * len(sets), 4.2), squeeze=False)
    for axis, (_, title, scores) in zip(axes[0], sets):
        state = np.random.get_state()
        np.random.seed(BOOTSTRAP_SEED)
        try:
            profiles, profile_cis = library.create_performance_profile(scores, tau, reps=report_common.reps)
        finally:
            np.random.set_state(state)
        plot_utils.plot_performance_profiles(
            {NAMES[algo]: profile for algo, profile in profiles.items()},
            tau,
            performance_profile_cis={NAMES[algo]: ci for algo, ci in profile_cis.items()},
            colors=colors,
            ax=axis,
            xlabel=r"normalised final evaluation $\tau$",
            ylabel=r"fraction of runs with score $> \tau$",
            labelsize="medium",
            ticklabelsize="medium",
        )
        axis.set_title(title, fontsize="medium")
        axis.legend(fontsize="small", loc="lower left")
    figure.tight_layout()
    save(figure, "profiles")

    improvements = improvement_estimates(table, reference)
    probabilities = {f"{NAMES[x]},{NAMES[y]}": point for x, y, _, (point, _, _) in improvements}
    intervals = {f"{NAMES[x]},{NAMES[y]}": np.array([low, high]) for x, y, _, (_, low, high) in improvements}
    figure, axis = plt.subplots(figsize=(4.5, 0.6 * len(improvements) + 1.0))
    plot_utils.plot_probability_of_improvement(probabilities, intervals, ax=axis, xticks=[0.0, 0.25, 0.5, 0.75, 1.0])
    axis.axvline(0.5, color="gray", linestyle="--", linewidth=1)
    save(figure, "improvement")
    return written


def measure_random_scores(envs: Sequence[str], episodes: int, seed: int) -> dict[str, dict]:
    """Returns of a uniform random policy (``action_space.sample()``), the score 0 of normalised scores, per env."""
    import gymnasium as gym

    scores = {}
    for env_id in envs:
        env = gym.make(env_id)
        env.action_space.seed(seed)
        returns = []
        for episode in range(episodes):
            env.reset(seed=seed if episode == 0 else None)
            total, done = 0.0, False
            while not done:
                _, reward, terminated, truncated, _ = env.step(env.action_space.sample())
                total, done = total + float(reward), terminated or truncated
            returns.append(total)
        env.close()
        scores[env_id] = {"mean": float(np.mean(returns)), "std": float(np.std(returns))}
        scores[env_id] |= {"min": float(np.min(returns)), "max": float(np.max(returns))}
        print(f"{env_id}: {scores[env_id]['mean']:.1f} +- {scores[env_id]['std']:.1f} over {episodes} episodes")
    return scores


def main(argv: Sequence[str] | None = None) -> int:
    """The command line; the exit status is 1 where a table or fact differs (``--check``) or cannot be written."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 where a table or fact differs")
    parser.add_argument("--print", action="store_true", help="print every table, change nothing")
    parser.add_argument("--no-figures", action="store_true", help="rewrite the tables and facts only")
    parser.add_argument("--root", type=Path, default=ROOT, help="the repository root (README.md, docs/, benchmarks/results/)")
    parser.add_argument("--random-scores", action="store_true", help="measure the random policy's scores and store them")
    parser.add_argument("--episodes", type=int, default=100, help="episodes per env for --random-scores")
    parser.add_argument("--reps", type=int, default=BOOTSTRAP_REPS, help="bootstrap resamples (tests: fewer)")
    args = parser.parse_args(argv)
    report_common.reps = args.reps
    root, results_dir = args.root.resolve(), args.root.resolve() / RESULTS
    if args.random_scores:
        stored: dict[str, Any] = {"command": "python benchmarks/report.py --random-scores", "episodes": args.episodes}
        stored |= {"policy": "uniform random actions (action_space.sample())", "seed": 0, "gymnasium": version("gymnasium")}
        stored["scores"] = measure_random_scores(CLASSIC, args.episodes, seed=0)
        (results_dir / "random_scores.json").write_text(json.dumps(stored, indent=1) + "\n")
        return 0

    zoo = load_runs(results_dir / "zoo")
    table = pd.concat([zoo, load_time_to_solve(results_dir / "time_to_solve")])  # run_zoo's first: its seeds kept
    generated = blocks(zoo, table, results_dir)
    if args.print:
        for (path, marker), body in generated.items():
            print(f"{path} <!-- results:{marker} -->\n{body}")
        return 0
    failed = shipped_problems(table) + sync_files(root, generated, zoo, args.check)
    if failed:
        print("\n\n".join(failed), file=sys.stderr)
        print("\nregenerate with: python benchmarks/report.py" if args.check else "", file=sys.stderr)
        return 1
    if args.check:
        print("every results table and fact matches the stored results")
    elif not args.no_figures:
        reference = json.loads((results_dir / "random_scores.json").read_text())["scores"]
        for figure_path in draw_figures(zoo, reference, root / "docs"):
            print(f"wrote {figure_path.relative_to(root).as_posix()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
