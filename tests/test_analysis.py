"""The variance analysis: its pieces checked by hand, and the CLI's measurement against the theory."""

import json

import gymnasium as gym
import numpy as np
import pytest
import torch as th
from gymnasium import spaces

from sb3_pg import Reinforce, ReinforceBaseline
from sb3_pg.analysis.__main__ import main
from sb3_pg.analysis.variance import (
    Episodes,
    advantages_gae,
    analysable_algorithms,
    checkpoint_algorithms,
    returns_to_go,
    same_mean_p_value,
)


def _episodes(rewards: list[list[float]], terminated: list[bool]) -> Episodes:
    ids = [i for i, episode in enumerate(rewards) for _ in episode]
    steps = [t for episode in rewards for t in range(len(episode))]
    n_steps = len(ids)
    return Episodes(
        observations=th.zeros(n_steps, 1),
        actions=th.zeros(n_steps, dtype=th.long),
        rewards=th.tensor([r for episode in rewards for r in episode], dtype=th.float64),
        episode_ids=th.tensor(ids),
        step_in_episode=th.tensor(steps),
        final_observations=th.zeros(len(rewards), 1),
        terminated=th.tensor(terminated),
    )


def test_returns_and_gae_by_hand():
    episodes = _episodes([[1.0, 2.0, 3.0], [5.0]], [True, False])
    returns = returns_to_go(episodes, gamma=0.5)
    assert returns.tolist() == [1 + 0.5 * 2 + 0.25 * 3, 2 + 0.5 * 3, 3.0, 5.0]
    values = th.tensor([1.0, 1.0, 1.0, 2.0], dtype=th.float64)
    final_values = th.tensor([7.0, 4.0], dtype=th.float64)
    # TD errors: V(s') = 0 after termination (episode 0), V(final observation) = 4 after truncation (episode 1)
    deltas = [1 + 0.5 - 1, 2 + 0.5 - 1, 3 - 1, 5 + 0.5 * 4 - 2]
    assert advantages_gae(episodes, values, final_values, 0.5, 0.0).tolist() == deltas
    lam = 0.8
    expected = [
        deltas[0] + 0.4 * deltas[1] + 0.4**2 * deltas[2],
        deltas[1] + 0.4 * deltas[2],
        deltas[2],
        deltas[3],
    ]
    assert advantages_gae(episodes, values, final_values, 0.5, lam).tolist() == pytest.approx(expected)
    # lambda = 1 with no truncation: the Monte-Carlo advantage G_t - V(s_t)
    th.testing.assert_close(
        advantages_gae(episodes, values, final_values, 0.5, 1.0)[:3], returns[:3] - values[:3], rtol=0, atol=1e-12
    )


def test_same_mean_test_is_calibrated():
    # Correlated noise with a few dominant directions: p-values of equal means are roughly uniform
    rng = np.random.default_rng(0)
    mixing = rng.normal(size=(30, 30)) * np.linspace(3, 0.1, 30)[:, None]
    p_values, shifted = [], []
    for _ in range(300):
        noise = th.as_tensor(rng.normal(size=(100, 30)) @ mixing)
        p_values.append(same_mean_p_value(noise)[1])
        shifted.append(same_mean_p_value(noise + 5.0)[1])
    p_values = np.array(p_values)
    assert 0.02 < (p_values < 0.05).mean() < 0.09
    assert 0.35 < (p_values < 0.5).mean() < 0.65
    assert max(shifted) < 1e-3


def test_variance_cli_agrees_with_theory(tmp_path, capsys):
    out = tmp_path / "variance.json"
    png = tmp_path / "variance.png"
    argv = ["variance", "--env", "CartPole-v1", "--batches", "20", "--episodes", "6", "--fit-episodes", "30"]
    assert main([*argv, "--lambdas", "0.9", "--json", str(out), "--plot", str(png), "--strict"]) == 0
    printed = capsys.readouterr().out
    assert "fresh reinforce_baseline policy" in printed and "V fitted on 30 held-out episodes" in printed
    payload = json.loads(out.read_text())
    results = {r["name"]: r for r in payload["results"]}
    assert list(results) == [
        "episode return",
        "reward-to-go",
        "mean baseline",
        "optimal constant baseline",
        "value baseline",
        "TD error",
        "GAE(0.9)",
    ]
    assert all(payload["checks"].values()), payload["checks"]
    # The theory's ordering, with wide margins: causality, then baselines
    assert results["reward-to-go"]["batch_variance"] < 0.5 * results["episode return"]["batch_variance"]
    for name in ("mean baseline", "optimal constant baseline", "value baseline"):
        assert results[name]["batch_variance"] < 0.8 * results["reward-to-go"]["batch_variance"], name
        assert results[name]["p_value"] >= 0.01
    assert png.stat().st_size > 10_000


