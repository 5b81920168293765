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

    ... TNPG's median final evaluation (<!-- fact:run:tnpg/HalfCheetah-v5/final/median/0 -->3885<!-- /fact -->) ...

A key ``run:NAME/ENV/COLUMN/STAT/DIGITS[/SEEDS]`` names its runs and statistic itself (a table cell's statistic of
one row: ``report_facts.run_fact``'s arguments); any other key is an entry of ``FACTS`` (in ``report_facts.py``), the
small function that computes its text from the stored runs and files (a value of a stored measurement, a ratio, a
test's p-value); ``--check`` names the file and the key of a fact whose text differs.

docs/results.md gets the across-env summaries: scores normalised per env (a uniform random policy = 0, the env's
threshold = 1; reference scores in ``benchmarks/results/random_scores.json``), their IQM with 95% CIs per algorithm,
performance profiles, and the probability of improvement of each of our algorithms over its SB3 / sb3-contrib
counterpart (figures ``docs/results_*.png``).

This file is the command: ``TABLES``, the markers, the writing (or ``--check``) of the files, and the figures. The rest
is in modules of its own next to it in ``benchmarks/``:

- ``report_common.py``: the stored runs' paths and loading, a run's final evaluation, rliable's interval estimates
  (seeded, cached; ``--reps`` sets ``report_common._reps``), the random policy's scores, the number formats
- ``report_tables.py``: a table's spec (``Table``, ``Row``, the columns) and Markdown (``render_table``), and the
  across-env summaries of docs/results.md
- ``report_measurements.py``: the tables of stored measurements (throughput and speed targets, profiles, many envs,
  TDActorCritic's falls after solving CartPole-v1, estimator variance)
- ``report_facts.py``: ``FACTS``, the functions that build them, and the rewriting and comparing of fact spans

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
import sys
from collections.abc import Sequence
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
import report_common
import runs as runs_table
from report_common import (
    BOOTSTRAP_REPS,
    BOOTSTRAP_SEED,
    CLASSIC_ENVS,
    MUJOCO_ENVS,
    NAMES,
    RANDOM_SCORES,
    ROOT,
    RUNS_DIR,
    TNPG_DECAYING,
    TNPG_TUNED_KL,
    Runs,
    double,
    iqm_estimate,
    load_former_runs,
    load_runs,
    random_scores,
)
from report_facts import FACT, LL_2M_HELDOUT, LL_2M_TUNE, LL_SHIPPED_HELDOUT, fact_differences, fact_texts, update_facts
from report_measurements import (
    COLLAPSE_WINDOWS,
    render_collapse,
    render_collapse_window,
    render_collapse_zoo,
    render_many_envs,
    render_profiles,
    render_speed_targets,
    render_throughput,
    render_variance,
)
from report_shipped import render_shipped, shipped_problems
from report_tables import (
    AGGREGATES,
    MUJOCO_COLUMNS,
    README_COLUMNS,
    Table,
    aggregate_scores,
    improvement_estimates,
    render_aggregates,
    render_improvement,
    render_random,
    render_table,
)

RANDOM_SCORES_COMMAND = "python benchmarks/report.py --random-scores"

# TNPG's MuJoCo rows: on Hopper-v5 and Walker2d-v5 the shipped block's target_kl decays (runs tnpg-kllin<kl>); the
# runs of the constant target_kl before it stay as a labelled row
TNPG_MUJOCO_ROWS = {
    env: (
        (
            (f"TNPG (sb3-pg), shipped config (`target_kl` decaying from {kl})", f"tnpg-kllin{kl}"),
            (f"TNPG (sb3-pg), constant `target_kl` {kl} (the block before)", "tnpg"),
        )
        if env in TNPG_DECAYING
        else (("TNPG (sb3-pg), shipped config", "tnpg"),)
    )
    for env, kl in ((env, TNPG_TUNED_KL.get(env)) for env in MUJOCO_ENVS)
}


TABLES: tuple[Table, ...] = (
    Table(
        "docs/experiments.md",
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
        "docs/experiments.md",
        "classic-control",
        None,
        (
            ("**ReinforceBaseline**, held-out seeds {seeds}", "reinforce_baseline-heldout2-stepmean", "Acrobot-v1"),
            ("ReinforceBaseline, tuning seeds {seeds}", "reinforce_baseline-tune-stepmean", "Acrobot-v1"),
            (
                "ReinforceBaseline, the block before (value baseline), held-out seeds {seeds}",
                "reinforce_baseline-heldout",
                "Acrobot-v1",
            ),
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
            ("**TNPG**, held-out seeds {seeds}, seen by no try", LL_SHIPPED_HELDOUT, "LunarLander-v3"),
            ("TNPG, held-out seeds {seeds}, which chose between tries", LL_2M_HELDOUT, "LunarLander-v3"),
            ("TNPG, tuning seeds {seeds}", LL_2M_TUNE, "LunarLander-v3"),
            ("TNPG, the former 200k block, held-out seeds {seeds}", "tnpg-heldout", "LunarLander-v3"),
            ("TNPG, the former 200k block, held-out seeds {seeds}", "tnpg-heldout2", "LunarLander-v3"),
            ("TNPG, the former 200k block, held-out seeds {seeds}", "tnpg-heldout3", "LunarLander-v3"),
            ("TNPG, the former 200k block, tuning seeds {seeds}", "tnpg", "LunarLander-v3"),
            ("TNPG, RL-Zoo's TRPO settings (critic 1e-3 x 15)", "tnpg-rlzoo", "LunarLander-v3"),
            ("TRPO (sb3-contrib), held-out seeds {seeds}", "trpo-heldout", "LunarLander-v3"),
            ("TRPO (sb3-contrib), held-out seeds {seeds}", "trpo-heldout2", "LunarLander-v3"),
            ("TRPO (sb3-contrib)", "trpo", "LunarLander-v3"),
            ("A2C (SB3, 8 envs)", "a2c", "LunarLander-v3"),
            ("PPO (SB3, 16 envs)", "ppo", "LunarLander-v3"),
            ("TNPG, the former 200k block given PPO's budget", "tnpg-1M", "LunarLander-v3"),
            ("TNPG, the former 200k block given PPO's budget, held-out seeds {seeds}", "tnpg-heldout-1M", "LunarLander-v3"),
        ),
        README_COLUMNS,
        "algorithm",
    ),
    Table(
        "docs/reinforce.md",
        "CartPole-v1",
        "CartPole-v1",
        (
            ("Reinforce, the block before the fast one: 8 episodes/update, learning rate linear from 3e-3 to 0", "reinforce"),
            ("Reinforce, 8 episodes, constant 2e-3", "reinforce-ep8-lr2e-3"),
            ("Reinforce, 4 episodes, constant 2e-3 (seeds 0-2)", "reinforce-ep4-lr2e-3"),
            ("ReinforceBaseline, the block before the fast one: 8 episodes, lin 3e-3, critic 1e-2", "reinforce_baseline"),
            ("ReinforceBaseline, 4 episodes, constant 5e-3, critic 1e-2", "reinforce_baseline-ep4-lr5e-3"),
        ),
    ),
    Table(
        "docs/reinforce.md",
        "Acrobot-v1",
        "Acrobot-v1",
        (
            (
                "**shipped: time-dependent baseline (`baseline: step_mean`), held-out seeds {seeds}** "
                "(`--tag heldout2-stepmean`)",
                "reinforce_baseline-heldout2-stepmean",
            ),
            (
                "shipped, tuning seeds {seeds} (`--tag tune-stepmean`, evaluations every 10k)",
                "reinforce_baseline-tune-stepmean",
            ),
            (
                "the block before (learned value baseline, critic 1e-2), the same held-out seeds {seeds} "
                "(`--tag heldout2-value`)",
                "reinforce_baseline-heldout2-value",
            ),
            ("the block before, held-out seeds {seeds} (`--tag heldout`)", "reinforce_baseline-heldout"),
            ("the block before: 2 episodes/update, Adam 3e-3, critic 1e-2 (200k), tuning seeds {seeds}", "reinforce_baseline"),
            (
                "the block before + TimeFeatureWrapper (`env_wrapper`), held-out seeds {seeds}",
                "reinforce_baseline-heldout-timefeature",
            ),
            ("the block before + TimeFeatureWrapper, tuning seeds {seeds}", "reinforce_baseline-timefeature"),
            ("the block before, more tuning seeds {seeds} (`--tag tune`, evaluations every 10k)", "reinforce_baseline-tune"),
            ("the block before + TimeFeatureWrapper, seeds {seeds}", "reinforce_baseline-tune-timefeature"),
            ("the block before with Adam 1e-2 (was 3e-3), seeds {seeds}", "reinforce_baseline-tune-lr1e-2"),
            (
                "the block before with PyTorch's default initialisation (`ortho_init=False`), seeds {seeds}",
                "reinforce_baseline-tune-noortho",
            ),
            ("2 episodes, 3e-3, critic 1e-2 (150k, the sweep's row)", "reinforce_baseline-ep2-lr3e-3"),
            ("8 episodes, 1e-3, critic 3e-3 (the first config; seed 0, 500k)", "reinforce_baseline-ep8-lr1e-3"),
            ("8 episodes + observation/reward normalisation (`normalize: true`)", "reinforce_baseline-norm"),
            ("4 episodes, linear 3e-3, normalisation", "reinforce_baseline-norm-ep4-lin3e-3"),
            ("8 episodes, `normalize_advantage=True`", "reinforce_baseline-nadv"),
            ("4 episodes, 3e-3, `normalize_advantage=True`", "reinforce_baseline-ep4-lr3e-3-nadv"),
            ("8 episodes, `ent_coef=0.01`", "reinforce_baseline-ent0.01"),
        ),
    ),
    # docs/reinforce.md: examples/reinforce_baseline_pendulum.py's settings and a sweep around them (300k steps)
    Table(
        "docs/reinforce.md",
        "Pendulum-v1",
        "Pendulum-v1",
        (
            ("the example's settings: 8 episodes/update, Adam 1e-3, gamma 0.95, seeds {seeds}", "reinforce_baseline-example"),
            ("4 episodes, Adam 3e-3", "reinforce_baseline-example-ep4-lr3e-3"),
            ("4 episodes, Adam 3e-3, gamma 0.9", "reinforce_baseline-example-ep4-lr3e-3-g0.9"),
            ("the same + `normalize_advantage=True`", "reinforce_baseline-example-ep4-lr3e-3-g0.9-nadv"),
            ("the same + VecNormalize (`normalize: true`)", "reinforce_baseline-example-ep4-lr3e-3-g0.9-norm"),
            (
                "the MuJoCo block's settings (4000 steps, 80 critic steps, VecNormalize), gamma 0.9",
                "reinforce_baseline-example-mj-g0.9",
            ),
            ("the same, gamma 0.95", "reinforce_baseline-example-mj-g0.95"),
            ("TNPG, shipped config, seeds {seeds}", "tnpg"),
        ),
        ("budget", "reached", "final", "max", "curve_mean"),
    ),
    Table(
        "docs/tnpg.md",
        "CartPole-v1",
        "CartPole-v1",
        (
            ("the block before the fast one: RL-Zoo's TRPO settings with `cg_damping=0.1`", "tnpg"),
            ("RL-Zoo's TRPO settings (`cg_damping=0.001`)", "tnpg-damping0.001"),
        ),
    ),
    Table(
        "docs/tnpg.md",
        "LunarLander-v3",
        "LunarLander-v3",
        (
            (
                "**TNPG, shipped**: 8 envs x 1024 steps, `gamma=0.999`, `target_kl` from 0.03 linearly to 0, **2M steps**, "
                "held-out seeds {seeds}, seen by no try (`--tag heldout3-2M-e8ns1024-g0.999-kllin0.03`)",
                LL_SHIPPED_HELDOUT,
            ),
            ("TNPG, the former 200k block: RL-Zoo's TRPO settings, critic Adam `3e-3` x 30 epochs", "tnpg"),
            ("TNPG, 200k block, held-out seeds 10-14, after the unit-gradient solve (`--tag heldout`)", "tnpg-heldout"),
            ("TNPG, 200k block, held-out seeds {seeds} (`--tag heldout2`)", "tnpg-heldout2"),
            ("TNPG, 200k block, held-out seeds {seeds} (`--tag heldout3`)", "tnpg-heldout3"),
            ("TNPG, 200k block, more tuning seeds {seeds} (`--tag tune2`)", "tnpg-tune2"),
            ("TRPO (sb3-contrib), RL-Zoo's config, held-out seeds 10-14 (`--tag heldout`)", "trpo-heldout"),
            ("TRPO (sb3-contrib), RL-Zoo's config, held-out seeds {seeds} (`--tag heldout2`)", "trpo-heldout2"),
            ("TNPG, RL-Zoo's TRPO settings (critic `1e-3` x 15)", "tnpg-rlzoo"),
            ("TRPO (sb3-contrib), RL-Zoo's config", "trpo"),
            ("A2C (SB3), RL-Zoo's config", "a2c"),
            ("PPO (SB3), RL-Zoo's config, **1M steps**", "ppo"),
            ("TNPG, 200k block, **1M steps** (`-n 1000000 --tag 1M`)", "tnpg-1M"),
            ("TNPG, 200k block, **1M steps**, held-out seeds {seeds} (`-n 1000000 --tag heldout-1M`)", "tnpg-heldout-1M"),
            (
                "TNPG, `target_kl` from 0.01 linearly to 0, **1M steps**, tuning seeds {seeds} (`--tag tune-1M-kllin0.01`)",
                "tnpg-tune-1M-kllin0.01",
            ),
            (
                "TNPG, 8 envs x 256 steps, `target_kl=0.02`, tuning seeds {seeds} (`--tag e8ns256-kl0.02`)",
                "tnpg-e8ns256-kl0.02",
            ),
            (
                "TNPG, 8 envs x 256 steps, `target_kl=0.02`, held-out seeds {seeds} (`--tag heldout-e8ns256-kl0.02`)",
                "tnpg-heldout-e8ns256-kl0.02",
            ),
            (
                "TNPG, 8 envs x 256 steps, `target_kl=0.02`, more tuning seeds {seeds} (`--tag tune2-e8ns256-kl0.02`)",
                "tnpg-tune2-e8ns256-kl0.02",
            ),
            (
                "TNPG, 8 envs x 1024 steps, `gamma=0.999`, `target_kl=0.03`, **1M steps**, tuning seeds {seeds} "
                "(`-n 1000000 --tag tune-1M-e8ns1024-g0.999-kl0.03`)",
                "tnpg-tune-1M-e8ns1024-g0.999-kl0.03",
            ),
            (
                "TNPG, 8 envs x 1024 steps, `gamma=0.999`, `target_kl=0.03`, **1M steps**, held-out seeds {seeds} "
                "(`-n 1000000 --tag heldout-1M-e8ns1024-g0.999-kl0.03`)",
                "tnpg-heldout-1M-e8ns1024-g0.999-kl0.03",
            ),
            (
                "TNPG, 8 envs x 1024 steps, `gamma=0.999`, `target_kl` from 0.03 linearly to 0, **1M steps**, tuning seeds "
                "{seeds} (`-n 1000000 --tag tune-1M-e8ns1024-g0.999-kllin0.03`)",
                "tnpg-tune-1M-e8ns1024-g0.999-kllin0.03",
            ),
            (
                "TNPG, 8 envs x 1024 steps, `gamma=0.999`, `target_kl` from 0.03 linearly to 0, **1M steps**, held-out "
                "seeds {seeds} (`-n 1000000 --tag heldout-1M-e8ns1024-g0.999-kllin0.03`)",
                "tnpg-heldout-1M-e8ns1024-g0.999-kllin0.03",
            ),
            (
                "TNPG, the same with `ent_coef=0.01`, **1M steps**, tuning seeds {seeds} "
                "(`-n 1000000 --tag tune-1M-e8ns1024-g0.999-kllin0.03-ent0.01`)",
                "tnpg-tune-1M-e8ns1024-g0.999-kllin0.03-ent0.01",
            ),
            (
                "TNPG, 16 envs x 1024 steps (PPO's batch), `gamma=0.999`, `target_kl` from 0.03 linearly to 0, **1M steps**, "
                "tuning seeds {seeds} (`-n 1000000 --tag tune-1M-e16ns1024-g0.999-kllin0.03`)",
                "tnpg-tune-1M-e16ns1024-g0.999-kllin0.03",
            ),
            (
                "TNPG, 8 envs x 1024 steps, `gamma=0.999`, `target_kl` from 0.03 linearly to 0, **2M steps**, tuning seeds "
                "{seeds} (`-n 2000000 --tag tune-2M-e8ns1024-g0.999-kllin0.03`)",
                "tnpg-tune-2M-e8ns1024-g0.999-kllin0.03",
            ),
            (
                "TNPG, 8 envs x 1024 steps, `gamma=0.999`, `target_kl` from 0.03 linearly to 0, **2M steps**, held-out "
                "seeds {seeds} (`-n 2000000 --tag heldout-2M-e8ns1024-g0.999-kllin0.03`)",
                "tnpg-heldout-2M-e8ns1024-g0.999-kllin0.03",
            ),
            (
                "TNPG, the same with `target_kl` from 0.03 linearly to 0.01 (`lin_0.03_0.01`), **2M steps**, tuning seeds "
                "{seeds} (`-n 2000000 --tag tune-2M-e8ns1024-g0.999-kllin0.03-0.01`)",
                "tnpg-tune-2M-e8ns1024-g0.999-kllin0.03-0.01",
            ),
            (
                "TNPG, `reject_kl_factor=1.0` (rllab's TNPG check), tuning seeds {seeds} (`--tag rej1.0`)",
                "tnpg-rej1.0",
            ),
            ("TNPG, 8 envs x 256 steps, `target_kl=0.03` (seeds 0-4)", "tnpg-e8ns256-kl0.03"),
            ("TNPG, 8 envs x 256 steps, `target_kl` from 0.04 linearly to 0 (seeds 0-4)", "tnpg-e8ns256-kllin0.04"),
            ("TNPG, 16 envs x 128 steps, `target_kl=0.02` (seeds 0-4)", "tnpg-e16ns128-kl0.02"),
            ("TNPG, `target_kl` from 0.02 linearly to 0 (seeds 0-4)", "tnpg-kllin0.02"),
            ("TNPG, `gamma=0.999` (seeds 0-4)", "tnpg-g0.999"),
            ("TNPG, `normalize: true` (seeds 0-4)", "tnpg-normalize"),
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
        ("reached", "steps", "final", "final100", "max", "curve_mean", "iqm"),
    ),
    *(
        Table(
            "docs/experiments.md",
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
                *((f"{label}, seeds {{seeds}}", run) for label, run in TNPG_MUJOCO_ROWS[env]),
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
    # one decaying linearly from it to 0 and (HalfCheetah, Walker2d) a constant one twice as large; then the reported
    # seeds
    *(
        Table(
            "docs/tnpg.md",
            f"tuning-{env}",
            env,
            (
                (f"TNPG, constant target_kl {kl} (the converted TRPO block), tuning seeds {{seeds}}", "tnpg-tune"),
                (f"TNPG, target_kl from {kl} linearly to 0 (`lin_{kl}`), tuning seeds {{seeds}}", f"tnpg-tune-kllin{kl}"),
                (
                    f"TNPG, constant target_kl {double(kl)} (twice), tuning seeds {{seeds}}",
                    f"tnpg-tune-kl{double(kl)}",
                ),
                (f"TNPG, constant target_kl {kl}, seeds {{seeds}}", "tnpg"),
                (f"TNPG, `lin_{kl}`, seeds {{seeds}} (not used to choose it)", f"tnpg-kllin{kl}"),
            ),
            ("budget", "final", "max", "curve_mean"),
            placeholder=True,
        )
        for env, kl in TNPG_TUNED_KL.items()
    ),
)


def labelled_shipped() -> list[tuple[str, str, str, str]]:
    """The rows of ``TABLES`` whose label calls their runs shipped (not a former block): (file, marker, run, env)."""
    rows = []
    for table in TABLES:
        for row in table.all_rows():
            label = row.label.lower()
            if "shipped" in label and not any(word in label for word in ("former", "before", "tuning")):
                rows.append((table.path, table.marker, row.run, table.env_of(row)))
    return rows


MARKER = re.compile(r"<!-- results:(?P<name>[^ ]+) -->\n(?P<body>.*?)<!-- /results -->", re.DOTALL)


def blocks(runs: Runs, reference_path: Path, table: pd.DataFrame) -> dict[tuple[str, str], str | None]:
    """
    Every generated block: ``{(file, marker): Markdown}``; None for a placeholder table without runs.

    :param runs: the stored runs
    :param reference_path: the random policy's scores (JSON)
    :param table: the table of runs (``runs.load_runs``)
    """
    generated: dict[tuple[str, str], str | None] = {("README.md", "shipped"): render_shipped(table)}
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
    tab10 = plt.get_cmap("tab10")
    colors = dict(zip(NAMES.values(), (tab10(i) for i in range(tab10.N))))
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
            profiles, profile_cis = library.create_performance_profile(scores, tau, reps=report_common._reps)
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

    improvements = improvement_estimates(runs, reference)
    probabilities = {f"{NAMES[x]},{NAMES[y]}": point for x, y, _, (point, _, _) in improvements}
    intervals = {f"{NAMES[x]},{NAMES[y]}": np.array([low, high]) for x, y, _, (_, low, high) in improvements}
    figure, axis = plt.subplots(figsize=(4.5, 0.6 * len(improvements) + 1.0))
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
                failed.append(f"{name}: fact <!-- fact:{line.split(': ')[0]} --> differs from the stored runs: {line}")
        else:
            path.write_text(new)
            print(f"updated {name}")
    for name in sorted({name for name, _ in generated}):
        if not (root / name).is_file():
            failed.append(f"{name}: missing (it holds generated tables)")
    if set(texts) - used:
        failed.append(f"facts used in no file (report_facts.py's FACTS): {sorted(set(texts) - used)}")
    return failed


def main(argv: Sequence[str] | None = None) -> int:
    """
    The command line (``python benchmarks/report.py --help``).

    :param argv: the arguments (default: ``sys.argv[1:]``)
    :return: the exit status: 1 where a table differs (``--check``) or a marker, file or run is missing
    """
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
    report_common._reps = args.reps  # read by interval_estimate there
    root = args.root.resolve()
    runs_dir = args.runs_dir or root / RUNS_DIR
    reference_path = args.random_scores_file or root / RANDOM_SCORES

    if args.random_scores:
        scores = measure_random_scores(CLASSIC_ENVS, args.episodes, seed=0)
        stored: dict[str, Any] = {"command": RANDOM_SCORES_COMMAND, "policy": "uniform random actions (action_space.sample())"}
        stored |= {"episodes": args.episodes, "seed": 0, "gymnasium": version("gymnasium"), "scores": scores}
        reference_path.write_text(json.dumps(stored, indent=1) + "\n")
        print(f"wrote {reference_path}")
        return 0

    runs = {**load_runs(runs_dir), **load_former_runs(runs_dir.parent)}
    # run_zoo's runs, then time_to_solve's (the same runs' seeds twice: run_zoo's first)
    table = pd.concat([runs_table.load_runs(runs_dir), runs_table.load_time_to_solve(runs_dir.parent / "time_to_solve")])
    try:
        generated = blocks(runs, reference_path, table)
        pages = [root / "README.md", *sorted((root / "docs").glob("*.md"))]
        used = {match["key"] for page in pages for match in FACT.finditer(page.read_text())}
        texts = fact_texts(runs, reference_path.parent, used)
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

    failed = shipped_problems(table, labelled_shipped()) + sync_files(root, generated, texts, args.check)
    if failed:
        print("\n\n".join(failed), file=sys.stderr)
        if args.check:
            print("\nregenerate with: python benchmarks/report.py", file=sys.stderr)
        return 1
    if args.check:
        print("every results table and fact matches the stored runs")
    elif not args.no_figures:
        for figure_path in draw_figures(runs, reference_path, root / "docs"):
            print(f"wrote {figure_path.relative_to(root).as_posix()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
