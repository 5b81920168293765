"""
Small, exact pieces behind the theory texts' insights (docs/understanding_policy_gradients.md), used by the examples
and the tests:

- :func:`softmax_log_derivative`: d log softmax(z)_a / d z = onehot(a) - pi, by autograd;
- :func:`score_function_samples`: the one-sample gradient estimator (x - x0) (f(x) - c) / sigma^2, x ~ N(x0, sigma^2);
- :func:`smoothed_objective` / :func:`smoothed_derivative`: what that estimator is unbiased for, by quadrature;
- :func:`variance_minimising_constant`: the constant c that makes it least noisy.
"""

from collections.abc import Callable

import numpy as np
import torch as th
import torch.nn.functional as F

# Gauss-Hermite nodes and weights for E[g(eps)], eps ~ N(0, 1) (probabilists' Hermite polynomials)
_NODES, _WEIGHTS = np.polynomial.hermite_e.hermegauss(80)
_WEIGHTS = _WEIGHTS / np.sqrt(2 * np.pi)


def softmax_log_derivative(logits: th.Tensor) -> th.Tensor:
    """
    The matrix M with M[i, a] = d log pi_a / d z_i, pi = softmax(z), computed by autograd.

    Column a is grad_z log pi_a = onehot(a) - pi: the 1/pi_a of the log-derivative cancels the pi_a in front of
    the softmax Jacobian d pi_a / d z_i = pi_a (delta_ai - pi_i).

    :param logits: The logits z (one vector)
    """
    jacobian = th.autograd.functional.jacobian(lambda z: F.log_softmax(z, dim=0), logits)  # [a, i]
    return jacobian.T


def score_function_samples(
    f: Callable[[np.ndarray], np.ndarray],
    x0: float,
    sigma: float,
    n_samples: int,
    baseline: float = 0.0,
    rng: np.random.Generator | None = None,
) -> np.ndarray:
    """
    Independent one-sample estimates (x - x0) (f(x) - baseline) / sigma^2 with x ~ N(x0, sigma^2).

    Each is an unbiased estimate of d/dx0 E[f(x0 + sigma eps)] (the derivative of the Gaussian-smoothed f, which
    is f'(x0) exactly for a quadratic f and close to it for small sigma), whatever the constant ``baseline``:
    E[x - x0] = 0, so the constant only changes the variance.

    :param f: A vectorised function of x
    :param x0: The point
    :param sigma: Standard deviation of the perturbation
    :param n_samples: Number of estimates
    :param baseline: The constant subtracted from f
    :param rng: Random generator
    """
    rng = rng if rng is not None else np.random.default_rng()
    x = x0 + sigma * rng.standard_normal(n_samples)
    return (x - x0) * (f(x) - baseline) / sigma**2


def smoothed_objective(f: Callable[[np.ndarray], np.ndarray], x0: float, sigma: float) -> float:
    """E[f(x0 + sigma eps)], eps ~ N(0, 1), by Gauss-Hermite quadrature."""
    return float((_WEIGHTS * f(x0 + sigma * _NODES)).sum())


def smoothed_derivative(f: Callable[[np.ndarray], np.ndarray], x0: float, sigma: float, step: float = 1e-4) -> float:
    """d/dx0 E[f(x0 + sigma eps)] by central differences of :func:`smoothed_objective` (independent of the estimator)."""
    return (smoothed_objective(f, x0 + step, sigma) - smoothed_objective(f, x0 - step, sigma)) / (2 * step)


def variance_minimising_constant(f: Callable[[np.ndarray], np.ndarray], x0: float, sigma: float) -> float:
    """
    The constant c of least variance for :func:`score_function_samples`: the variance is
    E[eps^2 (f - c)^2] / sigma^2 - (mean)^2, a parabola in c, least at c* = E[eps^2 f(x0 + sigma eps)] / E[eps^2].
    """
    return float((_WEIGHTS * _NODES**2 * f(x0 + sigma * _NODES)).sum())
