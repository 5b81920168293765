"""
What ships, on seeds it was not chosen on, beside RL-Zoo's peers: the README's results table, a group-by of the table
of runs (``runs.load_runs``), and the checks that keep it honest:

- every shipped block of ours with stored runs has runs on held-out seeds (seeds it was not chosen on:
  ``benchmarks/results/shipped.json``), unless that file says why it is not reported;
- no results-table row that calls its runs "shipped" names runs of another block.

The shipped rows are found by config (the run's canonical config equals today's block), never by run name.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

import numpy as np
import pandas as pd
from report_common import NAMES, iqm_estimate, number, steps
from runs import ENVS, RESULTS

SHIPPED = json.loads((RESULTS / "shipped.json").read_text())
OURS = ("reinforce", "reinforce_baseline", "td_actor_critic", "tnpg")
PEERS = ("a2c", "ppo", "trpo")


def chosen_on(algo: str, env_id: str) -> set[int]:
    """The seeds the shipped block of (algo, env) was chosen on (none for an untuned block or one of RL-Zoo's)."""
    text = SHIPPED["chosen_on"].get(algo, {}).get(env_id, "")
    seeds: set[int] = set()
    for part in text.split():
        first, _, last = part.partition("-")
        seeds |= set(range(int(first), int(last or first) + 1))
    return seeds


def held_out(table: pd.DataFrame) -> pd.DataFrame:
    """The runs of the shipped blocks on held-out seeds, one per (algo, env, seed) (the same config run twice: once)."""
    shipped = table[table.shipped]
    keep = [seed not in chosen_on(algo, env) for algo, env, seed in zip(shipped.algo, shipped.env, shipped.seed)]
    return shipped[keep].drop_duplicates(["algo", "env", "seed"])


def shipped_problems(table: pd.DataFrame, labelled: Iterable[tuple[str, str, str, str]] = ()) -> list[str]:
    """
    What ``--check`` refuses: a shipped block of ours with stored runs but none on held-out seeds (and no reason in
    ``shipped.json`` for leaving it out), and a row labelled "shipped" that names runs of another block.

    :param table: the table of runs
    :param labelled: the rows that call their runs shipped: (file, marker, run name, env)
    """
    problems = []
    reported = held_out(table)
    unreported = SHIPPED.get("unreported", {})
    for (algo, env_id), _ in table[table.algo.isin(OURS)].groupby(["algo", "env"]):
        if env_id in unreported.get(algo, {}):
            continue
        if not ((reported.algo == algo) & (reported.env == env_id)).any():
            problems.append(
                f"{algo} on {env_id}: the shipped block (zoo_configs/{algo}.yml) has no stored runs on held-out seeds "
                f"(seeds other than {sorted(chosen_on(algo, env_id)) or 'none'}); run them, or give the reason in "
                "benchmarks/results/shipped.json's 'unreported'"
            )
    for path, marker, name, env_id in labelled:
        rows = table[(table.name == name) & (table.env == env_id)]
        if len(rows) and not rows.shipped.all():
            problems.append(
                f"{path}: table <!-- results:{marker} --> calls the runs {name} on {env_id} shipped, but they are of "
                f"another block than zoo_configs/{rows.algo.iloc[0]}.yml's (relabel the row, or name the shipped runs)"
            )
    return problems


def seed_span(seeds: Iterable[int]) -> str:
    """``10-19`` for consecutive seeds, else the seeds listed."""
    ordered = sorted(seeds)
    if len(ordered) > 2 and ordered == list(range(ordered[0], ordered[-1] + 1)):
        return f"{ordered[0]}-{ordered[-1]}"
    return " ".join(str(seed) for seed in ordered)


def cell(values: Iterable[float], kind: str) -> str:
    """The one formatter: ``iqm`` (IQM [95% CI], rliable), ``median`` (median [min, max]), ``steps`` (median)."""
    array = np.asarray([value for value in values if not np.isnan(value)], dtype=float)
    if not len(array):
        return "-"
    if kind == "iqm":
        point, low, high = iqm_estimate(array[:, None])
        return f"{number(point)} [{number(low)}, {number(high)}]"
    if kind == "steps":
        return steps(float(np.median(array)))
    return f"{number(float(np.median(array)))} [{number(array.min())}, {number(array.max())}]"


def render_shipped(table: pd.DataFrame) -> str:
    """The README's table: per env, each shipped block of ours and RL-Zoo's peers on held-out seeds."""
    runs = held_out(table)
    lines = [
        "| env (threshold) | algorithm | held-out seeds | reached | final: IQM [95% CI] | final: median [min, max] "
        "| steps to threshold (median) | budget |",
        "|---|---|---|---|---|---|---|---|",
    ]
    order = {algo: index for index, algo in enumerate((*OURS, *PEERS))}
    for env_id, facts in ENVS.items():
        rows = runs[runs.env == env_id]
        for algo, group in sorted(rows.groupby("algo"), key=lambda item: order.get(item[0], len(order))):
            name = f"**{NAMES[algo]}**" if algo in OURS else f"{NAMES[algo]} (RL-Zoo)"
            budget = steps(float(group.budget.max()))
            lines.append(
                f"| {env_id} ({number(facts['threshold'])}) | {name} | {seed_span(group.seed)} "
                f"| {int(group.reached.sum())}/{len(group)} | {cell(group.final, 'iqm')} | {cell(group.final, 'median')} "
                f"| {cell(group.steps, 'steps')} | {budget} |"
            )
    return "\n".join(lines) + "\n"
