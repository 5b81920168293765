"""Registration of our algorithms, configs and Optuna samplers with RL-Zoo."""

from pathlib import Path

import sb3_pg
from sb3_pg import ALGOS


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
    rl_zoo3.hyperparams_opt.HYPERPARAMS_SAMPLER.update(HYPERPARAMS_SAMPLER)
    rl_zoo3.hyperparams_opt.HYPERPARAMS_CONVERTER.update(HYPERPARAMS_CONVERTER)
