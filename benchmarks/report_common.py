"""
What the parts of ``benchmarks/report.py`` share: the stored runs' paths and their loading (``load_runs``,
``load_former_runs``), a run's final evaluation, rliable's interval estimates with their cache (a seeded bootstrap of
``_reps`` resamples, which ``report.main`` sets from ``--reps``), the random policy's reference scores and the number
formats of the tables and facts.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from runs import ENVS

ROOT = Path(__file__).resolve().parent.parent
RUNS_DIR = "benchmarks/results/zoo"
RANDOM_SCORES = "benchmarks/results/random_scores.json"
# rliable's bootstrap: a fixed number of resamples, and numpy's global generator (which rliable draws from) seeded
# afresh before every estimate, so each number depends only on its own runs
BOOTSTRAP_REPS = 2000
_reps = BOOTSTRAP_REPS  # the resamples in use (--reps)
BOOTSTRAP_SEED = 0

# The envs of each family, in the order of benchmarks/results/envs.json (data: adding an env is a line there)
CLASSIC_ENVS = tuple(env for env, facts in ENVS.items() if facts["family"] == "classic")
MUJOCO_ENVS = tuple(env for env, facts in ENVS.items() if facts["family"] == "mujoco")
NAMES = {
    "reinforce": "Reinforce",
    "reinforce_baseline": "ReinforceBaseline",
    "td_actor_critic": "TDActorCritic",
    "tnpg": "TNPG",
    "a2c": "A2C",
    "ppo": "PPO",
    "trpo": "TRPO",
}
# Former runners' files (benchmarks/results/): their runs join the stored runs under "<former runner>:<algorithm>"
FORMER_RUNS = ("cartpole_curves.json", "tnpg_*.json", "td_actor_critic_*.json")

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


def spread(values: list[float], fmt: Callable[[float], str]) -> str:
    """
    The one cell format of a statistic over seeds: "median [min, max]", the value alone for one value, "-" for none.

    :param values: the values (one per seed)
    :param fmt: the format of each number
    """
    if not values:
        return "-"
    if len(values) == 1:
        return fmt(values[0])
    return f"{fmt(float(np.median(values)))} [{fmt(min(values))}, {fmt(max(values))}]"


def final_episodes_mean(run: dict) -> float:
    """The mean return of a run's ``final_episodes`` (``run_zoo.py --final-episodes``: the final model's greedy episodes)."""
    return float(np.mean(run["final_episodes"]))


def final_model_cell(runs: list[dict]) -> str:
    """
    The "final model, 100 episodes" cell of a row: median [min, max] over its runs of the mean of each run's
    ``final_episodes`` (``run_zoo.py --final-episodes``: the final model's greedy episodes); "-" where a run has none.
    """
    if any(not run.get("final_episodes") for run in runs):
        return "-"
    return spread([final_episodes_mean(run) for run in runs], number)


def random_scores(path: Path) -> dict[str, dict]:
    """
    The random policy's score per env, as stored by ``--random-scores``.

    :param path: the JSON file
    """
    return json.loads(path.read_text())["scores"]


# The converted TRPO blocks' target_kl per env, tried against a linear decay from it (run_zoo --tag tune-kllin<kl>)
# and twice its value (--tag tune-kl<2 kl>)
TNPG_TUNED_KL = {"HalfCheetah-v5": "0.24", "Hopper-v5": "0.03", "Walker2d-v5": "0.06"}


def double(kl: str) -> str:
    """Twice a target_kl, as run_zoo's tag spells it (``0.48`` for ``0.24``)."""
    return f"{2 * float(kl):g}"


# The envs whose shipped TNPG block lets target_kl decay linearly from the converted block's value
TNPG_DECAYING = ("Hopper-v5", "Walker2d-v5")


def tnpg_shipped(env: str) -> str:
    """The run name of TNPG's shipped MuJoCo block on ``env``: ``tnpg-kllin<kl>`` where it decays, else ``tnpg``."""
    return f"tnpg-kllin{TNPG_TUNED_KL[env]}" if env in TNPG_DECAYING else "tnpg"
