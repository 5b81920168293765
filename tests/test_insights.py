"""
The insights of the theory texts, asserted exactly or statistically (docs/understanding_policy_gradients.md):
REINFORCE and cross-entropy, the softmax log-derivative, the score-function estimator.
"""

import gymnasium as gym
import numpy as np
import pytest
import torch as th
import torch.nn.functional as F
from gymnasium.utils.env_checker import check_env
from stable_baselines3.common.env_util import make_vec_env

import sb3_pg  # noqa: F401  (registers ClassificationBandit-v0)
from sb3_pg import Reinforce
from sb3_pg.analysis.insights import (
    score_function_samples,
    smoothed_derivative,
    softmax_log_derivative,
    variance_minimising_constant,
)
from sb3_pg.common.diagnostics import batched_gradients
from sb3_pg.envs import ClassificationBanditEnv

# ---------------------------------------------------------------------------------------------------------------
# REINFORCE and cross-entropy ("Understanding Policy Gradients"; "Understand Policy Gradient by Building Cross
# Entropy from Scratch")


def test_reinforce_loss_is_reward_times_cross_entropy_of_the_sampled_action():
    generator = th.Generator().manual_seed(0)
    logits = th.randn(64, 5, generator=generator)
    actions = th.multinomial(F.softmax(logits, dim=1), 1, generator=generator).flatten()
    rewards = th.rand(64, generator=generator)
    reinforce_loss = -rewards * F.log_softmax(logits, dim=1).gather(1, actions[:, None]).flatten()
    cross_entropy = rewards * F.cross_entropy(logits, actions, reduction="none")
    th.testing.assert_close(reinforce_loss, cross_entropy, rtol=0, atol=1e-6)


def _classifier(generator: th.Generator) -> tuple[th.nn.Module, th.Tensor, th.Tensor]:
    model = th.nn.Sequential(th.nn.Linear(3, 8), th.nn.Tanh(), th.nn.Linear(8, 4)).double()
    features = th.randn(20, 3, generator=generator, dtype=th.float64)
    labels = th.randint(0, 4, (20,), generator=generator)
    return model, features, labels


def _flat_grad(output: th.Tensor, model: th.nn.Module) -> th.Tensor:
    return th.cat([g.reshape(-1) for g in th.autograd.grad(output, list(model.parameters()), retain_graph=True)])


def test_expected_reinforce_gradient_is_the_accuracy_gradient_and_weighted_cross_entropy():
    # Reward 1[a = y]: E_a~pi[r grad log pi(a|s)] = sum_a pi(a|s) 1[a = y] grad log pi(a|s) = grad pi(y|s)
    model, features, labels = _classifier(th.Generator().manual_seed(1))
    log_pi = F.log_softmax(model(features), dim=1)
    pi = log_pi.exp()
    rewards = F.one_hot(labels, 4).double()
    expected_reinforce = _flat_grad((pi.detach() * rewards * log_pi).sum(), model)
    accuracy_gradient = _flat_grad(pi.gather(1, labels[:, None]).sum(), model)
    # The cross-entropy gradient with sample i weighted by pi(y_i|s_i)
    weights = pi.gather(1, labels[:, None]).flatten().detach()
    weighted_cross_entropy = -_flat_grad((weights * F.cross_entropy(model(features), labels, reduction="none")).sum(), model)
    th.testing.assert_close(expected_reinforce, accuracy_gradient, rtol=1e-10, atol=1e-12)
    th.testing.assert_close(weighted_cross_entropy, accuracy_gradient, rtol=1e-10, atol=1e-12)
    # ... and not the plain cross-entropy gradient: unweighted, it points elsewhere
    plain = -_flat_grad(F.cross_entropy(model(features), labels, reduction="sum"), model)
    cosine = F.cosine_similarity(plain, accuracy_gradient, dim=0)
    assert cosine < 0.999


