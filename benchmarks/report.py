"""
Results report: every results table in README.md and docs/*.md that the stored runs of ``benchmarks/run_zoo.py``
(``benchmarks/results/zoo/<algo>[-<tag>]_<env>_<seed>.json``) can give is written from them, between markers

    <!-- results:NAME -->
    ...table written by this script...
    <!-- /results -->

so that no result number in those tables is typed by hand. The tables are data (``TABLES`` below: file, marker,
env, rows of (label, run name)); adding one is one line. Each row has run_zoo's summary (``summarize``, over the
seeds: median [min, max]) and the interquartile mean (IQM) of the seeds' final evaluations with its 95%
stratified-bootstrap confidence interval (rliable; the bootstrap is seeded, so the output is deterministic).

docs/results.md gets the across-env summaries: scores normalised per env (a uniform random policy = 0, the env's
threshold = 1; reference scores in ``benchmarks/results/random_scores.json``), their IQM with 95% CIs per algorithm,
performance profiles, and the probability of improvement of each of our algorithms over its SB3 / sb3-contrib
counterpart (figures ``docs/results_*.png``).

    pip install -e ".[docs]"                 # rliable, matplotlib
    python benchmarks/report.py              # rewrite the tables and draw the figures
    python benchmarks/report.py --check      # exit 1, naming file and marker, where a table differs from the runs
    python benchmarks/report.py --print      # print every table, MuJoCo ones included, and change nothing
    python benchmarks/report.py --random-scores   # measure the random policy's scores once (needs box2d)
"""

from __future__ import annotations

import argparse
import difflib
import json
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run_zoo import THRESHOLDS, summarize

ROOT = Path(__file__).resolve().parent.parent
RUNS_DIR = "benchmarks/results/zoo"
RANDOM_SCORES = "benchmarks/results/random_scores.json"
RANDOM_SCORES_COMMAND = "python benchmarks/report.py --random-scores"
# rliable's bootstrap: a fixed number of resamples, and numpy's global generator (which rliable draws from) seeded
# afresh before every estimate, so each number depends only on its own runs
BOOTSTRAP_REPS = 2000
_reps = BOOTSTRAP_REPS  # the resamples in use (--reps)
BOOTSTRAP_SEED = 0

CLASSIC_ENVS = ("CartPole-v1", "Acrobot-v1", "Pendulum-v1", "MountainCarContinuous-v0", "LunarLander-v3")
MUJOCO_ENVS = ("HalfCheetah-v5", "Hopper-v5", "Walker2d-v5")
NAMES = {
    "reinforce": "Reinforce",
    "reinforce_baseline": "ReinforceBaseline",
    "td_actor_critic": "TDActorCritic",
    "tnpg": "TNPG",
    "a2c": "A2C",
    "ppo": "PPO",
    "trpo": "TRPO",
}

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
    "steps_per_s": "steps/s",
    "s_per_update": "s/update",
}
# Former runners' files (benchmarks/results/): their runs join the stored runs under "<former runner>:<algorithm>"
FORMER_RUNS = ("cartpole_curves.json", "tnpg_*.json", "td_actor_critic_*.json")
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


