"""
The number formats of the report's tables and facts (and of ``run_zoo.py``'s summary), and rliable's interval
estimates: a seeded bootstrap of ``reps`` resamples (``report.py --reps``), cached, so each number depends only on its
own runs.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable

import numpy as np

BOOTSTRAP_REPS = 2000
BOOTSTRAP_SEED = 0
reps = BOOTSTRAP_REPS  # the resamples in use (report.py --reps)
_estimates: dict[tuple, tuple[float, float, float]] = {}


def number(value: float, digits: int = 1) -> str:
    """A return as the tables print it: ``digits`` decimals, trailing zeros dropped ("500", "499.7", "0")."""
    text = f"{value:.{digits}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def steps(value: float) -> str:
    """Env steps in thousands ("12.5k") or millions ("1.2M")."""
    if abs(value) >= 1_000_000:
        return f"{number(value / 1_000_000, 2)}M"
    return f"{number(value / 1_000)}k" if abs(value) >= 1_000 else number(value, 0)


def spread(values: Iterable[float], fmt: Callable[[float], str] = number) -> str:
    """The one cell of a statistic over seeds: "median [min, max]", the value alone for one seed, "-" for none."""
    array = np.asarray([value for value in values if not np.isnan(value)], dtype=float)
    if not len(array):
        return "-"
    if len(array) == 1:
        return fmt(float(array[0]))
    return f"{fmt(float(np.median(array)))} [{fmt(float(array.min()))}, {fmt(float(array.max()))}]"


def seed_span(seeds: Iterable[int]) -> str:
    """The seeds of a row, each run of three or more consecutive seeds as a range: ``0, 1, 5-9, 100-109``."""
    parts: list[str] = []
    # Consecutive seeds share seed - position in the sorted list
    for _, group in itertools.groupby(enumerate(sorted(int(seed) for seed in seeds)), lambda item: item[1] - item[0]):
        run = [seed for _, seed in group]
        parts += [f"{run[0]}-{run[-1]}"] if len(run) > 2 else [str(seed) for seed in run]
    return ", ".join(parts)


def interval_estimate(scores: np.ndarray | list[np.ndarray], func: Callable[..., float]) -> tuple[float, float, float]:
    """
    A point estimate and its 95% stratified-bootstrap confidence interval (``rliable.library.get_interval_estimates``,
    numpy's global generator seeded with ``BOOTSTRAP_SEED`` before and restored after). Scores that are all equal have
    that value as estimate and interval, as the bootstrap would give.

    :param scores: runs x tasks, or a list of such arrays for a function of several (probability of improvement)
    :param func: the aggregate, e.g. :func:`iqm`
    :return: (point, lower, upper)
    """
    from rliable import library

    arrays = [scores] if isinstance(scores, np.ndarray) else list(scores)
    key = (func.__qualname__, reps, *((array.shape, array.tobytes()) for array in arrays))
    if key not in _estimates:
        if len(arrays) == 1 and np.ptp(arrays[0]) == 0:
            value = float(func(arrays[0]))
            _estimates[key] = value, value, value
            return _estimates[key]
        state = np.random.get_state()
        np.random.seed(BOOTSTRAP_SEED)
        try:
            points, intervals = library.get_interval_estimates(
                {"x": scores}, lambda *samples: np.array([func(*samples)]), reps=reps
            )
        finally:
            np.random.set_state(state)
        _estimates[key] = float(points["x"][0]), float(intervals["x"][0, 0]), float(intervals["x"][1, 0])
    return _estimates[key]


def iqm(scores: np.ndarray) -> float:
    """
    The interquartile mean of all the scores: ``rliable.metrics.aggregate_iqm`` (scipy's ``trim_mean`` cutting 25% at
    each end, over the flattened array), the same arithmetic without scipy's argument handling, which costs 40 times
    the computation on the bootstrap's thousands of small resamples (tests/test_report.py checks that both agree).

    :param scores: runs x tasks
    """
    flat = np.ravel(scores)
    cut = int(0.25 * flat.size)
    return float(np.mean(np.partition(flat, (cut, flat.size - cut - 1))[cut : flat.size - cut]))


def probability_of_improvement(scores_x: np.ndarray, scores_y: np.ndarray) -> float:
    """
    P(X > Y), averaged over tasks: ``rliable.metrics.probability_of_improvement``, whose per-task Mann-Whitney U
    statistic over n x m pairs is counted here directly, #(x > y) + #(x = y) / 2, without scipy's argument handling
    (tests/test_report.py checks that both agree).

    :param scores_x: runs of X x tasks
    :param scores_y: runs of Y x tasks
    """
    probabilities = []
    for x, y in zip(scores_x.T, scores_y.T):
        if np.array_equal(x, y):
            probabilities.append(0.5)
        else:
            pairs = x[:, None] - y[None, :]
            probabilities.append(((pairs > 0).sum() + 0.5 * (pairs == 0).sum()) / pairs.size)
    return float(np.mean(probabilities))


def iqm_cell(values: Iterable[float]) -> str:
    """IQM [95% CI] of one value per run (:func:`iqm`), "-" for none."""
    array = np.asarray([value for value in values if not np.isnan(value)], dtype=float)
    if not len(array):
        return "-"
    point, low, high = interval_estimate(array[:, None], iqm)
    return f"{number(point)} [{number(low)}, {number(high)}]"