def test_sampled_reinforce_gradient_converges_to_the_accuracy_gradient():
    # Monte-Carlo: actions sampled from pi, reward 1[a = y]; the mean is within 4.5 standard errors in every coordinate
    generator = th.Generator().manual_seed(2)
    model, features, labels = _classifier(generator)
    log_pi = F.log_softmax(model(features), dim=1)
    accuracy_gradient = _flat_grad(log_pi.exp().gather(1, labels[:, None]).sum(), model)
    n_draws, block = 4000, 500
    actions = th.multinomial(log_pi.exp().detach(), n_draws, replacement=True, generator=generator)  # 20 x n_draws
    rewards = (actions == labels[:, None]).double()
    samples = []
    for start in range(0, n_draws, block):
        # Draw d's estimate sum_i r_id grad log pi(a_id|s_i): one row of a batched backward pass per draw
        selected = log_pi.gather(1, actions[:, start : start + block]).T.reshape(-1)  # draw-major
        grad_outputs = th.block_diag(*rewards[:, start : start + block].T[:, None, :])
        samples.append(batched_gradients(selected, grad_outputs, model.parameters()))
    samples = th.cat(samples)
    z = (samples.mean(0) - accuracy_gradient) / (samples.std(0) / n_draws**0.5 + 1e-12)
    assert z.abs().max() < 4.5


def test_classification_bandit_env():
    env = ClassificationBanditEnv(n_classes=4, n_features=3, n_samples=40, dataset_seed=1)
    check_env(env, skip_render_check=True)
    assert env.features.shape == (40, 3) and np.bincount(env.labels).tolist() == [10, 10, 10, 10]
    obs, _ = env.reset(seed=0)
    label = int(env.labels[env.index])
    assert np.array_equal(obs, env.features[env.index])
    _, reward, terminated, truncated, info = env.step(label)
    assert (reward, terminated, truncated, info["is_success"]) == (1.0, True, False, True)
    env.reset()
    _, reward, terminated, _, info = env.step((int(env.labels[env.index]) + 1) % 4)
    assert (reward, terminated, info["is_success"]) == (0.0, True, False)
    assert 0.5 < env.nearest_centre_accuracy() <= 1.0
    made = gym.make("ClassificationBandit-v0", n_classes=5)
    assert made.action_space.n == 5
    with pytest.raises(ValueError, match="n_classes"):
        ClassificationBanditEnv(n_classes=1)


def test_reinforce_learns_a_classifier():
    env = make_vec_env("ClassificationBandit-v0", n_envs=8, seed=0)
    bandit = env.envs[0].unwrapped
    model = Reinforce("MlpPolicy", env, n_episodes=32, learning_rate=3e-3, seed=0)

    def accuracy() -> float:
        predictions, _ = model.predict(bandit.features, deterministic=True)
        return float((predictions == bandit.labels).mean())

    before = accuracy()
    model.learn(10_000)
    # Chance is 1/3; the nearest-centre (Bayes) rule gets about 0.92
    assert before < 0.6
    assert accuracy() > 0.85
    assert accuracy() > bandit.nearest_centre_accuracy() - 0.06


# ---------------------------------------------------------------------------------------------------------------
# The softmax log-derivative (the Q&A thread asking why a sampled action's gradient seems to strengthen the others)


def test_log_softmax_gradient_is_onehot_minus_pi():
    logits = th.randn(6, dtype=th.float64, generator=th.Generator().manual_seed(3))
    pi = F.softmax(logits, dim=0)
    jacobian = softmax_log_derivative(logits)
    # Column a: d log pi_a / d z = onehot(a) - pi
    th.testing.assert_close(jacobian, th.eye(6, dtype=th.float64) - pi[:, None], rtol=0, atol=1e-12)