TABLES: tuple[Table, ...] = (
    Table(
        "README.md",
        "CartPole-v1",
        "CartPole-v1",
        (
            ("**Reinforce**, held-out seeds {seeds}", "reinforce-heldout"),
            ("Reinforce, tuning seeds {seeds} (8 episodes/update, lr linear from 3e-3)", "reinforce"),
            ("**ReinforceBaseline**, held-out seeds {seeds}", "reinforce_baseline-heldout"),
            ("ReinforceBaseline, tuning seeds {seeds} (same, critic 1e-2)", "reinforce_baseline"),
            ("**TDActorCritic**, held-out seeds {seeds}", "td_actor_critic-heldout"),
            ("TDActorCritic, tuning seeds {seeds} (8 envs, actor 5e-4, critic 2e-3)", "td_actor_critic"),
            ("**TNPG**, held-out seeds {seeds}", "tnpg-heldout"),
            ("TNPG, tuning seeds {seeds} (RL-Zoo's TRPO settings, cg_damping 0.1)", "tnpg"),
            ("A2C (SB3), RL-Zoo's config, seeds {seeds}", "a2c"),
            ("PPO (SB3), RL-Zoo's config, seeds {seeds}", "ppo"),
            ("TRPO (sb3-contrib), RL-Zoo's config, seeds {seeds}", "trpo"),
        ),
        README_COLUMNS,
        "algorithm (config)",
    ),
    Table(
        "README.md",
        "classic-control",
        None,
        (
            ("**ReinforceBaseline**, held-out seeds {seeds}", "reinforce_baseline-heldout", "Acrobot-v1"),
            ("ReinforceBaseline (2 episodes/update), tuning seeds {seeds}", "reinforce_baseline", "Acrobot-v1"),
            ("**TDActorCritic**, held-out seeds {seeds}", "td_actor_critic-heldout", "Acrobot-v1"),
            ("TDActorCritic, tuning seeds {seeds}", "td_actor_critic", "Acrobot-v1"),
            ("**TNPG**, held-out seeds {seeds}", "tnpg-heldout", "Acrobot-v1"),
            ("TNPG, tuning seeds {seeds}", "tnpg", "Acrobot-v1"),
            ("TRPO (sb3-contrib)", "trpo", "Acrobot-v1"),
            ("A2C (SB3, 16 envs)", "a2c", "Acrobot-v1"),
            ("PPO (SB3, 16 envs)", "ppo", "Acrobot-v1"),
            ("TNPG", "tnpg", "Pendulum-v1"),
            ("TRPO (sb3-contrib)", "trpo", "Pendulum-v1"),
            ("PPO (SB3)", "ppo", "Pendulum-v1"),
            ("A2C (SB3, 8 envs)", "a2c", "Pendulum-v1"),
            ("TNPG", "tnpg", "MountainCarContinuous-v0"),
            ("TRPO (sb3-contrib)", "trpo", "MountainCarContinuous-v0"),
            ("PPO (SB3)", "ppo", "MountainCarContinuous-v0"),
            ("A2C (SB3)", "a2c", "MountainCarContinuous-v0"),
            ("TNPG (critic Adam 3e-3 x 30 epochs)", "tnpg", "LunarLander-v3"),
            ("TNPG, RL-Zoo's TRPO settings (critic 1e-3 x 15)", "tnpg-rlzoo", "LunarLander-v3"),
            ("TRPO (sb3-contrib)", "trpo", "LunarLander-v3"),
            ("A2C (SB3, 8 envs)", "a2c", "LunarLander-v3"),
            ("PPO (SB3, 16 envs)", "ppo", "LunarLander-v3"),
            ("TNPG (shipped config, PPO's budget)", "tnpg-1M", "LunarLander-v3"),
        ),
        README_COLUMNS,
        "algorithm",
    ),
    Table(
        "docs/reinforce.md",
        "CartPole-v1",
        "CartPole-v1",
        (
            ("Reinforce, shipped: 8 episodes/update, learning rate linear from 3e-3 to 0", "reinforce"),
            ("Reinforce, 8 episodes, constant 2e-3", "reinforce-ep8-lr2e-3"),
            ("Reinforce, 4 episodes, constant 2e-3 (seeds 0-2)", "reinforce-ep4-lr2e-3"),
            ("ReinforceBaseline, shipped: 8 episodes, linear from 3e-3, critic 1e-2", "reinforce_baseline"),
            ("ReinforceBaseline, 4 episodes, constant 5e-3, critic 1e-2", "reinforce_baseline-ep4-lr5e-3"),
        ),
    ),
    Table(
        "docs/reinforce.md",
        "Acrobot-v1",
        "Acrobot-v1",
        (
            ("**shipped, held-out seeds {seeds}** (`--tag heldout`)", "reinforce_baseline-heldout"),
            ("shipped: 2 episodes/update, Adam 3e-3, critic 1e-2 (200k), tuning seeds {seeds}", "reinforce_baseline"),
            (
                "the same + TimeFeatureWrapper (`env_wrapper`), held-out seeds {seeds}",
                "reinforce_baseline-heldout-timefeature",
            ),
            ("the same + TimeFeatureWrapper, tuning seeds {seeds}", "reinforce_baseline-timefeature"),
            ("2 episodes, 3e-3, critic 1e-2 (150k, the sweep's row)", "reinforce_baseline-ep2-lr3e-3"),
            ("8 episodes, 1e-3, critic 3e-3 (the first config; seed 0, 500k)", "reinforce_baseline-ep8-lr1e-3"),
            ("8 episodes + observation/reward normalisation (`normalize: true`)", "reinforce_baseline-norm"),
            ("4 episodes, linear 3e-3, normalisation", "reinforce_baseline-norm-ep4-lin3e-3"),
            ("8 episodes, `normalize_advantage=True`", "reinforce_baseline-nadv"),
            ("4 episodes, 3e-3, `normalize_advantage=True`", "reinforce_baseline-ep4-lr3e-3-nadv"),
            ("8 episodes, `ent_coef=0.01`", "reinforce_baseline-ent0.01"),
        ),
    ),
    Table(
        "docs/tnpg.md",
        "CartPole-v1",
        "CartPole-v1",
        (
            ("shipped: RL-Zoo's TRPO settings with `cg_damping=0.1`", "tnpg"),
            ("RL-Zoo's TRPO settings (`cg_damping=0.001`)", "tnpg-damping0.001"),
        ),
    ),
    Table(
        "docs/tnpg.md",
        "LunarLander-v3",
        "LunarLander-v3",
        (
            ("**TNPG, shipped**: RL-Zoo's TRPO settings, critic Adam `3e-3` x 30 epochs", "tnpg"),
            ("TNPG, shipped, held-out seeds 10-14, after the unit-gradient solve (`--tag heldout`)", "tnpg-heldout"),
            ("TRPO (sb3-contrib), RL-Zoo's config, held-out seeds 10-14 (`--tag heldout`)", "trpo-heldout"),
            ("TNPG, RL-Zoo's TRPO settings (critic `1e-3` x 15)", "tnpg-rlzoo"),
            ("TRPO (sb3-contrib), RL-Zoo's config", "trpo"),
            ("A2C (SB3), RL-Zoo's config", "a2c"),
            ("PPO (SB3), RL-Zoo's config, **1M steps**", "ppo"),
            ("TNPG, shipped, **1M steps** (`-n 1000000 --tag 1M`)", "tnpg-1M"),
            ("TNPG, `n_steps=1024`, `target_kl=0.03` (seeds 0-4)", "tnpg-ns1024-kl0.03"),
            ("TNPG, the same + critic `3e-3` x 30 (seeds 0-4)", "tnpg-ns1024-kl0.03-crit3e-3x30"),
            ("TNPG, `gae_lambda=0.95` (seeds 0-2)", "tnpg-gl0.95"),
            ("TNPG, critic `vf=[256, 256]`", "tnpg-vf256"),
            ("TNPG, `n_steps=256`", "tnpg-ns256"),
            ("TNPG, 8 envs x 128 steps, `target_kl=0.02`", "tnpg-e8x128-kl0.02"),
            ("TNPG, `target_kl=0.02`", "tnpg-kl0.02"),
            ("TNPG, `target_kl=0.05`", "tnpg-kl0.05"),
            ("TNPG, `target_kl=0.1`", "tnpg-kl0.1"),
            ("TNPG, `target_kl=0.05`, `gamma=0.999`", "tnpg-kl0.05-g0.999"),
            ("TNPG, `normalize: true`, `target_kl=0.02`", "tnpg-norm-kl0.02"),
            ("TNPG, 4 envs x 1024 steps, `target_kl=0.05`", "tnpg-n4x1024-kl0.05"),
        ),
    ),
    *(
        Table(
            "README.md",
            env,
            env,
            (
                ("TNPG (sb3-pg), shipped config", "tnpg"),
                ("TRPO (sb3-contrib), RL-Zoo's config", "trpo"),
                ("PPO (SB3), RL-Zoo's config", "ppo"),
                ("ReinforceBaseline (sb3-pg), shipped config", "reinforce_baseline"),
                ("Reinforce (sb3-pg, no critic), shipped config", "reinforce"),
            ),
            MUJOCO_COLUMNS,
            placeholder=True,
        )
        for env in MUJOCO_ENVS
    ),
    # The former runners' stored files (load_former_runs)
    Table(
        "docs/reinforce.md",
        "learning-curves",
        "CartPole-v1",
        (
            ("Reinforce (`n_episodes=4`, Adam 5e-3, 1 env)", "learning_curves:Reinforce"),
            ("ReinforceBaseline (same, `critic_learning_rate=1e-2`)", "learning_curves:ReinforceBaseline"),
            ("A2C with RL-Zoo's settings (8 envs)", "learning_curves:A2C (RL-Zoo)"),
        ),
        label_header="algorithm",
    ),
    Table(
        "docs/td_actor_critic.md",
        "former-runner",
        None,
        tuple(
            (label, f"td_actor_critic:{algo}", env)
            for env in ("CartPole-v1", "Acrobot-v1")
            for label, algo in (
                ("TDActorCritic (5e-4 / 2e-3)", "TDActorCritic"),
                ("A2C n_steps=1", "A2C (n_steps=1)"),
                ("A2C RL-Zoo", "A2C (RL-Zoo)"),
            )
        ),
        ("reached", "steps", "final", "max", "curve_mean", "steps_per_s"),
        "algorithm",
    ),
    Table(
        "docs/tnpg.md",
        "former-runner",
        None,
        tuple(
            (algo, f"tnpg:{algo}", env)
            for env in ("CartPole-v1", "Pendulum-v1", "Acrobot-v1", "LunarLander-v3")
            for algo in ("TNPG", "TRPO")
        ),
        ("reached", "steps", "final", "max", "curve_mean", "steps_per_s", "s_per_update"),
        "algorithm",
    ),
    # docs/speed.md: the shipped CartPole-v1 configs before the speed work (the stored runs) and after (--tag speed)
    Table(
        "docs/speed.md",
        "unchanged",
        "CartPole-v1",
        tuple(
            row
            for algo in ("reinforce", "reinforce_baseline", "td_actor_critic", "tnpg")
            for row in (
                (f"{NAMES[algo]}, stored runs (before), seeds {{seeds}}", algo),
                (f"{NAMES[algo]}, after (`--tag speed`), seeds {{seeds}}", f"{algo}-speed"),
            )
        ),
        placeholder=True,
    ),
    # MuJoCo, docs/reinforce_baseline.md: the shipped configs on the reported seeds, then the tuning sweep (seed 0)
    *(
        Table(
            "docs/reinforce_baseline.md",
            env,
            env,
            (
                ("**ReinforceBaseline, shipped**, seeds {seeds}", "reinforce_baseline"),
                ("**Reinforce (no critic), shipped**, seeds {seeds}", "reinforce"),
                ("TNPG, shipped, seeds {seeds}", "tnpg"),
                ("TRPO (sb3-contrib), RL-Zoo's config, seeds {seeds}", "trpo"),
                (
                    "tuning: ReinforceBaseline, 8 episodes/update, Adam 3e-4, critic 5 steps (the first block)",
                    "reinforce_baseline-tune-ep8",
                ),
                (
                    "tuning: ReinforceBaseline, 4000 steps/update, Adam 3e-4, critic 80 steps",
                    "reinforce_baseline-tune-ns4k-c80",
                ),
                ("tuning: the same, Adam 1e-3", "reinforce_baseline-tune-ns4k-c80-lr1e-3"),
                ("tuning: the same, Adam 3e-3 (shipped)", "reinforce_baseline-tune-ns4k-c80-lr3e-3"),
                ("tuning: Reinforce, 4000 steps/update, Adam 1e-3", "reinforce-tune-ns4k-lr1e-3"),
                ("tuning: Reinforce, the same, Adam 3e-3 (shipped)", "reinforce-tune-ns4k-lr3e-3"),
            ),
            ("budget", "final", "max", "curve_mean", "iqm"),
            placeholder=True,
        )
        for env in MUJOCO_ENVS
    ),
    # MuJoCo: written once a <!-- results:ENV --> marker is in docs/tnpg.md, with the rows that have stored runs
    *(
        Table(
            "docs/tnpg.md",
            env,
            env,
            (("TNPG, shipped config", "tnpg"), ("TRPO (sb3-contrib), RL-Zoo's config", "trpo")),
            MUJOCO_COLUMNS,
            placeholder=True,
        )
        for env in MUJOCO_ENVS
    ),
)


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
    Aggregate("classic", "the five classic-control envs", CLASSIC_ENVS),
    Aggregate("cartpole-acrobot", "CartPole-v1 and Acrobot-v1", ("CartPole-v1", "Acrobot-v1")),
    Aggregate("cartpole", "CartPole-v1", ("CartPole-v1",)),
)
# Each of ours against its SB3 / sb3-contrib counterpart
IMPROVEMENT_PAIRS = (("reinforce", "a2c"), ("reinforce_baseline", "a2c"), ("td_actor_critic", "a2c"), ("tnpg", "trpo"))

