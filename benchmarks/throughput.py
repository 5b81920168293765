"""
Training throughput (env steps per second of the whole ``learn()``) of Reinforce and ReinforceBaseline against
SB3's A2C on the same env, number of envs and steps per update, measured in one run.

A2C takes one update per ``n_steps`` x ``n_envs`` steps (gae_lambda=1: Monte-Carlo advantages bootstrapped at the
batch edge); ours take one per batch of complete episodes of at least as many steps (``n_steps`` mode). Runs are
interleaved and repeated; the median rate and the ratio to A2C are reported. Every env step counts, including the
steps our algorithms discard at batch ends (their share is reported too).

    python benchmarks/throughput.py [--env CartPole-v1] [--n-envs 8] [--n-steps 64] [--timesteps 50000] [--repeats 3]
"""

import argparse
import json
import platform
import statistics
import time
from pathlib import Path

import torch as th
from stable_baselines3 import A2C
from stable_baselines3.common.env_util import make_vec_env

from sb3_pg import Reinforce, ReinforceBaseline


def build(name: str, env_id: str, n_envs: int, n_steps: int, seed: int):
    env = make_vec_env(env_id, n_envs=n_envs, seed=seed)
    batch = n_steps * n_envs
    if name == "A2C":
        return A2C("MlpPolicy", env, n_steps=n_steps, gae_lambda=1.0, seed=seed, device="cpu")
    if name == "Reinforce":
        return Reinforce("MlpPolicy", env, n_steps=batch, seed=seed, device="cpu")
    if name == "ReinforceBaseline":
        return ReinforceBaseline("MlpPolicy", env, n_steps=batch, n_critic_epochs=1, seed=seed, device="cpu")
    raise ValueError(name)


def collection_only(env_id: str, n_envs: int, timesteps: int, seed: int) -> float:
    """Policy inference and env stepping, no learning: the ceiling for any on-policy learner."""
    model = build("Reinforce", env_id, n_envs, 1, seed)
    env = model.env
    obs = env.reset()
    start = time.perf_counter()
    steps = 0
    while steps < timesteps:
        with th.no_grad():
            actions, _, _ = model.policy(th.as_tensor(obs))
        obs, _, _, _ = env.step(actions.numpy())
        steps += n_envs
    return steps / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--env", default="CartPole-v1")
    parser.add_argument("--n-envs", type=int, default=8)
    parser.add_argument("--n-steps", type=int, default=64, help="A2C's n_steps; ours use n_steps * n_envs per batch")
    parser.add_argument("--timesteps", type=int, default=50_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1, help="torch threads (same for all)")
    parser.add_argument("--output", default="benchmarks/results/throughput.json")
    args = parser.parse_args()
    th.set_num_threads(args.threads)

    names = ["A2C", "Reinforce", "ReinforceBaseline"]
    rates: dict[str, list[float]] = {name: [] for name in names}
    for repeat in range(args.repeats):
        for name in names:
            model = build(name, args.env, args.n_envs, args.n_steps, seed=repeat)
            start = time.perf_counter()
            model.learn(args.timesteps)
            rates[name].append(model.num_timesteps / (time.perf_counter() - start))
            print(f"repeat {repeat} {name:>18}: {rates[name][-1]:8.0f} steps/s", flush=True)
    ceiling = statistics.median(collection_only(args.env, args.n_envs, args.timesteps, seed=0) for _ in range(args.repeats))

    a2c = statistics.median(rates["A2C"])
    results = {
        "env": args.env,
        "n_envs": args.n_envs,
        "steps_per_update": args.n_steps * args.n_envs,
        "timesteps": args.timesteps,
        "repeats": args.repeats,
        "torch_threads": args.threads,
        "machine": f"{platform.processor() or platform.machine()}, {th.get_num_threads()} torch thread(s)",
        "collection_only_steps_per_s": ceiling,
        "algorithms": {
            name: {
                "median_steps_per_s": statistics.median(rates[name]),
                "ratio_to_a2c": statistics.median(rates[name]) / a2c,
                "runs": rates[name],
            }
            for name in names
        },
    }
    print(f"\n{args.env}, {args.n_envs} envs, {args.n_steps * args.n_envs} steps per update, {args.timesteps} steps")
    print(f"{'algorithm':>18} | steps/s | ratio to A2C")
    for name in names:
        entry = results["algorithms"][name]
        print(f"{name:>18} | {entry['median_steps_per_s']:7.0f} | {entry['ratio_to_a2c']:.2f}")
    print(f"{'collection only':>18} | {ceiling:7.0f} | {ceiling / a2c:.2f}")
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
