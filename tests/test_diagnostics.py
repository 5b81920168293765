"""Gradient-estimator diagnostics: the statistics, the per-sample gradients and the log_grad_stats option."""

import numpy as np
import pytest
import torch as th
from gymnasium import spaces
from stable_baselines3.common.env_util import make_vec_env
from stable_baselines3.common.logger import configure

from sb3_pg import TNPG, Reinforce, ReinforceBaseline, TDActorCritic
from sb3_pg.common.diagnostics import (
    batched_gradients,
    contiguous_groups,
    gradient_statistics,
    minibatch_gradient_samples,
    per_step_log_prob_gradients,
)


def test_statistics_of_gaussian_samples():
    # g_k ~ N(mu, diag(s^2)): tr Cov = sum s^2, |E g|^2 = |mu|^2
    generator = th.Generator().manual_seed(0)
    mu = th.tensor([1.0, -2.0, 0.5, 0.0])
    scale = th.tensor([1.0, 2.0, 0.5, 3.0])
    n_samples = 20_000
    samples = mu + scale * th.randn(n_samples, 4, generator=generator)
    stats = gradient_statistics(samples)
    true_variance = (scale**2).sum().item()
    assert stats.n_samples == n_samples
    assert stats.sample_variance == pytest.approx(true_variance, rel=0.03)
    assert stats.variance == pytest.approx(stats.sample_variance / n_samples)
    assert stats.signal == pytest.approx(mu.dot(mu).item(), rel=0.03)
    assert stats.sample_snr == pytest.approx(mu.dot(mu).item() / true_variance, rel=0.05)
    assert stats.snr == pytest.approx(n_samples * stats.sample_snr)
    assert stats.noise_scale == pytest.approx(1 / stats.sample_snr)


def test_signal_is_not_inflated_by_noise():
    # Zero-mean samples: |g_bar|^2 is pure noise, the signal estimate removes it (mean over many draws ~ 0)
    generator = th.Generator().manual_seed(1)
    signals = [gradient_statistics(th.randn(8, 50, generator=generator)).signal for _ in range(200)]
    naive = [th.randn(8, 50, generator=generator).mean(0).pow(2).sum().item() for _ in range(200)]
    assert np.mean(naive) == pytest.approx(50 / 8, rel=0.1)
    assert np.mean(signals) < 0.1 * np.mean(naive)


def test_exact_cases():
    same = th.tensor([[1.0, 2.0]] * 5)
    stats = gradient_statistics(same)
    assert stats.variance == 0.0 and stats.snr == float("inf") and stats.effective_sample_size == pytest.approx(5)
    one_carries_all = th.zeros(4, 3)
    one_carries_all[2] = th.tensor([1.0, 2.0, 3.0])
    assert gradient_statistics(one_carries_all).effective_sample_size == pytest.approx(1.0)
    with pytest.raises(ValueError, match="K >= 2"):
        gradient_statistics(th.ones(1, 3))


def _policy(env_id: str):
    return ReinforceBaseline("MlpPolicy", env_id, seed=0).policy


@pytest.mark.parametrize("env_id", ["CartPole-v1", "Pendulum-v1"])
def test_per_sample_gradients_match_autograd(env_id):
    policy = _policy(env_id)
    rng = np.random.default_rng(0)
    observations = th.as_tensor(rng.normal(size=(12, *policy.observation_space.shape)), dtype=th.float32)
    if isinstance(policy.action_space, spaces.Discrete):
        actions = th.as_tensor(rng.integers(policy.action_space.n, size=12))
    else:
        actions = th.as_tensor(rng.normal(size=(12, *policy.action_space.shape)), dtype=th.float32)
    params = policy.actor_parameters()
    # One autograd.grad call per step: the reference
    loop = th.stack(
        [
            th.cat([g.reshape(-1) for g in th.autograd.grad(policy.get_distribution(o[None]).log_prob(a[None]).sum(), params)])
            for o, a in zip(observations, actions)
        ]
    )
    vmapped = per_step_log_prob_gradients(policy, observations, actions, chunk_size=5)
    log_prob = policy.get_distribution(observations).log_prob(actions)
    batched = batched_gradients(log_prob, th.eye(12), params)
    th.testing.assert_close(vmapped, loop, rtol=1e-4, atol=1e-6)
    th.testing.assert_close(batched, loop, rtol=1e-4, atol=1e-6)
    # Validation of distribution arguments is restored after the vmap
    assert th.distributions.Distribution._validate_args


def test_minibatch_samples_average_to_the_estimate():
    policy = _policy("CartPole-v1")
    observations = th.randn(37, 4)
    actions = th.randint(0, 2, (37,))
    weights = th.randn(37)
    log_prob = policy.get_distribution(observations).log_prob(actions)
    params = policy.actor_parameters()
    samples = minibatch_gradient_samples(log_prob, weights, params, max_samples=16)
    estimate = th.cat([g.reshape(-1) for g in th.autograd.grad((weights * log_prob).mean(), params)])
    assert samples.shape[0] == 16
    th.testing.assert_close(samples.mean(0), estimate, rtol=1e-4, atol=1e-6)
    groups = contiguous_groups(37, 16)
    # Contiguous, every minibatch used, sizes differ by at most one
    assert (groups.diff() >= 0).all() and set(groups.bincount().tolist()) == {2, 3}