MARKER = re.compile(r"<!-- results:(?P<name>[^ ]+) -->\n(?P<body>.*?)<!-- /results -->", re.DOTALL)

Runs = dict[tuple[str, str], list[dict]]


def seed_span(seeds: list[int]) -> str:
    """The seeds of a row's runs, for its label's ``{seeds}``: ``10-14`` when consecutive, else ``0, 2, 5``."""
    seeds = sorted(seeds)
    if len(seeds) > 2 and seeds == list(range(seeds[0], seeds[-1] + 1)):
        return f"{seeds[0]}-{seeds[-1]}"
    return ", ".join(str(seed) for seed in seeds)


def load_runs(runs_dir: Path) -> Runs:
    """
    The stored runs, grouped by (run name, env), each group sorted by seed.

    :param runs_dir: the folder of run_zoo's JSON files
    :return: ``{(run name, env): [run, ...]}``; the run name is the file name's ``<algo>[-<tag>]``
    """
    runs: Runs = {}
    for path in sorted(runs_dir.glob("*.json")):
        try:
            run = json.loads(path.read_text())
        except json.JSONDecodeError:  # a run being written by run_zoo right now
            print(f"skipping {path.name}: not complete JSON", file=sys.stderr)
            continue
        suffix = f"_{run['env']}_{run['seed']}.json"
        if not path.name.endswith(suffix) or not path.name.startswith(run["algo"]):
            raise ValueError(f"{path}: file name does not match its algo, env and seed")
        runs.setdefault((path.name[: -len(suffix)], run["env"]), []).append(run)
    for group in runs.values():
        group.sort(key=lambda run: run["seed"])
    return runs


