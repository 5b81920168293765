"""
Gymnasium's vector environments behind SB3's ``VecEnv`` interface.

A gymnasium ``VectorEnv`` steps all its envs in one call; an env with a ``vector_entry_point`` (CartPole) does it in
numpy over arrays of states, with no Python loop over the envs. SB3's ``DummyVecEnv`` steps gymnasium envs one by
one. :class:`GymnasiumVecEnv` gives a gymnasium vector env SB3's semantics, so SB3's algorithms (and ours) can
learn from it, and :func:`make_gymnasium_vec_env` builds one with SB3's ``VecMonitor`` for the episode statistics.
"""

import os
import warnings
from collections.abc import Sequence
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium.envs.classic_control.cartpole import CartPoleVectorEnv
from gymnasium.vector import AsyncVectorEnv, AutoresetMode, SyncVectorEnv, VectorEnv
from stable_baselines3.common.env_util import is_wrapped
from stable_baselines3.common.vec_env import VecMonitor
from stable_baselines3.common.vec_env.base_vec_env import VecEnv, VecEnvIndices, VecEnvObs, VecEnvStepReturn

__all__ = ["GymnasiumVecEnv", "make_gymnasium_vec_env"]

VECTORIZATION_MODES = ("vector_entry_point", "sync", "async")


def unbatch_info(info: dict[str, Any], n_envs: int) -> list[dict[str, Any]]:
    """
    Split a gymnasium vector env's info (a dict of arrays, ``info["_key"]`` marking the envs that have ``key``) into
    one dict per env, as SB3 gives them.

    :param info: The vector env's info
    :param n_envs: Number of envs
    :return: The info of each env
    """
    infos: list[dict[str, Any]] = [{} for _ in range(n_envs)]
    for key, value in info.items():
        if key.startswith("_") and key[1:] in info:
            continue  # a mask
        mask = info.get(f"_{key}")
        indices = range(n_envs) if mask is None else np.flatnonzero(mask)
        per_env = unbatch_info(value, n_envs) if isinstance(value, dict) else value
        for i in indices:
            infos[i][key] = per_env[i]
    return infos


def _index_obs(obs: VecEnvObs, index: int | np.integer) -> Any:
    """The observation of one env in a batch of observations (an array, or a dict or tuple of arrays)."""
    if isinstance(obs, dict):
        return {key: value[index].copy() for key, value in obs.items()}
    if isinstance(obs, tuple):
        return tuple(value[index].copy() for value in obs)
    return obs[index].copy()


def _reset_cartpoles(env: CartPoleVectorEnv, mask: np.ndarray) -> tuple[np.ndarray, dict[str, Any]]:
    """
    Reset the envs of ``mask`` in a ``CartPoleVectorEnv`` now, as its ``step`` would at the next step (next-step
    autoreset): a new state drawn from the vector env's generator within its reset bounds, the step count at 0.

    :return: The observations of all envs (the others unchanged) and an empty info
    """
    env.state[:, mask] = env.np_random.uniform(low=env.low, high=env.high, size=(4, int(mask.sum())))  # type: ignore[index]
    env.steps[mask] = 0
    env.prev_done[mask] = False
    return env.state.T.astype(np.float32), {}  # type: ignore[attr-defined]


