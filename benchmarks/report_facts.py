"""
The facts of ``benchmarks/report.py``: the numbers quoted in the prose of README.md and docs/*.md,
``<!-- fact:KEY -->TEXT<!-- /fact -->``, each TEXT written by ``FACTS[KEY]`` from the stored runs and measurements.
The helpers above ``FACTS`` build those functions (a row's statistic, a stored value, a ratio, a statistic of the
median curve, a test's p-value, ...); ``fact_texts`` computes every text, ``update_facts`` rewrites the spans of a file
and ``fact_differences`` names the ones that differ (``--check``).
"""

from __future__ import annotations

import json
import re
import statistics
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import first_reaching, greedy_and_sampled
from report_common import (
    MUJOCO_ENVS,
    RANDOM_SCORES,
    TNPG_TUNED_KL,
    Runs,
    double,
    final_episodes_mean,
    final_eval,
    final_model_cell,
    number,
    random_scores,
    rate,
    spread,
    steps,
    tnpg_shipped,
)
from report_measurements import PROFILE_FILES
from run_zoo import THRESHOLDS
from runs import curve_stats

# Numbers quoted in the prose around the tables: ``<!-- fact:KEY -->TEXT<!-- /fact -->`` in README.md and docs/*.md,
# TEXT written by ``FACTS[KEY]`` from the stored runs (``Runs``) and the stored measurements' folder. Keys start with a
# lower-case letter or a digit (so that a page can name the form itself, ``fact:KEY``); TEXT holds no "<"
FACT = re.compile(r"<!-- fact:(?P<key>[a-z0-9][^ <>]*) -->(?P<body>[^<]*)<!-- /fact -->")
FactFn = Callable[[Runs, Path], str]


def run_group(runs: Runs, run: str, env: str, seeds: Sequence[int] | None = None) -> list[dict]:
    """
    The stored runs of one row, optionally only some seeds; an error where there are none.

    :param runs: the stored runs
    :param run: the run name
    :param env: the env
    :param seeds: the seeds to keep (default: all)
    """
    group = [r for r in runs.get((run, env), []) if seeds is None or r["seed"] in seeds]
    if not group:
        raise ValueError(f"no stored runs {run}_{env}_*.json" + (f" for seeds {list(seeds)}" if seeds else ""))
    return group


def run_fact(
    run: str, env: str, column: str, stat: str = "cell", digits: int = 1, seeds: Sequence[int] | None = None
) -> FactFn:
    """
    A number of one row of runs, as the tables write it.

    :param run: the run name, ``<algo>[-<tag>]`` or a former runner's ``<runner>:<algorithm>``
    :param env: the env
    :param column: "reached", "steps" (to the env's threshold, over the seeds that reach it), "final", "max" or
        "curve_mean"
    :param stat: "cell" (the tables' median [min, max], the value alone for one seed), "median", "min" or "max";
        for "reached": "cell" ("3/5") or "of" ("3 of 5")
    :param digits: decimals of returns
    :param seeds: only these seeds (default: all stored)
    """

    def fact(runs: Runs, results_dir: Path) -> str:
        group = run_group(runs, run, env, seeds)
        stats = [curve_stats(r["curve"], THRESHOLDS[env]) for r in group]
        if column == "reached":
            reached = sum(not np.isnan(stat["steps"]) for stat in stats)
            return f"{reached} of {len(group)}" if stat == "of" else f"{reached}/{len(group)}"
        fmt: Callable[[float], str] = steps if column == "steps" else lambda value: number(value, digits)
        values = [value[column] for value in stats if not np.isnan(value[column])]
        if stat == "cell":
            return spread(values, fmt)
        statistics_: dict[str, Callable[[list[float]], float]] = {"median": statistics.median, "min": min, "max": max}
        return fmt(statistics_[stat](values))

    fact.key = f"run:{run}/{env}/{column}/{stat}/{digits}" + (f"/{','.join(map(str, seeds))}" if seeds else "")  # type: ignore[attr-defined]
    return fact


# A fact that names its runs and statistic in its key, run_fact's arguments: ``run:NAME/ENV/COLUMN/STAT/DIGITS[/SEEDS]``
# (``<!-- fact:run:tnpg-heldout/Acrobot-v1/reached/of/1 -->``), written in a page with no entry in FACTS
RUN_KEY = re.compile(
    r"^run:(?P<run>[^/]+)/(?P<env>[^/]+)/(?P<column>[^/]+)/(?P<stat>[^/]+)/(?P<digits>\d+)(?:/(?P<seeds>[\d,]+))?$"
)


def keyed_fact(key: str) -> FactFn | None:
    """The fact a ``run:...`` key describes (``RUN_KEY``); None for another key."""
    match = RUN_KEY.match(key)
    if match is None:
        return None
    seeds = [int(seed) for seed in match["seeds"].split(",")] if match["seeds"] else None
    return run_fact(match["run"], match["env"], match["column"], match["stat"], int(match["digits"]), seeds)


def pooled_reached(run_names: Sequence[str], env: str) -> FactFn:
    """
    The runs of several rows pooled: "reached of stored" (e.g. a config's tuning and held-out seeds together).

    :param run_names: the run names
    :param env: the env
    """

    def fact(runs: Runs, results_dir: Path) -> str:
        group = [r for name in run_names for r in run_group(runs, name, env)]
        reached = sum(first_reaching(r["curve"], THRESHOLDS[env]) is not None for r in group)
        return f"{reached} of {len(group)}"

    return fact


