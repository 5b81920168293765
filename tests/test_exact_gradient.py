"""
The estimators against the exact policy gradient on a small tabular MDP.

The policy is linear-softmax on one-hot states (``net_arch=[]``), the optimizer plain SGD, so one update moves the
parameters by exactly ``learning_rate`` times the batch's gradient estimate. Restoring the parameters before each
batch gives many independent estimates at the same theta; their mean must match grad J(theta), computed exactly by
solving the Bellman linear system and differentiating through it with autograd.
"""

import numpy as np
import pytest
import torch as th
from stable_baselines3.common.monitor import Monitor
from stable_baselines3.common.vec_env import DummyVecEnv

from sb3_pg import Reinforce, ReinforceBaseline
from sb3_pg.envs import TabularMDPEnv

LEARNING_RATE = 0.01
N_BATCHES = 1500
# |mean - exact| / standard error, for each parameter; 5 sigma keeps false alarms negligible over the suite
Z_MAX = 5.0


def make_env(**mdp_kwargs) -> TabularMDPEnv:
    return TabularMDPEnv(n_states=3, n_actions=2, mdp_seed=3, **mdp_kwargs)


def exact_gradient(model, env: TabularMDPEnv, gamma: float) -> np.ndarray:
    """grad_theta J(theta) for the model's linear-softmax policy, by autograd through the Bellman solution."""
    action_net = model.policy.action_net
    logits = action_net(th.eye(env.n_states))
    pi = th.softmax(logits.double(), dim=1)
    objective = env.exact_return(pi, gamma)
    grads = th.autograd.grad(objective, [action_net.weight, action_net.bias])
    return th.cat([g.flatten() for g in grads]).numpy()


def gradient_estimates(model, n_batches: int) -> np.ndarray:
    """One SGD update per batch from the same parameters; returns (n_batches, n_params) gradient estimates."""
    action_net = model.policy.action_net
    start = {k: v.clone() for k, v in model.policy.state_dict().items()}
    theta0 = th.cat([action_net.weight.flatten(), action_net.bias.flatten()]).detach().clone()
    _, callback = model._setup_learn(total_timesteps=10**9, callback=None)
    estimates = []
    for _ in range(n_batches):
        model.policy.load_state_dict(start)
        assert model.collect_rollouts(model.env, callback, model.rollout_buffer, n_rollout_steps=0)
        model.train()
        theta = th.cat([action_net.weight.flatten(), action_net.bias.flatten()]).detach()
        estimates.append(((theta - theta0) / LEARNING_RATE).numpy())
    model.policy.load_state_dict(start)
    return np.array(estimates)


def make_model(algo, gamma: float, mdp_kwargs: dict | None = None, **kwargs):
    env = make_env(**(mdp_kwargs or {}))
    vec_env = DummyVecEnv([lambda: Monitor(env)])
    model = algo(
        "MlpPolicy",
        vec_env,
        learning_rate=LEARNING_RATE,
        gamma=gamma,
        policy_kwargs=dict(net_arch=[], optimizer_class=th.optim.SGD, optimizer_kwargs={}),
        seed=0,
        **kwargs,
    )
    # A policy far from uniform, and (for the value baseline) an arbitrary critic: a baseline need not be good
    with th.no_grad():
        generator = th.Generator().manual_seed(1)
        for param in model.policy.parameters():
            param.copy_(th.randn(param.shape, generator=generator))
    return model, env


def z_scores(estimates: np.ndarray, exact: np.ndarray) -> np.ndarray:
    standard_error = estimates.std(axis=0, ddof=1) / np.sqrt(len(estimates))
    return (estimates.mean(axis=0) - exact) / standard_error


