"""
The small pieces of the updates that several algorithms share: advantage standardisation, the approximate KL, the
KL bound of a gradient step, the non-finite-loss guard, gradient clipping, the critic's step size and one critic
regression step.
"""

import math
from collections.abc import Callable
from typing import TypeVar

import numpy as np
import torch as th
from stable_baselines3.common.logger import Logger
from stable_baselines3.common.type_aliases import PyTorchObs, Schedule
from torch.nn import functional as F
from torch.nn.utils import parameters_to_vector, vector_to_parameters

from sb3_pg.common.policies import ActorPolicy, SplitActorCriticPolicy

ArrayOrTensor = TypeVar("ArrayOrTensor", np.ndarray, th.Tensor)


def standardize(values: ArrayOrTensor) -> ArrayOrTensor:
    """
    Zero mean and unit standard deviation over the batch: ``(x - mean) / (std + 1e-8)``, as SB3's A2C and PPO
    standardise their advantages. The standard deviation is that of the array's library: numpy's ``std`` divides by n,
    torch's by n - 1. Computed in float64, so that a batch of equal values gives exact zeros (in float32 the mean's
    rounding error, divided by a standard deviation of the same size, gives values of order 1: random steps).

    :param values: Advantages (or returns) of the batch, a numpy array or a tensor
    :return: The standardised values, of the same type and dtype
    """
    wide = values.astype(np.float64) if isinstance(values, np.ndarray) else values.double()
    standardized = (wide - wide.mean()) / (wide.std() + 1e-8)
    return standardized.astype(values.dtype) if isinstance(standardized, np.ndarray) else standardized.to(values.dtype)


def approx_kl(log_ratio: th.Tensor) -> th.Tensor:
    """
    Estimate of KL(old || new) from samples of the old policy: ``E_old[(r - 1) - log r]`` with ``r = pi_new / pi_old``
    (unbiased and never negative, as in SB3's PPO; Schulman, "Approximating KL divergence",
    http://joschu.net/blog/kl-approx.html).

    :param log_ratio: ``log pi_new(a|s) - log pi_old(a|s)`` on the batch
    :return: The scalar estimate
    """
    return th.mean(th.exp(log_ratio) - 1 - log_ratio)


def bound_step_kl(
    params: list[th.nn.Parameter], theta_old: th.Tensor, kl_of: Callable[[], float], kl: float, target_kl: float
) -> tuple[float, float]:
    """
    Shorten a step whose KL(pi_old || pi_new) on the batch exceeds ``target_kl``, along its own direction:
    ``theta = theta_old + alpha (theta_new - theta_old)``. The KL of a small step is quadratic in its length, so the
    first try is ``alpha = sqrt(target_kl / kl)``; alpha is then halved until the measured KL is at most
    ``target_kl`` (a trust region on the step, as the line search of Schulman et al. (2015) keeps TRPO's). After ten
    halvings, or with ``target_kl`` 0, the parameters go back to ``theta_old``.

    :param params: The parameters of pi (already stepped to ``theta_new``)
    :param theta_old: Their values before the step, one flat vector
    :param kl_of: The KL on the batch at the parameters' current values
    :param kl: The KL of the whole step (at ``theta_new``)
    :param target_kl: The bound
    :return: The KL of the step taken and its fraction alpha of the whole step (1.0: not shortened)
    """
    if kl <= target_kl:
        return kl, 1.0
    theta_new = parameters_to_vector(params).detach().clone()
    alpha = math.sqrt(target_kl / kl)
    for _ in range(10):
        if alpha == 0:
            break
        vector_to_parameters(theta_old + alpha * (theta_new - theta_old), params)
        kl = kl_of()
        if kl <= target_kl:
            return kl, alpha
        alpha /= 2
    vector_to_parameters(theta_old, params)
    return 0.0, 0.0


