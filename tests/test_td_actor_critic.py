"""TDActorCritic: TD targets by hand, the textbook I factor, and the TD error as an unbiased advantage."""

import numpy as np
import pytest
import torch as th
from stable_baselines3.common.monitor import Monitor
from stable_baselines3.common.vec_env import DummyVecEnv

from sb3_pg import TDActorCritic
from sb3_pg.envs import ScriptedEpisodeEnv, TabularMDPEnv


def setup_collection(model):
    _, callback = model._setup_learn(total_timesteps=10**9, callback=None)
    return callback


def test_td_targets_with_termination_and_truncation():
    gamma = 0.9
    # env 0: episodes of 3 steps ending by termination; env 1: episodes of 2 steps ending by truncation.
    # Observations are [episode, t]; rewards t + 1.
    vec_env = DummyVecEnv(
        [
            lambda: Monitor(ScriptedEpisodeEnv(lengths=[3])),
            lambda: Monitor(ScriptedEpisodeEnv(lengths=[2], truncate=True)),
        ]
    )
    model = TDActorCritic("MlpPolicy", vec_env, n_steps=4, gamma=gamma, policy_kwargs=dict(net_arch=dict(pi=[], vf=[])))
    # A linear critic V([k, t]) = 10 k + t + 0.5: the reset observation [k + 1, 0] and the final observation [k, T]
    # have very different values, so bootstrapping from the wrong one shows
    with th.no_grad():
        model.policy.value_net.weight.copy_(th.tensor([[10.0, 1.0]]))
        model.policy.value_net.bias.fill_(0.5)

    def value(k: int, t: int) -> float:
        return 10 * k + t + 0.5

    callback = setup_collection(model)
    assert model.collect_rollouts(model.env, callback, model.rollout_buffer, n_rollout_steps=4)
    buffer = model.rollout_buffer
    expected_targets = {
        # env 0 (termination): rows [0,0] [0,1] [0,2] (terminates) [1,0] (rollout ends: bootstrap from [1,1])
        0: [1 + gamma * value(0, 1), 2 + gamma * value(0, 2), 3.0, 1 + gamma * value(1, 1)],
        # env 1 (truncation): bootstrap from the real final observations [0,2] and [1,2], not the resets [1,0], [2,0]
        1: [1 + gamma * value(0, 1), 2 + gamma * value(0, 2), 1 + gamma * value(1, 1), 2 + gamma * value(1, 2)],
    }
    expected_values = {
        0: [value(0, 0), value(0, 1), value(0, 2), value(1, 0)],
        1: [value(0, 0), value(0, 1), value(1, 0), value(1, 1)],
    }
    for env in (0, 1):
        np.testing.assert_allclose(buffer.values[:, env], expected_values[env], rtol=1e-5)
        np.testing.assert_allclose(buffer.returns[:, env], expected_targets[env], rtol=1e-5)
        # delta_t = target - V(s_t)
        np.testing.assert_allclose(
            buffer.advantages[:, env], np.array(expected_targets[env]) - expected_values[env], rtol=1e-5, atol=1e-5
        )


def test_discount_factor_is_tracked_per_env_across_updates():
    gamma = 0.5
    vec_env = DummyVecEnv([lambda: Monitor(ScriptedEpisodeEnv(lengths=[3])), lambda: Monitor(ScriptedEpisodeEnv(lengths=[2]))])
    model = TDActorCritic("MlpPolicy", vec_env, n_steps=1, gamma=gamma, discount_gradient=True, learning_rate=0.0)
    callback = setup_collection(model)
    factors = []
    for _ in range(7):
        assert model.collect_rollouts(model.env, callback, model.rollout_buffer, n_rollout_steps=1)
        td_errors = model.rollout_buffer.returns - model.rollout_buffer.values
        model.train()
        factors.append((model.rollout_buffer.advantages.flatten() / td_errors.flatten()).tolist())
    factors = np.array(factors)
    np.testing.assert_allclose(factors[:, 0], [1, 0.5, 0.25, 1, 0.5, 0.25, 1], rtol=1e-4)
    np.testing.assert_allclose(factors[:, 1], [1, 0.5, 1, 0.5, 1, 0.5, 1], rtol=1e-4)


