"""
Command line: RL-Zoo's scripts with our algorithms registered and our configs as the default.

    python -m sb3_pg.zoo train --algo reinforce --env CartPole-v1
    sb3-pg enjoy --algo reinforce --env CartPole-v1 -f logs/ --no-render -n 1000

Every flag of the corresponding RL-Zoo script is accepted and passed on unchanged. For ``train`` with one of
our algorithms and no ``--conf-file``, our shipped config (``zoo_configs/<algo>.yml``) is used; RL-Zoo's own
algorithms (``ppo``, ``a2c``, ``trpo``, ...) keep RL-Zoo's configs, so one command line serves comparisons.

Before training, the command line is checked and a problem stops it with one ``sb3-pg train: error:`` line:
an unknown algo or env, a missing block (and no ``default:``), a key the algorithm does not accept (or one that
RL-Zoo sets from its own flag, such as ``seed``), a flag value RL-Zoo would accept and then fail on or ignore
(``--log-interval 0``, ``--eval-episodes 0``, ``--trial-id`` without ``--storage``, ...). The env is then built as
RL-Zoo builds it (wrappers, ``n_envs``, ``--env-kwargs``) and, for our algorithms, the model constructed on it with
the resolved hyperparameters (config block and ``-params``), so that every value the algorithm refuses stops the
command here, before RL-Zoo creates its log folder. ``enjoy``, ``record_video``, ``record_training`` and the plot
commands are checked the same way: the trained agent or the runs they read exist, and their flags would do something.
"""

import argparse
import contextlib
import difflib
import importlib
import importlib.util
import inspect
import io
import os
import re
import runpy
import sys
from pathlib import Path
from typing import Any

from sb3_pg.zoo.registry import ALGOS, TWO_NUMBER_SCHEDULE_KEYS, config_path, parse_schedule, register

# RL-Zoo scripts that are functions (rl_zoo3.cli) and scripts that run as ``__main__``
FUNCTION_COMMANDS = {
    "train": "rl_zoo3.train:train",
    "enjoy": "rl_zoo3.enjoy:enjoy",
    "plot_train": "rl_zoo3.plots:plot_train",
    "plot_from_file": "rl_zoo3.plots:plot_from_file",
    "all_plots": "rl_zoo3.plots:all_plots",
}
MODULE_COMMANDS = {"record_video": "rl_zoo3.record_video", "record_training": "rl_zoo3.record_training"}
# What the video commands import, and what installs it: SB3's VecVideoRecorder writes with moviepy, the classic-control
# envs render with pygame (gymnasium's classic-control extra installs pygame-ce, which provides it)
VIDEO_MODULES = {"moviepy": "moviepy", "pygame": "gymnasium[classic-control]"}
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
# Constructor arguments RL-Zoo passes itself, from its flags (ExperimentManager.setup_experiment): as a config key
# or -params they would be given twice
FLAG_KEYS = {
    "env": "--env",
    "seed": "--seed",
    "verbose": "--verbose",
    "device": "--device",
    "tensorboard_log": "--tensorboard-log (-tb)",
}
USAGE = f"""usage: sb3-pg COMMAND [ARGS ...]    (or: python -m sb3_pg.zoo COMMAND [ARGS ...])

RL-Zoo with sb3_pg's algorithms ({", ".join(ALGOS)}) and configs.
COMMAND is one of: {", ".join([*FUNCTION_COMMANDS, *MODULE_COMMANDS])}; ARGS are that RL-Zoo script's flags
(sb3-pg COMMAND --help lists them).
"""


class ConfigError(ValueError):
    """A command line whose algorithm, env, flags or config cannot work."""


class _Parsed(Exception):
    """Carries RL-Zoo's parsed arguments out of its script (see :func:`rl_zoo_arguments`)."""

    def __init__(self, namespace: argparse.Namespace) -> None:
        super().__init__()
        self.namespace = namespace


