"""
Episodic rollout buffers: batches of complete episodes with exact Monte-Carlo returns.

They are SB3's ``RolloutBuffer`` / ``DictRolloutBuffer`` (same storage, one row per vectorised step and one
column per env, same ``get()``, ``to_torch()`` and device handling) with three changes:

- the storage grows when full, so an episode longer than any preallocated size fits;
- ``finalize(end_rows)`` closes the batch: env ``e`` contributes the steps of rows ``[0, end_rows[e])``,
  which hold whole episodes only (row 0 starts an episode in every env); later rows are discarded;
- returns are computed from rewards alone (no bootstrapping): the reward-to-go
  ``G_t = sum_{k>=t} gamma^(k-t) r_k`` or the episode return ``G_0`` at every step, together with the
  step's index in its episode ``t`` (for the ``gamma^t`` factor) and the episode's id in the batch.
"""

from collections.abc import Generator
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import torch as th
from gymnasium import spaces
from stable_baselines3.common.buffers import DictRolloutBuffer, RolloutBuffer
from stable_baselines3.common.type_aliases import PyTorchObs, TensorDict

RETURN_TYPES = ("reward_to_go", "episode")


def reward_to_go(rewards: np.ndarray, episode_starts: np.ndarray, gamma: float) -> np.ndarray:
    """
    The Monte-Carlo return from each step to the end of its episode, ``G_t = r_t + gamma G_{t+1}``, restarting after
    each episode's last step (the row before an episode start, and the last row). No bootstrapping: the last row must
    end an episode in every column.

    :param rewards: Rewards, one row per (vectorised) step and one column per env (or a single column of steps)
    :param episode_starts: 1 where a row starts an episode, same shape
    :param gamma: Discount factor
    :return: The returns, of the rewards' shape and dtype
    """
    returns = np.zeros_like(rewards)
    next_return = np.zeros_like(rewards[0])
    with np.errstate(over="ignore", invalid="ignore"):  # overflowing returns are reported by the loss check
        for row in reversed(range(len(rewards))):
            next_non_terminal = 0.0 if row == len(rewards) - 1 else 1.0 - episode_starts[row + 1]
            next_return = rewards[row] + gamma * next_return * next_non_terminal
            returns[row] = next_return
    return returns


class EpisodicSamples(NamedTuple):
    observations: th.Tensor
    actions: th.Tensor
    old_values: th.Tensor
    old_log_prob: th.Tensor
    returns: th.Tensor
    discounts: th.Tensor
    episode_ids: th.Tensor
    step_index: th.Tensor


class DictEpisodicSamples(NamedTuple):
    observations: TensorDict
    actions: th.Tensor
    old_values: th.Tensor
    old_log_prob: th.Tensor
    returns: th.Tensor
    discounts: th.Tensor
    episode_ids: th.Tensor
    step_index: th.Tensor


# For the type checker, the mixin is a RolloutBuffer (its methods call the buffer's); at run time a plain mixin
if TYPE_CHECKING:
    _MixinBase = RolloutBuffer
else:
    _MixinBase = object