def test_the_worked_example_of_the_softmax_q_and_a():
    pi = th.tensor([0.5, 0.1, 0.1, 0.1, 0.1, 0.1], dtype=th.float64)
    softmax_jacobian = th.autograd.functional.jacobian(lambda z: F.softmax(z, dim=0), pi.log())  # d pi_i / d z_j
    assert softmax_jacobian[0, 0].item() == pytest.approx(0.5 * 0.5)
    assert softmax_jacobian[0, 1].item() == pytest.approx(-0.5 * 0.1)
    # The 1/pi factor of grad log pi = grad pi / pi cancels the pi in front of the softmax Jacobian
    expected = th.tensor(
        [
            [0.5, -0.5, -0.5, -0.5, -0.5, -0.5],
            [-0.1, 0.9, -0.1, -0.1, -0.1, -0.1],
            [-0.1, -0.1, 0.9, -0.1, -0.1, -0.1],
            [-0.1, -0.1, -0.1, 0.9, -0.1, -0.1],
            [-0.1, -0.1, -0.1, -0.1, 0.9, -0.1],
            [-0.1, -0.1, -0.1, -0.1, -0.1, 0.9],
        ],
        dtype=th.float64,
    )
    th.testing.assert_close(softmax_jacobian.T / pi[None, :], expected, rtol=0, atol=1e-12)
    th.testing.assert_close(softmax_log_derivative(pi.log()), expected, rtol=0, atol=1e-12)
    # A reward of 50 after action 0: the step 50 * (onehot(0) - pi) raises pi_0, not the other actions
    step = 0.01 * 50 * expected[:, 0]
    new_pi = F.softmax(pi.log() + step, dim=0)
    assert new_pi[0] > pi[0] and (new_pi[1:] < pi[1:]).all()


# ---------------------------------------------------------------------------------------------------------------
# The score-function estimator (the "fun fact" among the hints of "Understanding Policy Gradients")


def _within(samples: np.ndarray, value: float, n_standard_errors: float = 4.5) -> bool:
    return abs(samples.mean() - value) < n_standard_errors * samples.std() / np.sqrt(len(samples))


def test_score_function_estimator_of_a_quadratic_is_its_derivative():
    # f(x) = a x^2 + b x + c: E[(x - x0) f(x)] / sigma^2 = 2 a x0 + b for every sigma
    a, b, c, x0 = 0.7, -1.5, 3.0, 0.8
    rng = np.random.default_rng(0)
    for sigma in (0.1, 1.0, 3.0):
        samples = score_function_samples(lambda x: a * x**2 + b * x + c, x0, sigma, 200_000, rng=rng)
        assert _within(samples, 2 * a * x0 + b)
    # Each single sample is an estimate: the mean of independent one-sample estimates converges the same way
    one_sample_estimates = np.array(
        [score_function_samples(lambda x: a * x**2 + b * x + c, x0, 1.0, 1, rng=rng)[0] for _ in range(20_000)]
    )
    assert _within(one_sample_estimates, 2 * a * x0 + b)


def test_score_function_estimator_targets_the_smoothed_objective():
    # f = sin: d/dx0 E[sin(x0 + sigma eps)] = cos(x0) exp(-sigma^2 / 2), close to f'(x0) = cos(x0) for small sigma
    x0 = 0.3
    rng = np.random.default_rng(1)
    for sigma in (0.2, 1.5):
        samples = score_function_samples(np.sin, x0, sigma, 400_000, rng=rng)
        target = np.cos(x0) * np.exp(-(sigma**2) / 2)
        assert smoothed_derivative(np.sin, x0, sigma) == pytest.approx(target, rel=1e-6)
        assert _within(samples, target)
    # With a wide sigma it is not f'(x0) that is estimated
    assert not _within(score_function_samples(np.sin, x0, 1.5, 400_000, rng=rng), np.cos(x0))


def test_subtracting_a_constant_keeps_the_mean_and_changes_the_variance():
    # f far from zero at x0: f(x) = 10 + x^2. Any constant keeps the estimator unbiased (E[x - x0] = 0) ...
    def f(x):
        return 10.0 + x**2

    x0, sigma = 0.5, 0.5
    rng = np.random.default_rng(2)
    best = variance_minimising_constant(f, x0, sigma)
    # c* = E[eps^2 f(x0 + sigma eps)] = 10 + x0^2 + 3 sigma^2 for this f
    assert best == pytest.approx(10 + x0**2 + 3 * sigma**2, rel=1e-6)
    variances = {}
    for constant in (0.0, 5.0, best, 20.0):
        samples = score_function_samples(f, x0, sigma, 200_000, baseline=constant, rng=rng)
        assert _within(samples, 2 * x0), constant
        variances[constant] = samples.var()
    # ... while its variance is a parabola in the constant, least at c*
    assert variances[best] < variances[5.0] < variances[0.0]
    assert variances[best] < variances[20.0]
    assert variances[0.0] > 50 * variances[best]
