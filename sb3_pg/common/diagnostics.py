"""
Gradient-estimator diagnostics: how noisy is the policy gradient an update used?

A policy-gradient estimate is a mean of K samples g_1..g_K (one per episode, or one per minibatch of steps),
each an unbiased or nearly unbiased estimate of the true gradient E[g]. From the samples alone:

- ``sample_variance``: tr Cov(g_k), the spread of one sample (unbiased, divided by K - 1);
- ``variance``: tr Cov(g_bar) = sample_variance / K, the spread of the batch estimate the update used;
- ``signal``: |E[g]|^2, estimated without the upward bias of |g_bar|^2 as |g_bar|^2 - variance, floored at 0;
- ``snr``: signal / variance, the batch estimate's signal-to-noise ratio (above 1: the update's direction is
  mostly signal); ``sample_snr`` = snr / K is the same for one sample;
- ``noise_scale``: sample_variance / signal, the batch size (in samples) at which the estimate's SNR is 1
  (McCandlish et al. 2018, "An Empirical Model of Large-Batch Training", B_simple);
- ``effective_sample_size``: (sum_k |g_k|)^2 / sum_k |g_k|^2 (Kish), between 1 (one sample carries all the
  gradient, as when one lucky episode dominates) and K (all samples carry equal weight).

:func:`batched_gradients` gives the samples in one vectorised backward pass (``is_grads_batched``), from the
graph an algorithm already built for its loss; :func:`per_step_log_prob_gradients` gives grad log pi(a_t|s_t)
for every step with ``torch.func`` (vmap of grad), for analyses that weight the same steps in many ways.
"""

from collections.abc import Iterable
from dataclasses import dataclass

import torch as th
import torch.nn.functional as F
from stable_baselines3.common.logger import Logger
from stable_baselines3.common.policies import ActorCriticPolicy
from torch.func import functional_call, grad, vmap

from sb3_pg.common.utils import no_distribution_validation


@dataclass(frozen=True)
class GradientStatistics:
    """Statistics of K gradient samples (see the module docstring)."""

    n_samples: int
    sample_variance: float
    variance: float
    signal: float
    snr: float
    sample_snr: float
    noise_scale: float
    effective_sample_size: float


def gradient_statistics(samples: th.Tensor) -> GradientStatistics:
    """
    Variance, signal-to-noise ratio and effective sample size of a batch of gradient samples.

    :param samples: K x P tensor, one flattened gradient sample per row (K >= 2); their mean is the estimate
    :return: The statistics (see the module docstring)
    """
    if samples.ndim != 2 or samples.shape[0] < 2:
        raise ValueError(f"gradient_statistics needs a K x P tensor with K >= 2 samples, got shape {tuple(samples.shape)}")
    samples = samples.detach().double()
    n_samples = samples.shape[0]
    mean = samples.mean(dim=0)
    sample_variance = ((samples - mean) ** 2).sum(dim=1).sum().item() / (n_samples - 1)
    variance = sample_variance / n_samples
    # E|g_bar|^2 = |E g|^2 + tr Cov(g_bar): remove the noise's share
    signal = max(mean.dot(mean).item() - variance, 0.0)
    norms = samples.norm(dim=1)
    norm_sq_sum = (norms**2).sum().item()
    return GradientStatistics(
        n_samples=n_samples,
        sample_variance=sample_variance,
        variance=variance,
        signal=signal,
        snr=signal / variance if variance > 0 else float("inf"),
        sample_snr=signal / sample_variance if sample_variance > 0 else float("inf"),
        noise_scale=sample_variance / signal if signal > 0 else float("inf"),
        effective_sample_size=norms.sum().item() ** 2 / norm_sq_sum if norm_sq_sum > 0 else float(n_samples),
    )


def batched_gradients(outputs: th.Tensor, grad_outputs: th.Tensor, params: Iterable[th.Tensor]) -> th.Tensor:
    """
    Row k: the gradient of ``sum_t grad_outputs[k, t] * outputs[t]`` w.r.t. ``params``, all rows in one
    vectorised backward pass. The graph of ``outputs`` is kept for the caller's own backward pass.

    :param outputs: T per-step quantities (e.g. log pi(a_t|s_t)) with a graph to ``params``
    :param grad_outputs: K x T weights
    :param params: The parameters (those ``outputs`` does not depend on get zero gradients)
    :return: K x P flattened gradients
    """
    params = list(params)
    grads = th.autograd.grad(
        outputs, params, grad_outputs=grad_outputs, is_grads_batched=True, retain_graph=True, allow_unused=True
    )
    n_rows = grad_outputs.shape[0]
    return th.cat(
        [
            (g if g is not None else th.zeros((n_rows, *p.shape), device=p.device, dtype=p.dtype)).reshape(n_rows, -1)
            for g, p in zip(grads, params)
        ],
        dim=1,
    )