def load_former_runs(results_dir: Path) -> Runs:
    """
    The runs of the former runners (``benchmarks/learning_curves.py`` and the scripts since folded into run_zoo.py), as
    stored runs named ``<file stem without env>:<algorithm>`` (``learning_curves:Reinforce``, ``tnpg:TRPO``), each
    with the file's throughput figures of its algorithm (``steps_per_s``, ``s_per_update``) where it has them.

    :param results_dir: the folder of the former runners' files
    """
    runs: Runs = {}
    for pattern in FORMER_RUNS:
        for path in sorted(results_dir.glob(pattern)):
            stored = json.loads(path.read_text())
            env = (stored.get("args") or {}).get("env", "CartPole-v1")
            source = "learning_curves" if path.stem == "cartpole_curves" else path.stem.removesuffix(f"_{env}")
            speed = stored.get("speed") or stored.get("steps_per_s") or {}
            for run in stored["runs"]:
                figures = speed.get(run["algo"], {})
                if not isinstance(figures, dict):  # a bare steps/s
                    figures = {"steps_per_s": figures}
                entry = {"curve": run["curve"], "seed": run["seed"], "seconds": run.get("wall_s", 0.0)}
                entry["steps_per_s"] = figures.get("steps_per_s")
                entry["s_per_update"] = figures.get("seconds_per_update")
                runs.setdefault((f"{source}:{run['algo']}", env), []).append(entry)
    return runs


