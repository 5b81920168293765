"""
Command line: RL-Zoo's scripts with our algorithms registered and our configs as the default.

    python -m sb3_pg.zoo train --algo reinforce --env CartPole-v1
    sb3-pg enjoy --algo reinforce --env CartPole-v1 -f logs/ --no-render -n 1000

Every flag of the corresponding RL-Zoo script is accepted and passed on unchanged. For ``train`` with one of
our algorithms and no ``--conf-file``, our shipped config (``zoo_configs/<algo>.yml``) is used; RL-Zoo's own
algorithms (``ppo``, ``a2c``, ``trpo``, ...) keep RL-Zoo's configs, so one command line serves comparisons.
Before training, the config block for the env is checked: an unknown algo or env, a missing block (and no
``default:``), or a key the algorithm does not accept stop with a message naming the key and the file; for our
algorithms, so do values the algorithm refuses (the config block with the ``-params`` overrides), before RL-Zoo
builds any env.
"""

import argparse
import difflib
import importlib
import inspect
import re
import runpy
import sys
from pathlib import Path
from typing import Any

from sb3_pg.zoo.registry import ALGOS, config_path, parse_schedule, register
from sb3_pg.zoo.registry import SCHEDULE_KEYS as OUR_SCHEDULE_KEYS

# RL-Zoo scripts that are functions (rl_zoo3.cli) and scripts that run as ``__main__``
FUNCTION_COMMANDS = {
    "train": "rl_zoo3.train:train",
    "enjoy": "rl_zoo3.enjoy:enjoy",
    "plot_train": "rl_zoo3.plots:plot_train",
    "plot_from_file": "rl_zoo3.plots:plot_from_file",
    "all_plots": "rl_zoo3.plots:all_plots",
}
MODULE_COMMANDS = {"record_video": "rl_zoo3.record_video", "record_training": "rl_zoo3.record_training"}
# Config keys RL-Zoo's ExperimentManager consumes itself (not passed to the algorithm's constructor); tests/test_zoo.py
# checks every block of RL-Zoo's own hyperparams/*.yml against them, so a key RL-Zoo adds fails a test
ZOO_KEYS = frozenset(
    {
        "n_timesteps",
        "n_envs",
        "normalize",
        "env_wrapper",
        "vec_env_wrapper",
        "callback",
        "frame_stack",
        "monitor_kwargs",
        "env_kwargs",
        "noise_type",
        "noise_std",
        "vectorization_mode",  # ours: gymnasium's vector env for the block (sb3_pg.zoo.registry)
    }
)
# Keys whose strings RL-Zoo turns into schedules ("lin_3e-3": linear from 3e-3; its _preprocess_schedules)
SCHEDULE_KEYS = ("learning_rate", "clip_range", "clip_range_vf", "delta_std", *OUR_SCHEDULE_KEYS)
USAGE = f"""usage: sb3-pg COMMAND [ARGS ...]    (or: python -m sb3_pg.zoo COMMAND [ARGS ...])

RL-Zoo with sb3_pg's algorithms ({", ".join(ALGOS)}) and configs.
COMMAND is one of: {", ".join([*FUNCTION_COMMANDS, *MODULE_COMMANDS])}; ARGS are that RL-Zoo script's flags
(sb3-pg COMMAND --help lists them).
"""


class ConfigError(ValueError):
    """A ``train`` command line whose algorithm, env or config cannot work."""


