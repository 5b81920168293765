"""
Where the time of ``learn()`` goes, per env step, for each of our algorithms and its SB3 / sb3-contrib counterpart:
env stepping, policy inference, buffer and bookkeeping, the policy update, the critic fit, logging and callbacks.

The parts are timed on the real code paths of a normal ``learn()``, by wrapping methods of the model's instance
(nothing in the algorithms is changed):

- env: ``env.step`` (the vectorised step, wrappers and normalisation included);
- inference: the policy's forward passes during collection (``policy.forward``, ``policy.predict_values`` for
  the bootstrap values, TDActorCritic's online path keeps the graph of ``policy.forward``);
- callbacks: ``callback.on_step`` (our finite-value check included); logging: ``dump_logs``;
- update: ``train()``, less its critic fit; critic: the critic's regression steps (our ``_fit_critic``; for
  sb3-contrib's TRPO, from its first critic minibatch to the end of ``train()``; A2C and TDActorCritic fit the
  critic in the same backward pass as the policy: counted in the update);
- bookkeeping: the rest (buffer writes, returns and advantages, tensor conversions, SB3's loop).

The parts sum to the wall time of ``learn()``. Each part's floor is measured alone: ``env.step`` with fixed
actions; one forward pass of the policy (no gradient) on a batch of ``n_envs`` observations; one update of the
algorithm's kind on a fixed batch of its size (forward, loss, backward, optimizer step; for TNPG and TRPO the policy
gradient, ``cg_max_steps`` Fisher-vector products and the step); the critic's regression steps on fixed tensors.
Bookkeeping, logging and callbacks have no floor (none of it is the algorithm's). The sum of the floors gives a
ceiling on the rate of any implementation; the end-to-end rate is reported as a fraction of it.

    python benchmarks/profile_steps.py                        # every profile below, stored as profile_<name>.json
    python benchmarks/profile_steps.py --only CartPole-v1_1env --timesteps 5000
    python benchmarks/profile_steps.py --quick                # a smoke run, tiny budgets, written to benchmarks/results/tmp

(Not ``profile.py``: run as a script, that name would shadow the standard library's ``profile``, which torch imports.)

Profiles: ``CartPole-v1_8envs`` and ``CartPole-v1_1env`` (all four, A2C with the settings of throughput.py's pairs,
TRPO), ``HalfCheetah-v5`` (TNPG against TRPO with RL-Zoo's TRPO settings, ReinforceBaseline with its shipped config).
"""

import argparse
import copy
import json
import math
import os
import platform
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch as th
from sb3_contrib.common.utils import conjugate_gradient_solver
from stable_baselines3.common.base_class import BaseAlgorithm
from stable_baselines3.common.on_policy_algorithm import OnPolicyAlgorithm
from torch.nn import functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent))
from throughput import build, build_zoo

from sb3_pg.common.natural import fisher_vector_product_fn, mean_kl

PARTS = ("env", "inference", "bookkeeping", "update", "critic", "logging", "callbacks")


