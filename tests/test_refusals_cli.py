"""
Bad command lines of ``python -m sb3_pg.zoo train`` are refused before RL-Zoo starts, with one ``sb3-pg train: error:``
message that names the flag or setting and where it comes from; settings that work are not refused. Run in-process
(``main()``), so these stay in the default suite.
"""

import subprocess
import sys
from pathlib import Path

import gymnasium as gym
import pytest
import rl_zoo3.exp_manager
import yaml

from sb3_pg import Reinforce
from sb3_pg.zoo import register
from sb3_pg.zoo.cli import (
    ConfigError,
    check_flags,
    check_play_arguments,
    check_plot_arguments,
    check_train_arguments,
    main,
    rl_zoo_arguments,
)
from sb3_pg.zoo.registry import parse_schedule


class NeedsAMissingPackage(gym.Env):
    """An env whose constructor fails as gymnasium's do when an optional package is missing."""

    def __init__(self) -> None:
        raise gym.error.DependencyNotInstalled('the package "fancy-physics" is not installed: pip install fancy-physics')


gym.register("NeedsAMissingPackage-v0", entry_point=NeedsAMissingPackage)


def refusal(args: list[str], tmp_path, monkeypatch, config: dict | None = None) -> str:
    """
    Run ``train ARGS`` in-process and return its error message; assert that it exits with one ``sb3-pg train: error:``
    message and that RL-Zoo started nothing (no log folder).
    """
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", ["sb3-pg"])
    if config is not None:
        (tmp_path / "mine.yml").write_text(yaml.safe_dump(config))
        args = [*args, "--conf-file", str(tmp_path / "mine.yml")]
    with pytest.raises(SystemExit) as exit_info:
        main(["train", *args, "-f", "logs"])
    message = str(exit_info.value)
    assert message.startswith("sb3-pg train: error: "), message
    assert not (tmp_path / "logs").exists(), "nothing is started before the check"
    return message


@pytest.mark.parametrize(
    "key, value, flag",
    [
        ("seed", "3", "--seed"),
        ("verbose", "0", "--verbose"),
        ("device", "'cpu'", "--device"),
        ("tensorboard_log", "'tb'", "-tb"),
    ],
)
def test_keys_set_by_rl_zoo_flags_point_at_the_flag(key, value, flag, tmp_path, monkeypatch):
    message = refusal(["--algo", "reinforce", "-params", f"{key}:{value}"], tmp_path, monkeypatch)
    assert f"'{key}' from --hyperparams is set by RL-Zoo from its flag" in message and flag in message


def test_accepted_keys_listed_for_an_unknown_key_exclude_the_flag_keys(tmp_path, monkeypatch):
    message = refusal(["--algo", "reinforce", "-params", "n_episodez:4"], tmp_path, monkeypatch)
    accepted = message.split("accepted: ")[1].split(", ")
    assert "n_episodes" in accepted and "n_envs" in accepted
    assert not {"seed", "verbose", "device", "tensorboard_log", "env", "_init_setup_model"} & set(accepted)