def test_variance_cli_uses_the_checkpoint_critic(tmp_path, capsys):
    path = tmp_path / "model.zip"
    ReinforceBaseline("MlpPolicy", "CartPole-v1", seed=0).save(path)
    argv = ["variance", "--env", "CartPole-v1", "--checkpoint", str(path), "--batches", "3", "--episodes", "2"]
    assert main([*argv, "--fit-episodes", "4", "--lambdas", "--plot", str(tmp_path / "v.png")]) == 0
    printed = capsys.readouterr().out
    assert f"reinforce_baseline checkpoint {path}" in printed and "the checkpoint's critic" in printed


def test_variance_cli_bad_input(tmp_path, capsys):
    with pytest.raises(SystemExit):
        main(["variance", "--env", "CartPole-v1", "--checkpoint", str(tmp_path / "missing.zip")])
    assert "no such file" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["variance", "--env", "CartPol-v1"])
    assert "not a registered gymnasium env" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["variance", "--env", "CartPole-v1", "--algo", "dqn"])
    assert "is not one of" in capsys.readouterr().err
    assert main(["nothing"]) == 2


@pytest.mark.parametrize("baseline", ["mean", "optimal"])
def test_variance_cli_fits_v_for_an_actor_only_checkpoint(baseline, tmp_path, capsys):
    # A constant baseline's policy is the actor alone: V is fitted on held-out episodes, as for REINFORCE
    path = tmp_path / "model.zip"
    ReinforceBaseline("MlpPolicy", "CartPole-v1", baseline=baseline, seed=0).save(path)
    argv = ["variance", "--env", "CartPole-v1", "--checkpoint", str(path), "--batches", "2", "--episodes", "1"]
    assert main([*argv, "--fit-episodes", "2", "--lambdas", "--plot", str(tmp_path / "v.png")]) == 0
    assert "V fitted on 2 held-out episodes" in capsys.readouterr().out


@pytest.mark.parametrize(
    "flags, flag",
    [
        (["--gamma", "2"], "--gamma"),
        (["--gamma", "-0.1"], "--gamma"),
        (["--batches", "0"], "--batches"),
        (["--batches", "1"], "--batches"),
        (["--episodes", "0"], "--episodes"),
        (["--fit-episodes", "1"], "--fit-episodes"),
        (["--lambdas", "0.9", "1.5"], "--lambdas"),
    ],
)
def test_variance_cli_refuses_bad_flags(flags, flag, capsys):
    with pytest.raises(SystemExit) as error:
        main(["variance", "--env", "CartPole-v1", *flags])
    assert error.value.code == 2
    err = capsys.readouterr().err
    assert f"error: {flag} " in err, err
    assert "n_batches" not in err


def test_variance_cli_checkpoint_must_match_env(tmp_path, capsys):
    path = tmp_path / "cartpole.zip"
    Reinforce("MlpPolicy", "CartPole-v1", seed=0).save(path)
    with pytest.raises(SystemExit) as error:
        main(["variance", "--env", "Pendulum-v1", "--algo", "reinforce", "--checkpoint", str(path)])
    assert error.value.code == 2
    err = capsys.readouterr().err
    assert f"--checkpoint {path} does not match --env Pendulum-v1" in err, err
    assert "Traceback" not in err


def test_analysis_unknown_command(capsys):
    assert main(["bogus"]) == 2
    err = capsys.readouterr().err
    assert "error: unknown command 'bogus'" in err and "variance" in err
    assert main([]) == 2
    assert "error: no command given" in capsys.readouterr().err
    assert main(["--help"]) == 0
    assert "usage: python -m sb3_pg.analysis" in capsys.readouterr().out


@pytest.mark.parametrize("algo", ["reinforce", "reinforce_baseline", "td_actor_critic", "tnpg", "a2c", "ppo", "trpo"])
def test_checkpoint_algorithms_names_the_saved_class(algo, tmp_path):
    algos = analysable_algorithms()
    path = tmp_path / f"{algo}.zip"
    algos[algo]("MlpPolicy", "CartPole-v1", seed=0).save(path)
    assert checkpoint_algorithms(str(path)) == [algo]


@pytest.mark.parametrize("saved, asked", [("reinforce_baseline", "reinforce"), ("tnpg", "trpo"), ("trpo", "tnpg")])
def test_variance_cli_checkpoint_must_match_algo(saved, asked, tmp_path, capsys):
    path = tmp_path / "model.zip"
    analysable_algorithms()[saved]("MlpPolicy", "CartPole-v1", seed=0).save(path)
    with pytest.raises(SystemExit) as error:
        main(["variance", "--env", "CartPole-v1", "--algo", asked, "--checkpoint", str(path)])
    assert error.value.code == 2
    err = capsys.readouterr().err
    assert f"is not a {asked} model: its saved attributes are those of a {saved} model" in err, err


class NeverEndingEnv(gym.Env):
    """Constant observation and reward, no termination: its episodes end only at a time limit."""

    observation_space = spaces.Box(-1, 1, (2,))
    action_space = spaces.Discrete(2)
    metadata = {"render_modes": ["rgb_array"]}  # noqa: RUF012  (SB3 makes envs from an id with render_mode="rgb_array")

    def render(self):
        return np.zeros((4, 4, 3), dtype=np.uint8)

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        return np.zeros(2, dtype=np.float32), {}

    def step(self, action):
        return np.zeros(2, dtype=np.float32), 1.0, False, False, {}