def group_weights(groups: th.Tensor, n_groups: int, weights: th.Tensor) -> th.Tensor:
    """
    The K x T matrix whose row k holds ``weights[t]`` where ``groups[t] == k`` and 0 elsewhere: with
    :func:`batched_gradients`, row k is the sum of group k's weighted per-step gradients.
    """
    return F.one_hot(groups.long(), n_groups).T.to(weights.dtype) * weights


def contiguous_groups(n_steps: int, n_groups: int, device: th.device | str = "cpu") -> th.Tensor:
    """Group index of each of ``n_steps`` steps when they are cut into ``n_groups`` contiguous minibatches."""
    return th.arange(n_steps, device=device) * n_groups // n_steps


def minibatch_gradient_samples(
    outputs: th.Tensor, weights: th.Tensor, params: Iterable[th.Tensor], max_samples: int = 16
) -> th.Tensor:
    """
    Gradient samples of the estimate ``mean_t weights[t] * grad outputs[t]`` (T steps): the steps cut into
    K = min(T, ``max_samples``) contiguous minibatches, sample k = (K / T) * sum over minibatch k, so that the
    samples' mean is the estimate. Contiguous minibatches keep an episode's correlated steps together.

    :param outputs: T per-step quantities (e.g. log pi(a_t|s_t)) with a graph to ``params``
    :param weights: T weights (e.g. advantages), without a graph
    :param params: The parameters
    :param max_samples: Most minibatches
    :return: K x P flattened gradient samples
    """
    n_steps = len(outputs)
    n_samples = min(n_steps, max_samples)
    groups = contiguous_groups(n_steps, n_samples, device=outputs.device)
    return batched_gradients(outputs, group_weights(groups, n_samples, weights * (n_samples / n_steps)), params)


def record_gradient_statistics(logger: Logger, samples: th.Tensor, mean: bool = False) -> GradientStatistics:
    """
    Log ``train/grad_variance`` (tr Cov of the batch estimate), ``train/grad_snr`` and ``train/grad_ess``.

    :param logger: The algorithm's logger
    :param samples: K x P gradient samples whose mean is the estimate the update used
    :param mean: Average over the logging interval (``record_mean``) instead of keeping the last value
    """
    stats = gradient_statistics(samples)
    record = logger.record_mean if mean else logger.record
    record("train/grad_variance", stats.variance)
    record("train/grad_snr", stats.snr)
    record("train/grad_ess", stats.effective_sample_size)
    return stats


class _LogProb(th.nn.Module):
    """log pi(a|s) of a policy as a module's forward, for ``torch.func.functional_call``."""

    def __init__(self, policy: ActorCriticPolicy):
        super().__init__()
        self.policy = policy

    def forward(self, observation: th.Tensor, action: th.Tensor) -> th.Tensor:
        return self.policy.get_distribution(observation).log_prob(action)


def per_step_log_prob_gradients(
    policy: ActorCriticPolicy,
    observations: th.Tensor,
    actions: th.Tensor,
    params: Iterable[th.Tensor] | None = None,
    chunk_size: int = 4096,
) -> th.Tensor:
    """
    grad_theta log pi(a_t|s_t) for every step t, with ``torch.func`` (vmap of grad over the steps).

    :param policy: An SB3 policy with ``get_distribution`` (flat Box/Discrete observations)
    :param observations: T x obs_dim observations
    :param actions: T actions (T x action_dim for Box actions)
    :param params: The parameters to differentiate, flattened in this order (default: the policy's
        ``actor_parameters()`` if it has them, else all its parameters)
    :param chunk_size: Steps per vmap call (bounds memory)
    :return: T x P per-step gradients
    """
    if params is None:
        actor_parameters = getattr(policy, "actor_parameters", None)
        params = actor_parameters() if callable(actor_parameters) else policy.parameters()
    params = list(params)
    wanted = {id(p) for p in params}
    # Flattened in the order of params, as batched_gradients does
    name_of = {id(p): name for name, p in policy.named_parameters()}
    names = [name_of[id(p)] for p in params]
    module = _LogProb(policy)
    fixed = {f"policy.{name}": p.detach() for name, p in policy.named_parameters() if id(p) not in wanted}
    buffers = {f"policy.{name}": b for name, b in policy.named_buffers()}

    def log_prob(free: dict[str, th.Tensor], observation: th.Tensor, action: th.Tensor) -> th.Tensor:
        state = {**free, **fixed, **buffers}
        return functional_call(module, state, (observation.unsqueeze(0), action.unsqueeze(0))).squeeze(0)

    free = {f"policy.{name}": p.detach() for name, p in policy.named_parameters() if id(p) in wanted}
    per_step = vmap(grad(log_prob), in_dims=(None, 0, 0))
    rows = []
    with no_distribution_validation():
        for start in range(0, len(observations), chunk_size):
            grads = per_step(free, observations[start : start + chunk_size], actions[start : start + chunk_size])
            rows.append(th.cat([grads[f"policy.{name}"].flatten(start_dim=1) for name in names], dim=1))
    return th.cat(rows)