@pytest.mark.parametrize(
    "args, expected",
    [
        # Settings only the env reveals: the model is constructed on the env RL-Zoo will build
        (
            ["--algo", "reinforce", "-params", "n_envs:16", "n_episodes:8"],
            ["Reinforce refuses", "n_episodes=8 is smaller than the number of envs (16)", "-params: n_envs=16, n_episodes=8"],
        ),
        (
            ["--algo", "tnpg", "--env", "Pendulum-v1", "-params", "n_envs:1", "n_steps:1", "normalize_advantage:True"],
            ["TNPG refuses", "normalize_advantage"],
        ),
        (
            ["--algo", "reinforce", "-params", "policy_kwargs:dict(net_arch=dict(pi=[8], vf=[8]))"],
            ["Reinforce refuses", "no value network"],
        ),
        (["--algo", "reinforce", "-params", "policy:'CnnPolicy'"], ["Reinforce refuses"]),
        (["--algo", "reinforce", "-params", "policy_kwargs:dict(net_arch=[8], depth=3)"], ["Reinforce refuses", "depth"]),
        (
            ["--algo", "td_actor_critic", "-params", "policy_kwargs:dict(optimizer_kwargs=dict(betta=0.9))"],
            ["TDActorCritic refuses", "betta"],
        ),
        # A setting from the config is named with its file and how to change it
        (["--algo", "reinforce", "-params", "n_steps:256"], ["comes from", "unset it with -params n_episodes:None"]),
        # Keys RL-Zoo consumes itself
        (["--algo", "reinforce", "-params", "n_envs:0"], ["n_envs=0 from --hyperparams: must be a whole number >= 1"]),
        (["--algo", "reinforce", "-params", "n_envs:1.5"], ["n_envs=1.5 from --hyperparams"]),
        (["--algo", "reinforce", "-params", "frame_stack:0"], ["frame_stack=0 from --hyperparams"]),
        (["--algo", "reinforce", "-params", "n_timesteps:0"], ["n_timesteps=0 from --hyperparams"]),
        (["--algo", "reinforce", "-params", "normalize:'yes please'"], ["cannot be built as configured"]),
        (
            ["--algo", "reinforce", "-params", "env_wrapper:'gymnasium.wrappers.NoSuchWrapper'"],
            ["cannot be built as configured"],
        ),
        # The env's own arguments
        (["--algo", "reinforce", "--env-kwargs", "gravity:3"], ["cannot be built as configured", "TypeError", "gravity"]),
        (["--algo", "reinforce", "--env-kwargs", "max_episode_steps:oops"], ["--env-kwargs 'max_episode_steps:oops'"]),
        (["--algo", "reinforce", "--eval-freq", "100", "--eval-env-kwargs", "gravity:3"], ["evaluation env cannot be built"]),
        (["--algo", "reinforce", "--env", "NeedsAMissingPackage-v0"], ["cannot be built", "pip install fancy-physics"]),
    ],
)
def test_settings_refused_before_rl_zoo_starts(args, expected, tmp_path, monkeypatch):
    config = None
    if "NeedsAMissingPackage-v0" in args:
        config = {"NeedsAMissingPackage-v0": {"n_timesteps": 100, "policy": "MlpPolicy"}}
    message = refusal(args, tmp_path, monkeypatch, config)
    for part in expected:
        assert part in message


def test_schedule_values_are_refused_as_written(tmp_path, monkeypatch):
    message = refusal(["--algo", "tnpg", "--env", "Pendulum-v1", "-params", "target_kl:'lin_0.03_inf'"], tmp_path, monkeypatch)
    assert "target_kl='lin_0.03_inf' from --hyperparams" in message and "end inf" in message and "nan" not in message
    message = refusal(["--algo", "reinforce", "-params", "learning_rate:'lin_1e-3_to_1e-4'"], tmp_path, monkeypatch)
    assert "learning_rate, critic_learning_rate, target_kl, ent_coef take both forms" in message


@pytest.mark.parametrize("text", ["lin_0.03_-0.01", "lin_-1", "lin_nan", "lin_0.03_inf", "lin_inf", "exp_0.03", "lin_1_2_3"])
def test_parse_schedule_refuses_negative_non_finite_and_other_forms(text):
    with pytest.raises(ValueError, match=text):
        parse_schedule(text)


def test_learning_rate_takes_a_start_and_an_end(tmp_path, monkeypatch):
    """``learning_rate: lin_<start>_<end>`` is a linear schedule from start to end, for our algorithms and RL-Zoo's."""
    register()
    for algo in ("reinforce", "tnpg", "ppo"):
        args = ["--algo", algo, "-params", "learning_rate:'lin_1e-3_1e-4'"]
        assert check_train_arguments(args)[: len(args)] == args
    schedule = rl_zoo3.exp_manager.ExperimentManager._preprocess_schedules({"learning_rate": "lin_1e-3_1e-4"})["learning_rate"]
    assert [schedule(1.0), schedule(0.5), schedule(0.0)] == pytest.approx([1e-3, 5.5e-4, 1e-4])
    # RL-Zoo's one-number form keeps RL-Zoo's own reading
    schedule = rl_zoo3.exp_manager.ExperimentManager._preprocess_schedules({"learning_rate": "lin_1e-3"})["learning_rate"]
    assert [schedule(1.0), schedule(0.0)] == pytest.approx([1e-3, 0.0])
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", ["sb3-pg"])
    args = ["--algo", "reinforce", "-n", "64", "--eval-freq", "-1", "--seed", "0", "--verbose", "0", "-f", "logs"]
    main(["train", *args, "--env-kwargs", "max_episode_steps:8", "-params", "learning_rate:'lin_1e-3_1e-4'"])
    model = Reinforce.load(tmp_path / "logs/reinforce/CartPole-v1_1/CartPole-v1.zip")
    assert [model.lr_schedule(1.0), model.lr_schedule(0.0)] == pytest.approx([1e-3, 1e-4])