class DictObservationEnv(NeverEndingEnv):
    observation_space = spaces.Dict({"position": spaces.Box(-1, 1, (2,))})


class NeedsAMissingPackage(NeverEndingEnv):
    def __init__(self):
        raise gym.error.DependencyNotInstalled("fancy-physics is not installed: pip install fancy-physics")


gym.register("NeverEndingForTheAnalysis-v0", entry_point=NeverEndingEnv)
gym.register("NeedsAMissingPackageForTheAnalysis-v0", entry_point=NeedsAMissingPackage, max_episode_steps=10)
gym.register("DictObservationForTheAnalysis-v0", entry_point=DictObservationEnv, max_episode_steps=10)

SMALL = ["--batches", "2", "--episodes", "1", "--fit-episodes", "2", "--lambdas"]


def no_analysis(*args, **kwargs):
    raise AssertionError("the analysis ran before the flags were checked")


@pytest.mark.parametrize(
    "flags, message",
    [
        (["--plot", "/no/such/folder/x.png"], "--plot /no/such/folder/x.png: its folder /no/such/folder does not exist"),
        (["--json", "/no/such/folder/r.json"], "--json /no/such/folder/r.json: its folder /no/such/folder does not exist"),
        (["--plot", "{tmp}/x.docx"], "not .docx"),
        (["--plot", "{tmp}"], "it is a folder"),
        (["--seed", "-1"], "--seed -1: must be >= 0"),
        (["--max-episode-steps", "0"], "--max-episode-steps 0: must be >= 1"),
        (["--env", "NeedsAMissingPackageForTheAnalysis-v0"], "cannot be made: DependencyNotInstalled"),
    ],
)
def test_variance_cli_checks_outputs_and_flags_before_the_work(flags, message, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr("sb3_pg.analysis.variance.analyse", no_analysis)
    flags = [flag.replace("{tmp}", str(tmp_path)) for flag in flags]
    with pytest.raises(SystemExit) as error:
        main(["variance", "--env", "CartPole-v1", *flags])
    assert error.value.code == 2
    assert message.replace("{tmp}", str(tmp_path)) in capsys.readouterr().err


def test_variance_cli_keeps_the_results_when_the_plot_fails(tmp_path, monkeypatch, capsys):
    def failing_plot(results, path, title):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("sb3_pg.analysis.variance.plot", failing_plot)
    out = tmp_path / "r.json"
    status = main(["variance", "--env", "CartPole-v1", *SMALL, "--json", str(out), "--plot", str(tmp_path / "v.png")])
    assert status == 1
    captured = capsys.readouterr()
    assert "No space left on device" in captured.err and "reward-to-go" in captured.out
    assert [r["name"] for r in json.loads(out.read_text())["results"]][:2] == ["episode return", "reward-to-go"]


def test_variance_cli_refuses_an_env_without_time_limit_unless_given_one(tmp_path, monkeypatch, capsys):
    argv = ["variance", "--env", "NeverEndingForTheAnalysis-v0", "--algo", "reinforce", *SMALL, "--no-plot"]
    with pytest.raises(SystemExit) as error:
        main(argv)
    assert error.value.code == 2 and "has no time limit" in capsys.readouterr().err
    assert main([*argv, "--max-episode-steps", "5"]) == 0
    assert "NeverEndingForTheAnalysis-v0, fresh reinforce policy" in capsys.readouterr().out


def test_variance_cli_refuses_observations_it_cannot_stack(capsys):
    with pytest.raises(SystemExit) as error:
        main(["variance", "--env", "DictObservationForTheAnalysis-v0", "--algo", "reinforce", *SMALL, "--no-plot"])
    assert error.value.code == 2
    assert "Traceback" not in capsys.readouterr().err


def test_variance_cli_shows_progress_on_stderr(tmp_path, capsys):
    argv = ["variance", "--env", "CartPole-v1", *SMALL, "--no-plot"]
    assert main(argv) == 0
    err = capsys.readouterr().err
    assert "held-out episodes" in err and "measured episodes" in err and "per-episode gradients" in err
    assert main([*argv, "--no-progress"]) == 0
    assert "measured episodes" not in capsys.readouterr().err


def test_analysis_help_describes_the_commands(capsys):
    assert main(["--help"]) == 0
    printed = capsys.readouterr().out
    assert "usage: python -m sb3_pg.analysis" in printed
    assert "variance  how noisy each policy-gradient estimator is" in printed
    assert "python -m sb3_pg.analysis variance --env CartPole-v1" in printed
    with pytest.raises(SystemExit) as error:
        main(["variance", "--help"])
    assert error.value.code == 0
    printed = " ".join(capsys.readouterr().out.split())
    assert "--max-episode-steps" in printed and "--no-progress" in printed and "written before the plot" in printed