def stored_value(results_dir: Path, name: str, keys: Sequence[str]) -> float:
    """
    A value of a stored measurement file.

    :param results_dir: the folder of the stored files
    :param name: the file, e.g. ``throughput_tnpg.json``
    :param keys: the path to the value, e.g. ``("algorithms", "TNPG", "ratio_to_counterpart")``; in a list, the
        entry with that ``"name"``
    """
    value = json.loads((results_dir / name).read_text())
    for key in keys:  # a list of entries is indexed by their "name"
        value = next(entry for entry in value if entry["name"] == key) if isinstance(value, list) else value[key]
    return float(value)


def stored_fact(name: str, keys: Sequence[str], fmt: Callable[[float], str]) -> FactFn:
    """
    A value of a stored measurement file (``stored_value``), formatted.

    :param name: the file
    :param keys: the path to the value
    :param fmt: its format, e.g. ``rate`` or ``RATIO``
    """
    return lambda runs, results_dir: fmt(stored_value(results_dir, name, keys))


def ratio_fact(
    numerator: tuple[str, Sequence[str]], denominator: tuple[str, Sequence[str]], fmt: Callable[[float], str]
) -> FactFn:
    """
    The ratio of two stored values, formatted.

    :param numerator: (file, path to the value)
    :param denominator: (file, path to the value)
    :param fmt: the format
    """
    return lambda runs, results_dir: fmt(stored_value(results_dir, *numerator) / stored_value(results_dir, *denominator))


def profile_fractions(algos: Sequence[str]) -> FactFn:
    """
    The range of the end-to-end rate's fraction of the ceiling over every stored profile of ``algos``: "0.71 to 0.82".

    :param algos: the algorithms' names in the profiles
    """

    def fact(runs: Runs, results_dir: Path) -> str:
        values = []
        for name in PROFILE_FILES:
            entries = json.loads((results_dir / name).read_text())["algorithms"]
            values += [entry["ratio_to_ceiling"] for algo, entry in entries.items() if algo in algos]
        return f"{min(values):.2f} to {max(values):.2f}"

    return fact


def median_curve(runs: Runs, run: str, env: str) -> tuple[np.ndarray, np.ndarray]:
    """
    The median over seeds of a row's evaluation curves (the runs of a config evaluate at the same steps).

    :param runs: the stored runs
    :param run: the run name
    :param env: the env
    :return: (steps, median return at each)
    """
    group = run_group(runs, run, env)
    steps_ = np.array([step for step, _ in group[0]["curve"]])
    if any([step for step, _ in r["curve"]] != list(steps_) for r in group):
        raise ValueError(f"{run}_{env}: the seeds' evaluation steps differ")
    return steps_, np.median([[value for _, value in r["curve"]] for r in group], axis=0)


def curve_fact(run: str, env: str, start: float, end: float, stat: str, digits: int = 0) -> FactFn:
    """
    A statistic of the median curve (``median_curve``) over the evaluations from step ``start`` to ``end``.

    :param run: the run name
    :param env: the env
    :param start: first step (inclusive)
    :param end: last step (inclusive)
    :param stat: "range" ("183 and 219"), "extremes" (the same of min and max), "band" (10th and 90th percentiles),
        "mean" or "min"
    :param digits: decimals
    """

    def fact(runs: Runs, results_dir: Path) -> str:
        steps_, values = median_curve(runs, run, env)
        window = values[(steps_ >= start) & (steps_ <= end)]
        low, high = np.percentile(window, [10, 90]) if stat == "band" else (window.min(), window.max())
        if stat == "mean":
            return number(float(window.mean()), digits)
        if stat == "min":
            return number(float(low), digits)
        return f"{number(float(low), digits)} and {number(float(high), digits)}"

    return fact


def first_median_step(run: str, env: str, level: float) -> FactFn:
    """
    The step at which a row's median curve first reaches ``level``.

    :param run: the run name
    :param env: the env
    :param level: the return
    """

    def fact(runs: Runs, results_dir: Path) -> str:
        steps_, values = median_curve(runs, run, env)
        return steps(float(steps_[np.argmax(values >= level)])) if (values >= level).any() else "never"

    return fact


def fisher_fact(run: str, other: str, env: str) -> FactFn:
    """
    One-sided Fisher's exact test (scipy) that ``run`` reaches the env's threshold more often than ``other``: its p.

    :param run: the run name
    :param other: the run name compared with
    :param env: the env
    """

    def fact(runs: Runs, results_dir: Path) -> str:
        from scipy import stats

        table = []
        for name in (run, other):
            group = run_group(runs, name, env)
            reached = sum(first_reaching(r["curve"], THRESHOLDS[env]) is not None for r in group)
            table.append([reached, len(group) - reached])
        return f"{stats.fisher_exact(table, alternative='greater').pvalue:.2g}"

    return fact


def mann_whitney_fact(run: str, other: str, env: str, column: str, alternative: str = "greater") -> FactFn:
    """
    Mann-Whitney U test (scipy) of the seeds' values of ``run`` against ``other``: its p.

    :param run: the run name
    :param other: the run name compared with
    :param env: the env
    :param column: "final", "max" or "curve_mean"
    :param alternative: "greater" (one-sided) or "two-sided"
    """

    def fact(runs: Runs, results_dir: Path) -> str:
        from scipy import stats

        x, y = (
            [curve_stats(r["curve"], THRESHOLDS[env])[column] for r in run_group(runs, name, env)] for name in (run, other)
        )
        return f"{stats.mannwhitneyu(x, y, alternative=alternative).pvalue:.2g}"

    return fact


