"""
The tables of ``benchmarks/report.py`` written from stored measurements (``benchmarks/results/``) rather than from
run_zoo's runs: throughput (``benchmarks/throughput.py``) and the speed targets, the step profiles
(``benchmarks/profile_steps.py``), many envs (``benchmarks/many_envs.py``), TDActorCritic's falls after solving
CartPole-v1 (``benchmarks/collapse.py``, and run_zoo's runs of the same configs) and the variance of the advantage
estimators (``python -m sb3_pg.analysis variance``).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from report_common import Runs, budget, final_eval, number, rate, seed_span, steps

THROUGHPUT_FILES = (
    "throughput.json",
    "throughput_td_actor_critic.json",
    "throughput_td_actor_critic_8envs.json",
    "throughput_tnpg.json",
    "throughput_tnpg_zoo_HalfCheetah-v5.json",
)
# The speed targets (issue "Speed"): (stored throughput file, our algorithm, the target ratio to the counterpart)
SPEED_TARGETS = (
    ("throughput.json", "Reinforce", 2.0),
    ("throughput.json", "ReinforceBaseline", 2.0),
    ("throughput_td_actor_critic.json", "TDActorCritic", 3.0),
    ("throughput_td_actor_critic_8envs.json", "TDActorCritic", 1.5),
    ("throughput_tnpg.json", "TNPG", 1.5),
    ("throughput_tnpg_zoo_HalfCheetah-v5.json", "TNPG", 1.5),
)
PROFILE_FILES = ("profile_CartPole-v1_8envs.json", "profile_CartPole-v1_1env.json", "profile_HalfCheetah-v5.json")
PROFILE_PARTS = ("env", "inference", "bookkeeping", "update", "critic", "logging", "callbacks")


def throughput_command(result: dict) -> str:
    """The ``benchmarks/throughput.py`` arguments of a stored throughput file."""
    if result.get("settings") == "RL-Zoo configs":
        return f"`--zoo --pair {result['pair']} --env {result['env']}`"
    return f"`--pair {result['pair']} --env {result['env']} --n-envs {result['n_envs']}`"


def load_note(result: dict) -> str:
    """The 1-minute load average a stored measurement ran at (2 CPUs: 1 is the measurement alone)."""
    before = result.get("load_average_before")
    return f"{before[0]:.1f}" if before else "not stored"


def render_speed_targets(results_dir: Path) -> str:
    """
    The speed targets against the stored throughput files: ours / counterpart, met or not.

    :param results_dir: the folder of the stored throughput files
    """
    lines = [
        "| `python benchmarks/throughput.py ...` | ours | counterpart | ratio | target | met | load before |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, algo, target in SPEED_TARGETS:
        result = json.loads((results_dir / name).read_text())
        counterpart = result["counterpart"]
        entry = result["algorithms"][algo]
        ratio = entry["ratio_to_counterpart"]
        lines.append(
            f"| {throughput_command(result)} | {algo} {rate(entry['median_steps_per_s'])} | {counterpart} "
            f"{rate(result['algorithms'][counterpart]['median_steps_per_s'])} | **{ratio:.2f}x** | {target:g}x | "
            f"{'yes' if ratio >= target else 'no'} | {load_note(result)} |"
        )
    return "\n".join(lines) + "\n"


def render_profiles(results_dir: Path) -> str:
    """
    The stored profiles (``benchmarks/profile_steps.py``): per algorithm, microseconds per env step of each part of
    ``learn()`` with the part's floor, the rate and its fraction of the sum-of-floors ceiling.

    :param results_dir: the folder of the stored profiles
    """
    lines = []
    for name in PROFILE_FILES:
        result = json.loads((results_dir / name).read_text())
        machine = result.get("machine", {})
        lines += [
            f"**{result['profile']}** ({budget(result['timesteps'])} steps, {result['torch_threads']} torch thread, "
            f"1-minute load average {machine.get('load_average_1min', float('nan')):.1f} on {machine.get('cpus')} CPUs). "
            "Microseconds per env step, measured (floor):",
            "",
            "| algorithm | steps/s | " + " | ".join(PROFILE_PARTS) + " | ceiling steps/s | fraction of ceiling |",
            "|---|---:|" + "---:|" * len(PROFILE_PARTS) + "---:|---:|",
        ]
        for label, entry in result["algorithms"].items():
            cells = []
            for part in PROFILE_PARTS:
                values = entry["parts"][part]
                floor = values["floor_us_per_step"]
                cells.append(f"{values['us_per_step']:.1f}" + (f" ({floor:.1f})" if floor else ""))
            lines.append(
                f"| {label} | {rate(entry['steps_per_s'])} | {' | '.join(cells)} | {rate(entry['ceiling_steps_per_s'])} | "
                f"{entry['ratio_to_ceiling']:.2f} |"
            )
        lines.append("")
    return "\n".join(lines)


def render_many_envs(results_dir: Path) -> str:
    """
    The stored many-envs benchmark (``benchmarks/many_envs.py``): Reinforce's rates per number of envs and vec env.

    :param results_dir: the folder of ``many_envs.json``
    """
    result = json.loads((results_dir / "many_envs.json").read_text())
    lines = [
        "| n_envs | vec env | learn() steps/s | ratio to DummyVecEnv | kept steps/s | collection only steps/s | discarded |",
        "|---:|---|---:|---:|---:|---:|---:|",
    ]
    for n_envs, kinds in result["results"].items():
        for kind, entry in kinds.items():
            lines.append(
                f"| {n_envs} | {result['kinds'][kind]} | {rate(entry['median_steps_per_s'])} | "
                f"{entry.get('ratio_to_dummy', float('nan')):.2f} | {rate(entry['median_kept_steps_per_s'])} | "
                f"{rate(entry['median_collection_only_steps_per_s'])} | {entry['median_discarded_share']:.0%} |"
            )
    return "\n".join(lines) + "\n"


# TDActorCritic's falls on CartPole-v1: (run name, label); the runs of benchmarks/collapse.py (with training metrics)
# and of run_zoo.py (evaluations only)
COLLAPSE_VARIANTS = (
    ("td_actor_critic-adam", "Adam (the block before AMSGrad)"),
    ("td_actor_critic-ent0.01", "Adam, ent_coef=0.01"),
    ("td_actor_critic-eps1e-3", "Adam, eps=1e-3"),
    ("td_actor_critic-adam-linlr", "Adam, both step sizes decayed linearly to 0"),
    ("td_actor_critic-amsgrad", "AMSGrad (shipped)"),
)
COLLAPSE_ZOO_ROWS = (
    ("td_actor_critic", "Adam (the block before AMSGrad), tuning seeds"),
    ("td_actor_critic-speed", "Adam, tuning seeds, after the speed changes"),
    ("td_actor_critic-heldout", "Adam, held-out seeds"),
    ("td_actor_critic-heldout-amsgrad", "AMSGrad (shipped), held-out seeds"),
)
COLLAPSE_WINDOWS = (("td_actor_critic-adam", 2), ("td_actor_critic-amsgrad", 3))


def dip_cells(group: list[dict]) -> list[str]:
    """
    A row of runs' falls on CartPole-v1 (``collapse.falls``): seeds, seeds that solved the task (three evaluations
    in a row at 475 or more), seeds that fell below 475 afterwards, the evaluations below 475 after solving, the lowest
    of them and the final evaluation.

    :param group: the runs (each with its evaluation ``curve``)
    """
    from collapse import falls

    solved, fell, below, lowest = 0, 0, 0, []
    for run in group:
        step, dropped = falls(run["curve"])
        solved, fell, below = solved + (step is not None), fell + bool(dropped), below + len(dropped)
        lowest += [min(value for _, value in dropped)] if dropped else []
    count = len(group)
    return [
        seed_span([run["seed"] for run in group]),
        f"{solved}/{count}",
        f"{fell}/{count}",
        str(below),
        range_text(lowest) if lowest else "-",
        range_text([final_eval(run) for run in group]),
    ]


DIP_HEADER = "| {} | seeds | solved | fell after solving | evaluations below 475 after solving | lowest of them | final |"


def render_collapse(folder: Path) -> str | None:
    """
    TDActorCritic's falls after solving CartPole-v1 (``benchmarks/collapse.py``), one row per variant of the block
    (``COLLAPSE_VARIANTS``): ``dip_cells`` and the entropy of the last logging interval (median [min, max]).

    :param folder: the stored runs, ``td_actor_critic[-<tag>]_CartPole-v1_<seed>.json``
    """
    lines = [DIP_HEADER.format("variant") + " entropy at the end |", "|---" * 8 + "|"]
    for name, label in COLLAPSE_VARIANTS:
        group = [json.loads(path.read_text()) for path in sorted(folder.glob(f"{name}_CartPole-v1_*.json"))]
        if group:
            entropies = [next(row["entropy"] for row in reversed(run["rows"]) if "entropy" in row) for run in group]
            lines.append(f"| {label} | " + " | ".join(dip_cells(group)) + f" | {range_text(entropies, 2)} |")
    return "\n".join(lines) + "\n" if len(lines) > 2 else None


def render_collapse_zoo(runs: Runs) -> str | None:
    """The same falls in the stored ``run_zoo.py`` runs of TDActorCritic on CartPole-v1 (``COLLAPSE_ZOO_ROWS``)."""
    lines = [DIP_HEADER.format("config"), "|---" * 7 + "|"]
    for name, label in COLLAPSE_ZOO_ROWS:
        group = sorted(runs.get((name, "CartPole-v1"), []), key=lambda run: run["seed"])
        if group:
            lines.append(f"| {label} | " + " | ".join(dip_cells(group)) + " |")
    return "\n".join(lines) + "\n" if len(lines) > 2 else None


def render_collapse_window(folder: Path, name: str, seed: int) -> str | None:
    """
    The training metrics of one ``benchmarks/collapse.py`` run around its largest value loss after 60k steps (the
    first failure after a quiet stretch): one row per logging interval, 6,400 steps before to 8,000 after.

    :param folder: the stored runs
    :param name: the run name
    :param seed: the seed
    """
    path = folder / f"{name}_CartPole-v1_{seed}.json"
    if not path.is_file():
        return None
    run = json.loads(path.read_text())
    rows = [row for row in run["rows"] if "entropy" in row and row["step"] > 60_000]
    burst = max(rows, key=lambda row: row["value_loss"])["step"]
    evaluations = dict(run["curve"])
    lines = ["| steps | entropy | abs TD error | value loss | gradient norm | KL | evaluation |", "|---" * 7 + "|"]
    for row in rows:
        if burst - 6400 <= row["step"] <= burst + 8000:
            # SB3's EvalCallback writes the logs after each evaluation: the row of an evaluation's step
            evaluation = evaluations.get(row["step"])
            metrics = " | ".join(f"{row[key]:.2g}" for key in ("entropy", "td_error", "value_loss", "grad_norm", "approx_kl"))
            lines.append(f"| {steps(row['step'])} | {metrics} | {'-' if evaluation is None else number(evaluation)} |")
    return "\n".join(lines) + "\n"


def range_text(values: Sequence[float], digits: int = 1) -> str:
    """'median [min, max]' of ``values`` in the tables' number format."""
    cell = [number(float(value), digits) for value in (np.median(values), min(values), max(values))]
    return f"{cell[0]} [{cell[1]}, {cell[2]}]"