# Each case: 1500 updates. Four stay in the default suite (discounted REINFORCE, the value baseline, the discounted
# time-dependent and optimal baselines); the others run in the slow job
@pytest.mark.parametrize(
    "algo, gamma, kwargs",
    [
        pytest.param(Reinforce, 1.0, dict(return_type="reward_to_go"), marks=pytest.mark.slow),
        pytest.param(Reinforce, 1.0, dict(return_type="episode"), marks=pytest.mark.slow),
        (Reinforce, 0.8, dict(return_type="reward_to_go", discount_gradient=True)),
        pytest.param(Reinforce, 0.8, dict(return_type="episode"), marks=pytest.mark.slow),
        (ReinforceBaseline, 1.0, dict(baseline="value")),
        pytest.param(ReinforceBaseline, 1.0, dict(baseline="mean"), marks=pytest.mark.slow),
        pytest.param(ReinforceBaseline, 1.0, dict(baseline="step_mean"), marks=pytest.mark.slow),
        (ReinforceBaseline, 0.8, dict(baseline="step_mean", discount_gradient=True)),
        pytest.param(ReinforceBaseline, 1.0, dict(baseline="optimal"), marks=pytest.mark.slow),
        pytest.param(ReinforceBaseline, 1.0, dict(baseline="optimal", return_type="episode"), marks=pytest.mark.slow),
        pytest.param(ReinforceBaseline, 0.8, dict(baseline="mean", discount_gradient=True), marks=pytest.mark.slow),
        (ReinforceBaseline, 0.8, dict(baseline="optimal", discount_gradient=True)),
    ],
)
def test_estimator_is_unbiased(algo, gamma, kwargs):
    model, env = make_model(algo, gamma, n_episodes=4, **kwargs)
    exact = exact_gradient(model, env, gamma)
    estimates = gradient_estimates(model, N_BATCHES)
    z = z_scores(estimates, exact)
    assert np.abs(z).max() < Z_MAX, f"mean estimate {estimates.mean(axis=0)} vs exact {exact} (z={z})"
    # The check has power: the exact gradient is far from zero compared with the estimates' noise
    assert np.linalg.norm(exact) > 4 * np.linalg.norm(estimates.std(axis=0) / np.sqrt(N_BATCHES))


@pytest.mark.slow
def test_undiscounted_gradient_form_is_biased_when_gamma_below_one():
    """Without the gamma^t factor, reward-to-go REINFORCE does not follow the gradient of the discounted objective."""
    gamma = 0.5
    mdp = dict(min_termination=0.05, max_termination=0.1)
    model, env = make_model(Reinforce, gamma, mdp_kwargs=mdp, n_episodes=4, discount_gradient=False)
    exact = exact_gradient(model, env, gamma)
    biased = z_scores(gradient_estimates(model, 500), exact)
    model.discount_gradient = True
    unbiased = z_scores(gradient_estimates(model, 500), exact)
    assert np.abs(unbiased).max() < Z_MAX
    assert np.abs(biased).max() > 3 * Z_MAX, f"expected a clear bias, z={biased}"


@pytest.mark.slow
def test_baselines_reduce_variance():
    """Same mean, less noise: the baselines' estimates vary less than plain REINFORCE's on this MDP."""
    variances = {}
    for name, algo, kwargs in [
        ("none", Reinforce, {}),
        ("mean", ReinforceBaseline, dict(baseline="mean")),
        ("step_mean", ReinforceBaseline, dict(baseline="step_mean")),
        ("optimal", ReinforceBaseline, dict(baseline="optimal")),
    ]:
        mdp = dict(min_termination=0.3, max_termination=0.5)
        model, _ = make_model(algo, 1.0, mdp_kwargs=mdp, n_episodes=8, **kwargs)
        # Rewards all shifted far from zero: the case where a baseline matters most
        model.env.envs[0].unwrapped.rewards += 5.0
        variances[name] = gradient_estimates(model, 400).var(axis=0).sum()
    assert variances["mean"] < 0.7 * variances["none"], variances
    assert variances["step_mean"] < 0.7 * variances["none"], variances
    assert variances["optimal"] < 0.7 * variances["none"], variances