def _profile_entries(n_envs: int) -> list[tuple[str, str, dict[str, Any]]]:
    """(label, algorithm, build settings) of a CartPole profile with ``n_envs`` envs."""
    reinforce_steps = max(512 // n_envs, 1)
    tnpg_steps = 1024 // n_envs
    return [
        ("A2C (gae_lambda=1)", "A2C", dict(pair="reinforce", n_steps=reinforce_steps)),
        ("Reinforce", "Reinforce", dict(pair="reinforce", n_steps=reinforce_steps)),
        ("ReinforceBaseline", "ReinforceBaseline", dict(pair="reinforce", n_steps=reinforce_steps)),
        ("A2C (n_steps=1)", "A2C", dict(pair="td_actor_critic", n_steps=1)),
        ("TDActorCritic", "TDActorCritic", dict(pair="td_actor_critic", n_steps=1)),
        ("TRPO", "TRPO", dict(pair="tnpg", n_steps=tnpg_steps)),
        ("TNPG", "TNPG", dict(pair="tnpg", n_steps=tnpg_steps)),
    ]


# name -> (env id, n_envs (None: RL-Zoo's), entries); an entry's settings with "zoo" are built by RL-Zoo
PROFILES: dict[str, tuple[str, int | None, list[tuple[str, str, dict[str, Any]]]]] = {
    "CartPole-v1_8envs": ("CartPole-v1", 8, _profile_entries(8)),
    "CartPole-v1_1env": ("CartPole-v1", 1, _profile_entries(1)),
    "HalfCheetah-v5": (
        "HalfCheetah-v5",
        None,
        [
            ("TRPO", "TRPO", dict(zoo="tnpg")),
            ("TNPG", "TNPG", dict(zoo="tnpg")),
            ("ReinforceBaseline", "ReinforceBaseline", dict(zoo="reinforce")),
        ],
    ),
}
# Env steps of learn() per algorithm (--timesteps scales them); the one-step actor-critics are slow per step
DEFAULT_TIMESTEPS = {"CartPole-v1_8envs": 40_000, "CartPole-v1_1env": 10_000, "HalfCheetah-v5": 20_480}


class Timer:
    """Inclusive wall times per part, from wrapped methods; ``phase`` tells collection from training."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.phase = ""
        self.train_calls = 0
        self.critic_start: float | None = None

    def wrap(self, owner: Any, name: str, part: str, phase: str | None = None) -> None:
        """Replace ``owner.name`` by a wrapper that adds its wall time to ``part`` (only during ``phase`` if given)."""
        method = getattr(owner, name)

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if phase is not None and self.phase != phase:
                return method(*args, **kwargs)
            start = time.perf_counter()
            try:
                return method(*args, **kwargs)
            finally:
                self.seconds[part] += time.perf_counter() - start

        setattr(owner, name, wrapper)


def instrument(model: OnPolicyAlgorithm, timer: Timer) -> None:
    """Wrap the model's methods so that ``timer`` receives the time of each part during ``learn()``."""
    collect, train = model.collect_rollouts, model.train

    def timed_collect(*args: Any, **kwargs: Any) -> bool:
        timer.phase = "collect"
        start = time.perf_counter()
        try:
            return collect(*args, **kwargs)
        finally:
            timer.seconds["collect"] += time.perf_counter() - start
            timer.phase = ""

    def timed_train() -> None:
        timer.phase, timer.critic_start = "train", None
        start = time.perf_counter()
        try:
            train()
        finally:
            end = time.perf_counter()
            timer.seconds["train"] += end - start
            if timer.critic_start is not None:  # TRPO: from its first critic minibatch to the end
                timer.seconds["critic"] += end - timer.critic_start
            timer.phase = ""
            timer.train_calls += 1

    model.collect_rollouts = timed_collect  # type: ignore[method-assign]
    model.train = timed_train  # type: ignore[method-assign]
    assert model.env is not None
    timer.wrap(model.env, "step", "env")
    timer.wrap(model, "dump_logs", "logging")
    timer.wrap(model.policy, "forward", "inference", phase="collect")
    timer.wrap(model.policy, "predict_values", "inference", phase="collect")
    if hasattr(model, "_fit_critic"):
        timer.wrap(model, "_fit_critic", "critic", phase="train")
    elif type(model).__name__ == "TRPO":
        buffer_get = model.rollout_buffer.get

        def get(batch_size: int | None = None) -> Any:
            if batch_size is not None and timer.phase == "train" and timer.critic_start is None:
                timer.critic_start = time.perf_counter()
            return buffer_get(batch_size)

        model.rollout_buffer.get = get  # type: ignore[method-assign]

    init_callback = model._init_callback

    def timed_init_callback(*args: Any, **kwargs: Any) -> Any:
        callback = init_callback(*args, **kwargs)
        timer.wrap(callback, "on_step", "callbacks")
        return callback

    model._init_callback = timed_init_callback  # type: ignore[method-assign]


def per_call(fn: Callable[[], Any], min_seconds: float, min_calls: int = 3) -> float:
    """Seconds per call of ``fn``, over at least ``min_seconds`` and ``min_calls`` calls (after one warm-up call)."""
    fn()
    calls, start = 0, time.perf_counter()
    while calls < min_calls or time.perf_counter() - start < min_seconds:
        fn()
        calls += 1
    return (time.perf_counter() - start) / calls


def floors(model: OnPolicyAlgorithm, steps_per_update: float, min_seconds: float) -> dict[str, float]:
    """Each part measured alone, in seconds per env step (see the module docstring)."""
    env = model.env
    assert env is not None
    n_envs = env.num_envs
    policy = model.policy
    actions = np.stack([env.action_space.sample() for _ in range(n_envs)])
    env.reset()
    result = {"env": per_call(lambda: env.step(actions), min_seconds) / n_envs}

    obs = th.as_tensor(np.stack([env.observation_space.sample() for _ in range(n_envs)]), device=model.device)

    def inference() -> None:
        with th.no_grad():
            policy(obs)

    result["inference"] = per_call(inference, min_seconds) / n_envs

    # A fixed batch of the update's size
    batch = max(round(steps_per_update), 1)
    batch_obs = th.as_tensor(np.stack([env.observation_space.sample() for _ in range(batch)]), device=model.device)
    with th.no_grad():
        batch_actions = policy.get_distribution(batch_obs).get_actions()
    advantages, returns = th.randn(batch), th.randn(batch)
    has_critic = hasattr(policy, "value_net")
    natural = type(model).__name__ in ("TRPO", "TNPG")

    def first_order_update() -> None:
        distribution = policy.get_distribution(batch_obs)
        loss = -(advantages * distribution.log_prob(batch_actions)).mean()
        if has_critic and not natural:
            loss = loss + F.mse_loss(policy.predict_values(batch_obs).flatten(), returns)
        policy.optimizer.zero_grad()
        loss.backward()
        policy.optimizer.step()

    def natural_update() -> None:
        if hasattr(policy, "actor_parameters"):
            params = policy.actor_parameters()
        else:
            params = [param for name, param in policy.named_parameters() if "value" not in name]
        with th.no_grad():
            old = copy.copy(policy.get_distribution(batch_obs))
        distribution = policy.get_distribution(batch_obs)
        log_prob = distribution.log_prob(batch_actions)
        objective = (advantages * th.exp(log_prob - log_prob.detach())).mean()
        product, used = fisher_vector_product_fn(mean_kl(old, distribution), params, damping=0.1)
        gradient = th.cat([grad.reshape(-1) for grad in th.autograd.grad(objective, used, retain_graph=True)])
        direction = conjugate_gradient_solver(product, gradient, max_iter=int(getattr(model, "cg_max_steps", 10)))
        with th.no_grad():
            start = 0
            for param in used:
                param.add_(1e-6 * direction[start : start + param.numel()].view_as(param))
                start += param.numel()

    if hasattr(model, "_online_path_applies") and model._online_path_applies():
        # TDActorCritic's online path: the update differentiates the collection's forward pass, not timed here
        timed, calls = 0.0, 0
        while calls < 3 or timed < min_seconds:
            policy.keep_graph = True
            policy(batch_obs)
            policy.keep_graph = False
            values, log_prob, _ = policy.kept_forward
            loss = -(advantages * log_prob).mean() + F.mse_loss(values.flatten(), returns)
            start = time.perf_counter()
            policy.optimizer.zero_grad()
            loss.backward()
            policy.optimizer.step()
            timed, calls = timed + time.perf_counter() - start, calls + 1
        result["update"] = timed / calls / batch
    else:
        result["update"] = per_call(natural_update if natural else first_order_update, min_seconds) / batch

    # The critic's separate regression steps on fixed tensors
    critic_steps, critic_batch = 0, batch
    if type(model).__name__ == "ReinforceBaseline" and getattr(model, "baseline", "") == "value":
        critic_steps = model.n_critic_updates - 1  # type: ignore[attr-defined]
    elif natural:
        critic_batch = min(model.batch_size, batch)  # type: ignore[attr-defined]
        critic_steps = model.n_critic_updates * math.ceil(batch / critic_batch)  # type: ignore[attr-defined]
    result["critic"] = 0.0
    if critic_steps:
        critic_obs, critic_returns = batch_obs[:critic_batch], returns[:critic_batch]

        def critic_step() -> None:
            loss = F.mse_loss(policy.predict_values(critic_obs).flatten(), critic_returns)
            policy.optimizer.zero_grad()
            loss.backward()
            policy.optimizer.step()

        result["critic"] = per_call(critic_step, min_seconds / 4) * critic_steps / batch
    for part in ("bookkeeping", "logging", "callbacks"):
        result[part] = 0.0
    return result


def make_model(env_id: str, n_envs: int | None, algo: str, settings: dict[str, Any], log_folder: str) -> BaseAlgorithm:
    """A model of the profile's entry (RL-Zoo's settings when ``settings`` has ``zoo``)."""
    if "zoo" in settings:
        model, _ = build_zoo(algo, settings["zoo"], env_id, seed=0, log_folder=log_folder)
        return model
    assert n_envs is not None
    return build(algo, env_id, n_envs, settings["n_steps"], seed=0, pair=settings["pair"])


def profile_model(model: OnPolicyAlgorithm, timesteps: int, floor_seconds: float) -> dict[str, Any]:
    """Train ``model`` for ``timesteps`` with every part timed; the breakdown per env step, with the floors."""
    timer = Timer()
    instrument(model, timer)
    start = time.perf_counter()
    model.learn(timesteps)
    total = time.perf_counter() - start
    steps = model.num_timesteps
    seconds = timer.seconds
    parts = {
        "env": seconds["env"],
        "inference": seconds["inference"],
        "callbacks": seconds["callbacks"],
        "logging": seconds["logging"],
        "critic": seconds["critic"],
        "update": seconds["train"] - seconds["critic"],
        # What collection spends outside the env, the policy and the callbacks, and SB3's loop outside both phases
        "bookkeeping": seconds["collect"]
        - seconds["env"]
        - seconds["inference"]
        - seconds["callbacks"]
        + (total - seconds["collect"] - seconds["train"] - seconds["logging"]),
    }
    steps_per_update = steps / max(timer.train_calls, 1)
    floor = floors(model, steps_per_update, floor_seconds)
    ceiling_us = sum(floor.values()) * 1e6
    rate = steps / total
    return {
        "env_steps": steps,
        "n_envs": model.n_envs,
        "steps_per_update": steps_per_update,
        "seconds": total,
        "steps_per_s": rate,
        "us_per_step": total / steps * 1e6,
        "parts": {
            part: {
                "us_per_step": parts[part] / steps * 1e6,
                "share": parts[part] / total,
                "floor_us_per_step": floor[part] * 1e6,
            }
            for part in PARTS
        },
        "ceiling_steps_per_s": 1e6 / ceiling_us if ceiling_us > 0 else float("inf"),
        "ratio_to_ceiling": rate * ceiling_us / 1e6,
    }


def run_profile(name: str, timesteps: int, floor_seconds: float, only_algos: list[str] | None = None) -> dict[str, Any]:
    """Every entry of the profile ``name``; the results as stored."""
    env_id, n_envs, entries = PROFILES[name]
    results: dict[str, Any] = {}
    for label, algo, settings in entries:
        if only_algos and label not in only_algos and algo not in only_algos:
            continue
        with tempfile.TemporaryDirectory() as log_folder:
            model = make_model(env_id, n_envs, algo, settings, log_folder)
            assert isinstance(model, OnPolicyAlgorithm)
            results[label] = profile_model(model, timesteps, floor_seconds)
        print(f"{name}: {label} {results[label]['steps_per_s']:.0f} steps/s", flush=True)
    return {
        "profile": name,
        "env": env_id,
        "n_envs": n_envs,
        "timesteps": timesteps,
        "torch_threads": th.get_num_threads(),
        "machine": {
            "processor": platform.processor() or platform.machine(),
            "cpus": os.cpu_count(),
            "load_average_1min": os.getloadavg()[0],
            "torch": th.__version__,
            "python": platform.python_version(),
        },
        "algorithms": results,
    }


def table(results: dict[str, Any]) -> str:
    """A Markdown table per algorithm: microseconds per env step and share of each part, with its floor."""
    lines = [f"### {results['profile']} ({results['timesteps']} steps, {results['torch_threads']} torch thread)", ""]
    for label, entry in results["algorithms"].items():
        lines += [
            f"**{label}**: {entry['steps_per_s']:.0f} steps/s ({entry['us_per_step']:.1f} us/step, "
            f"{entry['steps_per_update']:.0f} steps per update); sum-of-floors ceiling "
            f"{entry['ceiling_steps_per_s']:.0f} steps/s, ratio {entry['ratio_to_ceiling']:.2f}",
            "",
            "| part | us/step | share | floor us/step |",
            "|---|---:|---:|---:|",
        ]
        for part in PARTS:
            values = entry["parts"][part]
            lines.append(
                f"| {part} | {values['us_per_step']:.1f} | {100 * values['share']:.0f}% | {values['floor_us_per_step']:.1f} |"
            )
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", nargs="*", choices=sorted(PROFILES), help="profiles to run (default: all)")
    parser.add_argument("--algos", nargs="*", help="entries of the profiles to run (labels or algorithm names)")
    parser.add_argument("--timesteps", type=int, default=None, help="env steps per algorithm (default: per profile)")
    parser.add_argument("--floor-seconds", type=float, default=1.0, help="time spent measuring each floor")
    parser.add_argument("--quick", action="store_true", help="smoke run: tiny budgets, results in --output-dir tmp")
    parser.add_argument("--output-dir", default=None, help="default benchmarks/results (--quick: benchmarks/results/tmp)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads")
    args = parser.parse_args(argv)
    th.set_num_threads(args.threads)
    output_dir = Path(args.output_dir or ("benchmarks/results/tmp" if args.quick else "benchmarks/results"))
    output_dir.mkdir(parents=True, exist_ok=True)
    for name in args.only or list(PROFILES):
        timesteps = args.timesteps or (2_048 if args.quick else DEFAULT_TIMESTEPS[name])
        results = run_profile(name, timesteps, 0.05 if args.quick else args.floor_seconds, args.algos)
        (output_dir / f"profile_{name}.json").write_text(json.dumps(results, indent=2))
        print(table(results))


if __name__ == "__main__":
    main()