def render_variance(path: Path) -> str:
    """
    A stored ``python -m sb3_pg.analysis variance --json`` result: each estimator's batch variance, its ratio to
    reward-to-go's, its signal-to-noise ratio and the p-value of the test that its mean is reward-to-go's.

    :param path: the stored file
    """
    lines = [
        "| estimator | unbiased | batch variance | vs reward-to-go | SNR | p (same mean as reward-to-go) |",
        "|---|---|---|---|---|---|",
    ]
    for entry in json.loads(path.read_text())["results"]:
        p_value = "-" if entry["name"] == "reward-to-go" else f"{entry['p_value']:.2f}"
        lines.append(
            f"| {entry['name']} | {'yes' if entry['unbiased'] else 'no'} | {entry['batch_variance']:.0f} | "
            f"{entry['variance_ratio']:.2f} | {entry['snr']:.3g} | {p_value} |"
        )
    return "\n".join(lines) + "\n"


def render_throughput(results_dir: Path) -> str:
    """
    The throughput table: one row per pair stored by ``benchmarks/throughput.py`` (``THROUGHPUT_FILES``), each with
    its counterpart's median rate, ours with the ratio, and the collection-only rate with its ratio.

    :param results_dir: the folder of the stored throughput files
    """
    lines = [
        "| pair (`python benchmarks/throughput.py ...`) | counterpart | ours (ratio) | collection only (ratio) |",
        "|---|---|---|---|",
    ]
    for name in THROUGHPUT_FILES:
        result = json.loads((results_dir / name).read_text())
        algorithms = result["algorithms"]
        counterpart = algorithms[result["counterpart"]]["median_steps_per_s"]
        repeats = result["repeats"]
        command = throughput_command(result)
        if result.get("settings") == "RL-Zoo configs":
            settings = f"RL-Zoo's configs, {budget(result['timesteps'])} steps, {repeats} repeats"
        else:
            steps_per_update = result["steps_per_update"]
            settings = f"{steps_per_update} steps/update, {budget(result['timesteps'])} steps, {repeats} repeats"
        ours = ", ".join(
            f"{algo} {rate(entry['median_steps_per_s'])} (**{entry['ratio_to_counterpart']:.2f}x**)"
            for algo, entry in algorithms.items()
            if algo != result["counterpart"]
        )
        collection = result["collection_only_steps_per_s"]
        lines.append(
            f"| {command} ({settings}) | {result['counterpart']}: {rate(counterpart)} | {ours} | "
            f"{rate(collection)} ({collection / counterpart:.2f}x) |"
        )
    return "\n".join(lines) + "\n"
