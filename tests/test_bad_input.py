"""Bad arguments and bad environments get clear errors."""

import gymnasium as gym
import numpy as np
import pytest
from gymnasium import spaces
from stable_baselines3.common.env_util import make_vec_env
from stable_baselines3.common.on_policy_algorithm import OnPolicyAlgorithm

from sb3_pg import TNPG, Reinforce, ReinforceBaseline, TDActorCritic
from sb3_pg.envs import ScriptedEpisodeEnv


@pytest.mark.parametrize(
    "algo, kwargs, message",
    [
        (Reinforce, dict(return_type="whole"), "return_type='whole'"),
        (ReinforceBaseline, dict(baseline="median"), "baseline='median'"),
        (Reinforce, dict(n_episodes=0), "n_episodes=0"),
        (Reinforce, dict(n_episodes=2.5), "n_episodes=2.5"),
        (Reinforce, dict(n_steps=-3), "n_steps=-3"),
        (Reinforce, dict(n_episodes=4, n_steps=100), "Conflicting batch settings"),
        (Reinforce, dict(gamma=1.5), "gamma=1.5"),
        (Reinforce, dict(gamma=-0.1), "gamma=-0.1"),
        (Reinforce, dict(learning_rate=-1e-3), "learning_rate=-0.001"),
        (ReinforceBaseline, dict(critic_learning_rate=-1.0), "critic_learning_rate=-1.0"),
        (ReinforceBaseline, dict(n_critic_updates=0), "n_critic_updates=0"),
        (ReinforceBaseline, dict(baseline="mean", n_episodes=1), "n_episodes=1"),
        (Reinforce, dict(max_grad_norm=0.0), "max_grad_norm=0.0"),
        (Reinforce, dict(return_type="episode", discount_gradient=True), "discount_gradient=True"),
        (Reinforce, dict(policy_kwargs=dict(net_arch=dict(pi=[8], vf=[8]))), "no value network"),
        (TDActorCritic, dict(learning_rate=-1.0), "learning_rate=-1.0"),
        (TDActorCritic, dict(critic_learning_rate=-1.0), "critic_learning_rate=-1.0"),
        (TDActorCritic, dict(n_steps=0), "n_steps=0"),
        (TDActorCritic, dict(gamma=2.0), "gamma=2.0"),
        (TDActorCritic, dict(gae_lambda=1.5), "gae_lambda=1.5"),
        (TDActorCritic, dict(max_grad_norm=-1.0), "max_grad_norm=-1.0"),
        (TNPG, dict(target_kl=0.0), "target_kl=0.0"),
        (Reinforce, dict(target_kl=0.0), "target_kl=0.0"),
        (ReinforceBaseline, dict(target_kl=-0.01), "target_kl=-0.01"),
        (TNPG, dict(target_kl=-0.01), "target_kl=-0.01"),
        (TNPG, dict(cg_max_steps=0), "cg_max_steps=0"),
        (TNPG, dict(cg_damping=-0.1), "cg_damping=-0.1"),
        (TNPG, dict(n_critic_updates=0), "n_critic_updates=0"),
        (TNPG, dict(batch_size=0), "batch_size=0"),
        (TNPG, dict(sub_sampling_factor=0), "sub_sampling_factor=0"),
        (TNPG, dict(gae_lambda=-0.5), "gae_lambda=-0.5"),
        (TNPG, dict(learning_rate=-1.0), "learning_rate=-1.0"),
    ],
)
def test_bad_arguments(algo, kwargs, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(".", r"\.")):
        algo("MlpPolicy", "CartPole-v1", **kwargs)


def test_policy_class_must_be_ours():
    from stable_baselines3.common.policies import ActorCriticPolicy

    with pytest.raises(ValueError, match="not an sb3_pg policy"):
        Reinforce(ActorCriticPolicy, "CartPole-v1")


def test_fewer_episodes_than_envs():
    with pytest.raises(ValueError, match=r"n_episodes=2 is smaller than the number of envs \(4\)"):
        Reinforce("MlpPolicy", make_vec_env("CartPole-v1", n_envs=4), n_episodes=2)


class TupleActionEnv(gym.Env):
    observation_space = spaces.Box(-1, 1, (2,))
    action_space = spaces.Tuple([spaces.Discrete(2), spaces.Discrete(2)])


@pytest.mark.parametrize("algo", [Reinforce, ReinforceBaseline, TDActorCritic, TNPG])
def test_unsupported_action_space(algo):
    with pytest.raises(ValueError, match="Unsupported action space Tuple"):
        algo("MlpPolicy", TupleActionEnv())