def check_finite_loss(
    loss: th.Tensor, policy_loss: th.Tensor, value_loss: th.Tensor, update: int, advice: str, returns: th.Tensor
) -> None:
    """
    Refuse to step on a loss that is NaN or inf, before the backward pass, so that the parameters stay as they were.

    :param loss: The loss about to be minimised
    :param policy_loss: Its policy term (for the message)
    :param value_loss: Its value term (for the message; zero without a critic)
    :param update: The number of the update (``_n_updates + 1``)
    :param advice: What to change, the end of the message
    :param returns: The batch's returns (or TD targets): when they are not finite, the rewards overflow float32
    :raises FloatingPointError: when ``loss`` is not finite
    """
    if th.isfinite(loss):
        return
    largest = returns.abs().nan_to_num(0.0, 0.0, 0.0).max().item() if len(returns) else 0.0
    # Beyond ~1.8e19 a squared error or a sum of returns overflows float32 (largest value ~3.4e38)
    if not th.isfinite(returns).all() or largest > 1e19:
        advice = (
            f"The returns overflow float32 arithmetic (largest finite |return| {largest:.3g}): scale the rewards down "
            "(VecNormalize, or a reward wrapper)."
        )
    raise FloatingPointError(
        f"Non-finite loss (policy {policy_loss.item()}, value {value_loss.item()}) at update "
        f"{update}: the parameters were left unchanged. {advice}"
    )


def clip_gradients(
    policy: ActorPolicy | SplitActorCriticPolicy, max_grad_norm: float | None, critic: bool = True
) -> th.Tensor:
    """
    Clip the actor's gradient and, separately, the critic's to ``max_grad_norm`` (each network's own norm, since each
    has its own step size), with torch's ``clip_grad_norm_``.

    :param policy: The policy, after the backward pass
    :param max_grad_norm: The largest norm of each gradient, ``None`` for no clipping
    :param critic: Whether to clip the critic's gradient too (the policy must then have a critic)
    :return: The norm of the actor's gradient before clipping (measured even without clipping)
    """
    if max_grad_norm is None:
        # Measured only (clip_grad_norm_ would multiply the gradients by exactly 1)
        return th.nn.utils.get_total_norm([param.grad for param in policy.actor_parameters() if param.grad is not None])
    grad_norm = th.nn.utils.clip_grad_norm_(policy.actor_parameters(), max_grad_norm)
    if critic:
        assert isinstance(policy, SplitActorCriticPolicy), "only a SplitActorCriticPolicy has a critic"
        th.nn.utils.clip_grad_norm_(policy.critic_parameters(), max_grad_norm)
    return grad_norm


def update_critic_learning_rate(
    policy: SplitActorCriticPolicy, schedule: Schedule, progress_remaining: float, logger: Logger
) -> None:
    """
    Set the critic's step size from its own schedule (SB3's ``_update_learning_rate`` sets every parameter group's to
    the actor's) and log it as ``train/critic_learning_rate``.

    :param policy: The policy, whose optimizer has a ``"critic"`` parameter group
    :param schedule: The critic's learning-rate schedule
    :param progress_remaining: The algorithm's ``_current_progress_remaining``
    :param logger: The algorithm's logger
    """
    critic_lr = schedule(progress_remaining)
    logger.record("train/critic_learning_rate", critic_lr)
    policy.set_critic_learning_rate(critic_lr)


def critic_regression_step(
    policy: SplitActorCriticPolicy,
    observations: PyTorchObs,
    returns: th.Tensor,
    max_grad_norm: float | None = None,
    frozen_parameters: tuple[th.nn.Parameter, ...] | list[th.nn.Parameter] = (),
) -> float:
    """
    One gradient step of the critic's regression on the returns, ``min_w mean_t (V_w(s_t) - G_t)^2``
    (the value-function fit of Sutton & Barto (2018), section 9.3, on Monte-Carlo or TD(lambda) returns).

    The actor's own parameters get no gradient from this loss; a shared features extractor does, and moves unless it is
    in ``frozen_parameters``.

    :param policy: The policy, with a critic
    :param observations: The states s_t (the batch or a minibatch)
    :param returns: The regression targets G_t
    :param max_grad_norm: Clip the critic's gradient to this norm, ``None`` for no clipping
    :param frozen_parameters: Parameters whose gradient is dropped before the step, so that it leaves them unchanged
    :return: The value loss before the step
    """
    values = policy.predict_values(observations).flatten()
    value_loss = F.mse_loss(values, returns)
    policy.optimizer.zero_grad()
    value_loss.backward()
    for param in frozen_parameters:
        param.grad = None
    if max_grad_norm is not None:
        th.nn.utils.clip_grad_norm_(policy.critic_parameters(), max_grad_norm)
    policy.optimizer.step()
    return value_loss.item()