def at_or_above_fact(run: str | Callable[[str], str], other: str, envs: Sequence[str]) -> FactFn:
    """
    On how many of ``envs`` the median final evaluation of ``run`` is at or above that of ``other``: "2 of the 3".

    :param run: the run name, or a function of the env that gives it (e.g. the shipped block's runs per env)
    :param other: the run name compared with
    :param envs: the envs
    """
    name_of = run if callable(run) else lambda env: run

    def fact(runs: Runs, results_dir: Path) -> str:
        def median_final(name: str, env: str) -> float:
            return statistics.median(final_eval(r) for r in run_group(runs, name, env))

        count = sum(median_final(name_of(env), env) >= median_final(other, env) for env in envs)
        return f"{count} of the {len(envs)}"

    return fact


def normalised_fact(env: str, score: float) -> FactFn:
    """
    A return normalised as in docs/results.md (random policy 0, threshold 1).

    :param env: the env
    :param score: the return
    """

    def fact(runs: Runs, results_dir: Path) -> str:
        low = random_scores(results_dir / Path(RANDOM_SCORES).name)[env]["mean"]
        return f"{(score - low) / (THRESHOLDS[env] - low):.2f}"

    return fact


def collection_share(name: str, algos: Sequence[str]) -> FactFn:
    """
    The smallest share of ``learn()``'s time that ``algos`` spend collecting (env, inference, bookkeeping) in a profile.

    :param name: the stored profile
    :param algos: the algorithms' names in it
    """

    def fact(runs: Runs, results_dir: Path) -> str:
        entries = json.loads((results_dir / name).read_text())["algorithms"]
        shares = [sum(entries[algo]["parts"][part]["share"] for part in ("env", "inference", "bookkeeping")) for algo in algos]
        return f"{min(shares):.0%}"

    return fact


def profile_ms(name: str, algo: str, parts: Sequence[str]) -> FactFn:
    """
    Milliseconds per env step of some parts of ``learn()`` in a stored profile, summed.

    :param name: the stored profile
    :param algo: the algorithm's name in it
    :param parts: the parts (``PROFILE_PARTS``)
    """

    def fact(runs: Runs, results_dir: Path) -> str:
        entry = json.loads((results_dir / name).read_text())["algorithms"][algo]
        return MILLISECONDS(sum(entry["parts"][part]["us_per_step"] for part in parts))

    return fact


def learning_check_step(level: float) -> FactFn:
    """The step at which many_envs.json's learning check first evaluates at ``level`` or more."""

    def fact(runs: Runs, results_dir: Path) -> str:
        curve = json.loads((results_dir / "many_envs.json").read_text())["learning_check"]["curve"]
        return steps(next(step for step, value in curve if value >= level))

    return fact


def gpu_max_difference(runs: Runs, results_dir: Path) -> str:
    """The largest difference between devices over every algorithm of gpu_check.json (actions, values, log-probs)."""
    stored = json.loads((results_dir / "gpu_check.json").read_text())["algorithms"]
    return SCIENTIFIC(
        max(v for entry in stored.values() for device in entry["max_difference"].values() for v in device.values())
    )


def seconds_to_threshold(run: str, env: str, profile: tuple[str, Sequence[str]]) -> FactFn:
    """
    An estimate: a row's median steps to the threshold at a profile's rate, in seconds.

    :param run: the run name
    :param env: the env
    :param profile: (stored profile, path to the rate)
    """

    def fact(runs: Runs, results_dir: Path) -> str:
        firsts = [first_reaching(r["curve"], THRESHOLDS[env]) for r in run_group(runs, run, env)]
        reached = [step for step in firsts if step is not None]
        return f"{statistics.median(reached) / stored_value(results_dir, *profile):.1f}"

    return fact


RATIO = "{:.2f}x".format
KILO = lambda value: f"{value / 1000:.0f}k"  # noqa: E731
MINUTES_PER_1M = lambda value: f"{1e6 / value / 60:.1f}"  # noqa: E731  (from steps/s)
MILLISECONDS = lambda value: f"{value / 1000:.2f}"  # noqa: E731  (from microseconds)
SCIENTIFIC = lambda value: f"{value:.1e}".replace("e-0", "e-")  # noqa: E731
P_VALUE = "{:.2f}".format
PERCENT = lambda value: f"{100 * value:.0f}%"  # noqa: E731
FRESH, TRAINED = "variance_CartPole-v1_fresh.json", "variance_CartPole-v1_trained.json"
LL, AC, CP = "LunarLander-v3", "Acrobot-v1", "CartPole-v1"
HC, HOP, WALK = "HalfCheetah-v5", "Hopper-v5", "Walker2d-v5"
TD_PROFILE = ("profile_CartPole-v1_1env.json", ("algorithms", "TDActorCritic"))
# (fact name, h200_throughput_<file>_<device>.json, algorithm) of the throughput runs on the GPU machine
H200_PAIRS = (
    ("tnpg", "tnpg_zoo_HalfCheetah-v5", "TNPG"),
    ("reinforce", "reinforce", "Reinforce"),
    ("reinforce-baseline", "reinforce", "ReinforceBaseline"),
)


# The facts: key -> the function that writes its text (the key is what --check names)
def lowest_fall(zoo_names: Sequence[str], collapse_names: Sequence[str]) -> FactFn:
    """
    The lowest evaluation after solving CartPole-v1 (``collapse.falls``) over some runs of TDActorCritic, "none" if
    none fell.

    :param zoo_names: run names of ``run_zoo.py``'s runs
    :param collapse_names: run names of ``benchmarks/collapse.py``'s runs
    """

    def fact(runs: Runs, results_dir: Path) -> str:
        from collapse import falls

        group = [run for name in zoo_names for run in runs.get((name, CP), [])]
        for name in collapse_names:
            group += [json.loads(path.read_text()) for path in (results_dir / "collapse").glob(f"{name}_{CP}_*.json")]
        lowest = [value for run in group for _, value in falls(run["curve"])[1]]
        return number(min(lowest), 0) if lowest else "none"

    return fact


