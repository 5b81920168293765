"""RL-Zoo integration: registration, shipped configs, Optuna samplers, the CLI (train, enjoy, -optimize, -i, --track)."""

import inspect
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import gymnasium as gym
import numpy as np
import optuna
import pytest
import rl_zoo3
import rl_zoo3.enjoy
import rl_zoo3.exp_manager
import rl_zoo3.hyperparams_opt
import rl_zoo3.train
import rl_zoo3.utils
import yaml
from stable_baselines3.common.env_util import make_vec_env

from sb3_pg import TNPG, Reinforce, ReinforceBaseline, TDActorCritic
from sb3_pg.zoo import ALGOS, config_dir, config_path, register
from sb3_pg.zoo.cli import ZOO_KEYS, check_train_arguments, main
from sb3_pg.zoo.hyperparams_opt import HYPERPARAMS_CONVERTER, HYPERPARAMS_SAMPLER

OUR_ALGOS = list(ALGOS)
REPO = Path(__file__).resolve().parents[1]
# Envs every shipped config must have a block for
REQUIRED_ENVS = ["CartPole-v1", "Acrobot-v1", "LunarLander-v3", "Pendulum-v1", "MountainCarContinuous-v0"]
MUJOCO_ENVS = ["HalfCheetah-v5", "Hopper-v5", "Walker2d-v5", "Swimmer-v5"]
# LunarLander (box2d, which the tests do not install) and the MuJoCo envs (slower to step) are trained on a stand-in
# with the same kind of spaces, so that the block's settings are still built into a model and trained
STAND_INS = {"LunarLander-v3": "Acrobot-v1", **{env_id: "Pendulum-v1" for env_id in MUJOCO_ENVS}}


def load_config(algo: str) -> dict:
    with open(config_path(algo)) as file:
        return yaml.safe_load(file)


def train_args(algo: str, env_id: str, n_timesteps: int, *extra: str) -> list[str]:
    """``train`` arguments with a tiny budget, no evaluation and ``logs/`` as the log folder."""
    return ["train", "--algo", algo, "--env", env_id, "-n", str(n_timesteps), "--eval-freq", "-1", "-f", "logs", *extra]


