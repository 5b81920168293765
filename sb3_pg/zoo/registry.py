"""Registration of our algorithms, configs and Optuna samplers with RL-Zoo."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import sb3_pg
from sb3_pg import ALGOS

# Our parameters that take a schedule beside RL-Zoo's own (learning_rate, clip_range, ...): in a config,
# "lin_<value>" is a linear schedule from <value> to 0, as RL-Zoo reads learning_rate, and "lin_<start>_<end>" one
# from <start> to <end> (a floor that the last steps keep)
SCHEDULE_KEYS = ("critic_learning_rate", "target_kl")


def parse_schedule(text: str) -> Callable[[float], float]:
    """
    Read one of our schedule strings: ``"lin_<start>"``, linear from start to 0 (RL-Zoo's ``linear_schedule``,
    as RL-Zoo reads ``learning_rate``), or ``"lin_<start>_<end>"``, linear from start to end over the run
    (SB3's ``LinearSchedule``).

    :param text: The string from a config or ``-params``
    :return: The schedule, a function of ``progress_remaining`` (1 at the start, 0 at the end)
    :raises ValueError: a string of another form
    """
    from rl_zoo3.utils import linear_schedule
    from stable_baselines3.common.utils import LinearSchedule

    kind, *values = text.split("_")
    try:
        numbers = [float(value) for value in values]
    except ValueError:
        numbers = []
    if kind != "lin" or len(numbers) not in (1, 2):
        raise ValueError(f"{text!r} is not a schedule: 'lin_<start>' (linear to 0) or 'lin_<start>_<end>'")
    if len(numbers) == 1:
        return linear_schedule(numbers[0])
    return LinearSchedule(start=numbers[0], end=numbers[1], end_fraction=1.0)


def config_dir() -> Path:
    """
    The folder of our RL-Zoo configs (``<algo>.yml``): ``sb3_pg/zoo_configs`` in an installed package,
    the repository's ``zoo_configs/`` in a source checkout (editable install).
    """
    package_dir = Path(sb3_pg.__file__).parent
    for candidate in (package_dir / "zoo_configs", package_dir.parent / "zoo_configs"):
        if (candidate / "reinforce.yml").is_file():
            return candidate
    raise FileNotFoundError(f"sb3_pg's zoo configs are missing: looked in {package_dir / 'zoo_configs'}")


def config_path(algo: str) -> Path:
    """
    :param algo: RL-Zoo name of one of our algorithms (``reinforce``, ``tnpg``, ...)
    :return: the path of its shipped config
    """
    if algo not in ALGOS:
        raise ValueError(f"{algo!r} is not an sb3_pg algorithm; ours are {sorted(ALGOS)}")
    return config_dir() / f"{algo}.yml"


def register() -> None:
    """
    Add our algorithms to RL-Zoo's ``ALGOS`` and our Optuna samplers and converters to its
    ``HYPERPARAMS_SAMPLER`` / ``HYPERPARAMS_CONVERTER``, so that ``train`` (``-optimize`` included) and
    ``enjoy`` accept ``--algo reinforce`` and the rest. Idempotent. RL-Zoo's other modules (``rl_zoo3``,
    ``exp_manager``, ``train``, ``enjoy``, ...) bind these same dict objects with ``from ... import``, so updating
    them reaches every module (tests/test_zoo.py checks that they are one object).
    """
    try:
        import rl_zoo3.hyperparams_opt
        import rl_zoo3.utils
    except ImportError as error:
        raise ImportError('RL-Zoo integration needs rl_zoo3: pip install "sb3-pg[zoo]"') from error
    from sb3_pg.zoo.hyperparams_opt import HYPERPARAMS_CONVERTER, HYPERPARAMS_SAMPLER

    rl_zoo3.utils.ALGOS.update(ALGOS)
    _add_schedule_keys()
    rl_zoo3.hyperparams_opt.HYPERPARAMS_SAMPLER.update(HYPERPARAMS_SAMPLER)
    rl_zoo3.hyperparams_opt.HYPERPARAMS_CONVERTER.update(HYPERPARAMS_CONVERTER)


def _add_schedule_keys() -> None:
    """
    Make RL-Zoo's ``ExperimentManager`` read ``"lin_<value>"`` as a linear schedule for our ``SCHEDULE_KEYS`` too,
    as it does for its own keys (its ``_preprocess_schedules``), and ``"lin_<start>_<end>"`` (``parse_schedule``).
    Idempotent.
    """
    from rl_zoo3.exp_manager import ExperimentManager

    original = ExperimentManager._preprocess_schedules
    if getattr(original, "sb3_pg_schedules", False):
        return

    def preprocess_schedules(hyperparams: dict[str, Any]) -> dict[str, Any]:
        hyperparams = original(hyperparams)
        for key in SCHEDULE_KEYS:
            if isinstance(hyperparams.get(key), str):
                hyperparams[key] = parse_schedule(hyperparams[key])
        return hyperparams

    preprocess_schedules.sb3_pg_schedules = True  # type: ignore[attr-defined]
    ExperimentManager._preprocess_schedules = staticmethod(preprocess_schedules)  # type: ignore[method-assign,assignment]