def final_above_fact(run: str | Sequence[str], env: str, level: float, score: Callable[[dict], float] = final_eval) -> FactFn:
    """
    How many seeds of a row (or of several rows pooled) end at or above ``level``: "X of Y".

    :param run: the run name, or several
    :param score: a run's end score: its final evaluation (default), or ``final_episodes_mean``
    """

    def fact(runs: Runs, results_dir: Path) -> str:
        group = [r for name in ((run,) if isinstance(run, str) else run) for r in run_group(runs, name, env)]
        return f"{sum(score(r) >= level for r in group)} of {len(group)}"

    return fact


def final_episodes_fact(run: str, env: str, seed: int) -> FactFn:
    """One seed's ``final_episodes_mean``."""

    def fact(runs: Runs, results_dir: Path) -> str:
        (stored,) = run_group(runs, run, env, (seed,))
        return number(final_episodes_mean(stored), 1)

    return fact


def same_curves_fact(run: str, original: str, env: str) -> FactFn:
    """How many seeds of ``run`` have exactly the evaluation curve of the same seed of ``original``: "X of Y"."""

    def fact(runs: Runs, results_dir: Path) -> str:
        group = run_group(runs, run, env)
        originals = {r["seed"]: r["curve"] for r in run_group(runs, original, env)}
        return f"{sum(r['curve'] == originals.get(r['seed']) for r in group)} of {len(group)}"

    return fact


def greedy_gap_fact(algo: str, key: str, after: int = 100_000, swing: float = 100.0) -> FactFn:
    """
    A statistic of the stored ``benchmarks/greedy_gap.py`` runs of ``algo`` on LunarLander-v3 (``greedy_and_sampled``
    over the evaluations from ``after`` on): for "greedy", "sampled", "entropy" or "ep_len_mean" its median [min, max]
    over the seeds; for "greedy_swings" or "sampled_swings" the swings of all seeds, "X of Y" consecutive pairs.
    """

    def fact(runs: Runs, results_dir: Path) -> str:
        paths = sorted((results_dir / "greedy_gap").glob(f"{algo}_LunarLander-v3_*.json"))
        stats = [greedy_and_sampled(json.loads(path.read_text())["rows"], after, swing) for path in paths]
        if key.endswith("_swings"):
            return f"{sum(s[key] for s in stats):.0f} of {sum(s['pairs'] for s in stats):.0f}"
        values = [s[key] for s in stats]
        digits = 2 if key == "entropy" else 0
        fmt = lambda value: number(value, digits)  # noqa: E731
        return f"{fmt(statistics.median(values))} [{fmt(min(values))}, {fmt(max(values))}]"

    return fact


# TNPG on LunarLander-v3 with 8 envs x 1024 steps, gamma 0.999, target_kl 0.03 and 1M steps
LL_1M_TUNE = "tnpg-tune-1M-e8ns1024-g0.999-kl0.03"
LL_1M_HELDOUT = "tnpg-heldout-1M-e8ns1024-g0.999-kl0.03"
# the same with target_kl from 0.03 linearly to 0 (fifth try)
LL_KLLIN_TUNE = "tnpg-tune-1M-e8ns1024-g0.999-kllin0.03"
LL_KLLIN_HELDOUT = "tnpg-heldout-1M-e8ns1024-g0.999-kllin0.03"
# 16 envs x 1024 steps (seventh try, tuning seeds only)
LL_E16_TUNE = "tnpg-tune-1M-e16ns1024-g0.999-kllin0.03"
# the fifth try's held-out seeds nearest the 200 line, re-run with a 100-episode evaluation of the final model
LL_KLLIN_FINAL100 = "tnpg-heldout-1M-e8ns1024-g0.999-kllin0.03-final100"
# and with an entropy bonus, ent_coef 0.01 (sixth try; tuning seeds only)
LL_ENT_TUNE = "tnpg-tune-1M-e8ns1024-g0.999-kllin0.03-ent0.01"
# the fifth try's setting with 2M steps (eighth try)
LL_2M_TUNE = "tnpg-tune-2M-e8ns1024-g0.999-kllin0.03"
LL_2M_HELDOUT = "tnpg-heldout-2M-e8ns1024-g0.999-kllin0.03"
# the shipped block since (the eighth try's setting) on held-out seeds no try had seen
LL_SHIPPED_HELDOUT = "tnpg-heldout3-2M-e8ns1024-g0.999-kllin0.03"
# and with target_kl decaying to a floor of 0.01 instead of 0 (ninth try; tuning seeds only)
LL_FLOOR_TUNE = "tnpg-tune-2M-e8ns1024-g0.999-kllin0.03-0.01"


def lunar_try_facts(prefix: str, run: str, final100: bool = False) -> dict[str, FactFn]:
    """
    The four facts of one LunarLander-v3 try of TNPG: ``<prefix>-reached-of``, ``-above-200`` (final evaluation),
    ``-final`` and ``-steps`` (to 200).

    :param final100: also ``-final100-above-200``, the seeds whose final model's 100-episode mean is at or above 200
        (runs of ``run_zoo.py --final-episodes 100``)
    """
    facts = {
        f"{prefix}-reached-of": run_fact(run, LL, "reached", "of"),
        f"{prefix}-above-200": final_above_fact(run, LL, 200),
        f"{prefix}-final": run_fact(run, LL, "final"),
        f"{prefix}-steps": run_fact(run, LL, "steps"),
    }
    if final100:
        facts[f"{prefix}-final100-above-200"] = final_above_fact(run, LL, 200, final_episodes_mean)
    return facts