@pytest.mark.parametrize(
    "flags, expected",
    [
        (["--log-interval", "0"], "--log-interval 0"),
        (["--eval-freq", "100", "--eval-episodes", "0"], "--eval-episodes 0: must be >= 1"),
        (["--eval-freq", "100", "--n-eval-envs", "0"], "--n-eval-envs 0: must be >= 1"),
        (["--seed", str(2**33)], "--seed 8589934592"),
        (["--device", "gpu"], "--device 'gpu' is not a torch device"),
        (["-i", "no_such_model.zip"], "-i) no_such_model.zip: no such .zip file"),
        (["--trial-id", "3"], "--trial-id 3 needs --storage and --study-name"),
        (["--trial-id", "0", "--storage", "s.log", "--study-name", "s"], "RL-Zoo ignores a trial id below 1"),
        (["--storage", "s.log", "--study-name", "s"], "read by -optimize and --trial-id only"),
        (["-optimize", "--n-trials", "0"], "--n-trials 0: must be >= 1"),
        (["-optimize", "--n-jobs", "0"], "--n-jobs 0: must be >= 1"),
        (["-optimize", "--n-evaluations", "0"], "--n-evaluations 0: must be >= 1"),
        (["--gym-packages", "no_such_package_of_envs"], "--gym-packages no_such_package_of_envs: cannot import it"),
        (["--algo", "reinforcee"], "did you mean 'reinforce'"),
        (["--seed", "three"], None),  # RL-Zoo's parser refuses it: its usage message, exit status 2
    ],
)
def test_flags_refused_before_rl_zoo_starts(flags, expected, tmp_path, monkeypatch, capsys):
    args = ["--algo", "reinforce", *flags] if "--algo" not in flags else flags
    if expected is None:
        monkeypatch.chdir(tmp_path)
        with pytest.raises(SystemExit) as exit_info:
            main(["train", *args, "-f", "logs"])
        assert exit_info.value.code == 2 and "invalid int value: 'three'" in capsys.readouterr().err
        assert not (tmp_path / "logs").exists()
        return
    assert expected in refusal(args, tmp_path, monkeypatch)


def test_log_folder_that_cannot_be_created_is_refused(tmp_path, monkeypatch):
    (tmp_path / "a_file").write_text("")
    monkeypatch.chdir(tmp_path)
    for flag in ("-f", "-tb"):
        with pytest.raises(SystemExit) as exit_info:
            main(["train", "--algo", "reinforce", flag, str(tmp_path / "a_file" / "logs")])
        assert f"{tmp_path / 'a_file'} is not a folder" in str(exit_info.value)


def test_checkpoint_of_another_algorithm_or_env_is_refused(tmp_path, monkeypatch):
    saved = tmp_path / "reinforce_cartpole.zip"
    Reinforce("MlpPolicy", "CartPole-v1", n_episodes=1, device="cpu").save(saved)
    message = refusal(["--algo", "reinforce", "--env", "Acrobot-v1", "-i", str(saved)], tmp_path, monkeypatch)
    assert "cannot continue from it" in message
    message = refusal(["--algo", "tnpg", "-i", str(saved)], tmp_path, monkeypatch)
    assert "cannot continue from it" in message
    # The -params applied to a loaded model are checked as for a new one (RL-Zoo sets them on the loaded model unchecked)
    assert "gamma=1.5" in refusal(["--algo", "reinforce", "-i", str(saved), "-params", "gamma:1.5"], tmp_path, monkeypatch)
    # The right checkpoint passes
    args = ["--algo", "reinforce", "-i", str(saved)]
    assert check_train_arguments(args)[: len(args)] == args


