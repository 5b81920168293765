"""
The table of runs: every run ``benchmarks/run_zoo.py`` stored (``benchmarks/results/zoo/*.json``), one row each, with
its per-run statistics computed once, and the config it trained with as a key. Tables and checks are group-bys of it.

    from runs import load_runs
    runs = load_runs()                                   # a pandas DataFrame
    runs[runs.shipped].groupby(["env", "algo"]).final.median()

Columns: ``name`` (``<algo>[-<tag>]``, the file's), ``tag``, ``algo``, ``env``, ``seed``, ``budget`` (``-n``, else the
config's ``n_timesteps``), ``config`` (the canonical config, see :func:`canonical_config`), ``shipped`` (the config is
the block that ships today: ours in ``zoo_configs/``, RL-Zoo's in its ``hyperparams/``), ``final`` (mean of the last 3
evaluations), ``max``, ``curve_mean`` (mean over the whole curve), ``steps`` (the first evaluation step at or above
the env's threshold; NaN if none), ``reached``, ``final100`` (mean of the final model's ``--final-episodes``
episodes; NaN without them), ``seconds``, ``host``, ``curve`` (``[[step, mean return], ...]``).

Env facts (solved threshold, the random policy's score, family) are data: ``benchmarks/results/envs.json``.
"""

from __future__ import annotations

import functools
import inspect
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
RUNS_DIR = RESULTS / "zoo"
ENVS = json.loads((RESULTS / "envs.json").read_text())["envs"]
# RL-Zoo's own defaults of the keys it reads itself (ExperimentManager), left out of a canonical config as the
# algorithms' constructor defaults are
ZOO_DEFAULTS = {"n_envs": 1, "normalize": False, "frame_stack": False}
# Keys an algorithm ignores under another key's value: left out of its canonical config (a run that set them trained
# exactly as one that did not)
_NO_CRITIC = ("critic_learning_rate", "n_critic_updates")
IGNORED: dict[tuple[str, str], dict[str, tuple[str, ...]]] = {
    ("reinforce_baseline", "baseline"): {"mean": _NO_CRITIC, "step_mean": _NO_CRITIC, "optimal": _NO_CRITIC}
}


@functools.cache
def constructor_defaults(algo: str) -> dict[str, Any]:
    """The keyword defaults of an algorithm's constructor (ours, or the one RL-Zoo names ``algo``)."""
    from rl_zoo3.utils import ALGOS as ZOO_ALGOS

    from sb3_pg import ALGOS

    cls = ALGOS.get(algo) or ZOO_ALGOS.get(algo)
    if cls is None:
        return {}
    parameters = inspect.signature(cls.__init__).parameters.values()
    return {p.name: p.default for p in parameters if p.default is not inspect.Parameter.empty}


