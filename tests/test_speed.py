"""
The speed changes keep the results: TDActorCritic's online path (the update differentiates the collection's forward
pass) gives the updates of SB3's loop, computed live in the same process; its callbacks see every step with SB3's
locals; and the profile's parts add up (benchmarks/profile_steps.py).
"""

import sys
from pathlib import Path

import numpy as np
import pytest
import torch as th
from stable_baselines3.common.callbacks import BaseCallback
from stable_baselines3.common.env_util import make_vec_env

from sb3_pg import TDActorCritic
from sb3_pg.common.utils import no_distribution_validation

ROOT = Path(__file__).resolve().parent.parent


class RecordSteps(BaseCallback):
    """Record what SB3's callbacks read at each step."""

    def __init__(self) -> None:
        super().__init__()
        self.steps: list[tuple[int, np.ndarray, np.ndarray, np.ndarray, int]] = []
        self.validating: list[bool] = []

    def _on_step(self) -> bool:
        for key in ("new_obs", "rewards", "dones", "infos", "actions", "values", "log_probs"):
            assert key in self.locals, key
        # SB3's locals: tensors without a graph, which a logging callback can turn into numpy arrays
        for key in ("values", "log_probs"):
            assert not self.locals[key].requires_grad, key
            self.locals[key].cpu().numpy()
        self.steps.append(
            (
                self.num_timesteps,
                self.locals["new_obs"].copy(),
                self.locals["rewards"].copy(),
                self.locals["dones"].copy(),
                len(self.locals["infos"]),
            )
        )
        self.validating.append(th.distributions.Distribution._validate_args)
        return True


def td_run(env_id: str, n_envs: int, online: bool, timesteps: int = 200, **kwargs):
    model = TDActorCritic(
        "MlpPolicy",
        make_vec_env(env_id, n_envs=n_envs, seed=0),
        seed=0,
        device="cpu",
        policy_kwargs=dict(net_arch=dict(pi=[32, 32], vf=[32, 32])),
        **kwargs,
    )
    model.online_path = online
    assert model._online_path_applies() is online
    callback = RecordSteps()
    th.manual_seed(0)
    model.learn(timesteps, callback=callback, log_interval=10**6)
    return model, callback


@pytest.mark.parametrize("env_id", ["CartPole-v1", "Pendulum-v1"])
@pytest.mark.parametrize("n_envs", [1, 3])
def test_td_online_path_gives_the_updates_of_sb3s_loop(env_id, n_envs):
    """Without an entropy bonus, the same operations in the same order: identical parameters."""
    general, general_steps = td_run(env_id, n_envs, online=False)
    online, online_steps = td_run(env_id, n_envs, online=True)
    assert online._n_updates == general._n_updates == 200 // n_envs + (200 % n_envs > 0)
    for key, value in general.policy.state_dict().items():
        assert th.equal(online.policy.state_dict()[key], value), key
    for key, value in general.policy.optimizer.state_dict()["state"].items():
        th.testing.assert_close(online.policy.optimizer.state_dict()["state"][key]["exp_avg_sq"], value["exp_avg_sq"])
    # Every step reaches the callbacks, with the same observations, rewards and episode ends
    assert len(online_steps.steps) == len(general_steps.steps) == online._n_updates
    for (t_a, obs_a, rew_a, done_a, n_a), (t_b, obs_b, rew_b, done_b, n_b) in zip(online_steps.steps, general_steps.steps):
        assert t_a == t_b and n_a == n_b == n_envs
        np.testing.assert_allclose(obs_a, obs_b, rtol=0, atol=1e-5)
        np.testing.assert_allclose(rew_a, rew_b, rtol=0, atol=1e-5)
        np.testing.assert_array_equal(done_a, done_b)
    # The same logger keys, the means over the same number of updates
    assert set(online.logger.name_to_value) == set(general.logger.name_to_value)
    for key, count in general.logger.name_to_count.items():
        assert online.logger.name_to_count[key] == count, key
    np.testing.assert_allclose(
        online.logger.name_to_value["train/value_loss"], general.logger.name_to_value["train/value_loss"], rtol=1e-4
    )


def test_td_online_path_with_the_update_options():
    options = dict(ent_coef=0.01, discount_gradient=True, normalize_advantage=True, max_grad_norm=0.5)
    general, _ = td_run("CartPole-v1", 4, online=False, **options)
    online, _ = td_run("CartPole-v1", 4, online=True, **options)
    for key, value in general.policy.state_dict().items():
        th.testing.assert_close(online.policy.state_dict()[key], value, rtol=0, atol=1e-6)
    np.testing.assert_array_equal(online._gradient_discounts, general._gradient_discounts)


def test_td_online_path_is_taken_only_where_it_applies():
    def model(**kwargs):
        return TDActorCritic("MlpPolicy", "Pendulum-v1", device="cpu", **kwargs)

    assert model()._online_path_applies()
    assert not model(n_steps=2)._online_path_applies()
    assert not model(use_sde=True)._online_path_applies()
    assert not model(policy_kwargs=dict(activation_fn=th.nn.Dropout))._online_path_applies()
    # Outside learn(), collect_rollouts fills the rollout buffer as SB3's does
    td = model()
    td._setup_learn(100, None)
    assert td.collect_rollouts(td.env, td._init_callback(None), td.rollout_buffer, n_rollout_steps=1)
    assert td.policy.kept_forward is None and td.rollout_buffer.full


def test_distribution_validation_is_off_while_learning_and_restored():
    _, callback = td_run("CartPole-v1", 1, online=True, timesteps=5)
    assert callback.validating == [False] * 5
    assert th.distributions.Distribution._validate_args
    with pytest.raises(RuntimeError), no_distribution_validation():
        raise RuntimeError
    assert th.distributions.Distribution._validate_args


def test_profile_parts_add_up():
    sys.path.insert(0, str(ROOT / "benchmarks"))
    profile_steps = pytest.importorskip("profile_steps")
    th.set_num_threads(1)
    for label, algo, settings in profile_steps.PROFILES["CartPole-v1_1env"][2]:
        if label not in ("A2C (gae_lambda=1)", "ReinforceBaseline", "TDActorCritic", "TRPO", "TNPG"):
            continue
        settings = {**settings, "n_steps": 1 if settings["n_steps"] == 1 else 64}
        model = profile_steps.make_model("CartPole-v1", 2, algo, settings, log_folder="")
        result = profile_steps.profile_model(model, timesteps=256, floor_seconds=0.005)
        parts = result["parts"]
        assert set(parts) == set(profile_steps.PARTS)
        total = sum(part["us_per_step"] for part in parts.values())
        assert total == pytest.approx(result["us_per_step"], rel=1e-6), label
        assert sum(part["share"] for part in parts.values()) == pytest.approx(1.0, rel=1e-6)
        for name, part in parts.items():
            assert part["us_per_step"] >= 0 and part["floor_us_per_step"] >= 0, (label, name)
        for name in ("env", "inference", "update", "bookkeeping"):
            assert parts[name]["us_per_step"] > 0 and parts[name]["floor_us_per_step"] >= 0, (label, name)
        for name in ("env", "inference", "update"):
            assert parts[name]["floor_us_per_step"] > 0, (label, name)
        # The critic fit is timed apart where the algorithm has one
        assert (parts["critic"]["us_per_step"] > 0) == (algo in ("ReinforceBaseline", "TRPO", "TNPG")), label
        assert result["ratio_to_ceiling"] > 0