def test_missing_optional_packages_are_named(monkeypatch):
    """--track, -tb and --progress need packages of an extra: a missing one is named with its install line."""
    register()
    missing = {"wandb", "tensorboard", "tqdm"}
    real_find_spec = sys.modules["importlib.util"].find_spec
    monkeypatch.setattr("importlib.util.find_spec", lambda name, *a: None if name in missing else real_find_spec(name, *a))
    for flags, name in ((["--track"], "tensorboard"), (["-tb", "tb"], "tensorboard"), (["--progress"], "tqdm")):
        with pytest.raises(ConfigError, match=f"{name} is not installed: pip install {name}"):
            check_flags(rl_zoo_arguments("train", ["--algo", "reinforce", *flags]))
    missing.discard("tensorboard")
    with pytest.raises(ConfigError, match="wandb is not installed"):
        check_flags(rl_zoo_arguments("train", ["--algo", "reinforce", "--track"]))


def test_video_commands_name_their_missing_packages(monkeypatch):
    monkeypatch.setattr("sb3_pg.zoo.cli.VIDEO_MODULES", {"no_such_video_writer": "no-such-video-writer"})
    with pytest.raises(SystemExit) as exit_info:
        main(["record_video", "--algo", "reinforce", "--env", "CartPole-v1", "-f", "logs"])
    message = str(exit_info.value)
    assert message.startswith("sb3-pg record_video: error: record_video needs no_such_video_writer")
    assert 'pip install "no-such-video-writer"' in message
    assert 'pip install -e ".[zoo]"' in message


def test_good_command_lines_pass(tmp_path, monkeypatch):
    """The check refuses nothing that trains: flags and settings that work are passed on unchanged."""
    register()
    (tmp_path / "tb").mkdir()
    for args in (
        ["--algo", "reinforce"],
        ["--algo", "reinforce", "--seed", "-1", "--device", "cpu", "--log-interval", "-2", "--eval-freq", "-1"],
        ["--algo", "reinforce", "--eval-freq", "100", "--eval-episodes", "2", "--n-eval-envs", "2"],
        ["--algo", "reinforce", "-params", "n_envs:2", "n_episodes:2", "--env-kwargs", "max_episode_steps:50"],
        ["--algo", "reinforce_baseline", "-params", "baseline:'value'", "policy_kwargs:dict(net_arch=dict(pi=[8], vf=[8]))"],
        ["--algo", "tnpg", "--env", "Pendulum-v1", "-params", "target_kl:'lin_0.03_0.01'", "normalize:True"],
        ["--algo", "td_actor_critic", "-tb", str(tmp_path / "tb"), "-f", str(tmp_path / "new" / "logs")],
        ["--algo", "reinforce", "-optimize", "--n-trials", "2", "--storage", "s.log", "--study-name", "s"],
    ):
        assert check_train_arguments(args)[: len(args)] == args, args


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> Path:
    """A log folder with one short reinforce run on CartPole-v1 (monitor file, two evaluations, final model)."""
    folder = tmp_path_factory.mktemp("trained") / "logs"
    conf_file = folder.parent / "reinforce.yml"
    conf_file.write_text(yaml.safe_dump({"CartPole-v1": dict(n_timesteps=64, policy="MlpPolicy", n_episodes=2)}))
    args = ["--algo", "reinforce", "-n", "64", "--eval-freq", "32", "--eval-episodes", "1", "--seed", "0", "--verbose", "0"]
    main(["train", *args, "--env-kwargs", "max_episode_steps:8", "--conf-file", str(conf_file), "-f", str(folder)])
    assert (folder / "reinforce/CartPole-v1_1/CartPole-v1.zip").is_file()
    return folder