def _plain(value: Any) -> Any:
    """A value in one form: integral floats as ints, containers element-wise."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in sorted(value.items())}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def canonical_config(algo: str, hyperparams: dict[str, Any], budget: int) -> str:
    """
    A config as one string, equal for two runs exactly when they trained alike: the hyperparameters with
    ``n_timesteps`` set to the budget, without the keys at their default (the algorithm's constructor's, RL-Zoo's)
    or ignored under another key's value (``IGNORED``), numbers in one form, keys sorted (JSON).
    """
    config = {**hyperparams, "n_timesteps": budget}
    defaults = {**constructor_defaults(algo), **ZOO_DEFAULTS}
    for (name, key), ignored in IGNORED.items():
        if name == algo:
            for dropped in ignored.get(str(config.get(key, defaults.get(key))), ()):
                config.pop(dropped, None)
    config = {key: value for key, value in config.items() if key not in defaults or _plain(value) != _plain(defaults[key])}
    return json.dumps(_plain(config), sort_keys=True)


def run_budget(run: dict) -> int:
    """A stored run's budget: its command's ``-n``, else its config's ``n_timesteps``."""
    command = run["command"]
    if "-n" in command:
        return int(command[command.index("-n") + 1])
    return int(float(run["hyperparams"]["n_timesteps"]))


@functools.cache
def shipped_config(algo: str, env_id: str) -> str | None:
    """The canonical config of the block that ships today for (algo, env): ours, or RL-Zoo's; None without one."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from run_zoo import config_block

    block = config_block(algo, env_id)
    return canonical_config(algo, block, int(float(block["n_timesteps"]))) if block else None


def curve_stats(curve: list, threshold: float) -> dict[str, float]:
    """
    A run's statistics over its evaluation curve, the one place they are computed: ``final`` (mean of the last 3
    evaluations), ``max``, ``curve_mean``, ``steps`` (the first evaluation step at or above ``threshold``; NaN if
    none) and ``last_step`` (the last evaluation's step).
    """
    values = np.array([value for _, value in curve], dtype=float)
    steps = next((step for step, value in curve if value >= threshold), np.nan)
    return {
        "final": float(values[-3:].mean()),
        "max": float(values.max()),
        "curve_mean": float(values.mean()),
        "steps": float(steps),
        "last_step": float(curve[-1][0]),
    }


def run_row(name: str, tag: str, run: dict, hyperparams: dict, budget: int, curve: list, seconds: float) -> dict[str, Any]:
    """
    One row of the table: a stored run's keys and its statistics.

    :param name: the row's run name
    :param tag: its tag
    :param run: the stored run (``algo``, ``env``, ``seed``; ``final_episodes`` and ``machine`` where stored)
    :param hyperparams: the hyperparameters it trained with
    :param budget: its budget
    :param curve: its evaluation curve, ``[[step, mean return], ...]``
    :param seconds: its wall time
    """
    stats = curve_stats(curve, ENVS[run["env"]]["threshold"])
    config = canonical_config(run["algo"], hyperparams, budget)
    final_episodes = run.get("final_episodes")
    return {
        "name": name,
        "tag": tag,
        "algo": run["algo"],
        "env": run["env"],
        "seed": run["seed"],
        "budget": budget,
        "config": config,
        "shipped": config == shipped_config(run["algo"], run["env"]),
        **{key: stats[key] for key in ("final", "max", "curve_mean", "steps")},
        "reached": not np.isnan(stats["steps"]),
        "final100": float(np.mean(final_episodes)) if final_episodes else np.nan,
        "seconds": float(seconds),
        "host": (run.get("machine") or {}).get("host", ""),
        "curve": curve,
    }


COLUMNS = ["name", "tag", "algo", "env", "seed", "budget", "config", "shipped", "final", "max", "curve_mean", "steps"]
COLUMNS += ["reached", "final100", "seconds", "host", "curve"]


def load_runs(runs_dir: Path = RUNS_DIR) -> pd.DataFrame:
    """
    The stored runs of ``run_zoo.py``, one row per run (sorted by name, env and seed).

    :param runs_dir: the folder of run_zoo's JSON files
    :raises ValueError: a file whose name does not match its algo, env and seed, or a run without hyperparams
    """
    rows = []
    for path in sorted(runs_dir.glob("*.json")):
        run = json.loads(path.read_text())
        suffix = f"_{run['env']}_{run['seed']}.json"
        if not path.name.endswith(suffix) or not path.name.startswith(run["algo"]):
            raise ValueError(f"{path}: file name does not match its algo, env and seed")
        if "hyperparams" not in run:
            raise ValueError(f"{path}: no hyperparams (the config block it trained with)")
        name = path.name[: -len(suffix)]
        rows.append(
            run_row(name, name[len(run["algo"]) + 1 :], run, run["hyperparams"], run_budget(run), run["curve"], run["seconds"])
        )
    return pd.DataFrame(rows).sort_values(["name", "env", "seed"], ignore_index=True)


def load_time_to_solve(folder: Path = RESULTS / "time_to_solve") -> pd.DataFrame:
    """
    The runs of ``benchmarks/time_to_solve.py`` that trained their whole budget, as rows of the same table (named
    ``time_to_solve/<folder>``): each stores its resolved config and its evaluation curve (``[step, mean, seconds]``),
    so the shipped ones are found by config too. Runs stopped when solved are left out (their "final" is no final).

    :param folder: the folder of its stored runs (one sub-folder per sweep)
    """
    rows = []
    for path in sorted(folder.glob("*/*.json")):
        run = json.loads(path.read_text())
        if "config" not in run or "curve" not in run or run.get("stopped_when_solved") or run["env"] not in ENVS:
            continue
        curve = [[step, value] for step, value, *_ in run["curve"]]
        seconds = run.get("total_seconds", run["seconds"])
        budget = int(float(run["config"]["n_timesteps"]))
        rows.append(run_row(f"time_to_solve/{path.parent.name}", path.parent.name, run, run["config"], budget, curve, seconds))
    return pd.DataFrame(rows, columns=COLUMNS)
