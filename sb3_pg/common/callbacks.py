"""Callbacks that sb3_pg's algorithms add to every ``learn()``."""

from typing import Any

import numpy as np
from stable_baselines3.common.callbacks import BaseCallback, ConvertCallback
from stable_baselines3.common.type_aliases import MaybeCallback


def check_finite(observations: np.ndarray | dict[str, np.ndarray], rewards: np.ndarray, timestep: int) -> None:
    """
    Raise a ValueError naming the env and the timestep when a reward, or a value of a floating-point observation,
    is NaN or inf. Integer and boolean observations cannot be either and are not looked at; nor are actions, infos or
    anything else the env returns.

    :param observations: Observations returned by the step (one row per env; a dict for Dict spaces)
    :param rewards: Rewards returned by the step
    :param timestep: ``num_timesteps`` after the step, for the message
    """
    # Fast path, once per env step: a flat observation array and finite values
    if isinstance(observations, np.ndarray) and np.isfinite(rewards).all():
        if observations.dtype.kind != "f" or np.isfinite(observations).all():
            return
    obs_items = observations.items() if isinstance(observations, dict) else [(None, observations)]
    float_obs = [(key, obs) for key, obs in obs_items if obs.dtype.kind == "f"]
    if np.isfinite(rewards).all() and all(np.isfinite(obs).all() for _, obs in float_obs):
        return
    arrays = [("rewards", rewards)] + [
        ("observations" if key is None else f"observations[{key!r}]", obs) for key, obs in float_obs
    ]
    for name, arr in arrays:
        finite = np.isfinite(arr.reshape(len(arr), -1)).all(axis=1)
        if not finite.all():
            raise ValueError(
                f"Non-finite {name} (NaN or inf) from env {int(np.argmin(finite))} at timestep {timestep}: "
                "check the environment (or its wrappers, e.g. VecNormalize) before training on it"
            )


class CheckFiniteCallback(BaseCallback):
    """
    After each env step, :func:`check_finite` on the step's rewards and observations and, for each episode that
    ended, on its final observation (``info["terminal_observation"]``, which the TD targets bootstrap from). The
    callbacks run before the step is added to the rollout buffer, and :func:`with_finite_check` puts this one before
    the user's, so training stops with the ``ValueError`` before an update uses the step (earlier updates stay).
    """

    def _on_step(self) -> bool:
        new_obs, rewards = self.locals["new_obs"], self.locals["rewards"]
        check_finite(new_obs, rewards, self.num_timesteps)
        infos = self.locals["infos"]
        for index in np.flatnonzero(self.locals["dones"]):
            terminal = infos[index].get("terminal_observation")
            if terminal is not None:
                if isinstance(terminal, dict):
                    terminal = {key: np.asarray(value)[None] for key, value in terminal.items()}
                else:
                    terminal = np.asarray(terminal)[None]
                check_finite(terminal, np.zeros(1), self.num_timesteps)
        return True


def with_finite_check(callback: MaybeCallback) -> list[BaseCallback]:
    """The user's callback(s) as a list, after a :class:`CheckFiniteCallback`."""
    callbacks: list[Any] = callback if isinstance(callback, list) else ([] if callback is None else [callback])
    callbacks = [cb if isinstance(cb, BaseCallback) else ConvertCallback(cb) for cb in callbacks]
    return [CheckFiniteCallback(), *callbacks]