def _train_arguments(args: list[str]) -> argparse.Namespace:
    """The few ``train`` flags we need, parsed the way RL-Zoo's parser reads them; the rest is left alone."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--algo", default="ppo")
    parser.add_argument("--env", default="CartPole-v1")
    parser.add_argument("-conf", "--conf-file", default=None)
    parser.add_argument("-params", "--hyperparams", nargs="+", default=[])
    parser.add_argument("--gym-packages", nargs="+", default=[])
    parsed = parser.parse_known_args(args)[0]
    # key:value pairs whose values RL-Zoo evaluates as Python (its StoreDict, in its own module, where nn, th and
    # the schedules are defined): check they evaluate, in the same namespace
    import rl_zoo3.utils

    overrides = {}
    for pair in parsed.hyperparams:
        key, _, value = pair.partition(":")
        try:
            overrides[key] = eval(value, dict(vars(rl_zoo3.utils)))
        except Exception as error:
            raise ConfigError(
                f"--hyperparams {pair!r}: RL-Zoo evaluates the value as Python and it fails ({error!r}); "
                f"quote strings, e.g. {key}:\"'{value}'\""
            ) from error
    parsed.hyperparams = overrides
    return parsed


def _config_block(config: dict[str, Any], env_id: str, path: str) -> tuple[str, dict[str, Any]]:
    """
    The block RL-Zoo will read for ``env_id``, by its rule (``ExperimentManager.read_hyperparameters``): the env's
    block, else ``atari`` for an Atari env (its ``ExperimentManager.is_atari``), else ``default``.
    """
    from huggingface_sb3 import EnvironmentName
    from rl_zoo3.exp_manager import ExperimentManager

    gym_id = EnvironmentName(env_id).gym_id
    if gym_id in config:
        return gym_id, config[gym_id]
    fallback = "atari" if ExperimentManager.is_atari(env_id) else "default"
    if fallback in config:
        return fallback, config[fallback]
    raise ConfigError(f"{path} has no block for {env_id!r} and no '{fallback}:' block; its blocks: {sorted(config)}")


def _check_values(algo_class: type[Any], block: dict[str, Any], source: str, overrides: dict[str, Any]) -> None:
    """
    Build the algorithm as RL-Zoo will (without an env or networks), so that it refuses bad values now.

    :param algo_class: One of our algorithms (its constructor checks its arguments before it needs an env)
    :param block: The config block RL-Zoo reads
    :param source: Where the block comes from (file and block name, for the message)
    :param overrides: The ``-params`` key:value pairs, evaluated
    :raises ConfigError: a value the algorithm refuses, with where each setting it names comes from
    """
    hyperparams = {**block, **overrides}
    kwargs = {key: value for key, value in hyperparams.items() if key not in {*ZOO_KEYS, "policy", "policy_kwargs"}}
    for key in SCHEDULE_KEYS:
        if isinstance(kwargs.get(key), str):
            where = "--hyperparams" if key in overrides else source
            try:
                if key in OUR_SCHEDULE_KEYS:
                    schedule = parse_schedule(kwargs[key])
                    start, end = schedule(1.0), schedule(0.0)
                else:
                    _, start_text = kwargs[key].split("_")
                    start, end = float(start_text), 0.0  # RL-Zoo's linear_schedule ends at 0
            except ValueError as error:
                raise ConfigError(
                    f"{key}={kwargs[key]!r} from {where}: RL-Zoo reads a string as a schedule, "
                    "'<kind>_<start value>' (e.g. 'lin_3e-3'; for ours also 'lin_<start>_<end>')"
                ) from error
            if end < 0:
                raise ConfigError(f"{key}={kwargs[key]!r} from {where}: the schedule ends at {end}, below 0")
            kwargs[key] = start
    try:
        algo_class(hyperparams.get("policy", "MlpPolicy"), env=None, _init_setup_model=False, **kwargs)
    except (ValueError, TypeError) as error:
        notes = []
        defaults = inspect.signature(algo_class.__init__).parameters
        for key in block:
            if key in kwargs and key not in overrides and re.search(rf"\b{key}\b", str(error)):
                how = (
                    f"unset it with -params {key}:None"
                    if defaults[key].default is None
                    else f"override it with -params {key}:VALUE"
                )
                notes.append(f"\n{key}={block[key]!r} comes from {source}; {how}")
        raise ConfigError(f"{algo_class.__name__} refuses the hyperparameters: {error}{''.join(notes)}") from error


def check_train_arguments(args: list[str]) -> list[str]:
    """
    Check a ``train`` command line and return it with our config added where none is given.

    :param args: the arguments after ``train``
    :return: the arguments to hand to RL-Zoo's ``train``
    :raises ConfigError: unknown algo or env, no config block for the env, a config key the algorithm does not
        accept, or (for our algorithms) a value it refuses
    """
    import gymnasium as gym
    import rl_zoo3.import_envs  # noqa: F401  (RL-Zoo's extra envs, as its train registers them)
    import yaml
    from rl_zoo3.utils import ALGOS as ZOO_ALGOS

    parsed = _train_arguments(args)  # raises ConfigError for a -params value RL-Zoo cannot evaluate
    for module in parsed.gym_packages:
        importlib.import_module(module)
    if parsed.algo not in ZOO_ALGOS:
        raise ConfigError(f"unknown algo {parsed.algo!r}; choose from {sorted(ZOO_ALGOS)}")
    if parsed.env not in gym.envs.registry:
        close = difflib.get_close_matches(parsed.env, list(gym.envs.registry), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise ConfigError(f"unknown env {parsed.env!r}: not in gymnasium's registry{hint}")
    if parsed.conf_file is None and parsed.algo in ALGOS:
        parsed.conf_file = str(config_path(parsed.algo))
        args = [*args, "--conf-file", parsed.conf_file]
    if parsed.conf_file is None or not parsed.conf_file.endswith((".yml", ".yaml")):
        return args  # RL-Zoo's own config, or a Python config: RL-Zoo reads and checks it
    if not Path(parsed.conf_file).is_file():
        raise ConfigError(f"config file not found: {parsed.conf_file}")
    with open(parsed.conf_file) as file:
        config = yaml.safe_load(file) or {}
    block_name, block = _config_block(config, parsed.env, parsed.conf_file)
    algo_class = ZOO_ALGOS[parsed.algo]
    parameters = inspect.signature(algo_class.__init__).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()):
        return args  # the constructor takes any keyword
    accepted = (set(parameters) - {"self", "env"}) | ZOO_KEYS
    block_source = f"{parsed.conf_file} (block {block_name!r})"
    sources = [(key, block_source) for key in block]
    sources += [(key, "--hyperparams") for key in parsed.hyperparams]
    renamed = getattr(algo_class, "_renamed_parameters", {})
    for key, source in sources:
        if key in renamed:
            raise ConfigError(f"{algo_class.__name__}: the hyperparameter {key!r} from {source} was renamed {renamed[key]!r}")
        if key not in accepted:
            close = difflib.get_close_matches(key, sorted(accepted), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise ConfigError(
                f"{algo_class.__name__} does not accept the hyperparameter {key!r} from {source}{hint}\n"
                f"accepted: {', '.join(sorted(accepted))}"
            )
    if parsed.algo in ALGOS:
        _check_values(algo_class, block, block_source, parsed.hyperparams)
    return args


def main(argv: list[str] | None = None) -> None:
    """
    Entry point of ``sb3-pg`` and ``python -m sb3_pg.zoo``.

    :param argv: command line without the program name (default: ``sys.argv[1:]``)
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(USAGE)
        return
    command, args = argv[0], argv[1:]
    if command not in FUNCTION_COMMANDS and command not in MODULE_COMMANDS:
        print(USAGE, file=sys.stderr)
        sys.exit(f"sb3-pg: error: unknown command {command!r}")
    register()
    if command == "train" and not {"-h", "--help"} & set(args):
        try:
            args = check_train_arguments(args)
        except ConfigError as error:
            sys.exit(f"sb3-pg train: error: {error}")
    # RL-Zoo's scripts parse sys.argv
    sys.argv = [f"sb3-pg {command}", *args]
    if command in MODULE_COMMANDS:
        runpy.run_module(MODULE_COMMANDS[command], run_name="__main__", alter_sys=True)
        return
    module_name, function_name = FUNCTION_COMMANDS[command].split(":")
    getattr(importlib.import_module(module_name), function_name)()
