"""Registration of our algorithms, configs and Optuna samplers with RL-Zoo."""

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sb3_pg
from sb3_pg import ALGOS

# Our parameters that take a schedule beside RL-Zoo's own (learning_rate, clip_range, ...): in a config,
# "lin_<value>" is a linear schedule from <value> to 0, as RL-Zoo reads learning_rate, and "lin_<start>_<end>" one
# from <start> to <end> (a floor that the last steps keep)
SCHEDULE_KEYS = ("critic_learning_rate", "target_kl", "ent_coef")
# The keys that take "lin_<start>_<end>" too: ours and learning_rate (RL-Zoo reads only "lin_<start>" for its other
# schedule keys: clip_range, clip_range_vf, delta_std)
TWO_NUMBER_SCHEDULE_KEYS = ("learning_rate", *SCHEDULE_KEYS)


def parse_schedule(text: str) -> Callable[[float], float]:
    """
    Read one of our schedule strings: ``"lin_<start>"``, linear from start to 0 (RL-Zoo's ``linear_schedule``,
    as RL-Zoo reads ``learning_rate``), or ``"lin_<start>_<end>"``, linear from start to end over the run
    (SB3's ``LinearSchedule``). Both values are finite numbers >= 0 (learning rates, KL targets, entropy
    coefficients).

    :param text: The string from a config or ``-params``
    :return: The schedule, a function of ``progress_remaining`` (1 at the start, 0 at the end)
    :raises ValueError: a string of another form, or a value that is negative or not finite
    """
    from rl_zoo3.utils import linear_schedule
    from stable_baselines3.common.utils import LinearSchedule

    kind, *values = text.split("_")
    try:
        numbers = [float(value) for value in values]
    except ValueError:
        numbers = []
    if kind != "lin" or len(numbers) not in (1, 2):
        raise ValueError(
            f"{text!r} is not a schedule: 'lin_<start>' (linear to 0) or 'lin_<start>_<end>' "
            f"({', '.join(TWO_NUMBER_SCHEDULE_KEYS)} take both forms)"
        )
    for name, number, value in zip(("start", "end"), numbers, values):
        if not math.isfinite(number) or number < 0:
            raise ValueError(f"the schedule {text!r} has {name} {value}: must be a finite number >= 0")
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
        raise ImportError(
            'RL-Zoo integration needs rl_zoo3: pip install -e ".[zoo]" in a clone of sb3-pg (or pip install rl_zoo3)'
        ) from error
    from sb3_pg.zoo.hyperparams_opt import HYPERPARAMS_CONVERTER, HYPERPARAMS_SAMPLER

    rl_zoo3.utils.ALGOS.update(ALGOS)
    _add_schedule_keys()
    _add_vectorization_key()
    rl_zoo3.hyperparams_opt.HYPERPARAMS_SAMPLER.update(HYPERPARAMS_SAMPLER)
    rl_zoo3.hyperparams_opt.HYPERPARAMS_CONVERTER.update(HYPERPARAMS_CONVERTER)


def _add_schedule_keys() -> None:
    """
    Make RL-Zoo's ``ExperimentManager`` read ``"lin_<value>"`` as a linear schedule for our ``SCHEDULE_KEYS`` too,
    as it does for its own keys (its ``_preprocess_schedules``), and ``"lin_<start>_<end>"`` (``parse_schedule``)
    for those and ``learning_rate``.
    Idempotent.
    """
    from rl_zoo3.exp_manager import ExperimentManager

    original = ExperimentManager._preprocess_schedules
    if getattr(original, "sb3_pg_schedules", False):
        return

    def preprocess_schedules(hyperparams: dict[str, Any]) -> dict[str, Any]:
        # RL-Zoo's own reading takes "lin_<start>" only: "lin_<start>_<end>" of learning_rate is read here
        ours = {
            key: hyperparams.pop(key)
            for key in TWO_NUMBER_SCHEDULE_KEYS
            if isinstance(hyperparams.get(key), str) and (key in SCHEDULE_KEYS or hyperparams[key].count("_") > 1)
        }
        hyperparams = original(hyperparams)
        hyperparams.update({key: parse_schedule(text) for key, text in ours.items()})
        return hyperparams

    preprocess_schedules.sb3_pg_schedules = True  # type: ignore[attr-defined]
    ExperimentManager._preprocess_schedules = staticmethod(preprocess_schedules)  # type: ignore[method-assign,assignment]