def seconds_span_fact(run_names: Sequence[str], env: str) -> FactFn:
    """The wall time of the runs of several rows pooled, in whole minutes: "min-max" (run_zoo's ``seconds``)."""

    def fact(runs: Runs, results_dir: Path) -> str:
        minutes = [r["seconds"] / 60 for name in run_names for r in run_group(runs, name, env)]
        return f"{min(minutes):.0f}-{max(minutes):.0f}"

    return fact


def final_model_fact(run: str, env: str) -> FactFn:
    """A row's "final model, 100 episodes" cell (``final_model_cell``)."""

    def fact(runs: Runs, results_dir: Path) -> str:
        return final_model_cell(run_group(runs, run, env))

    return fact


FACTS: dict[str, FactFn] = {
    # A former runner's run name with a space: no run: key for it
    "acrobot-tdac-former-a2c-rlzoo-reached": run_fact("td_actor_critic:A2C (RL-Zoo)", AC, "reached"),
    # docs/td_actor_critic.md, falls after solving CartPole-v1
    "cartpole-tdac-adam-lowest-fall": lowest_fall(
        ("td_actor_critic", "td_actor_critic-speed", "td_actor_critic-heldout"), ("td_actor_critic-adam",)
    ),
    "cartpole-tdac-amsgrad-lowest-fall": lowest_fall(("td_actor_critic-heldout-amsgrad",), ("td_actor_critic-amsgrad",)),
    # README.md, CartPole-v1 and classic control
    "lunar-tnpg-vs-rlzoo-reached-p": fisher_fact("tnpg", "tnpg-rlzoo", LL),
    "lunar-tnpg-heldout-1M-above-200": final_above_fact("tnpg-heldout-1M", LL, 200),
    # MuJoCo (README.md, docs/tnpg.md, docs/reinforce_baseline.md)
    "halfcheetah-ppo-seeds": lambda runs, results_dir: str(len(run_group(runs, "ppo", HC))),
    "walker-ppo-seeds": lambda runs, results_dir: str(len(run_group(runs, "ppo", WALK))),
    # TNPG's MuJoCo tuning (seeds 0-1): the constant target_kl, its linear decay, twice it
    **{
        f"{slug}-tnpg-tune{suffix}-final-median": run_fact(f"tnpg-tune{tag}", env, "final", "median", 0)
        for slug, env in (("halfcheetah", HC), ("walker", WALK))
        for suffix, tag in (("", ""), ("-kllin", f"-kllin{TNPG_TUNED_KL[env]}"), ("-kl2x", f"-kl{double(TNPG_TUNED_KL[env])}"))
    },
    "mujoco-tnpg-final-at-or-above-trpo": at_or_above_fact("tnpg", "trpo", MUJOCO_ENVS),
    "mujoco-tnpg-shipped-final-at-or-above-trpo": at_or_above_fact(tnpg_shipped, "trpo", MUJOCO_ENVS),
    **{  # the MuJoCo tuning runs (seed 0): "reinforce_baseline-tune-ep8-HalfCheetah-v5-final"
        f"{run}-{env}-final": run_fact(run, env, "final", "median", 1 if run.endswith("ep8") and env == HC else 0)
        for env in (HC, HOP)
        for run in (
            "reinforce_baseline-tune-ep8",
            "reinforce_baseline-tune-ns4k-c80",
            "reinforce_baseline-tune-ns4k-c80-lr1e-3",
            "reinforce_baseline-tune-ns4k-c80-lr3e-3",
            "reinforce-tune-ns4k-lr1e-3",
            "reinforce-tune-ns4k-lr3e-3",
        )
    },
    # docs/tnpg.md
    "lunar-tnpg-vs-rlzoo-curve-mean-p": mann_whitney_fact("tnpg", "tnpg-rlzoo", LL, "curve_mean"),
    "lunar-tnpg-vs-rlzoo-final-p": mann_whitney_fact("tnpg", "tnpg-rlzoo", LL, "final"),
    "lunar-tnpg-median-curve-155k-185k": curve_fact("tnpg", LL, 155_000, 185_000, "range"),
    "lunar-tnpg-median-curve-last-3": curve_fact("tnpg", LL, 190_000, 200_000, "range"),
    "lunar-1M-e8-tune-above-200": final_above_fact(LL_1M_TUNE, LL, 200),
    "lunar-1M-e8-heldout-above-200": final_above_fact(LL_1M_HELDOUT, LL, 200),
    **lunar_try_facts("lunar-kllin-tune", LL_KLLIN_TUNE),
    **lunar_try_facts("lunar-kllin-heldout", LL_KLLIN_HELDOUT),
    **lunar_try_facts("lunar-ent-tune", LL_ENT_TUNE),
    **lunar_try_facts("lunar-e16-tune", LL_E16_TUNE),
    **lunar_try_facts("lunar-2M-tune", LL_2M_TUNE, final100=True),
    **lunar_try_facts("lunar-2M-heldout", LL_2M_HELDOUT, final100=True),
    "lunar-2M-heldout-final100": final_model_fact(LL_2M_HELDOUT, LL),
    **lunar_try_facts("lunar-shipped-heldout", LL_SHIPPED_HELDOUT, final100=True),
    "lunar-shipped-heldout-final100": final_model_fact(LL_SHIPPED_HELDOUT, LL),
    # the shipped block over all twenty held-out seeds (45-64)
    "lunar-shipped-heldout20-minutes": seconds_span_fact((LL_2M_HELDOUT, LL_SHIPPED_HELDOUT), LL),
    "lunar-shipped-heldout20-reached-of": pooled_reached((LL_2M_HELDOUT, LL_SHIPPED_HELDOUT), LL),
    "lunar-shipped-heldout20-above-200": final_above_fact((LL_2M_HELDOUT, LL_SHIPPED_HELDOUT), LL, 200),
    "lunar-shipped-heldout20-final100-above-200": final_above_fact(
        (LL_2M_HELDOUT, LL_SHIPPED_HELDOUT), LL, 200, final_episodes_mean
    ),
    **lunar_try_facts("lunar-floor-tune", LL_FLOOR_TUNE, final100=True),
    **{f"lunar-floor-tune-seed{seed}-final100": final_episodes_fact(LL_FLOOR_TUNE, LL, seed) for seed in (1, 6)},
    **{f"lunar-2M-tune-seed{seed}-final100": final_episodes_fact(LL_2M_TUNE, LL, seed) for seed in (1, 6)},
    **{f"lunar-2M-heldout-seed{seed}-final100": final_episodes_fact(LL_2M_HELDOUT, LL, seed) for seed in (46, 50, 53)},
    **{f"lunar-2M-heldout-seed{seed}-final": run_fact(LL_2M_HELDOUT, LL, "final", seeds=(seed,)) for seed in (46, 50, 53)},
    "lunar-kllin-final100-same-curves": same_curves_fact(LL_KLLIN_FINAL100, LL_KLLIN_HELDOUT, LL),
    "lunar-kllin-final100-above-200": final_above_fact(LL_KLLIN_FINAL100, LL, 200, final_episodes_mean),
    "lunar-kllin-final100-final-above-200": final_above_fact(LL_KLLIN_FINAL100, LL, 200),
    **{f"lunar-kllin-final100-seed{seed}": final_episodes_fact(LL_KLLIN_FINAL100, LL, seed) for seed in (36, 37, 38, 42)},
    **{
        f"lunar-kllin-heldout-seed{seed}-final": run_fact(LL_KLLIN_HELDOUT, LL, "final", seeds=(seed,))
        for seed in (36, 37, 38, 42)
    },
    **{
        f"lunar-gap-{algo}-{key.replace('_', '-')}": greedy_gap_fact(algo, key)
        for algo in ("tnpg", "trpo")
        for key in ("greedy", "sampled", "greedy_swings", "sampled_swings", "entropy", "ep_len_mean")
    },
    "lunar-tnpg-1M-vs-ppo-final-p": mann_whitney_fact("tnpg-1M", "ppo", LL, "final", "two-sided"),
    "lunar-tnpg-1M-median-curve-band": curve_fact("tnpg-1M", LL, 200_000, 900_000, "band"),
    "lunar-tnpg-1M-median-curve-extremes": curve_fact("tnpg-1M", LL, 200_000, 900_000, "extremes"),
    "lunar-ppo-median-curve-first-200": first_median_step("ppo", LL, 200),
    # throughput and profiles (docs/tnpg.md, docs/td_actor_critic.md, docs/speed.md)
    "throughput-tnpg-pendulum-ratio": stored_fact(
        "throughput_tnpg.json", ("algorithms", "TNPG", "ratio_to_counterpart"), RATIO
    ),
    "throughput-tnpg-halfcheetah-ratio": stored_fact(
        "throughput_tnpg_zoo_HalfCheetah-v5.json", ("algorithms", "TNPG", "ratio_to_counterpart"), RATIO
    ),
    "throughput-tnpg-halfcheetah-rate": stored_fact(
        "throughput_tnpg_zoo_HalfCheetah-v5.json", ("algorithms", "TNPG", "median_steps_per_s"), rate
    ),
    "throughput-trpo-halfcheetah-rate": stored_fact(
        "throughput_tnpg_zoo_HalfCheetah-v5.json", ("algorithms", "TRPO", "median_steps_per_s"), rate
    ),
    "throughput-tnpg-halfcheetah-minutes": stored_fact(
        "throughput_tnpg_zoo_HalfCheetah-v5.json", ("algorithms", "TNPG", "median_steps_per_s"), MINUTES_PER_1M
    ),
    "throughput-trpo-halfcheetah-minutes": stored_fact(
        "throughput_tnpg_zoo_HalfCheetah-v5.json", ("algorithms", "TRPO", "median_steps_per_s"), MINUTES_PER_1M
    ),
    "throughput-tnpg-pendulum-update-ratio": stored_fact(
        "throughput_tnpg.json", ("algorithms", "TNPG", "update_time_ratio_to_counterpart"), RATIO
    ),
    "throughput-tnpg-halfcheetah-update-ratio": stored_fact(
        "throughput_tnpg_zoo_HalfCheetah-v5.json", ("algorithms", "TNPG", "update_time_ratio_to_counterpart"), RATIO
    ),
    "throughput-tdac-1env-ratio": stored_fact(
        "throughput_td_actor_critic.json", ("algorithms", "TDActorCritic", "ratio_to_counterpart"), RATIO
    ),
    "throughput-tdac-8envs-ratio": stored_fact(
        "throughput_td_actor_critic_8envs.json", ("algorithms", "TDActorCritic", "ratio_to_counterpart"), RATIO
    ),
    "throughput-reinforce-collection-ratio": ratio_fact(
        ("throughput.json", ("collection_only_steps_per_s",)),
        ("throughput.json", ("algorithms", "A2C", "median_steps_per_s")),
        RATIO,
    ),
    "profile-ours-fraction": profile_fractions(("Reinforce", "ReinforceBaseline", "TNPG")),
    "profile-tdac-1env-fraction": stored_fact(TD_PROFILE[0], (*TD_PROFILE[1], "ratio_to_ceiling"), "{:.2f}".format),
    "profile-tdac-8envs-fraction": stored_fact(
        "profile_CartPole-v1_8envs.json", ("algorithms", "TDActorCritic", "ratio_to_ceiling"), "{:.2f}".format
    ),
    "profile-a2c-fraction": profile_fractions(("A2C (gae_lambda=1)", "A2C (n_steps=1)")),
    "profile-trpo-fraction": profile_fractions(("TRPO",)),
    "profile-reinforce-collection-share": collection_share(
        "profile_CartPole-v1_8envs.json", ("Reinforce", "ReinforceBaseline")
    ),
    "profile-tdac-1env-collect-ms": profile_ms(TD_PROFILE[0], "TDActorCritic", ("env", "inference")),
    "profile-tdac-1env-update-ms": stored_fact(
        TD_PROFILE[0], (*TD_PROFILE[1], "parts", "update", "us_per_step"), MILLISECONDS
    ),
    "profile-tdac-1env-update-floor-ms": stored_fact(
        TD_PROFILE[0], (*TD_PROFILE[1], "parts", "update", "floor_us_per_step"), MILLISECONDS
    ),
    "profile-tdac-1env-ceiling": stored_fact(TD_PROFILE[0], (*TD_PROFILE[1], "ceiling_steps_per_s"), rate),
    "profile-tdac-1env-ceiling-vs-a2c": ratio_fact(
        (TD_PROFILE[0], (*TD_PROFILE[1], "ceiling_steps_per_s")),
        ("throughput_td_actor_critic.json", ("algorithms", "A2C", "median_steps_per_s")),
        RATIO,
    ),
    "profile-reinforce-1env-rate": stored_fact(
        "profile_CartPole-v1_1env.json", ("algorithms", "Reinforce", "steps_per_s"), rate
    ),
    "cartpole-reinforce-steps-median": run_fact("reinforce", CP, "steps", "median"),
    "cartpole-reinforce-seconds-1env": seconds_to_threshold(
        "reinforce", CP, ("profile_CartPole-v1_1env.json", ("algorithms", "Reinforce", "steps_per_s"))
    ),
    # docs/speed.md: the runs after the speed work, many envs
    "cartpole-tdac-speed-reached": run_fact("td_actor_critic-speed", CP, "reached"),
    "cartpole-tnpg-speed-reached": run_fact("tnpg-speed", CP, "reached"),
    "cartpole-tdac-speed-final-median": run_fact("td_actor_critic-speed", CP, "final", "median"),
    "cartpole-tnpg-speed-final-median": run_fact("tnpg-speed", CP, "final", "median"),
    **{
        f"many-envs-{n}-{kind}-{column}": stored_fact(name, ("results", n, kind, key), fmt)
        for name, n, kind, column, key, fmt in (
            ("many_envs.json", "64", "gymnasium", "ratio", "ratio_to_dummy", RATIO),
            ("many_envs.json", "256", "gymnasium", "ratio", "ratio_to_dummy", RATIO),
            ("many_envs.json", "256", "gymnasium", "rate", "median_steps_per_s", KILO),
            ("many_envs_with_envpool_loaded.json", "256", "envpool", "loaded-rate", "median_steps_per_s", KILO),
            ("many_envs_with_envpool_loaded.json", "256", "gymnasium", "loaded-rate", "median_steps_per_s", KILO),
            ("many_envs_with_envpool_loaded.json", "64", "envpool", "loaded-rate", "median_steps_per_s", KILO),
            ("many_envs_with_envpool_loaded.json", "64", "gymnasium", "loaded-rate", "median_steps_per_s", KILO),
        )
    },
    "many-envs-envpool-load": stored_fact(
        "many_envs_with_envpool_loaded.json", ("machine", "load_average_1min"), "{:.1f}".format
    ),
    **{
        f"many-envs-{n}-kept-ratio": ratio_fact(
            ("many_envs.json", ("results", n, "gymnasium", "median_kept_steps_per_s")),
            ("many_envs.json", ("results", "8", "dummy", "median_kept_steps_per_s")),
            RATIO,
        )
        for n in ("64", "256")
    },
    "many-envs-learning-475": stored_fact("many_envs.json", ("learning_check", "first_step_reaching_475"), steps),
    "many-envs-learning-475-seconds": stored_fact("many_envs.json", ("learning_check", "wall_s_to_475"), "{:.1f}".format),
    "many-envs-learning-500": learning_check_step(500),
    "many-envs-learning-last": lambda runs, results_dir: number(
        json.loads((results_dir / "many_envs.json").read_text())["learning_check"]["curve"][-1][1], 0
    ),
    # docs/reinforce.md
    "acrobot-rb-shipped-pooled-reached": pooled_reached(
        ("reinforce_baseline", "reinforce_baseline-tune", "reinforce_baseline-heldout"), AC
    ),
    "pendulum-random-mean": lambda runs, results_dir: number(
        random_scores(results_dir / Path(RANDOM_SCORES).name)["Pendulum-v1"]["mean"], 0
    ),
    "pendulum-rb-example-best-max": lambda runs, results_dir: number(
        max(
            max(value for _, value in run["curve"])
            for (name, env), group in runs.items()
            if env == "Pendulum-v1" and name.startswith("reinforce_baseline-example")
            for run in group
        ),
        0,
    ),
    **{
        f"acrobot-init-{name}-{kind}": stored_fact(
            "initial_policy_Acrobot-v1.json", ("inits", init, f"mean_success_{kind}"), PERCENT
        )
        for name, init in (("ortho", "ortho_init=True (default)"), ("noortho", "ortho_init=False"))
        for kind in ("stochastic", "greedy")
    },
    # docs/td_actor_critic.md
    # GPU (docs/tnpg.md)
    "gpu-tnpg-cpu-rate": stored_fact("gpu_check_alone.json", ("tnpg_halfcheetah_steps_per_s", "cpu"), "{:.0f}".format),
    "gpu-tnpg-cuda-rate": stored_fact("gpu_check_alone.json", ("tnpg_halfcheetah_steps_per_s", "cuda"), "{:.0f}".format),
    "gpu-tnpg-cuda-ratio": stored_fact("gpu_check_alone.json", ("tnpg_halfcheetah_steps_per_s", "cuda/cpu"), RATIO),
    "gpu-tnpg-cpu-difference": stored_fact(
        "gpu_check_alone.json", ("tnpg_halfcheetah_across_devices", "max_difference", "cpu", "log_prob"), SCIENTIFIC
    ),
    "gpu-all-max-difference": gpu_max_difference,
    # ours against SB3's counterparts, on the H200 machine's CPU and on its GPU (docs/speed.md)
    **{
        f"h200-{name}-{device}-ratio": stored_fact(
            f"h200_throughput_{file}_{device}.json", ("algorithms", algo, "ratio_to_counterpart"), RATIO
        )
        for name, file, algo in H200_PAIRS
        for device in ("cpu", "cuda")
    },
    **{
        f"h200-{name}-cuda-over-cpu": ratio_fact(
            (f"h200_throughput_{file}_cuda.json", ("algorithms", algo, "median_steps_per_s")),
            (f"h200_throughput_{file}_cpu.json", ("algorithms", algo, "median_steps_per_s")),
            RATIO,
        )
        for name, file, algo in H200_PAIRS
    },
    # docs/results.md
    "cartpole-normalised-500": normalised_fact(CP, 500.0),
    # variance of the gradient estimators (README.md, docs/understanding_policy_gradients.md)
    "variance-fresh-episode-ratio": stored_fact(FRESH, ("results", "episode return", "variance_ratio"), "{:.1f}".format),
    "variance-fresh-value-ratio": stored_fact(FRESH, ("results", "value baseline", "variance_ratio"), "{:.2f}".format),
    "variance-fresh-optimal-divides": lambda runs, results_dir: "{:.1f}".format(
        1 / stored_value(results_dir, FRESH, ("results", "optimal constant baseline", "variance_ratio"))
    ),
    "variance-fresh-value-divides": lambda runs, results_dir: "{:.1f}".format(
        1 / stored_value(results_dir, FRESH, ("results", "value baseline", "variance_ratio"))
    ),
    "variance-fresh-episode-snr": stored_fact(FRESH, ("results", "episode return", "snr"), "{:.2f}".format),
    "variance-fresh-value-snr": stored_fact(FRESH, ("results", "value baseline", "snr"), "{:.1f}".format),
    "variance-fresh-td-p": stored_fact(FRESH, ("results", "TD error", "p_value"), P_VALUE),
    "variance-trained-episode-ratio": stored_fact(TRAINED, ("results", "episode return", "variance_ratio"), "{:.1f}".format),
    "variance-trained-constant-ratio": stored_fact(
        TRAINED, ("results", "optimal constant baseline", "variance_ratio"), "{:.2f}".format
    ),
    "variance-trained-value-ratio": stored_fact(TRAINED, ("results", "value baseline", "variance_ratio"), "{:.2f}".format),
    "variance-trained-td-ratio": stored_fact(TRAINED, ("results", "TD error", "variance_ratio"), "{:.3f}".format),
    "variance-trained-episode-snr": stored_fact(TRAINED, ("results", "episode return", "snr"), "{:.2f}".format),
    "variance-trained-rtg-snr": stored_fact(TRAINED, ("results", "reward-to-go", "snr"), "{:.2f}".format),
    "variance-trained-constant-snr": stored_fact(TRAINED, ("results", "optimal constant baseline", "snr"), "{:.2f}".format),
    "variance-trained-td-snr": stored_fact(TRAINED, ("results", "TD error", "snr"), "{:.1f}".format),
    "variance-trained-td-mean-difference": stored_fact(
        TRAINED, ("results", "TD error", "relative_mean_difference"), "{:.2f}".format
    ),
    "variance-trained-td-p": stored_fact(TRAINED, ("results", "TD error", "p_value"), P_VALUE),
}