def test_td_error_advantage_is_unbiased_with_the_exact_critic():
    """
    With gamma = 1 and the critic frozen at V^pi, E[delta_t grad log pi(a_t|s_t)] over the steps of on-policy
    experience equals grad J / E[episode length]: the mean update per step is the exact policy gradient, scaled.
    """
    env = TabularMDPEnv(n_states=3, n_actions=2, mdp_seed=3)
    lr = 0.01
    vec_env = DummyVecEnv([lambda: Monitor(TabularMDPEnv(n_states=3, n_actions=2, mdp_seed=3)) for _ in range(8)])
    model = TDActorCritic(
        "MlpPolicy",
        vec_env,
        n_steps=8,
        gamma=1.0,
        learning_rate=lr,
        critic_learning_rate=0.0,
        policy_kwargs=dict(net_arch=dict(pi=[], vf=[]), optimizer_class=th.optim.SGD, optimizer_kwargs={}),
        seed=0,
    )
    policy = model.policy
    with th.no_grad():
        generator = th.Generator().manual_seed(1)
        policy.action_net.weight.copy_(th.randn(policy.action_net.weight.shape, generator=generator))
        policy.action_net.bias.copy_(th.randn(policy.action_net.bias.shape, generator=generator))
    # Exact gradient, expected episode length and V^pi
    logits = policy.action_net(th.eye(env.n_states))
    pi = th.softmax(logits.double(), dim=1)
    exact = th.cat(
        [g.flatten() for g in th.autograd.grad(env.exact_return(pi), [policy.action_net.weight, policy.action_net.bias])]
    )
    expected_length = env.expected_visits(pi.detach()).sum().item()
    with th.no_grad():
        policy.value_net.weight.copy_(env.state_values(pi.detach()).float()[None])
        policy.value_net.bias.zero_()
    target = exact.numpy() / expected_length

    start = {key: value.clone() for key, value in policy.state_dict().items()}
    theta0 = th.cat([policy.action_net.weight.flatten(), policy.action_net.bias.flatten()]).detach().clone()
    callback = setup_collection(model)
    estimates = []
    for update in range(620):
        policy.load_state_dict(start)
        assert model.collect_rollouts(model.env, callback, model.rollout_buffer, n_rollout_steps=8)
        model.train()
        if update >= 20:  # burn-in: from the initial states to the steady state of the episodes
            theta = th.cat([policy.action_net.weight.flatten(), policy.action_net.bias.flatten()]).detach()
            estimates.append(((theta - theta0) / lr).numpy())
    # The critic did not move (step size 0)
    th.testing.assert_close(policy.value_net.weight, start["value_net.weight"])
    estimates = np.array(estimates)
    # Consecutive updates share episodes: standard errors from means of blocks of 20 updates
    block_means = estimates.reshape(-1, 20, estimates.shape[1]).mean(axis=1)
    standard_error = block_means.std(axis=0, ddof=1) / np.sqrt(len(block_means))
    z = (estimates.mean(axis=0) - target) / standard_error
    assert np.abs(z).max() < 5, f"mean {estimates.mean(axis=0)} vs exact/E[L] {target} (z={z})"
    assert np.linalg.norm(target) > 4 * np.linalg.norm(standard_error)


@pytest.mark.parametrize("lam", [0.0, 1.0])
def test_gae_lambda_bridge(lam):
    """gae_lambda=0: the TD error; gae_lambda=1: the discounted return to the batch edge minus V."""
    gamma = 0.9
    model = TDActorCritic(
        "MlpPolicy",
        ScriptedEpisodeEnv(lengths=[10]),
        n_steps=4,
        gamma=gamma,
        gae_lambda=lam,
        policy_kwargs=dict(net_arch=dict(pi=[], vf=[])),
    )
    with th.no_grad():
        model.policy.value_net.weight.copy_(th.tensor([[0.0, 1.0]]))
        model.policy.value_net.bias.zero_()
    callback = setup_collection(model)
    assert model.collect_rollouts(model.env, callback, model.rollout_buffer, n_rollout_steps=4)
    buffer = model.rollout_buffer
    rewards, values = np.array([1, 2, 3, 4.0]), np.array([0, 1, 2, 3.0])
    last_value = 4.0
    if lam == 0.0:
        expected = rewards + gamma * np.append(values[1:], last_value) - values
    else:
        returns = [sum(gamma**k * rewards[t + k] for k in range(4 - t)) + gamma ** (4 - t) * last_value for t in range(4)]
        expected = np.array(returns) - values
    np.testing.assert_allclose(buffer.advantages[:, 0], expected, rtol=1e-5)


def test_logs_are_aggregated_over_the_logging_interval():
    model = TDActorCritic("MlpPolicy", "CartPole-v1", seed=0)
    model.learn(300, log_interval=100)
    assert model._n_updates == 300
    # No dump during these 50 updates: the logger holds the mean over all of them
    model.learn(50, log_interval=1000, reset_num_timesteps=False)
    logger = model.logger
    assert logger.name_to_count["train/policy_loss"] == 50
    assert logger.name_to_count["train/approx_kl"] == 5
    for key in ("train/value_loss", "train/td_error", "train/entropy_loss", "train/grad_norm"):
        assert np.isfinite(logger.name_to_value[key])


def test_critic_step_is_the_td_error():
    # A linear critic V(s) = w.s + b on the scripted episodes, stepped by SGD: the semi-gradient TD(0) step must be
    # w <- w + alpha_w mean_t[delta_t s_t], the target r + gamma V(s') held fixed
    critic_lr = 0.1
    vec_env = DummyVecEnv([lambda: Monitor(ScriptedEpisodeEnv(lengths=[3]))] * 2)
    model = TDActorCritic(
        "MlpPolicy",
        vec_env,
        n_steps=4,
        critic_learning_rate=critic_lr,
        policy_kwargs=dict(net_arch=dict(pi=[], vf=[]), optimizer_class=th.optim.SGD, optimizer_kwargs={}),
    )
    with th.no_grad():
        model.policy.value_net.weight.copy_(th.tensor([[3.0, -2.0]]))
        model.policy.value_net.bias.fill_(0.5)
    weight, bias = (param.detach().clone() for param in (model.policy.value_net.weight, model.policy.value_net.bias))
    callback = setup_collection(model)
    assert model.collect_rollouts(model.env, callback, model.rollout_buffer, n_rollout_steps=4)
    buffer = model.rollout_buffer
    deltas = buffer.advantages.flatten()
    assert np.abs(deltas).max() > 1.0
    observations = buffer.observations.reshape(len(deltas), -1)
    model.train()
    expected_weight = weight.numpy() + critic_lr * (deltas[:, None] * observations).mean(axis=0)
    np.testing.assert_allclose(model.policy.value_net.weight.detach().numpy(), expected_weight, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(model.policy.value_net.bias.item(), bias.item() + critic_lr * deltas.mean(), rtol=1e-5)