# ---------------------------------------------------------------------------------------------------------------------
# Gymnasium's vector envs from a config: "vectorization_mode: vector_entry_point" (or "sync" / "async") in a block makes
# RL-Zoo build the training and evaluation envs with sb3_pg.common.vec_env.make_gymnasium_vec_env (CartPole's numpy
# vectorised implementation steps all its envs in one call) instead of SB3's make_vec_env with DummyVecEnv.
VECTORIZATION_KEY = "vectorization_mode"
VECTORIZATION_MODES = ("vector_entry_point", "sync", "async")


def check_vectorization_mode(mode: Any, env_id: str) -> None:
    """
    :param mode: The value of ``vectorization_mode`` in a config block
    :param env_id: The env the block is for
    :raises ValueError: not one of ``VECTORIZATION_MODES``, or ``vector_entry_point`` for an env without one
    """
    import gymnasium as gym

    if mode not in VECTORIZATION_MODES:
        raise ValueError(f"{VECTORIZATION_KEY}={mode!r} is not one of {VECTORIZATION_MODES}")
    if mode == "vector_entry_point" and gym.spec(env_id).vector_entry_point is None:
        raise ValueError(f"{VECTORIZATION_KEY}='vector_entry_point': {env_id} has no vectorised implementation; use 'sync'")


def _add_vectorization_key() -> None:
    """
    Make RL-Zoo's ``ExperimentManager`` read our ``vectorization_mode`` key: its ``_preprocess_hyperparams`` takes the
    key out of the constructor's arguments, and its ``create_envs`` builds the env with ``make_gymnasium_vec_env``
    (then RL-Zoo's own ``vec_env_wrapper``, ``VecNormalize`` and frame stacking, as for its envs). Idempotent.
    """
    from rl_zoo3.exp_manager import ExperimentManager
    from stable_baselines3.common.vec_env import VecEnv, VecFrameStack

    from sb3_pg.common.vec_env import make_gymnasium_vec_env

    original_preprocess = ExperimentManager._preprocess_hyperparams
    original_create_envs = ExperimentManager.create_envs
    if getattr(original_create_envs, "sb3_pg_vectorization", False):
        return

    def preprocess_hyperparams(self: ExperimentManager, hyperparams: dict[str, Any]) -> Any:
        mode = hyperparams.pop(VECTORIZATION_KEY, None)
        if mode is not None:
            check_vectorization_mode(mode, self.env_name.gym_id)
        self.sb3_pg_vectorization_mode = mode  # type: ignore[attr-defined]
        return original_preprocess(self, hyperparams)

    def create_envs(self: ExperimentManager, n_envs: int, eval_env: bool = False, no_log: bool = False) -> VecEnv:
        mode = getattr(self, "sb3_pg_vectorization_mode", None)
        if mode is None:
            return original_create_envs(self, n_envs, eval_env=eval_env, no_log=no_log)
        if self.env_wrapper is not None:
            raise ValueError(f"{VECTORIZATION_KEY}={mode!r} builds a gymnasium vector env, which takes no env_wrapper")
        env: VecEnv = make_gymnasium_vec_env(
            self.env_name.gym_id,
            n_envs=n_envs,
            seed=self.seed,
            vectorization_mode=mode,
            monitor_dir=None if eval_env or no_log else self.save_path,
            **(self.eval_env_kwargs if eval_env else self.env_kwargs),
        )
        if self.vec_env_wrapper is not None:
            env = self.vec_env_wrapper(env)
        env = self._maybe_normalize(env, eval_env)
        if self.frame_stack is not None:
            env = VecFrameStack(env, self.frame_stack)
        return env

    create_envs.sb3_pg_vectorization = True  # type: ignore[attr-defined]
    ExperimentManager._preprocess_hyperparams = preprocess_hyperparams  # type: ignore[method-assign]
    ExperimentManager.create_envs = create_envs  # type: ignore[method-assign]