def fact_texts(runs: Runs, results_dir: Path, used: Iterable[str] = ()) -> dict[str, str]:
    """
    Every fact's text: ``{key: text}``, those of ``FACTS`` and those of the ``run:...`` keys in ``used``.

    :param runs: the stored runs
    :param results_dir: the folder of the stored measurement files
    :param used: the keys the pages use
    """
    facts = dict(FACTS)
    facts |= {key: fact for key in used if key not in facts and (fact := keyed_fact(key)) is not None}
    texts = {}
    for key, fact in facts.items():
        try:
            texts[key] = fact(runs, results_dir)
        except (ValueError, KeyError, StopIteration, FileNotFoundError) as error:
            raise ValueError(f"fact {key}: {error!r}") from error
    return texts


def update_facts(text: str, path: str, texts: dict[str, str]) -> str:
    """
    ``text`` with every fact span of ``path`` rewritten from the stored runs.

    :param text: the file's text
    :param path: its path relative to the root (for errors)
    :param texts: every fact's text (``fact_texts``)
    """
    unknown = sorted({match["key"] for match in FACT.finditer(text)} - set(texts))
    if unknown:
        raise ValueError(f"{path}: no fact is defined for the keys {unknown} (report_facts.py's FACTS)")
    return FACT.sub(lambda match: f"<!-- fact:{match['key']} -->{texts[match['key']]}<!-- /fact -->", text)


def fact_differences(old: str, new: str) -> list[str]:
    """
    The facts that differ between two versions of a file, one line each: ``KEY: 'old' -> 'new'``.

    :param old: the file as it is
    :param new: the file as the stored runs give it
    """
    pairs = zip(FACT.finditer(old), FACT.finditer(new))
    return [f"{a['key']}: {a['body']!r} -> {b['body']!r}" for a, b in pairs if a["body"] != b["body"]]