class _EpisodicMixin(_MixinBase):
    """What the flat and the Dict episodic buffers share (see the module docstring)."""

    observations: Any

    # Per-step storage (rows x envs) that grows and shrinks with the observations, and what get() hands out
    _step_arrays = ("actions", "rewards", "returns", "episode_starts", "values", "log_probs", "advantages")
    _sample_arrays = ("actions", "values", "log_probs", "returns", "discounts", "episode_ids", "step_index")

    def __init__(self, buffer_size: int | None, *args: Any, return_type: str = "reward_to_go", **kwargs: Any):
        if return_type not in RETURN_TYPES:
            raise ValueError(f"return_type={return_type!r} is not one of {RETURN_TYPES}")
        self.return_type = return_type
        # Initial rows: the batch's share of each env (at least 64); the storage grows to fit whole episodes
        n_envs = kwargs.get("n_envs", 1)
        super().__init__(max(64, -(-(buffer_size or 0) // n_envs)), *args, **kwargs)
        self._capacity = self.buffer_size

    def reset(self) -> None:
        self.buffer_size = getattr(self, "_capacity", self.buffer_size)
        super().reset()
        self.n_episodes = 0
        self.valid = np.zeros((0, self.n_envs), dtype=bool)

    def _resize(self, fn: Any) -> None:
        for name in self._step_arrays:
            setattr(self, name, fn(getattr(self, name)))
        if isinstance(self.observations, dict):
            self.observations = {key: fn(obs) for key, obs in self.observations.items()}
        else:
            self.observations = fn(self.observations)

    def add(
        self,
        obs: Any,
        action: np.ndarray,
        reward: np.ndarray,
        episode_start: np.ndarray,
        value: th.Tensor | None,
        log_prob: th.Tensor,
    ) -> None:
        """As ``RolloutBuffer.add``; the storage doubles when full, and ``value`` may be ``None`` (no critic)."""
        if self.pos == self.buffer_size:
            # Double the storage along the time axis
            self._resize(lambda arr: np.concatenate([arr, np.zeros_like(arr)]))
            self.buffer_size *= 2
            self._capacity = self.buffer_size
            self.full = False
        if value is None:
            value = th.zeros(self.n_envs)
        super().add(obs, action, reward, episode_start, value, log_prob)

    def finalize(self, end_rows: np.ndarray) -> None:
        """
        Close the batch and compute the Monte-Carlo returns.

        :param end_rows: for each env, the row after the last step of its last complete episode
            (0 when the env contributes nothing). Steps at and after it are discarded.
        """
        n_rows = self.pos
        end_rows = np.asarray(end_rows, dtype=np.int64)
        assert np.all(self.episode_starts[0] == 1), "every env must start an episode at row 0"
        # Keep the rows written so far (views, no copy)
        self._resize(lambda arr: arr[:n_rows])
        self.buffer_size = n_rows
        self.full = True

        rows = np.arange(n_rows)[:, None]
        self.valid = rows < end_rows[None, :]
        starts = self.episode_starts.astype(bool)

        # The last kept step of each env ends an episode, so discarded rows never leak into kept ones
        returns_to_go = reward_to_go(self.rewards, self.episode_starts, self.gamma)

        # Row at which the episode containing each step started, and the step's index t within it
        episode_start_row = np.maximum.accumulate(np.where(starts, rows, 0), axis=0)
        self.step_index = rows - episode_start_row
        self.discounts = (self.gamma**self.step_index).astype(np.float32)

        if self.return_type == "reward_to_go":
            self.returns = returns_to_go
        else:
            # Whole-episode (discounted) return G_0, the same for every step of the episode
            self.returns = np.take_along_axis(returns_to_go, episode_start_row, axis=0)

        # Episode ids, unique over the batch: env by env, in the order of the episodes
        local_ids = np.cumsum(starts, axis=0) - 1
        episodes_per_env = np.array(
            [local_ids[end - 1, env] + 1 if end > 0 else 0 for env, end in enumerate(end_rows)], dtype=np.int64
        )
        self.episode_ids = local_ids + (np.cumsum(episodes_per_env) - episodes_per_env)[None, :]
        self.n_episodes = int(episodes_per_env.sum())
        self.episodes_per_env = episodes_per_env

    @property
    def n_valid_steps(self) -> int:
        return int(self.valid.sum())

    def _valid_indices(self) -> np.ndarray:
        # swap_and_flatten orders samples env by env: flat index = env * n_rows + row
        return np.flatnonzero(self.valid.T)

    def get(self, batch_size: int | None = None) -> Generator[Any, None, None]:  # type: ignore[override]
        """
        Yield the kept steps (those of complete episodes) in random order, ``batch_size`` at a time
        (all at once when ``None``).
        """
        assert self.full, "finalize() must be called before get()"
        if not self.generator_ready:
            for name in self._sample_arrays:
                setattr(self, name, self.swap_and_flatten(getattr(self, name)))
            if isinstance(self.observations, dict):
                self.observations = {key: self.swap_and_flatten(obs) for key, obs in self.observations.items()}
            else:
                self.observations = self.swap_and_flatten(self.observations)
            self.generator_ready = True
        indices = np.random.permutation(self._valid_indices())
        if batch_size is None:
            batch_size = len(indices)
        for start in range(0, len(indices), batch_size):
            yield self._get_samples(indices[start : start + batch_size])

    def _get_samples(self, batch_inds: np.ndarray, env: Any = None) -> Any:  # type: ignore[override]
        observations: PyTorchObs
        if isinstance(self.observations, dict):
            observations = {key: self.to_torch(obs[batch_inds]) for key, obs in self.observations.items()}
            samples_class: Any = DictEpisodicSamples
        else:
            observations = self.to_torch(self.observations[batch_inds])
            samples_class = EpisodicSamples
        return samples_class(
            observations,
            self.to_torch(self.actions[batch_inds].astype(np.float32, copy=False)),
            *(self.to_torch(getattr(self, name)[batch_inds].flatten()) for name in self._sample_arrays[1:]),
        )


class EpisodicRolloutBuffer(_EpisodicMixin, RolloutBuffer):
    """
    Rollout buffer of complete episodes with exact Monte-Carlo returns (see the module docstring).

    :param buffer_size: Steps per batch over all envs, if known (``n_steps``; ``None`` when the batch is set in
        episodes): it sizes the initial storage, ``max(64, buffer_size / n_envs)`` rows, which grows when needed
    :param observation_space: Observation space
    :param action_space: Action space
    :param device: PyTorch device
    :param gae_lambda: Unused (kept for SB3's signature)
    :param gamma: Discount factor
    :param n_envs: Number of parallel environments
    :param return_type: ``"reward_to_go"`` (G_t at step t) or ``"episode"`` (G_0 at every step)
    """

    def __init__(
        self,
        buffer_size: int | None,
        observation_space: spaces.Space,
        action_space: spaces.Space,
        device: th.device | str = "auto",
        gae_lambda: float = 1,
        gamma: float = 0.99,
        n_envs: int = 1,
        return_type: str = "reward_to_go",
    ):
        super().__init__(
            buffer_size,
            observation_space,
            action_space,
            device=device,
            gae_lambda=gae_lambda,
            gamma=gamma,
            n_envs=n_envs,
            return_type=return_type,
        )


class DictEpisodicRolloutBuffer(_EpisodicMixin, DictRolloutBuffer):
    """:class:`EpisodicRolloutBuffer` for Dict observation spaces (same parameters)."""

    def __init__(
        self,
        buffer_size: int | None,
        observation_space: spaces.Dict,
        action_space: spaces.Space,
        device: th.device | str = "auto",
        gae_lambda: float = 1,
        gamma: float = 0.99,
        n_envs: int = 1,
        return_type: str = "reward_to_go",
    ):
        super().__init__(
            buffer_size,
            observation_space,
            action_space,
            device=device,
            gae_lambda=gae_lambda,
            gamma=gamma,
            n_envs=n_envs,
            return_type=return_type,
        )