def run_cli(args: list[str], cwd: Path, env: dict | None = None, timeout: int = 300) -> subprocess.CompletedProcess:
    """``python -m sb3_pg.zoo ARGS`` in a subprocess; fails the test with its output if it fails."""
    result = subprocess.run(
        [sys.executable, "-m", "sb3_pg.zoo", *args],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, f"{args} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


def test_register_is_idempotent_and_reaches_every_copy():
    register()
    sizes = (len(rl_zoo3.ALGOS), len(rl_zoo3.hyperparams_opt.HYPERPARAMS_SAMPLER))
    register()
    assert (len(rl_zoo3.ALGOS), len(rl_zoo3.hyperparams_opt.HYPERPARAMS_SAMPLER)) == sizes
    expected = dict(reinforce=Reinforce, reinforce_baseline=ReinforceBaseline, td_actor_critic=TDActorCritic, tnpg=TNPG)
    for module in (rl_zoo3, rl_zoo3.utils, rl_zoo3.train, rl_zoo3.exp_manager, rl_zoo3.enjoy):
        # register() updates RL-Zoo's registries in place: every module must bind the same dict, not a copy
        assert module.ALGOS is rl_zoo3.utils.ALGOS
        for name, algo_class in expected.items():
            assert module.ALGOS[name] is algo_class
        # RL-Zoo's own algorithms are still there
        assert "ppo" in module.ALGOS and "trpo" in module.ALGOS
    assert rl_zoo3.exp_manager.HYPERPARAMS_SAMPLER is rl_zoo3.hyperparams_opt.HYPERPARAMS_SAMPLER
    assert rl_zoo3.exp_manager.HYPERPARAMS_CONVERTER is rl_zoo3.hyperparams_opt.HYPERPARAMS_CONVERTER
    for module in (rl_zoo3.hyperparams_opt, rl_zoo3.exp_manager):
        for name in expected:
            assert module.HYPERPARAMS_SAMPLER[name] is HYPERPARAMS_SAMPLER[name]
            assert module.HYPERPARAMS_CONVERTER[name] is HYPERPARAMS_CONVERTER[name]


# RL-Zoo's shipped configs of its algorithms (her.yml and the like configure wrappers, not an --algo)
RL_ZOO_CONFIGS = [
    path for path in sorted((Path(rl_zoo3.__file__).parent / "hyperparams").glob("*.yml")) if path.stem in rl_zoo3.utils.ALGOS
]


@pytest.mark.parametrize("path", RL_ZOO_CONFIGS, ids=[path.stem for path in RL_ZOO_CONFIGS])
def test_rl_zoo_s_own_configs_pass_our_key_check(path):
    """Every key of every block of RL-Zoo's shipped configs is a key RL-Zoo consumes or a constructor argument of
    that algorithm: the check ``train`` makes before RL-Zoo runs matches RL-Zoo's own configs."""
    accepted = set(inspect.signature(rl_zoo3.utils.ALGOS[path.stem].__init__).parameters) | ZOO_KEYS
    config = yaml.safe_load(path.read_text())
    assert config
    for block_name, block in config.items():
        for key in block:
            assert key in accepted, f"{path.name} block {block_name!r}: {key!r}"


@pytest.mark.parametrize("algo", OUR_ALGOS)
def test_shipped_config_format(algo):
    text = config_path(algo).read_text()
    assert text.startswith("#"), "RL-Zoo configs open with a header comment"
    config = load_config(algo)
    assert "default" in config
    for env_id in [*REQUIRED_ENVS, *MUJOCO_ENVS]:
        assert env_id in config, f"{algo}.yml has no block for {env_id}"
        assert env_id in gym.envs.registry
        assert "n_timesteps" in config[env_id] and "policy" in config[env_id]
    lines = text.splitlines()
    for env_id in MUJOCO_ENVS:
        # A MuJoCo block says whether it was tuned: "Untuned", or tuned with the benchmark command that chose it
        start = lines.index(next(line for line in lines if line.startswith(f"{env_id}:")))
        comment = []
        while start > 0 and lines[start - 1].startswith("#"):
            start -= 1
            comment.insert(0, lines[start])
        comment_text = " ".join(comment)
        assert comment_text, f"{algo}.yml: no comment above the {env_id} block"
        if "Untuned" not in comment_text:
            assert "Tuned" in comment_text and "benchmarks/run_zoo.py" in comment_text, (env_id, comment_text)
    # "# Tuned" only with the benchmark that backs it
    for line in lines:
        if line.startswith("# Tuned"):
            assert "benchmarks/" in line, line


@pytest.mark.parametrize("algo", OUR_ALGOS)
def test_every_config_block_trains(algo, tmp_path, monkeypatch):
    """
    Each env block, passed through RL-Zoo's own pre-processing, builds a model that trains (tiny budget; episodes
    cut at 20 steps, so that batches of whole episodes stay small).
    """
    monkeypatch.chdir(tmp_path)
    config = load_config(algo)
    for env_id in [*REQUIRED_ENVS, *MUJOCO_ENVS]:
        run_env = STAND_INS.get(env_id, env_id)
        (tmp_path / env_id).mkdir()
        conf_file = tmp_path / f"{algo}_{env_id}.yml"
        conf_file.write_text(yaml.safe_dump({run_env: config[env_id]}))
        monkeypatch.setattr(sys, "argv", ["sb3-pg"])
        monkeypatch.chdir(tmp_path / env_id)
        short = ["--env-kwargs", "max_episode_steps:20", "--seed", "0", "--verbose", "0"]
        main(train_args(algo, run_env, 64, "--conf-file", str(conf_file), *short))
        saved = tmp_path / env_id / "logs" / algo / f"{run_env}_1" / f"{run_env}.zip"
        model = ALGOS[algo].load(saved, device="cpu")
        assert model.num_timesteps >= 64
        # The block's settings reached the model
        for key in ("gamma", "n_steps", "n_episodes", "target_kl", "critic_learning_rate"):
            if key in config[env_id]:
                value, actual = config[env_id][key], getattr(model, key)
                if isinstance(value, str) and value.startswith("lin_"):  # a schedule: its value at the start
                    value, actual = float(value[4:]), actual(1.0)
                assert actual == pytest.approx(value), (env_id, key)
        # The optimizer's settings too (TDActorCritic's CartPole-v1 block: AMSGrad; Reinforce's: Adam's betas)
        optimizer_kwargs = model.policy_kwargs.get("optimizer_kwargs", {})
        assert bool(optimizer_kwargs) == ("optimizer_kwargs" in str(config[env_id].get("policy_kwargs", ""))), env_id
        for key, value in optimizer_kwargs.items():
            # a tuple (Adam's betas) comes back from a saved model's optimizer as a list
            actual = model.policy.optimizer.defaults[key]
            assert (list(actual) if isinstance(actual, tuple | list) else actual) == (
                list(value) if isinstance(value, tuple | list) else value
            ), (env_id, key)
        if (algo, env_id) == ("td_actor_critic", "CartPole-v1"):
            assert model.policy.optimizer.defaults["amsgrad"] is True


@pytest.mark.parametrize("algo", OUR_ALGOS)
def test_samplers_give_valid_settings(algo):
    """Settings drawn from each search space build a model that trains; the converter maps ``trial.params`` back to them."""
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    env_id = "Pendulum-v1" if algo == "tnpg" else "CartPole-v1"
    for _ in range(4):
        trial = study.ask()
        hyperparams = HYPERPARAMS_SAMPLER[algo](trial, 1, 2, {})
        assert HYPERPARAMS_CONVERTER[algo](trial.params) == hyperparams
        if algo == "tnpg":
            # Rollouts of up to 2 x 4096 steps with critic minibatches of 4: capped to keep the test short
            hyperparams["n_steps"] = min(hyperparams["n_steps"], 64)
        model = ALGOS[algo]("MlpPolicy", make_vec_env(env_id, n_envs=2, seed=0), seed=0, device="cpu", **hyperparams)
        model.learn(64)
        assert all(np.isfinite(p.detach().numpy()).all() for p in model.policy.parameters())
        study.tell(trial, 0.0)


@pytest.mark.parametrize("algo", ["reinforce", "reinforce_baseline"])
@pytest.mark.parametrize("n_envs", [3, 4, 40])
def test_episode_samplers_fit_the_envs_and_the_config(algo, n_envs):
    """
    RL-Zoo builds each trial's model from the config block updated with the sampled settings, on the block's n_envs
    envs: every draw is accepted, with more envs than the smallest batch and with a block that sets n_steps (the
    MuJoCo blocks), instead of failing the study in its first trials.
    """
    env = make_vec_env("CartPole-v1", n_envs=n_envs)
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    for _ in range(8):
        trial = study.ask()
        hyperparams = {"n_steps": 4000, **HYPERPARAMS_SAMPLER[algo](trial, 1, n_envs, {})}
        assert hyperparams["n_episodes"] >= n_envs
        ALGOS[algo]("MlpPolicy", env, device="cpu", **hyperparams)
        study.tell(trial, 0.0)


def test_explicit_conf_file_wins(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", ["sb3-pg"])
    conf_file = tmp_path / "mine.yml"
    conf_file.write_text(yaml.safe_dump({"CartPole-v1": dict(n_timesteps=64, policy="MlpPolicy", n_episodes=3, gamma=0.95)}))
    main(train_args("reinforce", "CartPole-v1", 64, "-conf", str(conf_file), "--seed", "0", "--verbose", "0"))
    model = Reinforce.load(tmp_path / "logs/reinforce/CartPole-v1_1/CartPole-v1.zip")
    assert (model.n_episodes, model.gamma) == (3, 0.95)


@pytest.mark.parametrize(
    "args, config, message",
    [
        (["--algo", "reinforcee"], None, "unknown algo 'reinforcee'"),
        (["--algo", "reinforce", "--env", "CartPol-v1"], None, "did you mean 'CartPole-v1'"),
        (["--algo", "tnpg", "--env", "CartPole-v1"], {"Pendulum-v1": {"n_timesteps": 10}}, "no block for 'CartPole-v1'"),
        (["--algo", "tnpg", "--env", "CartPole-v1"], {"CartPole-v1": {"n_timesteps": 10, "clip_range": 0.2}}, "'clip_range'"),
        (["--algo", "reinforce", "--env", "CartPole-v1", "-params", "n_episode:4"], None, "did you mean 'n_episodes'"),
        (
            ["--algo", "reinforce_baseline", "--env", "CartPole-v1"],
            {"CartPole-v1": {"n_timesteps": 10, "n_critic_epochs": 3}},
            "'n_critic_epochs' from",
        ),
        (
            ["--algo", "reinforce", "--env", "CartPole-v1", "-params", "normalize_returns:True"],
            None,
            "does not accept the hyperparameter 'normalize_returns' from --hyperparams; did you mean",
        ),
        (["--algo", "reinforce", "-params", "learning_rate:lin_3e-3"], None, "learning_rate:\"'lin_3e-3'\""),
        # Values our algorithms refuse, from -params or from the config (schedule strings read as RL-Zoo reads them)
        (["--algo", "reinforce", "--env", "CartPole-v1", "-params", "n_episodes:0"], None, "n_episodes=0 must be"),
        *[(["--algo", algo, "--env", "CartPole-v1", "-params", "gamma:1.5"], None, "gamma=1.5 must be") for algo in OUR_ALGOS],
        (["--algo", "tnpg", "--env", "Pendulum-v1", "-params", "target_kl:-1"], None, "target_kl=-1 must be"),
        (
            ["--algo", "reinforce", "--env", "CartPole-v1"],
            {"CartPole-v1": {"n_timesteps": 10, "policy": "MlpPolicy", "learning_rate": "lin_-1"}},
            "learning_rate='lin_-1' from",
        ),
        (
            ["--algo", "reinforce", "--env", "CartPole-v1"],
            {"CartPole-v1": {"n_timesteps": 10, "policy": "MlpPolicy", "learning_rate": "lin3e-3"}},
            "'lin_<start>' (linear to 0) or 'lin_<start>_<end>'",
        ),
        (["--algo", "tnpg", "--env", "Pendulum-v1", "-params", "target_kl:'lin_0.03_-0.01'"], None, "has end -0.01"),
        (["--algo", "tnpg", "--env", "Pendulum-v1", "-params", "target_kl:'lin_0.03_0.01_0'"], None, "'lin_<start>_<end>'"),
        (["--algo", "tnpg", "--env", "Pendulum-v1", "-params", "target_kl:'exp_0.03'"], None, "'lin_<start>_<end>'"),
    ],
)
def test_bad_train_input_fails_fast(args, config, message, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", ["sb3-pg"])
    if config is not None:
        (tmp_path / "bad.yml").write_text(yaml.safe_dump(config))
        args = [*args, "--conf-file", str(tmp_path / "bad.yml")]
    with pytest.raises(SystemExit) as error:
        main(["train", *args, "-f", "logs"])
    assert message in str(error.value)
    if config is not None:
        # The message names the file
        assert str(tmp_path / "bad.yml") in str(error.value)
    assert not (tmp_path / "logs").exists(), "nothing is started before the check"


def test_our_schedule_keys_read_lin_strings(tmp_path, monkeypatch):
    """ "lin_<value>" in a config is a linear schedule for our target_kl and critic_learning_rate, as for learning_rate."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", ["sb3-pg"])
    conf_file = tmp_path / "mine.yml"
    block = dict(n_timesteps=256, policy="MlpPolicy", n_steps=128, batch_size=64, target_kl="lin_0.02")
    conf_file.write_text(yaml.safe_dump({"Pendulum-v1": block}))
    main(train_args("tnpg", "Pendulum-v1", 256, "-conf", str(conf_file), "--seed", "0", "--verbose", "0"))
    model = TNPG.load(tmp_path / "logs/tnpg/Pendulum-v1_1/Pendulum-v1.zip")
    assert [model.target_kl(progress) for progress in (1.0, 0.5)] == pytest.approx([0.02, 0.01])
    hyperparams = rl_zoo3.exp_manager.ExperimentManager._preprocess_schedules({"critic_learning_rate": "lin_2e-3"})
    assert hyperparams["critic_learning_rate"](0.25) == pytest.approx(5e-4)
    # "lin_<start>_<end>": linear from start to a floor, kept through save/load
    hyperparams = rl_zoo3.exp_manager.ExperimentManager._preprocess_schedules({"target_kl": "lin_0.03_0.01"})
    assert [hyperparams["target_kl"](progress) for progress in (1.0, 0.5, 0.0)] == pytest.approx([0.03, 0.02, 0.01])
    block["target_kl"] = "lin_0.03_0.01"
    conf_file.write_text(yaml.safe_dump({"Pendulum-v1": block}))
    main(train_args("tnpg", "Pendulum-v1", 256, "-conf", str(conf_file), "--seed", "0", "--verbose", "0"))
    model = TNPG.load(tmp_path / "logs/tnpg/Pendulum-v1_2/Pendulum-v1.zip")
    assert [model.target_kl(progress) for progress in (1.0, 0.0)] == pytest.approx([0.03, 0.01])


def test_shipped_setting_in_the_way_is_named(tmp_path, monkeypatch):
    """A -params setting that conflicts with one of the shipped config says where that one comes from and how to unset it."""
    monkeypatch.chdir(tmp_path)
    register()
    with pytest.raises(SystemExit) as error:
        main(["train", "--algo", "reinforce", "--env", "CartPole-v1", "-params", "n_steps:256", "-f", "logs"])
    message = str(error.value)
    assert message.startswith("sb3-pg train: error: ") and "Conflicting batch settings" in message
    n_episodes = load_config("reinforce")["CartPole-v1"]["n_episodes"]
    assert f"n_episodes={n_episodes} comes from {config_path('reinforce')} (block 'CartPole-v1')" in message
    assert "unset it with -params n_episodes:None" in message
    assert not (tmp_path / "logs").exists()
    # None arrives as None (RL-Zoo evaluates the values as Python) and the check accepts it
    args = ["--algo", "reinforce", "--env", "CartPole-v1", "-params", "n_steps:256", "n_episodes:None"]
    assert check_train_arguments(args) == [*args, "--conf-file", str(config_path("reinforce"))]


def test_params_evaluate_in_rl_zoo_s_namespace():
    """-params values may use what RL-Zoo's own evaluation has (nn, th), as in RL-Zoo's documented examples."""
    register()
    args = ["--algo", "tnpg", "--env", "CartPole-v1", "-params", "policy_kwargs:dict(activation_fn=nn.Tanh, net_arch=[8])"]
    assert check_train_arguments(args)[: len(args)] == args


@pytest.mark.parametrize("algo", OUR_ALGOS)
def test_shipped_config_values_pass_the_check(algo, tmp_path):
    """
    Every shipped block passes the check made before training (the env built as RL-Zoo builds it, the model constructed
    on it): on its own env where the tests install it, else on a stand-in with the same kind of spaces.
    """
    register()
    config = load_config(algo)
    for env_id in [*REQUIRED_ENVS, *MUJOCO_ENVS]:
        run_env = STAND_INS.get(env_id, env_id)
        args = ["--algo", algo, "--env", run_env]
        if run_env != env_id:
            conf_file = tmp_path / f"{algo}_{env_id}.yml"
            conf_file.write_text(yaml.safe_dump({run_env: config[env_id]}))
            args += ["--conf-file", str(conf_file)]
        assert check_train_arguments(args)[: len(args)] == args


@pytest.mark.slow
def test_zoo_algorithms_keep_their_configs(tmp_path):
    result = run_cli(train_args("a2c", "CartPole-v1", 200), tmp_path)
    assert "rl_zoo3/hyperparams/a2c.yml" in result.stdout
    assert (tmp_path / "logs/a2c/CartPole-v1_1/CartPole-v1.zip").is_file()


# One CLI training in the default suite (the smoke test of the CLI path), the others in the slow job
CLI_TRAIN_ALGOS = [algo if algo == "reinforce" else pytest.param(algo, marks=pytest.mark.slow) for algo in OUR_ALGOS]


@pytest.mark.parametrize("algo", CLI_TRAIN_ALGOS)
def test_cli_train_uses_shipped_config(algo, tmp_path):
    result = run_cli(train_args(algo, "CartPole-v1", 300), tmp_path)
    assert f"Loading hyperparameters from: {config_path(algo)}" in result.stdout
    run_dir = tmp_path / "logs" / algo / "CartPole-v1_1"
    saved = yaml.unsafe_load((run_dir / "CartPole-v1/config.yml").read_text())
    assert dict(saved) == load_config(algo)["CartPole-v1"]
    assert ALGOS[algo].load(run_dir / "CartPole-v1.zip").num_timesteps >= 300


@pytest.mark.slow
def test_cli_enjoy_and_resume(tmp_path):
    # One env, so that the checkpoints fall on the steps asked for (the shipped block's 64 envs save every 64 steps)
    conf_file = tmp_path / "reinforce.yml"
    conf_file.write_text(yaml.safe_dump({"CartPole-v1": dict(n_timesteps=500, policy="MlpPolicy", n_episodes=8)}))
    conf = ["--conf-file", str(conf_file)]
    run_cli(train_args("reinforce", "CartPole-v1", 500, "--seed", "0", "--save-freq", "200", *conf), tmp_path)
    first = tmp_path / "logs/reinforce/CartPole-v1_1"
    assert (first / "rl_model_200_steps.zip").is_file()
    enjoy = ["enjoy", "--algo", "reinforce", "--env", "CartPole-v1", "-f", "logs", "--no-render", "-n", "300"]
    result = run_cli(enjoy, tmp_path)
    assert "Episode Reward" in result.stdout

    # Resume from the final model with a zero learning rate and another seed: the resumed run's policy is the
    # loaded one (a fresh model would start from other weights)
    final = Reinforce.load(first / "CartPole-v1.zip")
    resume = ["--seed", "7", "-i", str(first / "CartPole-v1.zip"), "-params", "learning_rate:0.0"]
    run_cli(train_args("reinforce", "CartPole-v1", 200, *resume, *conf), tmp_path)
    resumed = Reinforce.load(tmp_path / "logs/reinforce/CartPole-v1_2/CartPole-v1.zip")
    assert resumed.num_timesteps >= 200
    for name, value in final.policy.state_dict().items():
        assert np.array_equal(value.numpy(), resumed.policy.state_dict()[name].numpy()), name


@pytest.mark.slow
@pytest.mark.parametrize("algo", OUR_ALGOS)
def test_cli_optimize(algo, tmp_path):
    optimize = ["-optimize", "--n-trials", "2", "--n-evaluations", "1", "--eval-episodes", "2", "--no-optim-plots"]
    # Two envs instead of the block's 32: a trial trains at least one rollout whatever -n says, and a sampled
    # n_steps of 2048 on 32 envs is a 65k-step batch (minutes of critic epochs for a test of the plumbing)
    result = run_cli(train_args(algo, "CartPole-v1", 600, *optimize, "-params", "n_envs:2"), tmp_path)
    assert re.search(r"Number of finished trials:\s+2\n", result.stdout)
    report = next((tmp_path / "logs" / algo).glob("report_CartPole-v1_2-trials-600-tpe-median_*.csv"))
    assert len(report.read_text().strip().splitlines()) == 3  # header and two trials


# Runs a W&B-tracked training (``sb3_pg.zoo ARGS`` or ``SCRIPT ARGS``) with W&B offline; just before the run
# finishes, writes its summary as W&B holds it (``Run.summary``) to a JSON file
WANDB_DRIVER = """
import json, runpy, sys, time
import wandb

keys, out, command = json.loads(sys.argv[1]), sys.argv[2], sys.argv[3:]
finish = wandb.Run.finish


def finish_after_recording_the_summary(run, *args, **kwargs):
    # W&B reads SB3's TensorBoard files in the background: wait until the metrics are in the run's summary
    deadline = time.monotonic() + 120
    summary = dict(run.summary)
    while not all(key in summary for key in keys) and time.monotonic() < deadline:
        time.sleep(0.2)
        summary = dict(run.summary)
    with open(out, "w") as file:
        json.dump({key: value for key, value in summary.items() if isinstance(value, (int, float))}, file)
    return finish(run, *args, **kwargs)


wandb.Run.finish = finish_after_recording_the_summary
sys.argv = command
if command[0] == "sb3_pg.zoo":
    runpy.run_module("sb3_pg.zoo", run_name="__main__")
    wandb.run.finish()  # RL-Zoo leaves its run to be finished at exit
else:
    runpy.run_path(command[0], run_name="__main__")
"""


def run_tracked(command: list[str], keys: list[str], cwd: Path) -> dict:
    """
    ``command`` run with W&B offline (``WANDB_MODE=offline``); returns the W&B run's summary (the last value of each
    metric logged to the run, and ``global_step``, the step of those values), read through W&B's public ``Run.summary``.
    """
    out = cwd / "wandb_summary.json"
    result = subprocess.run(
        [sys.executable, "-c", WANDB_DRIVER, json.dumps([*keys, "global_step"]), str(out), *command],
        cwd=cwd,
        env={**os.environ, "WANDB_MODE": "offline"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, f"{command} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return json.loads(out.read_text())


def tensorboard_scalars(logdir: Path) -> dict[str, dict[int, float]]:
    """The scalars of the TensorBoard event files under ``logdir`` (TensorBoard's EventAccumulator): {tag: {step: value}}."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    scalars: dict[str, dict[int, float]] = {}
    for folder in sorted({path.parent for path in logdir.rglob("events.out.tfevents.*")}):
        accumulator = EventAccumulator(str(folder))
        accumulator.Reload()
        for tag in accumulator.Tags()["scalars"]:
            scalars.setdefault(tag, {}).update((event.step, event.value) for event in accumulator.Scalars(tag))
    return scalars


def check_metrics_reach_wandb(summary: dict, scalars: dict[str, dict[int, float]], keys: list[str]) -> None:
    """
    Each of ``keys`` is a metric of the W&B run, whose value is the one SB3 wrote to TensorBoard at the run's step
    (W&B takes SB3's metrics from its TensorBoard files: ``sync_tensorboard=True``).
    """
    step = summary["global_step"]
    for key in keys:
        assert key in scalars, sorted(scalars)
        assert key in summary, sorted(summary)
        assert step in scalars[key], (key, step, sorted(scalars[key]))
        assert summary[key] == pytest.approx(scalars[key][step], rel=1e-6), (key, step)


@pytest.mark.slow
def test_cli_track_logs_our_metrics_to_wandb(tmp_path):
    keys = ["train/policy_loss", "train/value_loss", "train/grad_norm", "train/approx_kl", "rollout/discarded_steps"]
    # 600 steps: three updates, so that W&B has taken in a step with every metric before the run finishes
    # The value baseline (train/value_loss) and one env with 8 episodes per update: its own config, not the shipped one
    conf_file = tmp_path / "reinforce_baseline.yml"
    block = dict(n_timesteps=600, policy="MlpPolicy", n_episodes=8, baseline="value", critic_learning_rate=1e-2)
    conf_file.write_text(yaml.safe_dump({"CartPole-v1": block}))
    track = ["--seed", "0", "--track", "--wandb-project-name", "pg", "--conf-file", str(conf_file)]
    summary = run_tracked(["sb3_pg.zoo", *train_args("reinforce_baseline", "CartPole-v1", 600, *track)], keys, tmp_path)
    assert len(list(tmp_path.glob("wandb/offline-run-*"))) == 1
    # RL-Zoo's --track: SB3 logs to TensorBoard under runs/, W&B syncs it
    check_metrics_reach_wandb(summary, tensorboard_scalars(tmp_path / "runs"), keys)


@pytest.mark.slow
def test_non_editable_install_finds_configs(tmp_path):
    """``pip install .`` (not editable), used from another directory, ships and finds the configs."""
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target), str(REPO)],
        check=True,
        capture_output=True,
    )
    installed = target / "sb3_pg" / "zoo_configs"
    assert sorted(path.name for path in installed.glob("*.yml")) == sorted(f"{algo}.yml" for algo in OUR_ALGOS)
    env = {"PYTHONPATH": str(target)}
    result = run_cli(train_args("reinforce", "CartPole-v1", 100), tmp_path, env)
    assert f"Loading hyperparameters from: {installed / 'reinforce.yml'}" in result.stdout
    assert config_dir() != installed  # this process still uses the source checkout