@pytest.mark.parametrize("algo", [Reinforce, ReinforceBaseline, TDActorCritic, TNPG])
def test_nan_reward_stops_training(algo):
    env = ScriptedEpisodeEnv(lengths=[5], rewards_fn=lambda k, t: np.nan if (k, t) == (1, 2) else 1.0)
    batch = dict(n_episodes=2) if issubclass(algo, Reinforce) else dict(n_steps=100)
    model = algo("MlpPolicy", env, seed=0, **batch)
    before = [param.detach().clone() for param in model.policy.parameters()]
    with pytest.raises(ValueError, match=r"Non-finite rewards .* env 0 at timestep 8"):
        model.learn(100)
    # No update happened on the bad batch
    for param, old in zip(model.policy.parameters(), before):
        assert np.array_equal(param.detach().numpy(), old.numpy())


class InfObservation(gym.ObservationWrapper):
    def observation(self, observation):
        return np.full_like(observation, np.inf) if observation[1] == 3 else observation


@pytest.mark.parametrize("algo", [Reinforce, TDActorCritic])
def test_inf_observation_stops_training(algo):
    model = algo("MlpPolicy", InfObservation(ScriptedEpisodeEnv(lengths=[5])))
    with pytest.raises(ValueError, match="Non-finite observations"):
        model.learn(100)


class NaNFinalObservation(gym.Wrapper):
    """A NaN in the last observation of a truncated episode, which the TD target bootstraps from."""

    def step(self, action):
        obs, reward, terminated, truncated, info = self.env.step(action)
        if truncated:
            obs = np.full_like(obs, np.nan)
        return obs, reward, terminated, truncated, info


def test_nan_final_observation_stops_training():
    model = TDActorCritic("MlpPolicy", NaNFinalObservation(ScriptedEpisodeEnv(lengths=[5], truncate=True)))
    with pytest.raises(ValueError, match=r"Non-finite observations .* timestep 5"):
        model.learn(100)


def test_non_finite_loss_is_reported_and_parameters_kept():
    env = ScriptedEpisodeEnv(lengths=[5], rewards_fn=lambda k, t: 1e38)
    model = Reinforce("MlpPolicy", env, n_episodes=2, gamma=1.0, seed=0)
    before = [param.detach().clone() for param in model.policy.parameters()]
    with pytest.raises(FloatingPointError, match=r"Non-finite loss \(policy nan"):
        model.learn(100)
    for param, old in zip(model.policy.parameters(), before):
        assert np.array_equal(param.detach().numpy(), old.numpy())


@pytest.mark.parametrize(
    "algo, kwargs, message",
    [
        *[(algo, dict(learning_rate=np.inf), "learning_rate=inf") for algo in (Reinforce, TDActorCritic, TNPG)],
        *[(algo, dict(learning_rate=np.nan), "learning_rate=nan") for algo in (Reinforce, ReinforceBaseline, TNPG)],
        *[(algo, dict(learning_rate="0.001"), "learning_rate='0.001'") for algo in (Reinforce, TDActorCritic, TNPG)],
        (ReinforceBaseline, dict(critic_learning_rate=np.nan), "critic_learning_rate=nan"),
        (TDActorCritic, dict(critic_learning_rate=np.inf), "critic_learning_rate=inf"),
        (TNPG, dict(target_kl=np.inf), "target_kl=inf"),
        (Reinforce, dict(target_kl=np.nan), "target_kl=nan"),
        (Reinforce, dict(ent_coef=-0.01), "ent_coef=-0.01"),
        (TDActorCritic, dict(ent_coef=lambda progress: progress - 0.5), "ent_coef: the schedule returned -0.5"),
        (ReinforceBaseline, dict(ent_coef=np.nan), "ent_coef=nan"),
        (TDActorCritic, dict(ent_coef=-1.0), "ent_coef=-1.0"),
        (TNPG, dict(ent_coef=-0.5), "ent_coef=-0.5"),
        (Reinforce, dict(gamma=np.nan), "gamma=nan"),
        (Reinforce, dict(max_episode_steps=0), "max_episode_steps=0"),
    ],
)
def test_non_finite_and_mistyped_settings(algo, kwargs, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(".", r"\.")):
        algo("MlpPolicy", "CartPole-v1", **kwargs)


def _bad_later(value: float):
    """A schedule that is fine at its start and end (checked when it is built) and returns ``value`` in the second half
    of training."""
    return lambda progress_remaining: value if 0 < progress_remaining <= 0.5 else 1e-3


@pytest.mark.parametrize(
    "algo, name, batch",
    [
        (Reinforce, "learning_rate", dict(n_episodes=2)),
        (ReinforceBaseline, "critic_learning_rate", dict(n_episodes=2)),
        (TDActorCritic, "learning_rate", dict(n_steps=8)),
        (TDActorCritic, "critic_learning_rate", dict(n_steps=8)),
        (TNPG, "learning_rate", dict(n_steps=8, batch_size=8)),
    ],
)
@pytest.mark.parametrize("value", [-1e-3, np.nan])
def test_a_schedule_is_checked_at_each_update(algo, name, batch, value):
    model = algo("MlpPolicy", ScriptedEpisodeEnv(lengths=[4]), **{name: _bad_later(value)}, **batch, seed=0)
    with pytest.raises(ValueError, match=rf"{name}: the schedule returned"):
        model.learn(200)
    assert model.num_timesteps >= 8  # it trained before the schedule went bad