def _logged(model, total_timesteps, tmp_path):
    model.set_logger(configure(str(tmp_path), ["csv"]))
    model.learn(total_timesteps, log_interval=1)
    # The last update's records are dumped at the next iteration: dump them now
    model.logger.dump(model.num_timesteps)
    import pandas as pd

    return pd.read_csv(tmp_path / "progress.csv")


@pytest.mark.parametrize(
    "algo, kwargs",
    [
        (Reinforce, dict(n_episodes=4)),
        (ReinforceBaseline, dict(n_episodes=4)),
        (TDActorCritic, dict(n_steps=8)),
        (TNPG, dict(n_steps=64, batch_size=32)),
    ],
)
def test_log_grad_stats(algo, kwargs, tmp_path):
    logged = _logged(algo("MlpPolicy", "CartPole-v1", log_grad_stats=True, seed=0, **kwargs), 300, tmp_path / "on")
    for key in ("train/grad_variance", "train/grad_snr", "train/grad_ess"):
        values = logged[key].dropna()
        assert len(values) > 0 and (values >= 0).all() and np.isfinite(values).all(), key
    off = _logged(algo("MlpPolicy", "CartPole-v1", seed=0, **kwargs), 300, tmp_path / "off")
    assert "train/grad_variance" not in off.columns


def test_logged_variance_is_that_of_the_per_episode_estimates(tmp_path):
    # Step size 0: the policy that produced the batch is the one left, so the per-episode gradients can be recomputed
    model = Reinforce("MlpPolicy", "CartPole-v1", n_episodes=5, learning_rate=0.0, log_grad_stats=True, seed=3)
    logged = _logged(model, 1, tmp_path)
    data = next(model.rollout_buffer.get(batch_size=None))
    params = model.policy.actor_parameters()
    per_episode = []
    for episode in range(5):
        mask = data.episode_ids == episode
        log_prob = model.policy.get_distribution(data.observations[mask]).log_prob(data.actions[mask].long().flatten())
        per_episode.append(th.cat([g.reshape(-1) for g in th.autograd.grad((data.returns[mask] * log_prob).sum(), params)]))
    expected = gradient_statistics(th.stack(per_episode))
    assert logged["train/grad_variance"].iloc[-1] == pytest.approx(expected.variance, rel=1e-4)
    assert logged["train/grad_snr"].iloc[-1] == pytest.approx(expected.snr, rel=1e-3, abs=1e-9)


def test_log_grad_stats_needs_two_samples():
    with pytest.raises(ValueError, match="log_grad_stats"):
        TDActorCritic("MlpPolicy", "CartPole-v1", n_steps=1, log_grad_stats=True)
    with pytest.raises(ValueError, match="log_grad_stats"):
        TNPG("MlpPolicy", "CartPole-v1", n_steps=1, log_grad_stats=True, normalize_advantage=False)


@pytest.mark.parametrize("algo, kwargs", [(TDActorCritic, dict(n_steps=24)), (TNPG, dict(n_steps=24, batch_size=16))])
def test_logged_variance_is_that_of_time_ordered_minibatches(algo, kwargs):
    """
    The docs promise samples from contiguous minibatches of the rollout (a vectorised step's envs, then the next
    step's...). Recomputed here from the buffer's arrays in time order, one minibatch at a time; the same statistic on
    a shuffled order differs, so a shuffled batch (SB3's get()) fails this test.
    """
    model = algo("MlpPolicy", make_vec_env("CartPole-v1", n_envs=2, seed=0), log_grad_stats=True, seed=0, **kwargs)
    model.set_logger(configure(None, [""]))
    _, callback = model._setup_learn(1000, None)
    model.collect_rollouts(model.env, callback, model.rollout_buffer, n_rollout_steps=model.n_steps)
    buffer = model.rollout_buffer
    observations = th.as_tensor(buffer.observations.reshape(-1, 4))
    actions = th.as_tensor(buffer.actions.reshape(-1)).long()
    advantages = th.as_tensor(buffer.advantages.reshape(-1))
    if algo is TNPG:
        advantages = (advantages - advantages.mean()) / (advantages.std() + 1e-8)
    params = model.policy.actor_parameters()
    n_steps, n_groups = len(advantages), 16

    def variance(order: th.Tensor) -> float:
        samples = []
        for group in order.tensor_split(th.arange(1, n_groups) * n_steps // n_groups):
            log_prob = model.policy.get_distribution(observations[group]).log_prob(actions[group])
            loss = (n_groups / n_steps) * (advantages[group] * log_prob).sum()
            samples.append(th.cat([grad.reshape(-1) for grad in th.autograd.grad(loss, params)]))
        return gradient_statistics(th.stack(samples)).variance

    in_time_order, shuffled = (
        variance(th.arange(n_steps)),
        variance(th.randperm(n_steps, generator=th.Generator().manual_seed(0))),
    )
    model.train()
    logged = model.logger.name_to_value["train/grad_variance"]
    assert logged == pytest.approx(in_time_order, rel=1e-4)
    assert logged != pytest.approx(shuffled, rel=1e-2)