@pytest.mark.slow
def test_wandb_example_logs_our_metrics(tmp_path):
    """``examples/wandb_reinforce_baseline.py`` (WandbCallback in plain Python) logs our metrics to the W&B run."""
    keys = ["train/policy_loss", "train/value_loss", "train/grad_norm", "rollout/discarded_steps"]
    summary = run_tracked([str(REPO / "examples/wandb_reinforce_baseline.py"), "--timesteps", "300"], keys, tmp_path)
    assert len(list(tmp_path.glob("wandb/offline-run-*"))) == 1
    check_metrics_reach_wandb(summary, tensorboard_scalars(tmp_path / "runs"), keys)
    assert next(tmp_path.glob("models/*/model.zip")).is_file()


def test_console_script(tmp_path):
    """The ``sb3-pg`` console script is installed and is the same entry point."""
    script = Path(sys.executable).parent / "sb3-pg"
    assert script.is_file()
    result = subprocess.run([str(script), "train", "--help"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    # RL-Zoo's train parser, with our algorithms among its --algo choices
    assert "--conf-file" in result.stdout and "reinforce_baseline" in result.stdout and "tnpg" in result.stdout
    unknown = subprocess.run([str(script), "fly"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert unknown.returncode != 0 and "unknown command 'fly'" in unknown.stderr