class GymnasiumVecEnv(VecEnv):
    """
    A gymnasium vector env (``gymnasium.vector.VectorEnv``) with SB3's ``VecEnv`` interface and semantics:

    - ``step`` returns ``(obs, rewards, dones, infos)`` with ``dones = terminated | truncated``; the observation of a
      done env is the first of its next episode, the last one of the finished episode is in
      ``infos[i]["terminal_observation"]``, and ``infos[i]["TimeLimit.truncated"]`` is ``truncated and not terminated``
      (SB3 bootstraps from the terminal observation there). Rewards are float32, as DummyVecEnv's.
    - ``reset`` returns the observations; seeds set by ``seed()`` are used at the next reset, then dropped (SB3 2.x).
      Gymnasium's ``SyncVectorEnv`` and ``AsyncVectorEnv`` seed env i with ``seed + i``, as DummyVecEnv does (same
      observations); a vector env with one generator for all its envs (CartPole's ``vector_entry_point``) is seeded
      with ``seed``: its episodes are reproducible, but not DummyVecEnv's.
    - The vector env's autoreset mode (``metadata["autoreset_mode"]``) decides how done envs are reset:
      ``SAME_STEP`` (the final observation in ``info["final_obs"]``) needs nothing more. With ``NEXT_STEP`` or
      ``DISABLED``, the adapter resets the done envs itself right after the step, where it knows how:
      ``reset(options={"reset_mask": ...})`` for ``SyncVectorEnv`` and ``AsyncVectorEnv``, the env's own reset draw
      for an unwrapped ``CartPoleVectorEnv`` (which resets nothing else). Other vector envs need ``SAME_STEP``.
    - ``get_attr``, ``set_attr``, ``env_method`` and ``env_is_wrapped`` reach each env of a ``SyncVectorEnv`` (as
      DummyVecEnv's do) and each env of an ``AsyncVectorEnv`` through its ``get_attr``/``set_attr``/``call``. A vector
      env that simulates its envs together has no env objects: an attribute or method is the vector env's own, the
      same for every index, and ``env_is_wrapped`` is False (no per-env wrappers).

    Episode statistics (``info["episode"]``, which SB3's logger reads) come from SB3's ``VecMonitor`` around it, as
    :func:`make_gymnasium_vec_env` does.

    :param env: The gymnasium vector env
    """

    def __init__(self, env: VectorEnv) -> None:
        self.env = env
        base = env.unwrapped
        self._sub_envs: list[gym.Env] | None = list(base.envs) if isinstance(base, SyncVectorEnv) else None
        self._per_env_calls = isinstance(base, (SyncVectorEnv, AsyncVectorEnv))
        mode = env.metadata.get("autoreset_mode", AutoresetMode.NEXT_STEP)
        self.autoreset_mode = mode if isinstance(mode, AutoresetMode) else AutoresetMode(mode)
        if self.autoreset_mode != AutoresetMode.SAME_STEP and not (self._per_env_calls or type(env) is CartPoleVectorEnv):
            raise ValueError(
                f"{type(env).__name__} resets its envs with autoreset mode {self.autoreset_mode.name}, and GymnasiumVecEnv "
                "does not know how to reset one of its envs alone: give it a vector env with AutoresetMode.SAME_STEP "
                "(gymnasium's SyncVectorEnv / AsyncVectorEnv take autoreset_mode=...), or an unwrapped CartPoleVectorEnv"
            )
        self.actions: np.ndarray = np.zeros(0)
        super().__init__(env.num_envs, env.single_observation_space, env.single_action_space)
        self.spec = env.spec

    def step_async(self, actions: np.ndarray) -> None:
        actions = np.asarray(actions)
        if isinstance(self.action_space, gym.spaces.Discrete):
            actions = actions.reshape(self.num_envs)
        self.actions = actions

    def step_wait(self) -> VecEnvStepReturn:
        obs, rewards, terminated, truncated, info = self.env.step(self.actions)
        dones = np.logical_or(terminated, truncated)
        bootstrap = np.logical_and(truncated, np.logical_not(terminated))
        if self.autoreset_mode == AutoresetMode.SAME_STEP:
            infos = self._same_step_infos(info, dones)
            final_obs = info.get("final_obs")
            for i in np.flatnonzero(dones):
                infos[i]["terminal_observation"] = final_obs[i]  # type: ignore[index]
        else:
            infos = unbatch_info(info, self.num_envs) if info else [{} for _ in range(self.num_envs)]
            if dones.any():
                for i in np.flatnonzero(dones):
                    infos[i]["terminal_observation"] = _index_obs(obs, i)
                obs = self._reset_done(dones)
        for env_info, truncation in zip(infos, bootstrap.tolist()):
            env_info["TimeLimit.truncated"] = truncation
        return obs, np.asarray(rewards, dtype=np.float32), dones, infos

    def _same_step_infos(self, info: dict[str, Any], dones: np.ndarray) -> list[dict[str, Any]]:
        """
        Per-env infos of a same-step autoreset: a done env's info is that of its last step (``info["final_info"]``),
        the top-level info of a done env is its reset info (kept in ``reset_infos``).
        """
        if not info:
            return [{} for _ in range(self.num_envs)]
        rest = {
            key: value for key, value in info.items() if key not in ("final_obs", "_final_obs", "final_info", "_final_info")
        }
        infos = unbatch_info(rest, self.num_envs)
        if dones.any():
            final_infos = unbatch_info(info.get("final_info", {}), self.num_envs)
            for i in np.flatnonzero(dones):
                self.reset_infos[i] = infos[i]
                infos[i] = final_infos[i]
        return infos

    def _reset_done(self, dones: np.ndarray) -> VecEnvObs:
        """Reset the done envs now (next-step or disabled autoreset); the observations of all envs."""
        if type(self.env) is CartPoleVectorEnv:
            obs, info = _reset_cartpoles(self.env, dones)
        else:
            obs, info = self.env.reset(options={"reset_mask": dones.copy()})
        reset_infos = unbatch_info(info, self.num_envs)
        for i in np.flatnonzero(dones):
            self.reset_infos[i] = reset_infos[i]
        return obs

    def reset(self) -> VecEnvObs:
        seeds = self._seeds
        seed: int | list[int | None] | None = None
        if any(s is not None for s in seeds):
            # Sync / Async vector envs seed each env; others have one generator, seeded with the first seed
            seed = list(seeds) if self._per_env_calls else next(s for s in seeds if s is not None)
        if any(options != self._options[0] for options in self._options):
            raise ValueError("GymnasiumVecEnv: a gymnasium vector env takes the same reset options for all its envs")
        options = dict(self._options[0]) if self._options[0] else None
        obs, info = self.env.reset(seed=seed, options=options)  # type: ignore[arg-type]
        self.reset_infos = unbatch_info(info, self.num_envs)
        # Seeds and options are only used once
        self._reset_seeds()
        self._reset_options()
        return obs

    def close(self) -> None:
        self.env.close()

    def get_images(self) -> Sequence[np.ndarray | None]:
        if self.render_mode != "rgb_array":
            warnings.warn(
                f"The render mode is {self.render_mode}, but this method assumes it is `rgb_array` to obtain images."
            )
            return [None for _ in range(self.num_envs)]
        return list(self.env.render() or [])  # type: ignore[arg-type]

    def render(self, mode: str | None = None) -> np.ndarray | None:
        """
        Render the envs, tiled together in one image (see SB3's ``VecEnv.render``).

        :param mode: The rendering type (the vector env's ``render_mode``)
        """
        return super().render(mode=mode)

    def get_attr(self, attr_name: str, indices: VecEnvIndices = None) -> list[Any]:
        """Return an attribute of each env (a vector env without env objects: its own attribute, for each index)."""
        indices = list(self._get_indices(indices))
        if self._sub_envs is not None:
            return [self._sub_envs[i].get_wrapper_attr(attr_name) for i in indices]
        if self._per_env_calls:
            values = self.env.unwrapped.get_attr(attr_name)  # type: ignore[attr-defined]
            return [values[i] for i in indices]
        return [getattr(self.env, attr_name) for _ in indices]

    def set_attr(self, attr_name: str, value: Any, indices: VecEnvIndices = None) -> None:
        """Set an attribute of each env (a vector env without env objects: its own, for all indices at once only)."""
        indices = list(self._get_indices(indices))
        if self._sub_envs is not None:
            for i in indices:
                setattr(self._sub_envs[i], attr_name, value)
            return
        if sorted(indices) != list(range(self.num_envs)):
            raise ValueError(f"{type(self.env.unwrapped).__name__}: an attribute is set for all envs at once, not per env")
        if self._per_env_calls:
            self.env.unwrapped.set_attr(attr_name, value)  # type: ignore[attr-defined]
        else:
            setattr(self.env, attr_name, value)

    def env_method(self, method_name: str, *method_args, indices: VecEnvIndices = None, **method_kwargs) -> list[Any]:
        """
        Call a method of each env (a vector env without env objects: its own method, called once, its result given
        for each index).
        """
        indices = list(self._get_indices(indices))
        if self._sub_envs is not None:
            return [self._sub_envs[i].get_wrapper_attr(method_name)(*method_args, **method_kwargs) for i in indices]
        if self._per_env_calls:
            results = self.env.unwrapped.call(method_name, *method_args, **method_kwargs)  # type: ignore[attr-defined]
            return [results[i] for i in indices]
        result = getattr(self.env, method_name)(*method_args, **method_kwargs)
        return [result for _ in indices]

    def env_is_wrapped(self, wrapper_class: type[gym.Wrapper], indices: VecEnvIndices = None) -> list[bool]:
        """Whether each env is wrapped with ``wrapper_class`` (False where the vector env has no env objects)."""
        indices = list(self._get_indices(indices))
        if self._sub_envs is not None:
            return [is_wrapped(self._sub_envs[i], wrapper_class) for i in indices]
        return [False for _ in indices]


