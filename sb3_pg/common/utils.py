"""
Argument checks that the algorithms share: bad input gets a ValueError that names the parameter. The shared pieces of
the updates are in :mod:`sb3_pg.common.updates`.
"""

import math
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import torch as th
from gymnasium import spaces
from stable_baselines3.common.type_aliases import Schedule
from stable_baselines3.common.utils import FloatSchedule

SUPPORTED_ACTION_SPACES = (spaces.Box, spaces.Discrete, spaces.MultiDiscrete, spaces.MultiBinary)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)


def check_step_size(name: str, value: Any) -> None:
    """A learning rate: a finite number >= 0, or a schedule (callable; its values are checked at each update)."""
    if callable(value):
        return
    if not _is_number(value):
        raise ValueError(f"{name}={value!r} must be a number >= 0 or a schedule (a callable of the progress remaining)")
    if not 0 <= value < math.inf:
        raise ValueError(f"{name}={value!r} must be a finite number >= 0")


class CheckedSchedule(FloatSchedule):
    """
    SB3's ``FloatSchedule`` (a constant or a schedule, as a float) that refuses a value that is negative or not
    finite (or above ``maximum``), at its start and end when it is built and whenever the algorithm asks for it, with
    a ValueError naming the parameter and the progress. The progress remaining is clipped to [0, 1]: Reinforce's last
    batch of complete episodes may end past ``total_timesteps``, where a linear schedule would turn negative.

    :param name: The parameter the schedule sets (for the message)
    :param value_schedule: Constant value or callable schedule
    :param maximum: The largest value that can learn, and why (for the message); ``None``: no bound
    """

    def __init__(self, name: str, value_schedule: Schedule | float, maximum: tuple[float, str] | None = None):
        check_step_size(name, value_schedule)
        super().__init__(value_schedule)
        self.name = name
        self.maximum = maximum
        if maximum is not None and not callable(value_schedule) and value_schedule > maximum[0]:
            raise ValueError(f"{name}={value_schedule!r} is above {maximum[0]}: {maximum[1]}")
        if callable(value_schedule):
            # A schedule's first and last values, checked now rather than when training reaches them
            self(1.0), self(0.0)

    def __call__(self, progress_remaining: float) -> float:
        # A batch of complete episodes can end past the budget (progress below 0): the schedule's last value holds
        progress_remaining = min(max(progress_remaining, 0.0), 1.0)
        value = super().__call__(progress_remaining)
        if not 0 <= value < math.inf:
            raise ValueError(
                f"{self.name}: the schedule returned {value!r} at progress_remaining={progress_remaining:.4g}; "
                "a step size must be a finite number >= 0"
            )
        if self.maximum is not None and value > self.maximum[0]:
            raise ValueError(
                f"{self.name}: the schedule returned {value!r} at progress_remaining={progress_remaining:.4g}, above "
                f"{self.maximum[0]}: {self.maximum[1]}"
            )
        return value


def check_entropy_coef(value: Any) -> None:
    """
    An entropy coefficient: a finite number >= 0 (a negative one would reward collapsing the policy), or a schedule
    whose values are (checked at its start and end here, and whenever it is used).
    """
    if callable(value):
        CheckedSchedule("ent_coef", value)
    elif not _is_number(value) or not 0 <= value < math.inf:
        raise ValueError(f"ent_coef={value!r} must be a finite number >= 0")


def warn_if_cuda_unavailable(device: th.device | str) -> None:
    """SB3 falls back to the CPU silently when CUDA is asked for and missing; say so when the user asked explicitly."""
    if device != "auto" and th.device(device).type == "cuda" and not th.cuda.is_available():
        warnings.warn(f"device={str(device)!r} was requested but CUDA is not available: training on the CPU", UserWarning)


def check_positive_finite(name: str, value: Any) -> None:
    """A number > 0 and finite (NaN and inf are refused)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) or not 0 < value < np.inf:
        raise ValueError(f"{name}={value!r} must be a finite number > 0")


def check_positive_int(name: str, value: Any) -> None:
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{name}={value!r} must be an integer >= 1")


def check_unit_interval(name: str, value: float) -> None:
    if not _is_number(value) or not 0.0 <= value <= 1.0:
        raise ValueError(f"{name}={value!r} must be in [0, 1]")


def check_max_grad_norm(value: float | None) -> None:
    if value is not None and (not _is_number(value) or not value > 0):
        raise ValueError(f"max_grad_norm={value!r} must be > 0 (or None to disable clipping)")


def check_action_space(algorithm_name: str, action_space: spaces.Space) -> None:
    if not isinstance(action_space, SUPPORTED_ACTION_SPACES):
        raise ValueError(
            f"Unsupported action space {action_space}: {algorithm_name} supports "
            f"{', '.join(space.__name__ for space in SUPPORTED_ACTION_SPACES)}"
        )


@contextmanager
def no_distribution_validation() -> Iterator[None]:
    """
    Switch off torch.distributions' argument validation for the duration of the block, then restore the global
    setting as it was.

    torch validates the parameters of every distribution it builds (and every value given to ``log_prob``), a
    data-dependent check that costs more than the distribution's own arithmetic on small batches, at each env step and
    each update. Our algorithms check what validation would catch where it matters: non-finite rewards and
    observations (:mod:`sb3_pg.common.callbacks`) and non-finite losses (:func:`sb3_pg.common.updates.check_finite_loss`).
    ``learn()`` of every sb3_pg algorithm runs inside this block; it does not change any computed value.
    """
    previous = th.distributions.Distribution._validate_args
    th.distributions.Distribution.set_default_validate_args(False)
    try:
        yield
    finally:
        th.distributions.Distribution.set_default_validate_args(previous)