@pytest.mark.parametrize(
    "command, flags, expected",
    [
        ("enjoy", ["-n", "0"], "--n-timesteps (-n) 0: must be >= 1"),
        ("enjoy", ["--exp-id", "9"], "CartPole-v1_9 folder was not found: no trained reinforce agent for CartPole-v1 there"),
        ("enjoy", ["--load-checkpoint", "999"], "rl_model_999_steps.zip"),
        ("enjoy", ["--device", "gpu"], "--device 'gpu' is not a torch device"),
        ("enjoy", ["--seed", "-1"], "--seed -1"),
        ("enjoy", ["--env-kwargs", "max_episode_steps:oops"], "--env-kwargs 'max_episode_steps:oops'"),
        ("record_video", ["-o", "{folder}/reinforce/CartPole-v1_1/CartPole-v1.zip"], "it exists and is not a folder"),
        ("plot_train", ["-w", "0"], "--episode-window (-w) 0: must be >= 1"),
        ("plot_train", ["-w", "100000"], "plot_train would draw nothing; pass -w"),
        ("plot_train", ["-e", "Acrobot-v1"], "no training run of reinforce on Acrobot-v1"),
        ("all_plots", ["-a", "reinforce", "td_actor_critic"], "no evaluations of td_actor_critic on CartPole-v1 in"),
        ("all_plots", ["-l", "one", "two"], "--labels (-l): give one per --exp-folders (1), not 2"),
        ("plot_from_file", ["-i", "{folder}/results"], "no such file"),
    ],
)
def test_play_and_plot_commands_refuse_what_would_fail_or_show_nothing(command, flags, expected, trained, monkeypatch):
    monkeypatch.setattr(sys, "argv", ["sb3-pg"])
    flags = [flag.replace("{folder}", str(trained)) for flag in flags]
    defaults = {
        "enjoy": ["--algo", "reinforce", "--env", "CartPole-v1", "-f", str(trained), "--no-render"],
        "record_video": ["--algo", "reinforce", "--env", "CartPole-v1", "-f", str(trained)],
        "plot_train": ["-a", "reinforce", "-e", "CartPole-v1", "-f", str(trained)],
        "all_plots": ["-a", "reinforce", "-e", "CartPole-v1", "-f", str(trained), "--no-display"],
        "plot_from_file": [],
    }[command]
    with pytest.raises(SystemExit) as exit_info:
        main([command, *defaults, *flags])
    message = str(exit_info.value)
    assert message.startswith(f"sb3-pg {command}: error: ") and expected in message, message


def test_play_and_plot_commands_pass_what_works(trained):
    register()
    check_play_arguments("enjoy", ["--algo", "reinforce", "--env", "CartPole-v1", "-f", str(trained), "-n", "5"])
    check_play_arguments("record_video", ["--algo", "reinforce", "--env", "CartPole-v1", "-f", str(trained), "--load-best"])
    check_plot_arguments("plot_train", ["-a", "reinforce", "-e", "CartPole-v1", "-f", str(trained), "-w", "2"])
    check_plot_arguments("all_plots", ["-a", "reinforce", "-e", "CartPole-v1", "-f", str(trained)])
    # RL-Zoo's own agents come from its hub when its default folder has none: not refused
    check_play_arguments("enjoy", ["--algo", "ppo", "--env", "CartPole-v1"])


def test_frequencies_above_the_budget_are_warned_about(capsys):
    register()
    args = ["--algo", "reinforce", "-n", "1000", "--eval-freq", "25000", "--save-freq", "5000"]
    assert check_train_arguments(args)[: len(args)] == args
    err = capsys.readouterr().err
    assert "sb3-pg train: warning: --eval-freq 25000 is above the budget of 1000 steps: no evaluation will run" in err
    assert "sb3-pg train: warning: --save-freq 5000 is above the budget of 1000 steps: no checkpoint will be saved" in err
    check_train_arguments(["--algo", "reinforce", "-n", "1000", "--eval-freq", "500"])
    assert "warning" not in capsys.readouterr().err