def _evaluate_pairs(flag: str, pairs: list[str]) -> dict[str, Any]:
    """
    ``key:value`` pairs evaluated as RL-Zoo's ``StoreDict`` does (as Python, in its module, where ``nn``, ``th`` and
    the schedules are defined), with a one-line error for a value that does not evaluate.
    """
    import rl_zoo3.utils

    evaluated = {}
    for pair in pairs:
        key, _, value = pair.partition(":")
        try:
            evaluated[key] = eval(value, dict(vars(rl_zoo3.utils)))
        except Exception as error:
            raise ConfigError(
                f"{flag} {pair!r}: RL-Zoo evaluates the value as Python and it fails ({error!r}); "
                f"quote strings, e.g. {key}:\"'{value}'\""
            ) from error
    return evaluated


def _train_arguments(args: list[str]) -> argparse.Namespace:
    """The few ``train`` flags needed before RL-Zoo's parser can run, parsed the way RL-Zoo's parser reads them."""
    parser = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    parser.add_argument("--algo", default="ppo")
    parser.add_argument("--env", default="CartPole-v1")
    parser.add_argument("-conf", "--conf-file", default=None)
    parser.add_argument("-params", "--hyperparams", nargs="+", default=[])
    parser.add_argument("--env-kwargs", nargs="+", default=[])
    parser.add_argument("--eval-env-kwargs", nargs="+", default=[])
    parser.add_argument("--gym-packages", nargs="+", default=[])
    parsed = parser.parse_known_args(args)[0]
    parsed.hyperparams = _evaluate_pairs("--hyperparams", parsed.hyperparams)
    _evaluate_pairs("--env-kwargs", parsed.env_kwargs)
    _evaluate_pairs("--eval-env-kwargs", parsed.eval_env_kwargs)
    return parsed


def rl_zoo_arguments(command: str, args: list[str]) -> argparse.Namespace:
    """
    RL-Zoo's own reading of a command line: its parser, with its defaults and types. RL-Zoo builds its parsers inside
    its scripts, so the script is run up to its ``parse_args`` and stopped there (nothing else of it runs). A flag
    RL-Zoo's parser refuses exits here, with its usage message.

    :param command: ``train``, ``enjoy``, ``record_video`` or another RL-Zoo script (``FUNCTION_COMMANDS`` and
        ``MODULE_COMMANDS``)
    :param args: the arguments after the command
    :return: the namespace RL-Zoo's script would work from
    """
    parse_args = argparse.ArgumentParser.parse_args

    def parse_and_stop(self: argparse.ArgumentParser, *parse_args_args: Any, **kwargs: Any) -> argparse.Namespace:
        raise _Parsed(parse_args(self, *parse_args_args, **kwargs))

    argv = sys.argv
    sys.argv = [f"sb3-pg {command}", *args]
    argparse.ArgumentParser.parse_args = parse_and_stop  # type: ignore[assignment,method-assign]
    try:
        if command in MODULE_COMMANDS:
            runpy.run_module(MODULE_COMMANDS[command], run_name="__main__")
        else:
            module_name, function_name = FUNCTION_COMMANDS[command].split(":")
            getattr(importlib.import_module(module_name), function_name)()
    except _Parsed as parsed:
        return parsed.namespace
    finally:
        argparse.ArgumentParser.parse_args = parse_args  # type: ignore[method-assign]
        sys.argv = argv
    raise RuntimeError(f"RL-Zoo's {command} returned without parsing its arguments")


def read_config(conf_file: str) -> dict[str, Any]:
    """
    The blocks of a config, read as RL-Zoo's ``ExperimentManager.read_hyperparameters`` reads them: a YAML file, a Python
    file defining ``hyperparams``, or a Python module (dotted name) defining it.

    :param conf_file: The ``--conf-file`` value
    :raises ConfigError: a file or module that is not there, does not parse, or defines no ``hyperparams``
    """
    import yaml

    try:
        if conf_file.endswith((".yml", ".yaml", ".py")):
            if not Path(conf_file).is_file():
                raise ConfigError(f"config file not found: {conf_file}")
            if conf_file.endswith(".py"):
                variables: dict[str, Any] = {}
                exec(Path(conf_file).read_text(), variables)
                config = variables["hyperparams"]
            else:
                config = yaml.safe_load(Path(conf_file).read_text()) or {}
        else:
            config = importlib.import_module(conf_file).hyperparams
    except ConfigError:
        raise
    except Exception as error:
        raise ConfigError(f"--conf-file {conf_file}: cannot read its hyperparams ({type(error).__name__}: {error})") from error
    if not isinstance(config, dict) or not all(isinstance(block, dict) for block in config.values()):
        raise ConfigError(f"--conf-file {conf_file}: not a mapping of env ids to blocks of hyperparameters")
    return config


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


