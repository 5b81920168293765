"""Helpers shared by the benchmark scripts (run them from the repository root: ``python benchmarks/<script>.py``)."""

import statistics

from stable_baselines3.common.base_class import BaseAlgorithm
from stable_baselines3.common.callbacks import EvalCallback
from stable_baselines3.common.vec_env import VecEnv


def learn_with_curve(
    model: BaseAlgorithm, eval_env: VecEnv, timesteps: int, eval_freq: int, n_eval_episodes: int = 10
) -> list[tuple[int, float]]:
    """Train, evaluating the greedy policy every ``eval_freq`` env steps; returns [(timestep, mean return), ...]."""
    callback = EvalCallback(eval_env, eval_freq=max(eval_freq // model.n_envs, 1), n_eval_episodes=n_eval_episodes, verbose=0)
    curve: list[tuple[int, float]] = []
    evaluate = callback._on_step

    def on_step() -> bool:
        result = evaluate()
        if callback.n_calls % callback.eval_freq == 0:
            curve.append((model.num_timesteps, float(callback.last_mean_reward)))
        return result

    callback._on_step = on_step  # type: ignore[method-assign]
    model.learn(timesteps, callback=callback)
    return curve


def first_reaching(curve: list[tuple[int, float]], threshold: float) -> int | None:
    """The first evaluation step at which the mean return reaches ``threshold`` (None if never)."""
    return next((step for step, value in curve if value >= threshold), None)


def median_range(values: list[float], fmt: str = "{:.1f}") -> str:
    """'median [min, max]', or '-' for no values."""
    if not values:
        return "-"
    return f"{fmt.format(statistics.median(values))} [{fmt.format(min(values))}, {fmt.format(max(values))}]"