@pytest.mark.parametrize("setting", ["learning_rate:0", "learning_rate:'lin_0'", "learning_rate:'lin_0_0'"])
def test_a_step_size_of_zero_is_warned_about(setting, capsys):
    register()
    check_train_arguments(["--algo", "reinforce", "-params", setting])
    assert "sb3-pg train: warning: learning_rate=" in capsys.readouterr().err
    check_train_arguments(["--algo", "reinforce", "-params", "learning_rate:'lin_1e-3'"])
    assert "warning" not in capsys.readouterr().err


def test_python_configs_and_rl_zoo_s_own_configs_are_checked_too(tmp_path, monkeypatch):
    """A Python config (``hyperparams = {...}``) is read as RL-Zoo reads it and checked like a YAML one; RL-Zoo's own
    algorithms get the key check on RL-Zoo's config."""
    conf_file = tmp_path / "mine.py"
    conf_file.write_text("hyperparams = {'CartPole-v1': dict(n_timesteps=100, policy='MlpPolicy', n_envs=4, n_episodes=2)}\n")
    message = refusal(["--algo", "reinforce", "--conf-file", str(conf_file)], tmp_path, monkeypatch)
    assert "n_episodes=2 is smaller than the number of envs (4)" in message and str(conf_file) in message
    (tmp_path / "broken.py").write_text("hyperparams = {'CartPole-v1': dict(n_timesteps=100,}\n")
    message = refusal(["--algo", "reinforce", "--conf-file", str(tmp_path / "broken.py")], tmp_path, monkeypatch)
    assert "cannot read its hyperparams (SyntaxError" in message
    message = refusal(["--algo", "ppo", "-params", "seed:3"], tmp_path, monkeypatch)
    assert "rl_zoo3/hyperparams/ppo.yml" not in message and "set by RL-Zoo from its flag --seed" in message
    message = refusal(["--algo", "ppo", "-params", "n_epoch:3"], tmp_path, monkeypatch)
    assert "did you mean 'n_epochs'" in message and "rl_zoo3/hyperparams/ppo.yml" not in message


@pytest.mark.slow
def test_refusals_are_one_line_on_stderr_from_the_command_line(tmp_path):
    """The issue's command lines, as a user types them: one error line, a failing exit status, nothing started."""
    for args, status in (
        (["sb3_pg.zoo", "train", "--algo", "reinforce", "--env", "CartPole-v1", "-params", "seed:3"], 1),
        (["sb3_pg.zoo", "train", "--algo", "reinforce", "-params", "n_envs:16", "n_episodes:8"], 1),
        (["sb3_pg.analysis", "variance", "--env", "CartPole-v1", "--json", "r.json", "--plot", "/nodir/x.png"], 2),
    ):
        result = subprocess.run([sys.executable, "-m", *args], cwd=tmp_path, capture_output=True, text=True, timeout=300)
        assert result.returncode == status, result.stderr
        errors = [line for line in result.stderr.splitlines() if "error:" in line]
        assert len(errors) == 1 and "Traceback" not in result.stderr, result.stderr
        assert list(tmp_path.iterdir()) == []


def test_a_schedule_is_checked_where_it_is_largest(tmp_path, monkeypatch):
    """A linear schedule that rises past a bound of the algorithm is refused before training, not when it gets there."""
    message = refusal(["--algo", "tnpg", "--env", "Pendulum-v1", "-params", "target_kl:'lin_0.03_2'"], tmp_path, monkeypatch)
    assert "target_kl=2.0 is above" in message and "-params: target_kl='lin_0.03_2'" in message
    register()
    # Decaying to 0 (RL-Zoo's 'lin_<start>') is fine
    args = ["--algo", "tnpg", "--env", "Pendulum-v1", "-params", "target_kl:'lin_0.03'"]
    assert check_train_arguments(args)[: len(args)] == args


def test_rl_zoo_s_algorithms_get_the_env_check(tmp_path, monkeypatch):
    message = refusal(["--algo", "ppo", "--env-kwargs", "gravity:3"], tmp_path, monkeypatch)
    assert "the env CartPole-v1 cannot be built as configured: TypeError" in message
    register()
    assert check_train_arguments(["--algo", "a2c", "--env", "CartPole-v1"]) == ["--algo", "a2c", "--env", "CartPole-v1"]
