"""Argument checks shared by the algorithms: bad input gets a ValueError that names the parameter."""

from typing import Any

import numpy as np
from gymnasium import spaces

SUPPORTED_ACTION_SPACES = (spaces.Box, spaces.Discrete, spaces.MultiDiscrete, spaces.MultiBinary)


def check_step_size(name: str, value: Any) -> None:
    """A learning rate: a float >= 0 or a schedule (callable)."""
    if isinstance(value, (int, float)) and value < 0:
        raise ValueError(f"{name}={value!r} must be >= 0")


def check_positive_finite(name: str, value: Any) -> None:
    """A number > 0 and finite (NaN and inf are refused)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) or not 0 < value < np.inf:
        raise ValueError(f"{name}={value!r} must be a finite number > 0")


def check_positive_int(name: str, value: Any) -> None:
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{name}={value!r} must be an integer >= 1")


def check_unit_interval(name: str, value: float) -> None:
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{name}={value!r} must be in [0, 1]")


def check_max_grad_norm(value: float | None) -> None:
    if value is not None and not value > 0:
        raise ValueError(f"max_grad_norm={value!r} must be > 0 (or None to disable clipping)")


def check_action_space(algorithm_name: str, action_space: spaces.Space) -> None:
    if not isinstance(action_space, SUPPORTED_ACTION_SPACES):
        raise ValueError(
            f"Unsupported action space {action_space}: {algorithm_name} supports "
            f"{', '.join(space.__name__ for space in SUPPORTED_ACTION_SPACES)}"
        )