def make_gymnasium_vec_env(
    env_id: str,
    n_envs: int = 1,
    seed: int | None = None,
    vectorization_mode: str | None = None,
    monitor_dir: str | None = None,
    **kwargs: Any,
) -> VecMonitor:
    """
    SB3's ``make_vec_env`` for gymnasium's vector envs: ``gym.make_vec`` wrapped in :class:`GymnasiumVecEnv` and SB3's
    ``VecMonitor`` (episode statistics for the logger).

    :param env_id: A registered gymnasium env id
    :param n_envs: Number of envs
    :param seed: Seed of the first reset (``None``: random), as SB3's ``make_vec_env``
    :param vectorization_mode: ``"vector_entry_point"`` (the env's own vectorised implementation), ``"sync"`` or
        ``"async"`` (gymnasium's ``SyncVectorEnv`` / ``AsyncVectorEnv`` of single envs, set to same-step autoreset).
        ``None``: ``"vector_entry_point"`` if the env has one, else ``"sync"``.
    :param monitor_dir: Folder of the ``VecMonitor``'s log file (``None``: no file)
    :param kwargs: Keyword arguments of the env (e.g. ``max_episode_steps``), passed to ``gym.make_vec``
    :return: The vectorised env
    :raises ValueError: ``n_envs`` not a whole number >= 1, a seed below 0, or an unknown ``vectorization_mode``
    """
    if isinstance(n_envs, bool) or not isinstance(n_envs, (int, np.integer)) or n_envs < 1:
        raise ValueError(f"n_envs={n_envs!r}: the number of envs must be a whole number >= 1")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0):
        raise ValueError(f"seed={seed!r}: must be None (random) or a whole number >= 0, as gymnasium's reset takes it")
    if vectorization_mode not in (None, *VECTORIZATION_MODES):
        raise ValueError(f"vectorization_mode={vectorization_mode!r}: choose from {VECTORIZATION_MODES} (or None)")
    spec = gym.spec(env_id)
    if vectorization_mode is None:
        vectorization_mode = "vector_entry_point" if spec.vector_entry_point is not None else "sync"
    if vectorization_mode == "vector_entry_point" and spec.vector_entry_point is None:
        raise ValueError(
            f"{env_id} has no vector entry point (a vectorised implementation): use vectorization_mode='sync' "
            "or SB3's make_vec_env"
        )
    vector_kwargs = {} if vectorization_mode == "vector_entry_point" else {"autoreset_mode": AutoresetMode.SAME_STEP}
    env = gym.make_vec(env_id, num_envs=n_envs, vectorization_mode=vectorization_mode, vector_kwargs=vector_kwargs, **kwargs)
    vec_env = GymnasiumVecEnv(env)
    # Seeds of the first reset, as make_vec_env (None: random ones)
    vec_env.seed(seed)
    filename = None
    if monitor_dir is not None:
        os.makedirs(monitor_dir, exist_ok=True)
        filename = os.path.join(monitor_dir, "monitor.csv")
    return VecMonitor(vec_env, filename=filename)
