"""
Natural-gradient step: Fisher-vector products as Hessian-vector products of the KL, conjugate gradient, and the
step length that makes the quadratic model of the KL equal a target.

References: Kakade (2001) "A Natural Policy Gradient"; Schulman et al. (2015) "Trust Region Policy Optimization",
appendix C (Fisher-vector products through the KL's Hessian, conjugate gradient, step length sqrt(2 delta / s^T F s)).
The conjugate-gradient solver and ``flat_grad`` are sb3-contrib's.
"""

import math
from collections.abc import Callable, Sequence
from typing import NamedTuple

import torch as th
from sb3_contrib.common.utils import conjugate_gradient_solver, flat_grad
from stable_baselines3.common.distributions import Distribution, kl_divergence
from torch import nn

# Above this relative residual |g - (F + damping I) x| / |g|, conjugate gradient did not find a usable direction:
# the zero vector (residual 1) would be as good a solution, so the step is skipped rather than scaled to target_kl
MAX_CG_RESIDUAL = 1.0


def mean_kl(old: Distribution, new: Distribution) -> th.Tensor:
    """
    KL(old || new) of the whole action distribution, averaged over the batch.

    SB3's ``kl_divergence`` returns one value per action dimension for factorised distributions (diagonal Gaussian,
    gSDE, Bernoulli: shape (batch, d)) and one per sample for the others (Categorical, MultiCategorical: shape
    (batch,)). The KL of a product of independent distributions is the sum of their KLs, so the per-dimension values
    are summed, then averaged over the batch. (sb3-contrib's TRPO averages over the dimensions too, so its
    ``target_kl`` is a KL per action dimension.)

    :param old: Action distribution of the old policy, one row per sample
    :param new: Action distribution of the new policy on the same samples
    :return: The scalar mean KL
    """
    kl = kl_divergence(old, new)
    if kl.dim() > 1:
        kl = kl.reshape(kl.shape[0], -1).sum(dim=1)
    return kl.mean()


def fisher_vector_product_fn(
    kl: th.Tensor, params: Sequence[nn.Parameter], damping: float = 0.0
) -> tuple[Callable[[th.Tensor], th.Tensor], list[nn.Parameter]]:
    """
    The map v -> (F + damping I) v, with F the Hessian of ``kl`` with respect to ``params``.

    When ``kl`` is the mean KL(pi_old || pi_theta) over a batch, evaluated at theta = theta_old, its Hessian is the
    Fisher information matrix F = E[grad log pi grad log pi^T] of the batch's states (the KL and its gradient vanish
    there, its curvature does not). Each product costs one backward pass through the gradient of the KL:
    F v = grad_theta (grad_theta KL . v), without ever forming F.

    :param kl: Scalar KL divergence, differentiable twice with respect to ``params``
    :param params: Candidate parameters; those the KL does not depend on are left out
    :param damping: Added multiple of the identity (Tikhonov damping, which keeps CG stable)
    :return: The Fisher-vector product function, and the parameters it acts on (in the order of its vectors)
    """
    grads = th.autograd.grad(kl, list(params), create_graph=True, allow_unused=True)
    used = [(param, grad) for param, grad in zip(params, grads) if grad is not None]
    used_params = [param for param, _ in used]
    kl_grad = th.cat([grad.reshape(-1) for _, grad in used])

    def product(vector: th.Tensor) -> th.Tensor:
        return flat_grad(kl_grad @ vector, used_params, retain_graph=True) + damping * vector

    return product, used_params


class NaturalStep(NamedTuple):
    """
    :param direction: x, the (approximate) solution of (F + damping I) x = g / |g| (unit gradient: the direction
        of the step does not depend on the gradient's scale)
    :param step_size: alpha = sqrt(2 target_kl / x^T (F + damping I) x), or 0 when the step is skipped
    :param quadratic_form: x^T (F + damping I) x
    :param residual: relative residual |g - (F + damping I) x| / |g| of the conjugate-gradient solve
    """

    direction: th.Tensor
    step_size: float
    quadratic_form: float
    residual: float