def final_eval(run: dict) -> float:
    """
    A run's final evaluation: the mean of its last 3 evaluations (run_zoo's ``summarize``'s "final").

    :param run: a stored run
    """
    return float(np.mean([value for _, value in run["curve"][-3:]]))


_estimates: dict[tuple, tuple[float, float, float]] = {}


def interval_estimate(
    scores: np.ndarray | list[np.ndarray], func: Callable[..., float], reps: int | None = None
) -> tuple[float, float, float]:
    """
    A point estimate and its 95% stratified-bootstrap confidence interval (``rliable.library.get_interval_estimates``
    with ``reps`` resamples, numpy's global generator seeded with ``BOOTSTRAP_SEED`` before and restored after), so
    the result depends on the scores alone. Scores that are all equal have that value as estimate and interval,
    which the bootstrap would also give; an estimate is computed once per scores.

    :param scores: runs x tasks, or a list of such arrays for a function of several (probability of improvement)
    :param func: the aggregate, e.g. ``rliable.metrics.aggregate_iqm``
    :param reps: bootstrap resamples (default: ``--reps``, ``BOOTSTRAP_REPS``)
    :return: (point, lower, upper)
    """
    from rliable import library

    reps = reps or _reps
    arrays = [scores] if isinstance(scores, np.ndarray) else list(scores)
    key = (func.__qualname__, reps, *((array.shape, array.tobytes()) for array in arrays))
    if key in _estimates:
        return _estimates[key]
    if len(arrays) == 1 and np.ptp(arrays[0]) == 0:
        value = float(func(arrays[0]))
        _estimates[key] = value, value, value
        return _estimates[key]

    def aggregate(*samples: np.ndarray) -> np.ndarray:
        return np.array([func(*samples)])

    state = np.random.get_state()
    np.random.seed(BOOTSTRAP_SEED)
    try:
        points, intervals = library.get_interval_estimates({"x": scores}, aggregate, reps=reps)
    finally:
        np.random.set_state(state)
    _estimates[key] = float(points["x"][0]), float(intervals["x"][0, 0]), float(intervals["x"][1, 0])
    return _estimates[key]


def iqm_estimate(scores: np.ndarray) -> tuple[float, float, float]:
    """
    IQM with its 95% CI (``rliable.metrics.aggregate_iqm``).

    :param scores: runs x tasks
    """
    from rliable import metrics

    return interval_estimate(scores, metrics.aggregate_iqm)


def number(value: float, digits: int = 1) -> str:
    """
    A return as the tables print it: ``digits`` decimals, trailing ".0" dropped.

    :param value: the number
    :param digits: decimals
    """
    text = f"{value:.{digits}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def rate(value: float) -> str:
    """Steps per second, as a whole number with thousands separators."""
    return f"{value:,.0f}"


