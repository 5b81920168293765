"""Helpers shared by the benchmark scripts (run them from the repository root: ``python benchmarks/<script>.py``)."""

import itertools
import statistics
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from stable_baselines3.common.base_class import BaseAlgorithm
from stable_baselines3.common.callbacks import BaseCallback, EvalCallback
from stable_baselines3.common.vec_env import VecEnv


class RecordEvaluations(BaseCallback):
    """
    Record each evaluation of the ``EvalCallback`` it is attached to (as its ``callback_after_eval``).

    :param curve: the list that receives ``(timestep, mean return)`` after every evaluation
    """

    def __init__(self, curve: list[tuple[int, float]]) -> None:
        super().__init__()
        self.curve = curve

    def _on_step(self) -> bool:
        assert isinstance(self.parent, EvalCallback), "RecordEvaluations must be an EvalCallback's callback_after_eval"
        self.curve.append((self.num_timesteps, float(self.parent.last_mean_reward)))
        return True


def learn_with_curve(
    model: BaseAlgorithm, eval_env: VecEnv, timesteps: int, eval_freq: int, n_eval_episodes: int = 10
) -> list[tuple[int, float]]:
    """
    Train, evaluating the greedy policy every ``eval_freq`` env steps (SB3's ``EvalCallback``).

    :param model: the model to train
    :param eval_env: the evaluation env
    :param timesteps: the training budget
    :param eval_freq: env steps between evaluations (over all the training envs)
    :param n_eval_episodes: episodes per evaluation
    :return: the learning curve, ``[(timestep, mean return), ...]``
    """
    curve: list[tuple[int, float]] = []
    callback = EvalCallback(
        eval_env,
        callback_after_eval=RecordEvaluations(curve),
        eval_freq=max(eval_freq // model.n_envs, 1),
        n_eval_episodes=n_eval_episodes,
        verbose=0,
    )
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


def greedy_and_sampled(rows: list[dict[str, float]], after: int, swing: float) -> dict[str, float]:
    """
    Statistics of a ``benchmarks/greedy_gap.py`` run over its evaluations from step ``after`` on: the mean of the
    greedy and of the sampled evaluations, how often two consecutive ones differ by ``swing`` or more (of how many
    pairs), the mean entropy and the mean episode length of the rollouts.
    """
    rows = [row for row in rows if row["t"] >= after]
    result = {"pairs": float(len(rows) - 1)}
    for name in ("greedy", "sampled"):
        values = [row[name] for row in rows]
        result[name] = float(np.mean(values))
        result[f"{name}_swings"] = float(sum(abs(b - a) >= swing for a, b in itertools.pairwise(values)))
    result["entropy"] = float(np.mean([row["entropy"] for row in rows]))
    result["ep_len_mean"] = float(np.mean([row["ep_len_mean"] for row in rows]))
    return result


def zoo_block(config: Path, env_id: str) -> tuple[int, dict[str, Any]]:
    """
    The number of envs and the algorithm's keyword arguments of an env's block in an RL-Zoo config, as written there:
    a schedule stays a string (``"lin_3e-3"``); ``zoo_schedules`` reads it as RL-Zoo does.

    :param config: the config file (``zoo_configs/<algo>.yml``, or one of RL-Zoo's ``hyperparams/<algo>.yml``)
    :param env_id: the env whose block is read
    :raises ValueError: the config has no block for the env, or the block normalises (VecNormalize), which the
        scripts that read blocks this way do not apply
    """
    config_blocks = yaml.safe_load(config.read_text())
    if env_id not in config_blocks:
        raise ValueError(f"{config.name} has no {env_id} block")
    block = dict(config_blocks[env_id])
    if "normalize" in block:
        raise ValueError(f"the {env_id} block of {config.name} normalises with VecNormalize, not applied here")
    kwargs = {key: value for key, value in block.items() if key not in ("n_envs", "n_timesteps", "policy")}
    return int(block.get("n_envs", 1)), kwargs


def zoo_schedules(kwargs: dict[str, Any]) -> dict[str, Any]:
    """
    ``kwargs`` with their schedule strings (``"lin_3e-3"``: linear from 3e-3 to 0) turned into schedules, by RL-Zoo's
    own reading (``ExperimentManager._preprocess_schedules``, with our keys registered: ``target_kl``,
    ``critic_learning_rate``); what ``python -m sb3_pg.zoo train`` passes to the algorithm.
    """
    from rl_zoo3.exp_manager import ExperimentManager

    from sb3_pg.zoo.registry import register

    register()
    return ExperimentManager._preprocess_schedules(dict(kwargs))