def natural_step(
    gradient: th.Tensor,
    fisher_product: Callable[[th.Tensor], th.Tensor],
    target_kl: float,
    cg_max_steps: int = 10,
    cg_residual_tol: float = 1e-10,
) -> NaturalStep:
    """
    Solve (F + damping I) x = g / |g| by conjugate gradient and scale x so that the quadratic model of the KL of the
    step, 0.5 alpha^2 x^T (F + damping I) x, equals ``target_kl``: alpha = sqrt(2 target_kl / x^T (F + damping I) x).
    The damped matrix is the one conjugate gradient inverts, so the step's damped quadratic form is exactly 2
    ``target_kl``; the undamped model of the KL, 0.5 alpha^2 x^T F x, is smaller. With the default damping 0.1 the KL
    measured after a first step was 0.61 to 0.94 of ``target_kl`` (median over seeds 0-4: Discrete 0.71, MultiDiscrete
    0.78, MultiBinary 0.65, gSDE 0.65, Box d=6 0.93; ``python benchmarks/natural_step_kl.py``).

    The solve is on the unit gradient: the step does not depend on |g|, and conjugate gradient's absolute tolerance
    (sb3-contrib's solver stops on the squared residual norm) and its small random starting point are relative to a
    right-hand side of norm 1, so a tiny gradient still gives the natural direction, not the random start scaled up.

    The step size is 0 (no step) when the gradient is zero or not finite, when x^T (F + damping I) x is not positive
    and finite, when x is not an ascent direction (g^T x <= 0) or when the relative residual is above
    ``MAX_CG_RESIDUAL``.

    :param gradient: g, the flat policy gradient
    :param fisher_product: v -> (F + damping I) v
    :param target_kl: delta, the KL the step should make (to second order)
    :param cg_max_steps: Maximum number of conjugate-gradient iterations
    :param cg_residual_tol: Stop CG when the squared norm of the residual of the unit-gradient system falls below this
    """
    with th.no_grad():
        gradient_norm = float(th.linalg.vector_norm(gradient))
    if not (gradient_norm > 0 and math.isfinite(gradient_norm)):
        return NaturalStep(th.zeros_like(gradient), 0.0, float("nan"), float("nan"))
    unit_gradient = gradient.detach() / gradient_norm
    direction = conjugate_gradient_solver(fisher_product, unit_gradient, max_iter=cg_max_steps, residual_tol=cg_residual_tol)
    fisher_direction = fisher_product(direction).detach()
    with th.no_grad():
        quadratic_form = float(direction @ fisher_direction)
        residual = float(th.linalg.vector_norm(unit_gradient - fisher_direction))
        ascent = float(unit_gradient @ direction) > 0
    valid = quadratic_form > 0 and math.isfinite(quadratic_form) and ascent and residual <= MAX_CG_RESIDUAL
    if not (valid and bool(th.isfinite(direction).all())):
        return NaturalStep(direction, 0.0, quadratic_form, residual)
    return NaturalStep(direction, (2 * target_kl / quadratic_form) ** 0.5, quadratic_form, residual)


def skipped_because(step: NaturalStep) -> str:
    """Why :func:`natural_step` gave no step (``step_size`` 0), in words, for a warning."""
    if math.isnan(step.residual) and math.isnan(step.quadratic_form):
        return "the policy gradient is zero or not finite"
    if not (step.quadratic_form > 0 and math.isfinite(step.quadratic_form)):
        return f"x^T (F + damping I) x = {step.quadratic_form:.3g} is not positive and finite"
    if step.residual > MAX_CG_RESIDUAL:
        return (
            f"conjugate gradient's relative residual is {step.residual:.3g}, above {MAX_CG_RESIDUAL} (no better than no "
            "step): the solve did not converge in cg_max_steps; more steps or a larger cg_damping help"
        )
    return "conjugate gradient's solution is not an ascent direction or not finite"


def add_to_parameters(params: Sequence[nn.Parameter], flat_update: th.Tensor) -> None:
    """theta <- theta + update, with the flat update split over the parameters in order."""
    start = 0
    with th.no_grad():
        for param in params:
            n_values = param.numel()
            param.add_(flat_update[start : start + n_values].view_as(param))
            start += n_values