def _writable_folder_problem(path: str) -> str | None:
    """Why ``path`` cannot be (or be created as) a folder this process writes to; ``None`` if it can."""
    target = Path(path).absolute()
    if target.exists() and not target.is_dir():
        return "it exists and is not a folder"
    existing = target
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        return f"{existing} is not a folder"
    if not os.access(existing, os.W_OK | os.X_OK):
        return f"{existing} is not writable"
    return None


def check_flags(ns: argparse.Namespace) -> None:
    """
    Flag values RL-Zoo's ``train`` accepts and then fails on late, or silently ignores.

    :param ns: RL-Zoo's parsed ``train`` arguments (:func:`rl_zoo_arguments`)
    :raises ConfigError: the first such flag, with what to pass instead
    """
    _check_run_flags(ns)
    _check_optuna_flags(ns)
    _check_outputs(ns)


def _check_run_flags(ns: argparse.Namespace) -> None:
    """Seed, device, logging, evaluation and the model to continue from."""
    import torch as th

    if ns.seed > 2**32 - 1:
        raise ConfigError(f"--seed {ns.seed}: must be at most 2**32 - 1 (numpy's seed range); a negative seed draws one")
    if ns.device != "auto":
        try:
            th.device(ns.device)
        except RuntimeError as error:
            raise ConfigError(f"--device {ns.device!r} is not a torch device (auto, cpu, cuda, cuda:1, mps, ...)") from error
    if ns.log_interval == 0 or ns.log_interval < -2:
        raise ConfigError(
            f"--log-interval {ns.log_interval}: give a number of updates >= 1 (-1: the algorithm's default, -2: no logging)"
        )
    if ns.eval_freq > 0 or ns.optimize_hyperparameters:
        for flag, value in (("--eval-episodes", ns.eval_episodes), ("--n-eval-envs", ns.n_eval_envs)):
            if value < 1:
                raise ConfigError(f"{flag} {value}: must be >= 1 (to evaluate nothing, pass --eval-freq -1)")
    if ns.trained_agent and not (ns.trained_agent.endswith(".zip") and Path(ns.trained_agent).is_file()):
        raise ConfigError(f"--trained-agent (-i) {ns.trained_agent}: no such .zip file (a model saved by model.save)")


def _check_optuna_flags(ns: argparse.Namespace) -> None:
    """The study's sizes with ``-optimize``; ``--trial-id``, ``--storage`` and ``--study-name`` where they are read."""
    if ns.optimize_hyperparameters:
        for flag, value, low in (
            ("--n-trials", ns.n_trials, 1),
            ("--n-jobs", ns.n_jobs, 1),
            ("--n-startup-trials", ns.n_startup_trials, 0),
            ("--n-evaluations", ns.n_evaluations, 1),
            ("--max-total-trials", ns.max_total_trials, 1),
        ):
            if value is not None and value < low:
                raise ConfigError(f"{flag} {value}: must be >= {low}")
    if ns.trial_id is not None:
        if not (ns.storage and ns.study_name):
            raise ConfigError(f"--trial-id {ns.trial_id} needs --storage and --study-name (the study to read it from)")
        if ns.trial_id <= 0:
            raise ConfigError(
                f"--trial-id {ns.trial_id}: RL-Zoo ignores a trial id below 1 and would train the config's settings; "
                "pass that trial's values with -params instead"
            )
    elif (ns.storage or ns.study_name) and not ns.optimize_hyperparameters:
        raise ConfigError("--storage and --study-name are read by -optimize and --trial-id only; without them they do nothing")