def steps(value: float) -> str:
    """
    Env steps in thousands ("12.5k") or millions ("1.2M").

    :param value: the steps
    """
    if abs(value) >= 1_000_000:
        return f"{number(value / 1_000_000, 2)}M"
    return f"{number(value / 1_000)}k" if abs(value) >= 1_000 else number(value, 0)


def budget(value: float) -> str:
    """
    A run's budget from its last evaluation's step (run_zoo's "budget"), to two significant digits: the last
    evaluation falls on the config's ``n_timesteps`` up to a rollout (499,200 for 500k, 1,003,392 for 1M).

    :param value: the last evaluation's step
    """
    return steps(float(f"{value:.2g}"))


RANGE = re.compile(r"^(?P<median>\S+) \[(?P<low>\S+), (?P<high>\S+)\]$")


def median_range(text: str, count: int, fmt: Callable[[float], str]) -> str:
    """
    Re-format run_zoo's "median [min, max]" (``common.median_range``), the value alone where there is one.

    :param text: "median [min, max]" or "-"
    :param count: how many values it summarises
    :param fmt: the format of each number
    """
    match = RANGE.match(text)
    if match is None:
        return text
    median, low, high = (fmt(float(match[key])) for key in ("median", "low", "high"))
    return median if count == 1 else f"{median} [{low}, {high}]"


def cells(runs: list[dict], env: str, columns: Sequence[str]) -> list[str]:
    """
    One row's cells.

    :param runs: the row's stored runs (seeds)
    :param env: their env
    :param columns: the cells to give (keys of ``HEADERS``)
    """
    summary = summarize(runs, THRESHOLDS[env])
    n_reached = int(summary["reached"].split("/")[0])
    values = {
        "budget": budget(summary["budget"]),
        "reached": summary["reached"],
        "steps": median_range(summary["steps"], n_reached, steps),
        "final": median_range(summary["final"], len(runs), number),
        "max": median_range(summary["max"], len(runs), number),
        "curve_mean": median_range(summary["curve_mean"], len(runs), number),
    }
    for column, fmt in (("steps_per_s", rate), ("s_per_update", "{:.3f}".format)):
        if column in columns:
            values[column] = "-" if runs[0].get(column) is None else fmt(float(np.median([run[column] for run in runs])))
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


def random_scores(path: Path) -> dict[str, dict]:
    """
    The random policy's score per env, as stored by ``--random-scores``.

    :param path: the JSON file
    """
    return json.loads(path.read_text())["scores"]


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


def blocks(runs: Runs, reference_path: Path) -> dict[tuple[str, str], str | None]:
    """
    Every generated block: ``{(file, marker): Markdown}``; None for a placeholder table without runs.

    :param runs: the stored runs
    :param reference_path: the random policy's scores (JSON)
    """
    generated: dict[tuple[str, str], str | None] = {}
    for table in TABLES:
        key = (table.path, table.marker)
        if key in generated:
            raise ValueError(f"{table.path}: two tables named {table.marker}")
        generated[key] = render_table(table, runs)
    stored = json.loads(reference_path.read_text())
    reference = stored["scores"]
    generated["docs/results.md", "random-scores"] = render_random(reference, stored["episodes"])
    generated["docs/results.md", "aggregate"] = render_aggregates(runs, reference)
    generated["docs/results.md", "improvement"] = render_improvement(runs, reference)
    generated["README.md", "throughput"] = generated["docs/reinforce.md", "throughput"] = render_throughput(
        reference_path.parent
    )
    generated["docs/speed.md", "speed-targets"] = render_speed_targets(reference_path.parent)
    generated["docs/speed.md", "profiles"] = render_profiles(reference_path.parent)
    generated["docs/speed.md", "many-envs"] = render_many_envs(reference_path.parent)
    return generated


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


def update(text: str, path: str, generated: dict[tuple[str, str], str | None], placeholders: set[str]) -> str:
    """
    ``text`` with every block of ``path`` replaced by its generated Markdown.

    :param text: the file's text
    :param path: its path relative to the root (the key of its blocks)
    :param generated: the generated blocks
    :param placeholders: markers of ``path`` whose tables may be absent
    """
    found = {match["name"] for match in MARKER.finditer(text)}
    expected = {marker for file, marker in generated if file == path}
    problems = []
    if found - expected:
        problems.append(f"{path}: no table is defined for the markers {sorted(found - expected)} (report.py's TABLES)")
    if expected - found - placeholders:
        missing = sorted(expected - found - placeholders)
        problems.append(f"{path}: the markers {missing} are missing (<!-- results:NAME --> ... <!-- /results -->)")
    if problems:
        raise ValueError("\n".join(problems))

    def replace(match: re.Match) -> str:
        body = generated[path, match["name"]] or "No stored runs yet.\n"
        # Blank lines around the table: a line right after a table's last row would count as one of its rows
        return f"<!-- results:{match['name']} -->\n\n{body}\n<!-- /results -->"

    return MARKER.sub(replace, text)


