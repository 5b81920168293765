"""Bad arguments and bad environments get clear errors."""

import gymnasium as gym
import numpy as np
import pytest
from gymnasium import spaces
from stable_baselines3.common.env_util import make_vec_env

from sb3_pg import TNPG, Reinforce, ReinforceBaseline, TDActorCritic
from sb3_pg.common.envs import ScriptedEpisodeEnv


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
        (ReinforceBaseline, dict(n_critic_epochs=0), "n_critic_epochs=0"),
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
