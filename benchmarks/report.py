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

The numbers quoted in the prose around the tables are written the same way, inline:

    ... TNPG's median final evaluation (<!-- fact:halfcheetah-tnpg-final-median -->3885<!-- /fact -->) ...

where ``FACTS`` maps each key to the small function that computes its text from the stored runs and files (a table
cell's statistic of one row, a value of a stored measurement, a ratio, a test's p-value); ``--check`` names the file
and the key of a fact whose text differs.

docs/results.md gets the across-env summaries: scores normalised per env (a uniform random policy = 0, the env's
threshold = 1; reference scores in ``benchmarks/results/random_scores.json``), their IQM with 95% CIs per algorithm,
performance profiles, and the probability of improvement of each of our algorithms over its SB3 / sb3-contrib
counterpart (figures ``docs/results_*.png``).

    pip install -e ".[docs]"                 # rliable, matplotlib
    python benchmarks/report.py              # rewrite the tables and draw the figures
    python benchmarks/report.py --check      # exit 1, naming file and marker (or fact), where one differs from the runs
    python benchmarks/report.py --print      # print every table (MuJoCo ones included) and fact, change nothing
    python benchmarks/report.py --random-scores   # measure the random policy's scores once (needs box2d)
"""

from __future__ import annotations

import argparse
import difflib
import json
import re
import statistics
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import first_reaching
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


# The converted TRPO blocks' target_kl per env, tried against a linear decay from it (run_zoo --tag tune-kllin<kl>)
TNPG_TUNED_KL = {"HalfCheetah-v5": "0.24", "Hopper-v5": "0.03", "Walker2d-v5": "0.06"}
# TNPG's MuJoCo rows: on Hopper-v5 the shipped block's target_kl decays (runs tnpg-kllin0.03); the runs of the constant
# target_kl before it stay as a labelled row
TNPG_MUJOCO_ROWS = {
    env: (("TNPG (sb3-pg), shipped config", "tnpg"),)
    if env != "Hopper-v5"
    else (
        ("TNPG (sb3-pg), shipped config (`target_kl` decaying from 0.03)", "tnpg-kllin0.03"),
        ("TNPG (sb3-pg), constant `target_kl` 0.03 (the block before)", "tnpg"),
    )
    for env in MUJOCO_ENVS
}

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
            ("**TDActorCritic**, held-out seeds {seeds} (AMSGrad)", "td_actor_critic-heldout-amsgrad"),
            ("TDActorCritic before AMSGrad (Adam), held-out seeds {seeds}", "td_actor_critic-heldout"),
            ("TDActorCritic before AMSGrad, tuning seeds {seeds} (8 envs, actor 5e-4, critic 2e-3)", "td_actor_critic"),
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
            ("**TNPG**, held-out seeds {seeds}", "tnpg-heldout", "Pendulum-v1"),
            ("TNPG, tuning seeds {seeds}", "tnpg", "Pendulum-v1"),
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
                *TNPG_MUJOCO_ROWS[env],
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
            (*TNPG_MUJOCO_ROWS[env], ("TRPO (sb3-contrib), RL-Zoo's config", "trpo")),
            MUJOCO_COLUMNS,
            placeholder=True,
        )
        for env in MUJOCO_ENVS
    ),
    # TNPG on MuJoCo, tuning seeds 0-1 (not reported elsewhere): the converted TRPO block's constant target_kl against
    # one decaying linearly from it to 0; then both on the reported seeds
    *(
        Table(
            "docs/tnpg.md",
            f"tuning-{env}",
            env,
            (
                (f"TNPG, constant target_kl {kl} (the converted TRPO block), tuning seeds {{seeds}}", "tnpg-tune"),
                (f"TNPG, target_kl from {kl} linearly to 0 (`lin_{kl}`), tuning seeds {{seeds}}", f"tnpg-tune-kllin{kl}"),
                (f"TNPG, constant target_kl {kl}, seeds {{seeds}}", "tnpg"),
                (f"TNPG, `lin_{kl}`, seeds {{seeds}} (not used to choose it)", f"tnpg-kllin{kl}"),
            ),
            ("budget", "final", "max", "curve_mean"),
            placeholder=True,
        )
        for env, kl in TNPG_TUNED_KL.items()
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
    collapse = reference_path.parent / "collapse"
    generated["docs/td_actor_critic.md", "collapse"] = render_collapse(collapse)
    generated["docs/td_actor_critic.md", "collapse-zoo"] = render_collapse_zoo(runs)
    for name, seed in COLLAPSE_WINDOWS:
        generated["docs/td_actor_critic.md", f"collapse-window-{name}-{seed}"] = render_collapse_window(collapse, name, seed)
    generated["docs/understanding_policy_gradients.md", "variance-fresh"] = render_variance(
        reference_path.parent / "variance_CartPole-v1_fresh.json"
    )
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


# Numbers quoted in the prose around the tables: ``<!-- fact:KEY -->TEXT<!-- /fact -->`` in README.md and docs/*.md,
# TEXT written by ``FACTS[KEY]`` from the stored runs (``Runs``) and the stored measurements' folder. Keys start with a
# lower-case letter or a digit (so that a page can name the form itself, ``fact:KEY``); TEXT holds no "<"
FACT = re.compile(r"<!-- fact:(?P<key>[a-z0-9][^ <>]*) -->(?P<body>[^<]*)<!-- /fact -->")
FactFn = Callable[[Runs, Path], str]
# A run's value per column, over its evaluation curve (run_zoo's ``summarize``)
SEED_VALUES: dict[str, Callable[[dict], float]] = {
    "final": final_eval,
    "max": lambda run: max(value for _, value in run["curve"]),
    "curve_mean": lambda run: float(np.mean([value for _, value in run["curve"]])),
}


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
        threshold = THRESHOLDS[env]
        if column == "reached":
            reached, count = summarize(group, threshold)["reached"].split("/")
            return f"{reached} of {count}" if stat == "of" else f"{reached}/{count}"
        fmt: Callable[[float], str] = steps if column == "steps" else lambda value: number(value, digits)
        if column == "steps":
            values = [float(step) for r in group if (step := first_reaching(r["curve"], threshold)) is not None]
        else:
            values = [SEED_VALUES[column](r) for r in group]
        if stat == "cell" and len(values) > 1:
            return f"{fmt(statistics.median(values))} [{fmt(min(values))}, {fmt(max(values))}]"
        statistics_: dict[str, Callable[[list[float]], float]] = {"median": statistics.median, "min": min, "max": max}
        return fmt(statistics_.get(stat, min)(values))  # "cell" of one value: the value

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

        x, y = ([SEED_VALUES[column](r) for r in run_group(runs, name, env)] for name in (run, other))
        return f"{stats.mannwhitneyu(x, y, alternative=alternative).pvalue:.2g}"

    return fact


def at_or_above_fact(run: str, other: str, envs: Sequence[str]) -> FactFn:
    """
    On how many of ``envs`` the median final evaluation of ``run`` is at or above that of ``other``: "2 of the 3".

    :param run: the run name
    :param other: the run name compared with
    :param envs: the envs
    """

    def fact(runs: Runs, results_dir: Path) -> str:
        medians = {
            name: [statistics.median(final_eval(r) for r in run_group(runs, name, env)) for env in envs]
            for name in (run, other)
        }
        count = sum(ours >= theirs for ours, theirs in zip(medians[run], medians[other]))
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
FRESH, TRAINED = "variance_CartPole-v1_fresh.json", "variance_CartPole-v1_trained.json"
LL, AC, CP = "LunarLander-v3", "Acrobot-v1", "CartPole-v1"
HC, HOP, WALK = MUJOCO_ENVS
TD_PROFILE = ("profile_CartPole-v1_1env.json", ("algorithms", "TDActorCritic"))


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


FACTS: dict[str, FactFn] = {
    # docs/td_actor_critic.md, falls after solving CartPole-v1
    "cartpole-tdac-adam-lowest-fall": lowest_fall(
        ("td_actor_critic", "td_actor_critic-speed", "td_actor_critic-heldout"), ("td_actor_critic-adam",)
    ),
    "cartpole-tdac-amsgrad-lowest-fall": lowest_fall(("td_actor_critic-heldout-amsgrad",), ("td_actor_critic-amsgrad",)),
    # README.md, CartPole-v1 and classic control
    "cartpole-reinforce-heldout-worst-final": run_fact("reinforce-heldout", CP, "final", "min", 0),
    "cartpole-tnpg-heldout-seed14-max": run_fact("tnpg-heldout", CP, "max", "median", 0, seeds=(14,)),
    "lunar-tnpg-reached": run_fact("tnpg", LL, "reached"),
    "lunar-tnpg-reached-of": run_fact("tnpg", LL, "reached", "of"),
    "lunar-tnpg-rlzoo-reached": run_fact("tnpg-rlzoo", LL, "reached"),
    "lunar-trpo-reached": run_fact("trpo", LL, "reached"),
    "lunar-a2c-reached": run_fact("a2c", LL, "reached"),
    "lunar-tnpg-vs-rlzoo-reached-p": fisher_fact("tnpg", "tnpg-rlzoo", LL),
    "lunar-tnpg-final-median": run_fact("tnpg", LL, "final", "median"),
    "lunar-tnpg-1M-final": run_fact("tnpg-1M", LL, "final"),
    "lunar-ppo-final": run_fact("ppo", LL, "final"),
    "lunar-ppo-final-min": run_fact("ppo", LL, "final", "min", 0),
    "lunar-ppo-final-max": run_fact("ppo", LL, "final", "max", 0),
    "lunar-ppo-steps-median": run_fact("ppo", LL, "steps", "median"),
    "lunar-tnpg-heldout-reached-of": run_fact("tnpg-heldout", LL, "reached", "of"),
    "lunar-trpo-heldout-reached-of": run_fact("trpo-heldout", LL, "reached", "of"),
    "acrobot-rb-heldout-reached": run_fact("reinforce_baseline-heldout", AC, "reached"),
    "acrobot-rb-heldout-reached-of": run_fact("reinforce_baseline-heldout", AC, "reached", "of"),
    # MuJoCo (README.md, docs/tnpg.md, docs/reinforce_baseline.md)
    "hopper-tnpg-max-median": run_fact("tnpg", HOP, "max", "median", 0),
    "hopper-trpo-max-median": run_fact("trpo", HOP, "max", "median", 0),
    "hopper-ppo-max": run_fact("ppo", HOP, "max", "cell", 0),
    "hopper-tnpg-kllin-final-median": run_fact("tnpg-kllin0.03", HOP, "final", "median", 0),
    "hopper-tnpg-kllin-max-median": run_fact("tnpg-kllin0.03", HOP, "max", "median", 0),
    "hopper-ppo-reached": run_fact("ppo", HOP, "reached"),
    "hopper-tnpg-final-median": run_fact("tnpg", HOP, "final", "median", 0),
    "hopper-trpo-final-median": run_fact("trpo", HOP, "final", "median", 0),
    "walker-tnpg-final-median": run_fact("tnpg", WALK, "final", "median", 0),
    "walker-trpo-final-median": run_fact("trpo", WALK, "final", "median", 0),
    "mujoco-tnpg-final-at-or-above-trpo": at_or_above_fact("tnpg", "trpo", MUJOCO_ENVS),
    "halfcheetah-tnpg-max-median": run_fact("tnpg", HC, "max", "median", 0),
    "halfcheetah-tnpg-final-median": run_fact("tnpg", HC, "final", "median", 0),
    "halfcheetah-trpo-final-median": run_fact("trpo", HC, "final", "median", 0),
    "halfcheetah-trpo-final-max": run_fact("trpo", HC, "final", "max", 0),
    "halfcheetah-tnpg-final-min": run_fact("tnpg", HC, "final", "min", 0),
    "walker-tnpg-max": run_fact("tnpg", WALK, "max", digits=0),
    "walker-tnpg-final": run_fact("tnpg", WALK, "final", digits=0),
    "walker-trpo-final": run_fact("trpo", WALK, "final", digits=0),
    "halfcheetah-rb-final": run_fact("reinforce_baseline", HC, "final", digits=0),
    "hopper-rb-final": run_fact("reinforce_baseline", HOP, "final", digits=0),
    "walker-rb-final": run_fact("reinforce_baseline", WALK, "final", digits=0),
    "halfcheetah-rb-final-min": run_fact("reinforce_baseline", HC, "final", "min", 0),
    "halfcheetah-reinforce-final": run_fact("reinforce", HC, "final", digits=0),
    "halfcheetah-reinforce-final-median": run_fact("reinforce", HC, "final", "median", 0),
    "halfcheetah-reinforce-max": run_fact("reinforce", HC, "max", digits=0),
    "hopper-reinforce-final": run_fact("reinforce", HOP, "final", digits=0),
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
    "cartpole-tnpg-former-worst-final": run_fact("tnpg:TNPG", CP, "final", "min", 0),
    "acrobot-tnpg-reached": run_fact("tnpg", AC, "reached"),
    "acrobot-tnpg-steps": run_fact("tnpg", AC, "steps"),
    "acrobot-tnpg-final": run_fact("tnpg", AC, "final"),
    "lunar-rlzoo-seeds01-reached": run_fact("tnpg-rlzoo", LL, "reached", seeds=(0, 1)),
    "lunar-rlzoo-seeds01-steps": run_fact("tnpg-rlzoo", LL, "steps", seeds=(0, 1)),
    "lunar-tnpg-seeds234-reached": run_fact("tnpg", LL, "reached", seeds=(2, 3, 4)),
    "lunar-rlzoo-seeds234-reached": run_fact("tnpg-rlzoo", LL, "reached", seeds=(2, 3, 4)),
    "lunar-tnpg-curve-mean": run_fact("tnpg", LL, "curve_mean", digits=0),
    "lunar-rlzoo-curve-mean": run_fact("tnpg-rlzoo", LL, "curve_mean", digits=0),
    "lunar-tnpg-vs-rlzoo-curve-mean-p": mann_whitney_fact("tnpg", "tnpg-rlzoo", LL, "curve_mean"),
    "lunar-rlzoo-final-median": run_fact("tnpg-rlzoo", LL, "final", "median"),
    "lunar-tnpg-vs-rlzoo-final-p": mann_whitney_fact("tnpg", "tnpg-rlzoo", LL, "final"),
    "lunar-tnpg-median-curve-155k-185k": curve_fact("tnpg", LL, 155_000, 185_000, "range"),
    "lunar-tnpg-median-curve-last-3": curve_fact("tnpg", LL, 190_000, 200_000, "range"),
    "lunar-ns1024-final-median": run_fact("tnpg-ns1024-kl0.03", LL, "final", "median"),
    "lunar-ns1024-reached": run_fact("tnpg-ns1024-kl0.03", LL, "reached"),
    "lunar-tnpg-1M-vs-ppo-final-p": mann_whitney_fact("tnpg-1M", "ppo", LL, "final", "two-sided"),
    "lunar-tnpg-1M-median-curve-band": curve_fact("tnpg-1M", LL, 200_000, 900_000, "band"),
    "lunar-tnpg-1M-median-curve-extremes": curve_fact("tnpg-1M", LL, 200_000, 900_000, "extremes"),
    "lunar-ppo-median-curve-first-200": first_median_step("ppo", LL, 200),
    "lunar-tnpg-seed0-steps": run_fact("tnpg", LL, "steps", seeds=(0,)),
    "lunar-tnpg-seed0-final": run_fact("tnpg", LL, "final", seeds=(0,)),
    "lunar-tnpg-seed0-curve-mean": run_fact("tnpg", LL, "curve_mean", seeds=(0,)),
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
    "cartpole-lc-reinforce-worst-final": run_fact("learning_curves:Reinforce", CP, "final", "min", 0),
    "acrobot-rb-heldout-steps-max": run_fact("reinforce_baseline-heldout", AC, "steps", "max"),
    "acrobot-rb-seed3-steps": run_fact("reinforce_baseline", AC, "steps", seeds=(3,)),
    "acrobot-rb-seed4-steps": run_fact("reinforce_baseline", AC, "steps", seeds=(4,)),
    "acrobot-rb-timefeature-reached": run_fact("reinforce_baseline-timefeature", AC, "reached"),
    "acrobot-rb-timefeature-steps-max": run_fact("reinforce_baseline-timefeature", AC, "steps", "max"),
    "acrobot-rb-heldout-timefeature-reached": run_fact("reinforce_baseline-heldout-timefeature", AC, "reached"),
    # docs/td_actor_critic.md
    "acrobot-a2c-reached": run_fact("a2c", AC, "reached"),
    "acrobot-a2c-steps-median": run_fact("a2c", AC, "steps", "median"),
    "acrobot-tdac-former-a2c-rlzoo-reached": run_fact("td_actor_critic:A2C (RL-Zoo)", AC, "reached"),
    "cartpole-tdac-reached": run_fact("td_actor_critic", CP, "reached"),
    "cartpole-tdac-steps": run_fact("td_actor_critic", CP, "steps"),
    "cartpole-tdac-final": run_fact("td_actor_critic", CP, "final"),
    "cartpole-tdac-curve-mean": run_fact("td_actor_critic", CP, "curve_mean", digits=0),
    "acrobot-tdac-reached": run_fact("td_actor_critic", AC, "reached"),
    "acrobot-tdac-steps": run_fact("td_actor_critic", AC, "steps"),
    "acrobot-tdac-final": run_fact("td_actor_critic", AC, "final"),
    # GPU (docs/tnpg.md)
    "gpu-tnpg-cpu-rate": stored_fact("gpu_check_alone.json", ("tnpg_halfcheetah_steps_per_s", "cpu"), "{:.0f}".format),
    "gpu-tnpg-cuda-rate": stored_fact("gpu_check_alone.json", ("tnpg_halfcheetah_steps_per_s", "cuda"), "{:.0f}".format),
    "gpu-tnpg-cuda-ratio": stored_fact("gpu_check_alone.json", ("tnpg_halfcheetah_steps_per_s", "cuda/cpu"), RATIO),
    "gpu-tnpg-cpu-difference": stored_fact(
        "gpu_check_alone.json", ("tnpg_halfcheetah_across_devices", "max_difference", "cpu", "log_prob"), SCIENTIFIC
    ),
    "gpu-all-max-difference": gpu_max_difference,
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


def fact_texts(runs: Runs, results_dir: Path) -> dict[str, str]:
    """
    Every fact's text: ``{key: text}``.

    :param runs: the stored runs
    :param results_dir: the folder of the stored measurement files
    """
    texts = {}
    for key, fact in FACTS.items():
        try:
            texts[key] = fact(runs, results_dir)
        except (ValueError, KeyError, StopIteration, FileNotFoundError) as error:
            raise ValueError(f"fact {key}: {error!r}") from error
    return texts


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


def update_facts(text: str, path: str, texts: dict[str, str]) -> str:
    """
    ``text`` with every fact span of ``path`` rewritten from the stored runs.

    :param text: the file's text
    :param path: its path relative to the root (for errors)
    :param texts: every fact's text (``fact_texts``)
    """
    unknown = sorted({match["key"] for match in FACT.finditer(text)} - set(texts))
    if unknown:
        raise ValueError(f"{path}: no fact is defined for the keys {unknown} (report.py's FACTS)")
    return FACT.sub(lambda match: f"<!-- fact:{match['key']} -->{texts[match['key']]}<!-- /fact -->", text)


def fact_differences(old: str, new: str) -> list[str]:
    """
    The facts that differ between two versions of a file, one line each: ``KEY: 'old' -> 'new'``.

    :param old: the file as it is
    :param new: the file as the stored runs give it
    """
    pairs = zip(FACT.finditer(old), FACT.finditer(new))
    return [f"{a['key']}: {a['body']!r} -> {b['body']!r}" for a, b in pairs if a["body"] != b["body"]]


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


def sync_files(root: Path, generated: dict[tuple[str, str], str | None], texts: dict[str, str], check: bool) -> list[str]:
    """
    Write the generated blocks and facts into README.md and docs/*.md, or (``check``) only compare.

    :param root: the repository root
    :param generated: the generated blocks
    :param texts: the facts' texts
    :param check: compare, write nothing
    :return: the problems found: a table or fact that differs (``check``), a missing or unknown marker, an unknown
        or unused fact, a missing file
    """
    placeholders = {(table.path, table.marker) for table in TABLES if table.placeholder}
    failed = []
    used: set[str] = set()
    for path in [root / "README.md", *sorted((root / "docs").glob("*.md"))]:
        name = path.relative_to(root).as_posix()
        text = path.read_text()
        used |= {match["key"] for match in FACT.finditer(text)}
        try:
            new = update(text, name, generated, {marker for file, marker in placeholders if file == name})
            new = update_facts(new, name, texts)
        except ValueError as error:
            failed.append(str(error))
            continue
        if new == text:
            continue
        if check:
            for marker, diff in differences(text, new).items():
                failed.append(f"{name}: table <!-- results:{marker} --> differs from the stored runs\n{diff}")
            for line in fact_differences(text, new):
                failed.append(f"{name}: fact <!-- fact:{line.split(':')[0]} --> differs from the stored runs: {line}")
        else:
            path.write_text(new)
            print(f"updated {name}")
    for name in sorted({name for name, _ in generated}):
        if not (root / name).is_file():
            failed.append(f"{name}: missing (it holds generated tables)")
    if set(texts) - used:
        failed.append(f"facts used in no file (report.py's FACTS): {sorted(set(texts) - used)}")
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
        texts = fact_texts(runs, reference_path.parent)
    except (ValueError, FileNotFoundError) as error:  # a row or fact without runs, a missing stored file
        print(error, file=sys.stderr)
        return 1
    if args.print:
        for (path, marker), body in generated.items():
            if body is not None:
                print(f"{path} <!-- results:{marker} -->\n{body}")
        for key, text in texts.items():
            print(f"<!-- fact:{key} -->{text}")
        return 0

    failed = sync_files(root, generated, texts, args.check)
    if failed:
        print("\n\n".join(failed), file=sys.stderr)
        if args.check:
            print("\nregenerate with: python benchmarks/report.py", file=sys.stderr)
        return 1
    if args.check:
        print("every results table and fact matches the stored runs")
    elif not args.no_figures:
        for path in draw_figures(runs, reference_path, root / "docs"):
            print(f"wrote {path.relative_to(root).as_posix()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
