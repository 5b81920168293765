"""
The results tables of ``benchmarks/report.py``: a table's spec (``Table``, ``Row``, the columns and their ``HEADERS``)
and its Markdown from the stored runs (``render_table``: each run's ``runs.curve_stats``, and the IQM of the final
evaluations of each row), and the across-env summaries of docs/results.md (scores normalised per env over each
``Aggregate``, their IQM, the probability of improvement of each of ours over its counterpart). The tables
themselves, ``TABLES``, are in report.py.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from report_common import (
    CLASSIC_ENVS,
    NAMES,
    Runs,
    budget,
    final_eval,
    final_model_cell,
    interval_estimate,
    iqm_estimate,
    number,
    rate,
    seed_span,
    spread,
    steps,
)
from run_zoo import THRESHOLDS
from runs import curve_stats

# Columns of a table (the key of each cell); headers take the env's threshold in single-env tables
README_COLUMNS = ("budget", "reached", "steps", "final", "max", "curve_mean", "iqm")
DOC_COLUMNS = ("reached", "steps", "final", "max", "curve_mean", "iqm")
# MuJoCo: no solved threshold in use; run_zoo's are Tianshou's NPG max evaluation at 1M steps, so "reached" counts
# the seeds whose max evaluation reaches it (and the seeds stored)
MUJOCO_COLUMNS = ("budget", "reached", "final", "max", "curve_mean", "iqm")
HEADERS = {
    "budget": "budget",
    "reached": "reached {threshold}",
    "steps": "steps to {threshold}",
    "final": "final eval",
    "max": "max eval",
    "curve_mean": "mean over the curve",
    "iqm": "IQM of final eval [95% CI]",
    "final100": "final model, 100 episodes",
    "steps_per_s": "steps/s",
    "s_per_update": "s/update",
}
MULTI_ENV_HEADERS = {"reached": "reached", "steps": "steps to threshold"}


@dataclass(frozen=True)
class Row:
    """
    One row of a results table.

    :param label: the first column's text
    :param run: the stored runs' name, ``<algo>`` or ``<algo>-<tag>`` (run_zoo's ``--tag``)
    :param env: the env, where the table spans several (``Table.env`` is None)
    """

    label: str
    run: str
    env: str | None = None


@dataclass(frozen=True)
class Table:
    """
    A results table written between ``<!-- results:<marker> -->`` and ``<!-- /results -->`` in ``path``.

    :param path: the Markdown file, relative to the repository root
    :param marker: the table's name, unique in its file
    :param env: the env of every row, or None for a table whose rows name their envs
    :param rows: the rows, ``(label, run)`` or ``(label, run, env)``
    :param columns: the cells after the label (keys of ``HEADERS``)
    :param label_header: the first column's header
    :param placeholder: a table of runs still to come: written only where its marker is in the file, with the rows
        that have stored runs (required tables fail on a missing marker or a row without runs)
    """

    path: str
    marker: str
    env: str | None
    rows: tuple[Row | tuple[str, ...], ...]
    columns: tuple[str, ...] = DOC_COLUMNS
    label_header: str = "config"
    placeholder: bool = False

    def all_rows(self) -> list[Row]:
        return [row if isinstance(row, Row) else Row(*row) for row in self.rows]

    def env_of(self, row: Row) -> str:
        env = row.env or self.env
        if env is None:
            raise ValueError(f"{self.path} {self.marker}: row {row.label!r} names no env")
        return env


@dataclass(frozen=True)
class Aggregate:
    """
    A set of envs over which normalised scores are aggregated (every algorithm with untagged runs on all of them).

    :param name: a short name (figure file names)
    :param title: the set as the docs name it
    :param envs: the envs
    """

    name: str
    title: str
    envs: tuple[str, ...]


AGGREGATES = (
    Aggregate("classic", "the classic-control envs", CLASSIC_ENVS),
    Aggregate("cartpole-acrobot", "CartPole-v1 and Acrobot-v1", ("CartPole-v1", "Acrobot-v1")),
    Aggregate("cartpole", "CartPole-v1", ("CartPole-v1",)),
)
# Each of ours against its SB3 / sb3-contrib counterpart
IMPROVEMENT_PAIRS = (("reinforce", "a2c"), ("reinforce_baseline", "a2c"), ("td_actor_critic", "a2c"), ("tnpg", "trpo"))


def cells(runs: list[dict], env: str, columns: Sequence[str]) -> list[str]:
    """
    One row's cells.

    :param runs: the row's stored runs (seeds)
    :param env: their env
    :param columns: the cells to give (keys of ``HEADERS``)
    """
    stats = [curve_stats(run["curve"], THRESHOLDS[env]) for run in runs]
    reached = [stat["steps"] for stat in stats if not np.isnan(stat["steps"])]
    values = {
        "budget": budget(max(stat["last_step"] for stat in stats)),
        "reached": f"{len(reached)}/{len(runs)}",
        "steps": spread(reached, steps),
        **{column: spread([stat[column] for stat in stats], number) for column in ("final", "max", "curve_mean")},
    }
    for column, fmt in (("steps_per_s", rate), ("s_per_update", "{:.3f}".format)):
        if column in columns:
            values[column] = "-" if runs[0].get(column) is None else fmt(float(np.median([run[column] for run in runs])))
    if "final100" in columns:
        values["final100"] = final_model_cell(runs)
    if "iqm" in columns:
        point, low, high = iqm_estimate(np.array([[final_eval(run)] for run in runs]))
        values["iqm"] = f"{number(point)} [{number(low)}, {number(high)}]"
    return [values[column] for column in columns]


def render_table(table: Table, runs: Runs) -> str | None:
    """
    A table's Markdown; None for a placeholder without stored runs.

    :param table: its spec
    :param runs: the stored runs
    """
    if table.env is None:  # the thresholds are in the env column
        header = [MULTI_ENV_HEADERS.get(column, HEADERS[column]) for column in table.columns]
    else:
        header = [HEADERS[column].format(threshold=f"{THRESHOLDS[table.env]:g}") for column in table.columns]
    if table.env is None:
        header = ["env (threshold)", table.label_header, *header]
    else:
        header = [table.label_header, *header]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    previous_env = None
    for row in table.all_rows():
        env = table.env_of(row)
        group = runs.get((row.run, env))
        if not group:
            if table.placeholder:
                continue
            raise ValueError(f"{table.path} {table.marker}: no stored runs {row.run}_{env}_*.json for {row.label!r}")
        line = [row.label.replace("{seeds}", seed_span([run["seed"] for run in group])), *cells(group, env, table.columns)]
        if table.env is None:
            line.insert(0, "" if env == previous_env else f"{env} ({THRESHOLDS[env]:g})")
            previous_env = env
        lines.append("| " + " | ".join(line) + " |")
    if len(lines) == 2:
        return None
    return "\n".join(lines) + "\n"


def normalised_finals(runs: Runs, run: str, envs: Sequence[str], reference: dict[str, dict]) -> np.ndarray | None:
    """
    Final evaluations normalised per env, (score - random) / (threshold - random): seeds x envs, of the seeds stored
    on every env (rliable's stratified bootstrap resamples runs within each env, with one count for all); None where
    the run name has no seed on all of the envs.

    :param runs: the stored runs
    :param run: the run name (untagged: the algorithm)
    :param envs: the envs
    :param reference: the random policy's scores
    """
    groups = [runs.get((run, env), []) for env in envs]
    seeds = set.intersection(*({r["seed"] for r in group} for group in groups))
    if not seeds:
        return None
    columns = []
    for env, group in zip(envs, groups):
        low, high = reference[env]["mean"], THRESHOLDS[env]
        columns.append([(final_eval(r) - low) / (high - low) for r in group if r["seed"] in seeds])
    return np.array(columns).T


def aggregate_scores(runs: Runs, reference: dict[str, dict], aggregate: Aggregate) -> dict[str, np.ndarray]:
    """
    ``{algorithm: runs x envs}`` normalised final evaluations of every algorithm with untagged runs on all the set's
    envs, in ``NAMES``' order.

    :param runs: the stored runs
    :param reference: the random policy's scores
    :param aggregate: the set of envs
    """
    scores = {}
    for algo in NAMES:
        matrix = normalised_finals(runs, algo, aggregate.envs, reference)
        if matrix is not None:
            scores[algo] = matrix
    return scores


def improvement_estimates(runs: Runs, reference: dict[str, dict]) -> list[tuple[str, str, list[str], tuple]]:
    """
    Probability of improvement (``rliable.metrics.probability_of_improvement``) of each of ours over its counterpart
    over the envs where both have untagged runs, with its 95% CI.

    :param runs: the stored runs
    :param reference: the random policy's scores
    :return: [(ours, counterpart, envs, (point, lower, upper)), ...]
    """
    from rliable import metrics

    results = []
    for ours, theirs in IMPROVEMENT_PAIRS:
        envs = [env for env in CLASSIC_ENVS if (ours, env) in runs and (theirs, env) in runs]
        if not envs:
            continue
        x, y = (normalised_finals(runs, algo, envs, reference) for algo in (ours, theirs))
        assert x is not None and y is not None
        results.append((ours, theirs, envs, interval_estimate([x, y], metrics.probability_of_improvement)))
    return results


def render_random(reference: dict[str, dict], episodes: int) -> str:
    lines = [
        f"| env | random policy: mean return [min, max] over {episodes} episodes (score 0) | threshold (score 1) |",
        "|---|---|---|",
    ]
    for env in CLASSIC_ENVS:
        if env in reference:
            score = reference[env]
            lines.append(
                f"| {env} | {number(score['mean'])} [{number(score['min'])}, {number(score['max'])}] | {THRESHOLDS[env]:g} |"
            )
    return "\n".join(lines) + "\n"


def render_aggregates(runs: Runs, reference: dict[str, dict]) -> str:
    lines = ["| envs | algorithm | runs per env | IQM of normalised final eval [95% CI] |", "|---|---|---|---|"]
    for aggregate in AGGREGATES:
        for i, (algo, scores) in enumerate(aggregate_scores(runs, reference, aggregate).items()):
            point, low, high = iqm_estimate(scores)
            envs = aggregate.title if i == 0 else ""
            lines.append(f"| {envs} | {NAMES[algo]} | {scores.shape[0]} | {point:.2f} [{low:.2f}, {high:.2f}] |")
    return "\n".join(lines) + "\n"


def render_improvement(runs: Runs, reference: dict[str, dict]) -> str:
    lines = ["| X (ours) | Y | envs | P(X > Y) [95% CI] |", "|---|---|---|---|"]
    for ours, theirs, envs, (point, low, high) in improvement_estimates(runs, reference):
        lines.append(f"| {NAMES[ours]} | {NAMES[theirs]} | {', '.join(envs)} | {point:.2f} [{low:.2f}, {high:.2f}] |")
    return "\n".join(lines) + "\n"