class NeverEndingEnv(gym.Env):
    """An env with no terminal state and no time limit."""

    observation_space = spaces.Box(-1, 1, (2,))
    action_space = spaces.Discrete(2)

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        return np.zeros(2, dtype=np.float32), {}

    def step(self, action):
        return np.zeros(2, dtype=np.float32), 1.0, False, False, {}


@pytest.mark.parametrize("algo", [Reinforce, ReinforceBaseline])
def test_an_env_that_never_ends_gets_a_clear_error(algo):
    model = algo("MlpPolicy", NeverEndingEnv(), n_episodes=2, max_episode_steps=300)
    with pytest.warns(UserWarning, match="an episode has run 30 steps without ending"):
        with pytest.raises(ValueError, match=r"env 0 ran 301 steps without its episode ending .*TimeLimit"):
            model.learn(10_000)
    assert model.num_timesteps == 301
    assert model.rollout_buffer.buffer_size <= 2 * 301  # the storage stopped growing with the error


@pytest.mark.parametrize("baseline", ["mean", "optimal"])
def test_constant_baseline_batches_hold_two_episodes(baseline):
    """With n_steps and one env, a batch of one long episode would leave the leave-one-out baseline at 0."""
    env = ScriptedEpisodeEnv(lengths=[10], rewards_fn=lambda k, t: float(k % 3))
    model = ReinforceBaseline("MlpPolicy", env, baseline=baseline, n_steps=5, seed=0)
    model.learn(60)
    assert model.rollout_buffer.n_episodes == 2
    assert model.logger.name_to_value["train/baseline"] != 0.0
    # The value baseline needs no second episode: one per batch, as asked
    model = ReinforceBaseline("MlpPolicy", env, baseline="value", n_steps=5, seed=0)
    model.learn(30)
    assert model.rollout_buffer.n_episodes == 1


def test_reinforce_refuses_a_non_episodic_buffer():
    from stable_baselines3.common.buffers import RolloutBuffer

    with pytest.raises(ValueError, match=r"rollout_buffer_class=.*RolloutBuffer.* needs EpisodicRolloutBuffer"):
        Reinforce("MlpPolicy", "CartPole-v1", rollout_buffer_class=RolloutBuffer)


@pytest.mark.parametrize("algo", [Reinforce, ReinforceBaseline, TDActorCritic, TNPG])
def test_cuda_asked_for_but_missing_is_said(algo, monkeypatch):
    import torch as th

    monkeypatch.setattr(th.cuda, "is_available", lambda: False)
    with pytest.warns(UserWarning, match="device='cuda' was requested but CUDA is not available"):
        model = algo("MlpPolicy", "CartPole-v1", device="cuda")
    assert model.device.type == "cpu"


def test_tnpg_warns_on_a_batch_larger_than_the_rollout_and_a_thin_fisher_sample():
    with pytest.warns(UserWarning, match="batch_size=512 is larger than the rollout"):
        TNPG("MlpPolicy", "CartPole-v1", n_steps=256, batch_size=512)
    with pytest.warns(UserWarning, match="sub_sampling_factor=16 leaves 16 of the 256 samples"):
        TNPG("MlpPolicy", "CartPole-v1", n_steps=256, batch_size=64, sub_sampling_factor=16)


def test_a_batch_past_the_budget_keeps_the_schedule_s_last_value():
    """Complete episodes can take the last batch past total_timesteps: a linear schedule must not turn negative."""
    model = Reinforce("MlpPolicy", ScriptedEpisodeEnv(lengths=[7]), n_episodes=2, learning_rate=lambda p: 1e-3 * p)
    model.learn(20)
    assert model.num_timesteps == 28 and model._current_progress_remaining < 0  # two batches of 2 x 7 steps
    assert model.logger.name_to_value["train/learning_rate"] == 0.0


def test_a_parameter_name_the_constructor_does_not_have_is_an_ordinary_type_error():
    with pytest.raises(TypeError, match="unexpected keyword argument 'normalize_returns'"):
        Reinforce("MlpPolicy", "CartPole-v1", normalize_returns=True)


@pytest.mark.parametrize(
    "algo, kwargs",
    [(Reinforce, {}), (ReinforceBaseline, {}), (ReinforceBaseline, dict(baseline="mean")), (TDActorCritic, {}), (TNPG, {})],
)
def test_sb3_s_advice_to_train_an_mlp_on_the_cpu_sees_our_mlp_policy(algo, kwargs, monkeypatch):
    """SB3 warns when an MlpPolicy is put on a GPU (slower than the CPU for small networks); it must recognise ours."""
    checked = []
    monkeypatch.setattr(
        OnPolicyAlgorithm,
        "_maybe_recommend_cpu",
        lambda self, mlp_class_name="ActorCriticPolicy": checked.append(mlp_class_name == self.policy_class.__name__),
    )
    algo("MlpPolicy", "CartPole-v1", **kwargs)
    assert any(checked)