def _check_outputs(ns: argparse.Namespace) -> None:
    """The folders RL-Zoo writes to, and the packages that ``--track``, ``-tb`` and ``--progress`` need."""
    for flag, path in (
        ("--log-folder (-f)", ns.log_folder),
        ("--tensorboard-log (-tb)", ns.tensorboard_log),
        ("--optimization-log-path", ns.optimization_log_path),
    ):
        problem = path and _writable_folder_problem(path)
        if problem:
            raise ConfigError(f"{flag} {path}: {problem}")
    needed = []
    if ns.tensorboard_log or ns.track:
        needed.append(("tensorboard", "--tensorboard-log and --track log through TensorBoard", "wandb"))
    if ns.track:
        needed.append(("wandb", "--track logs to Weights & Biases", "wandb"))
    if ns.progress:
        needed += [(module, "--progress draws a progress bar with tqdm and rich", "zoo") for module in ("tqdm", "rich")]
    for module, why, extra in needed:
        if importlib.util.find_spec(module) is None:
            raise ConfigError(f'{why}, and {module} is not installed: pip install {module} (or pip install -e ".[{extra}]")')


def _check_keys(algo_class: type[Any], sources: list[tuple[str, str]]) -> None:
    """Each config or ``-params`` key is a constructor argument of ``algo_class`` or a key RL-Zoo consumes."""
    parameters = inspect.signature(algo_class.__init__).parameters
    accepted = {key for key in parameters if key not in {"self", *FLAG_KEYS} and not key.startswith("_")} | ZOO_KEYS
    for key, source in sources:
        if key in FLAG_KEYS:
            raise ConfigError(
                f"the hyperparameter {key!r} from {source} is set by RL-Zoo from its flag {FLAG_KEYS[key]}: "
                f"pass {FLAG_KEYS[key].split()[0]} VALUE instead"
            )
        if key not in accepted:
            close = difflib.get_close_matches(key, sorted(accepted), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise ConfigError(
                f"{algo_class.__name__} does not accept the hyperparameter {key!r} from {source}{hint}\n"
                f"accepted: {', '.join(sorted(accepted))}"
            )


def _schedule_peaks(hyperparams: dict[str, Any], where: dict[str, str]) -> dict[str, float]:
    """
    Check the schedule strings of our schedule keys and give their largest values (the constructor checks those: the
    upper bounds bite where a linear schedule is largest, at its start or its end; ``parse_schedule`` checks the rest).

    :param hyperparams: The config block with the ``-params`` overrides
    :param where: Where each key comes from
    :raises ConfigError: a string of another form, or with a negative or non-finite value, as the user wrote it
    """
    peaks = {}
    for key in TWO_NUMBER_SCHEDULE_KEYS:
        text = hyperparams.get(key)
        if isinstance(text, str):
            try:
                schedule = parse_schedule(text)
            except ValueError as error:
                raise ConfigError(f"{key}={text!r} from {where[key]}: {error}") from error
            peaks[key] = max(schedule(1.0), schedule(0.0))
    return peaks


def _check_zoo_values(hyperparams: dict[str, Any], where: dict[str, str], block_source: str, n_timesteps_flag: int) -> None:
    """The values of the keys RL-Zoo consumes itself that it would take and then fail on (``n_envs: 0``, ...)."""
    if n_timesteps_flag <= 0:
        if "n_timesteps" not in hyperparams:
            raise ConfigError(f"no n_timesteps: {block_source} has none and no -n (--n-timesteps) is given")
        value = hyperparams["n_timesteps"]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not float(value).is_integer() or value < 1:
            raise ConfigError(f"n_timesteps={value!r} from {where['n_timesteps']}: must be a whole number >= 1")
    for key in ("n_envs", "frame_stack"):
        value = hyperparams.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
            raise ConfigError(f"{key}={value!r} from {where[key]}: must be a whole number >= 1")


def _named_in(key: str, value: Any, text: str) -> bool:
    """Whether an error message names the setting ``key`` (as ``key=...``, as a name with an underscore, or one of its
    ``policy_kwargs`` keys)."""
    names = [key, *value] if key == "policy_kwargs" and isinstance(value, dict) else [key]
    return any(re.search(rf"\b{name}=", text) or ("_" in name and re.search(rf"\b{name}\b", text)) for name in names)


def _notes(error: Exception, hyperparams: dict[str, Any], where: dict[str, str], algo_class: type[Any]) -> str:
    """The ``-params`` given, and where each config setting the error names comes from (as written) and how to change it."""
    defaults = inspect.signature(algo_class.__init__).parameters
    overrides = [f"{key}={value!r}" for key, value in hyperparams.items() if where[key] == "--hyperparams"]
    notes = [f"\n-params: {', '.join(overrides)}"] if overrides else []
    for key, value in hyperparams.items():
        if where[key] != "--hyperparams" and _named_in(key, value, str(error)):
            default = defaults[key].default if key in defaults else inspect.Parameter.empty
            how = f"unset it with -params {key}:None" if default is None else f"override it with -params {key}:VALUE"
            notes.append(f"\n{key}={value!r} comes from {where[key]}; {how}")
    return "".join(notes)


def check_model(
    ns: argparse.Namespace, algo_class: type[Any], block: dict[str, Any], block_source: str, construct: bool = True
) -> None:
    """
    Build the env as RL-Zoo will (its ``ExperimentManager``: wrappers, ``n_envs``, ``--env-kwargs``, normalisation,
    frame stacking) and construct the model on it with the resolved hyperparameters, so that whatever the env or the
    algorithm refuses stops the command now; with ``-i``, also load the model to continue from onto that env. Nothing
    is written (no log folder, no monitor file).

    :param ns: RL-Zoo's parsed ``train`` arguments
    :param algo_class: The algorithm
    :param block: The config block RL-Zoo reads
    :param block_source: Where the block comes from (file and block name, for the messages)
    :param construct: Construct the model (ours); ``False``: only build the envs (RL-Zoo's algorithms, whose
        constructors may allocate large replay buffers)
    :raises ConfigError: what the env or the algorithm refuses, with where each setting it names comes from
    """
    from rl_zoo3.exp_manager import ExperimentManager

    overrides = ns.hyperparams or {}
    hyperparams = {**block, **overrides}
    where = {key: "--hyperparams" if key in overrides else block_source for key in hyperparams}
    peaks = _schedule_peaks(hyperparams, where)
    _check_zoo_values(hyperparams, where, block_source, ns.n_timesteps)
    manager = ExperimentManager(
        ns,
        ns.algo,
        ns.env,
        ns.log_folder,
        n_timesteps=ns.n_timesteps,
        eval_freq=ns.eval_freq,
        hyperparams=dict(overrides),
        env_kwargs=ns.env_kwargs,
        eval_env_kwargs=ns.eval_env_kwargs,
        trained_agent=ns.trained_agent,
        optimize_hyperparameters=ns.optimize_hyperparameters,
        storage=ns.storage,
        study_name=ns.study_name,
        seed=max(ns.seed, 0),
        verbose=0,
        n_eval_envs=ns.n_eval_envs,
        device="cpu",
        config=ns.conf_file,
        trial_id=ns.trial_id,
    )
    with contextlib.redirect_stdout(io.StringIO()):  # RL-Zoo prints what it reads; it prints it again when it runs
        try:
            resolved, _ = manager.read_hyperparameters()
            kwargs, manager.env_wrapper, _, manager.vec_env_wrapper = manager._preprocess_hyperparams(resolved)
            env = manager.create_envs(manager.n_envs, no_log=True)
        except Exception as error:
            notes = _notes(error, hyperparams, where, algo_class)
            raise ConfigError(
                f"the env {ns.env} cannot be built as configured: {type(error).__name__}: {error}{notes}"
            ) from error
        try:
            if construct:
                model = algo_class(env=env, verbose=0, device="cpu", **{**kwargs, **peaks})
                del model
            if construct and ns.trained_agent:
                # As RL-Zoo continues a run (its _load_pretrained_agent): the settings other than the policy's are set
                # on the loaded model
                loaded = {key: value for key, value in kwargs.items() if key not in ("policy", "policy_kwargs")}
                try:
                    algo_class.load(ns.trained_agent, env=env, device="cpu", **loaded)
                except Exception as error:
                    raise ConfigError(f"--trained-agent (-i) {ns.trained_agent}: cannot continue from it: {error}") from error
        except ConfigError:
            raise
        except Exception as error:
            notes = _notes(error, hyperparams, where, algo_class)
            raise ConfigError(f"{algo_class.__name__} refuses the hyperparameters: {error}{notes}") from error
        finally:
            env.close()
        if ns.eval_freq > 0 and not ns.optimize_hyperparameters:
            try:
                manager.create_envs(ns.n_eval_envs, eval_env=True).close()
            except Exception as error:
                raise ConfigError(f"the evaluation env cannot be built: {type(error).__name__}: {error}") from error


def check_train_arguments(args: list[str]) -> list[str]:
    """
    Check a ``train`` command line and return it with our config added where none is given.

    :param args: the arguments after ``train``
    :return: the arguments to hand to RL-Zoo's ``train``
    :raises ConfigError: unknown algo or env, no config block for the env, a config key the algorithm does not
        accept, a flag value RL-Zoo would fail on late, or (for our algorithms) a setting the env or the algorithm
        refuses
    """
    import gymnasium as gym
    import rl_zoo3
    import rl_zoo3.import_envs  # RL-Zoo's extra envs, as its train registers them
    from rl_zoo3.utils import ALGOS as ZOO_ALGOS

    register()
    parsed = _train_arguments(args)  # raises ConfigError for a key:value RL-Zoo cannot evaluate
    for module in parsed.gym_packages:
        try:
            importlib.import_module(module)
        except ImportError as error:
            raise ConfigError(f"--gym-packages {module}: cannot import it ({error})") from error
    if parsed.algo not in ZOO_ALGOS:
        close = difflib.get_close_matches(parsed.algo, list(ZOO_ALGOS), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise ConfigError(f"unknown algo {parsed.algo!r}{hint}; choose from {sorted(ZOO_ALGOS)}")
    if parsed.env not in gym.envs.registry:
        close = difflib.get_close_matches(parsed.env, list(gym.envs.registry), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise ConfigError(f"unknown env {parsed.env!r}: not in gymnasium's registry{hint}")
    if parsed.conf_file is None and parsed.algo in ALGOS:
        parsed.conf_file = str(config_path(parsed.algo))
        args = [*args, "--conf-file", parsed.conf_file]
    ns = rl_zoo_arguments("train", args)
    check_flags(ns)
    # With no --conf-file, RL-Zoo's algorithms read RL-Zoo's own config
    conf_file = parsed.conf_file or str(Path(rl_zoo3.__file__).parent / "hyperparams" / f"{parsed.algo}.yml")
    block_name, block = _config_block(read_config(conf_file), parsed.env, conf_file)
    algo_class = ZOO_ALGOS[parsed.algo]
    parameters = inspect.signature(algo_class.__init__).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()):
        return args  # the constructor takes any keyword
    block_source = f"{conf_file} (block {block_name!r})"
    _check_keys(algo_class, [(key, block_source) for key in block] + [(key, "--hyperparams") for key in parsed.hyperparams])
    check_model(ns, algo_class, block, block_source, construct=parsed.algo in ALGOS)
    for warning in budget_warnings(ns, {**block, **parsed.hyperparams}):
        print(f"sb3-pg train: warning: {warning}", file=sys.stderr)
    return args


def budget_warnings(ns: argparse.Namespace, hyperparams: dict[str, Any]) -> list[str]:
    """
    Settings that are valid but will do nothing in this run: a step size that is 0 for the whole run (what it sets
    never changes; resuming with ``learning_rate:0`` is a way to evaluate, hence a warning), an evaluation or checkpoint
    frequency above the budget.

    :param ns: RL-Zoo's parsed ``train`` arguments
    :param hyperparams: The config block with the ``-params`` overrides
    :return: One sentence per such setting
    """
    warnings = []
    for key in TWO_NUMBER_SCHEDULE_KEYS:
        value = hyperparams.get(key)
        with contextlib.suppress(ValueError):  # a bad string was refused before
            peak = max(parse_schedule(value)(1.0), parse_schedule(value)(0.0)) if isinstance(value, str) else value
            if not isinstance(peak, bool) and isinstance(peak, (int, float)) and peak == 0:
                warnings.append(f"{key}={value!r} is 0 for the whole run: what it sets will not learn")
    budget = ns.n_timesteps if ns.n_timesteps > 0 else hyperparams.get("n_timesteps")
    if ns.optimize_hyperparameters or isinstance(budget, bool) or not isinstance(budget, (int, float)):
        return warnings
    for flag, value, what in (
        ("--eval-freq", ns.eval_freq, "no evaluation will run (and no best model be saved)"),
        ("--save-freq", ns.save_freq, "no checkpoint will be saved"),
    ):
        if value > budget:
            warnings.append(f"{flag} {value} is above the budget of {int(budget)} steps: {what}; pass {flag} N below it")
    return warnings


# The commands that load a trained agent from a log folder, as RL-Zoo's enjoy does (its get_model_path)
PLAY_COMMANDS = ("enjoy", "record_video", "record_training")


def check_play_arguments(command: str, args: list[str]) -> None:
    """
    Check an ``enjoy``, ``record_video`` or ``record_training`` command line before RL-Zoo loads anything: flag values
    it would fail on late or that do nothing (``-n 0``), and that the trained agent it asks for exists.

    :param command: One of ``PLAY_COMMANDS``
    :param args: the arguments after the command
    :raises ConfigError: the first problem, with what to pass instead
    """
    from rl_zoo3.utils import get_model_path

    parser = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    parser.add_argument("--env-kwargs", nargs="+", default=[])
    parser.add_argument("--gym-packages", nargs="+", default=[])
    parsed = parser.parse_known_args(args)[0]
    _evaluate_pairs("--env-kwargs", parsed.env_kwargs)
    for module in parsed.gym_packages:
        try:
            importlib.import_module(module)
        except ImportError as error:
            raise ConfigError(f"--gym-packages {module}: cannot import it ({error})") from error
    ns = rl_zoo_arguments(command, args)
    if ns.n_timesteps < 1:
        raise ConfigError(f"--n-timesteps (-n) {ns.n_timesteps}: must be >= 1 (the number of steps to run the agent)")
    if getattr(ns, "n_envs", 1) < 1:
        raise ConfigError(f"--n-envs {ns.n_envs}: must be >= 1")
    if not 0 <= ns.seed <= 2**32 - 1:
        raise ConfigError(f"--seed {ns.seed}: must be in [0, 2**32 - 1] (numpy's seed range)")
    device = getattr(ns, "device", "auto")
    if device != "auto":
        import torch as th

        try:
            th.device(device)
        except RuntimeError as error:
            raise ConfigError(f"--device {device!r} is not a torch device (auto, cpu, cuda, cuda:1, mps, ...)") from error
    output = getattr(ns, "output_folder", None)
    problem = output and _writable_folder_problem(output)
    if problem:
        raise ConfigError(f"--output-folder (-o) {output}: {problem}")
    if ns.algo not in ALGOS and "rl-trained-agents" in ns.folder:
        return  # RL-Zoo downloads its own trained agents from the Hugging Face hub
    with contextlib.redirect_stdout(io.StringIO()):
        try:
            get_model_path(
                ns.exp_id,
                ns.folder,
                ns.algo,
                ns.env,
                getattr(ns, "load_best", False),
                getattr(ns, "load_checkpoint", None),
                getattr(ns, "load_last_checkpoint", False),
            )
        except (AssertionError, ValueError) as error:
            folder = "logs" if "rl-trained-agents" in ns.folder else ns.folder  # train's default log folder
            raise ConfigError(
                f"{error}: no trained {ns.algo} agent for {ns.env} there. Train one with: sb3-pg train --algo {ns.algo} "
                f"--env {ns.env} -f {folder}; then pass -f {folder} here (and --exp-id N for an earlier run)"
            ) from error


PLOT_COMMANDS = ("plot_train", "all_plots", "plot_from_file")


def _run_folders(folder: str, algo: str, env: str, needed: str) -> list[Path]:
    """The run folders RL-Zoo's plots read for ``algo`` on ``env`` under ``folder`` (its ``<algo>/<env>_<id>``) that hold
    ``needed`` (a file name pattern)."""
    log_path = Path(folder) / algo.lower()
    if not log_path.is_dir():
        return []
    return [run for run in log_path.iterdir() if env in run.name and run.is_dir() and any(run.glob(needed))]


def check_plot_arguments(command: str, args: list[str]) -> None:
    """
    Check a ``plot_train``, ``all_plots`` or ``plot_from_file`` command line: the runs or the file it reads exist
    (RL-Zoo's ``all_plots`` otherwise prints a score of 0.0 +/- 0.0 for what it did not find), and its output folder.

    :param command: One of ``PLOT_COMMANDS``
    :param args: the arguments after the command
    :raises ConfigError: the first problem
    """
    ns = rl_zoo_arguments(command, args)
    if command == "plot_train":
        if ns.episode_window < 1:
            raise ConfigError(f"--episode-window (-w) {ns.episode_window}: must be >= 1")
        from stable_baselines3.common.monitor import load_results

        for env in ns.env:
            runs = _run_folders(ns.exp_folder, ns.algo, env, "*monitor.csv")
            if not runs:
                raise ConfigError(
                    f"no training run of {ns.algo} on {env} under {Path(ns.exp_folder) / ns.algo} (train writes them "
                    f"there: sb3-pg train --algo {ns.algo} --env {env} -f {ns.exp_folder})"
                )
            longest = max(len(load_results(str(run))) for run in runs)
            if longest < ns.episode_window:
                raise ConfigError(
                    f"the runs of {ns.algo} on {env} have at most {longest} episodes, fewer than the rolling window "
                    f"(--episode-window {ns.episode_window}): plot_train would draw nothing; pass -w {max(longest, 1)}"
                )
    elif command == "all_plots":
        for flag, value in (("--algos (-a)", ns.algos), ("--env (-e)", ns.env), ("--exp-folders (-f)", ns.exp_folders)):
            if not value:
                raise ConfigError(f"{flag} is required")
        if ns.labels is not None and len(ns.labels) != len(ns.exp_folders):
            raise ConfigError(f"--labels (-l): give one per --exp-folders ({len(ns.exp_folders)}), not {len(ns.labels)}")
        missing = [
            f"{algo} on {env}"
            for env in ns.env
            for algo in ns.algos
            if not any(_run_folders(folder, algo, env, "evaluations.npz") for folder in ns.exp_folders)
        ]
        if missing:
            raise ConfigError(
                f"no evaluations of {', '.join(missing)} in {' '.join(ns.exp_folders)} (all_plots reads the evaluations "
                "that train writes with --eval-freq > 0)"
            )
    else:
        if not ns.input:
            raise ConfigError("--input (-i) is required: the .pkl file that all_plots writes with -o")
        path = ns.input if ns.input.endswith(".pkl") else f"{ns.input}.pkl"
        if not Path(path).is_file():
            raise ConfigError(f"--input (-i) {ns.input}: no such file {path}")
        problem = ns.output and _writable_folder_problem(str(Path(ns.output).absolute().parent))
        if problem:
            raise ConfigError(f"--output (-o) {ns.output}: {problem}")


def check_video_dependencies(command: str) -> None:
    """
    The modules ``record_video`` and ``record_training`` need (the ``zoo`` extra installs them; RL-Zoo does not).

    :raises ConfigError: one is missing, with the install line
    """
    missing = {module: source for module, source in VIDEO_MODULES.items() if importlib.util.find_spec(module) is None}
    if missing:
        requirements = " ".join(f'"{source}"' for source in missing.values())
        raise ConfigError(
            f'{command} needs {" and ".join(missing)}: pip install -e ".[zoo]" in a clone of sb3-pg '
            f"(or pip install {requirements})"
        )


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
    if not {"-h", "--help"} & set(args):
        try:
            if command == "train":
                args = check_train_arguments(args)
            if command in MODULE_COMMANDS:
                check_video_dependencies(command)
            if command in PLAY_COMMANDS:
                check_play_arguments(command, args)
            if command in PLOT_COMMANDS:
                check_plot_arguments(command, args)
        except ConfigError as error:
            sys.exit(f"sb3-pg {command}: error: {error}")
    # RL-Zoo's scripts parse sys.argv
    sys.argv = [f"sb3-pg {command}", *args]
    if command in MODULE_COMMANDS:
        runpy.run_module(MODULE_COMMANDS[command], run_name="__main__", alter_sys=True)
        return
    module_name, function_name = FUNCTION_COMMANDS[command].split(":")
    getattr(importlib.import_module(module_name), function_name)()