def differences(old: str, new: str) -> dict[str, str]:
    """
    The blocks that differ between two versions of a file: ``{marker: unified diff}``.

    :param old: the file as it is
    :param new: the file as the stored runs give it
    """
    old_blocks = {match["name"]: match["body"] for match in MARKER.finditer(old)}
    changed = {}
    for match in MARKER.finditer(new):
        before = old_blocks.get(match["name"], "")
        if before != match["body"]:
            diff = difflib.unified_diff(before.splitlines(), match["body"].splitlines(), "written", "stored runs", lineterm="")
            changed[match["name"]] = "\n".join(diff)
    return changed


def draw_figures(runs: Runs, reference_path: Path, out_dir: Path) -> list[Path]:
    """
    docs/results_*.png: per set of envs, the IQM of normalised final evaluations with 95% CIs
    (``rliable.plot_utils.plot_interval_estimates``); performance profiles (``plot_performance_profiles``), one panel
    per set; probability of improvement of ours over the counterparts (``plot_probability_of_improvement``).

    :param runs: the stored runs
    :param reference_path: the random policy's scores (JSON)
    :param out_dir: where the figures go
    :return: the files written
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from rliable import library, plot_utils

    reference = random_scores(reference_path)
    colors = dict(zip(NAMES.values(), plt.get_cmap("tab10").colors))
    written = []

    def save(figure: plt.Figure, name: str) -> None:
        path = out_dir / f"results_{name}.png"
        figure.savefig(path, dpi=110, bbox_inches="tight", metadata={"Software": None})
        plt.close(figure)
        written.append(path)

    sets = [(aggregate, aggregate_scores(runs, reference, aggregate)) for aggregate in AGGREGATES]
    for aggregate, scores in sets:
        estimates = {NAMES[algo]: iqm_estimate(matrix) for algo, matrix in scores.items()}
        figure, axis = plot_utils.plot_interval_estimates(
            {name: np.array([point]) for name, (point, _, _) in estimates.items()},
            {name: np.array([[low], [high]]) for name, (_, low, high) in estimates.items()},
            metric_names=[f"IQM over {aggregate.title}"],
            colors=colors,
            subfigure_width=5.0,
            row_height=0.5,
            xlabel_y_coordinate=-0.5 / (0.5 * len(estimates)),  # half an inch below the axes
            xlabel="normalised final evaluation (random policy 0, threshold 1)",
        )
        axis.axvline(1.0, color="gray", linestyle="--", linewidth=1)
        low, high = axis.get_xlim()
        axis.set_xlim(low - 0.05 * (high - low), high + 0.05 * (high - low))  # intervals at the edge stay visible
        save(figure, f"iqm_{aggregate.name}")

    tau = np.linspace(0.0, 1.2, 121)
    figure, axes = plt.subplots(1, len(sets), figsize=(5.2 * len(sets), 4.2), squeeze=False)
    for axis, (aggregate, scores) in zip(axes[0], sets):
        state = np.random.get_state()
        np.random.seed(BOOTSTRAP_SEED)
        try:
            profiles, profile_cis = library.create_performance_profile(scores, tau, reps=_reps)
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
        axis.set_title(aggregate.title, fontsize="medium")
        axis.legend(fontsize="small", loc="lower left")
    figure.tight_layout()
    save(figure, "profiles")

    estimates = improvement_estimates(runs, reference)
    probabilities = {f"{NAMES[x]},{NAMES[y]}": point for x, y, _, (point, _, _) in estimates}
    intervals = {f"{NAMES[x]},{NAMES[y]}": np.array([low, high]) for x, y, _, (_, low, high) in estimates}
    figure, axis = plt.subplots(figsize=(4.5, 0.6 * len(estimates) + 1.0))
    plot_utils.plot_probability_of_improvement(probabilities, intervals, ax=axis, xticks=[0.0, 0.25, 0.5, 0.75, 1.0])
    axis.axvline(0.5, color="gray", linestyle="--", linewidth=1)
    save(figure, "improvement")
    return written


def measure_random_scores(envs: Sequence[str], episodes: int, seed: int) -> dict[str, dict]:
    """
    Returns of a uniform random policy (``action_space.sample()``), the reference score 0 of normalised scores.

    :param envs: the envs
    :param episodes: episodes per env
    :param seed: seeds the env's first reset and the action space
    :return: ``{env: {"mean", "std", "min", "max"}}``
    """
    import gymnasium as gym

    scores = {}
    for env_id in envs:
        env = gym.make(env_id)
        env.action_space.seed(seed)
        env.reset(seed=seed)
        returns = []
        for episode in range(episodes):
            if episode > 0:
                env.reset()
            total, done = 0.0, False
            while not done:
                _, reward, terminated, truncated, _ = env.step(env.action_space.sample())
                total += float(reward)
                done = terminated or truncated
            returns.append(total)
        env.close()
        scores[env_id] = {
            "mean": float(np.mean(returns)),
            "std": float(np.std(returns)),
            "min": float(np.min(returns)),
            "max": float(np.max(returns)),
        }
        print(f"{env_id}: {scores[env_id]['mean']:.1f} +- {scores[env_id]['std']:.1f} over {episodes} episodes")
    return scores


def sync_files(root: Path, generated: dict[tuple[str, str], str | None], check: bool) -> list[str]:
    """
    Write the generated blocks into README.md and docs/*.md, or (``check``) only compare.

    :param root: the repository root
    :param generated: the generated blocks
    :param check: compare, write nothing
    :return: the problems found: a table that differs (``check``), a missing or unknown marker, a missing file
    """
    placeholders = {(table.path, table.marker) for table in TABLES if table.placeholder}
    failed = []
    for path in [root / "README.md", *sorted((root / "docs").glob("*.md"))]:
        name = path.relative_to(root).as_posix()
        text = path.read_text()
        try:
            new = update(text, name, generated, {marker for file, marker in placeholders if file == name})
        except ValueError as error:
            failed.append(str(error))
            continue
        if new == text:
            continue
        if check:
            for marker, diff in differences(text, new).items():
                failed.append(f"{name}: table <!-- results:{marker} --> differs from the stored runs\n{diff}")
        else:
            path.write_text(new)
            print(f"updated {name}")
    for name in sorted({name for name, _ in generated}):
        if not (root / name).is_file():
            failed.append(f"{name}: missing (it holds generated tables)")
    return failed


def main(argv: Sequence[str] | None = None) -> int:
    """
    The command line (``python benchmarks/report.py --help``).

    :param argv: the arguments (default: ``sys.argv[1:]``)
    :return: the exit status: 1 where a table differs (``--check``) or a marker, file or run is missing
    """
    global _reps
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 where a table differs from the runs")
    parser.add_argument("--print", action="store_true", help="print every table (placeholders included), change nothing")
    parser.add_argument("--no-figures", action="store_true", help="rewrite the tables only")
    parser.add_argument("--root", type=Path, default=ROOT, help="the repository root (README.md, docs/)")
    parser.add_argument("--runs-dir", type=Path, default=None, help=f"the stored runs (default: ROOT/{RUNS_DIR})")
    parser.add_argument("--random-scores-file", type=Path, default=None, help=f"default: ROOT/{RANDOM_SCORES}")
    parser.add_argument("--random-scores", action="store_true", help="measure the random policy's scores and store them")
    parser.add_argument("--episodes", type=int, default=100, help="episodes per env for --random-scores")
    parser.add_argument("--reps", type=int, default=BOOTSTRAP_REPS, help="bootstrap resamples (tests: fewer)")
    args = parser.parse_args(argv)
    _reps = args.reps
    root = args.root.resolve()
    runs_dir = args.runs_dir or root / RUNS_DIR
    reference_path = args.random_scores_file or root / RANDOM_SCORES

    if args.random_scores:
        scores = measure_random_scores(CLASSIC_ENVS, args.episodes, seed=0)
        stored = {"command": RANDOM_SCORES_COMMAND, "policy": "uniform random actions (action_space.sample())"}
        stored |= {"episodes": args.episodes, "seed": 0, "gymnasium": version("gymnasium"), "scores": scores}
        reference_path.write_text(json.dumps(stored, indent=1) + "\n")
        print(f"wrote {reference_path}")
        return 0

    runs = {**load_runs(runs_dir), **load_former_runs(runs_dir.parent)}
    try:
        generated = blocks(runs, reference_path)
    except (ValueError, FileNotFoundError) as error:  # a table's row without runs, a missing reference file
        print(error, file=sys.stderr)
        return 1
    if args.print:
        for (path, marker), body in generated.items():
            if body is not None:
                print(f"{path} <!-- results:{marker} -->\n{body}")
        return 0

    failed = sync_files(root, generated, args.check)
    if failed:
        print("\n\n".join(failed), file=sys.stderr)
        if args.check:
            print("\nregenerate with: python benchmarks/report.py", file=sys.stderr)
        return 1
    if args.check:
        print("every results table matches the stored runs")
    elif not args.no_figures:
        for path in draw_figures(runs, reference_path, root / "docs"):
            print(f"wrote {path.relative_to(root).as_posix()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
