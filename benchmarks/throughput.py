"""
Training throughput (env steps per second of the whole ``learn()``) of each of our algorithms against its SB3 /
sb3-contrib counterpart on the same env, number of envs and steps per update, measured in one run, with the
collection-only rate (policy inference and env stepping, no learning) as the ceiling of any on-policy learner.

``--pair reinforce`` (default): Reinforce and ReinforceBaseline against A2C with gae_lambda=1. A2C takes one update
per ``n_steps`` x ``n_envs`` steps (Monte-Carlo advantages bootstrapped at the batch edge); ours take one per batch
of complete episodes of at least as many steps (``n_steps`` mode). Every env step counts, including the steps ours
discard at batch ends.
``--pair td_actor_critic``: TDActorCritic against A2C, both with ``n_steps`` steps per env and update (default 1).
``--pair tnpg``: TNPG against sb3-contrib's TRPO with the same ``n_steps``, batch size and critic updates.

Runs are interleaved and repeated; the median rate and the ratio to the counterpart are reported.

    python benchmarks/throughput.py [--pair reinforce] [--env CartPole-v1] [--n-envs 8] [--n-steps 64] [--timesteps 50000]
    python benchmarks/throughput.py --pair td_actor_critic --n-envs 1 --n-steps 1 --timesteps 20000
    python benchmarks/throughput.py --pair tnpg --n-envs 2 --n-steps 1024 --timesteps 50000
"""

import argparse
import json
import platform
import statistics
import time
from pathlib import Path

import torch as th
from sb3_contrib import TRPO
from stable_baselines3 import A2C
from stable_baselines3.common.env_util import make_vec_env

from sb3_pg import TNPG, Reinforce, ReinforceBaseline, TDActorCritic

# The algorithms of each pair, the counterpart first
PAIRS = {
    "reinforce": ["A2C", "Reinforce", "ReinforceBaseline"],
    "td_actor_critic": ["A2C", "TDActorCritic"],
    "tnpg": ["TRPO", "TNPG"],
}


def build(name: str, env_id: str, n_envs: int, n_steps: int, seed: int, pair: str = "reinforce"):
    env = make_vec_env(env_id, n_envs=n_envs, seed=seed)
    batch = n_steps * n_envs
    if name == "A2C" and pair == "td_actor_critic":
        # One-step TD error as advantage: GAE(0); our TDActorCritic's default
        return A2C("MlpPolicy", env, n_steps=n_steps, gae_lambda=0.0, seed=seed, device="cpu")
    if name == "A2C":
        return A2C("MlpPolicy", env, n_steps=n_steps, gae_lambda=1.0, seed=seed, device="cpu")
    if name == "TDActorCritic":
        return TDActorCritic("MlpPolicy", env, n_steps=n_steps, seed=seed, device="cpu")
    if name in ("TRPO", "TNPG"):
        algo = TRPO if name == "TRPO" else TNPG
        return algo("MlpPolicy", env, n_steps=n_steps, batch_size=min(128, batch), seed=seed, device="cpu")
    if name == "Reinforce":
        return Reinforce("MlpPolicy", env, n_steps=batch, seed=seed, device="cpu")
    if name == "ReinforceBaseline":
        return ReinforceBaseline("MlpPolicy", env, n_steps=batch, n_critic_updates=1, seed=seed, device="cpu")
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
    parser.add_argument("--pair", choices=sorted(PAIRS), default="reinforce")
    parser.add_argument("--env", default="CartPole-v1")
    parser.add_argument("--n-envs", type=int, default=8)
    parser.add_argument("--n-steps", type=int, default=64, help="steps per env and update (Reinforce: n_steps * n_envs)")
    parser.add_argument("--timesteps", type=int, default=50_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1, help="torch threads (same for all)")
    parser.add_argument("--output", default=None, help="default: benchmarks/results/throughput[_<pair>].json")
    args = parser.parse_args()
    th.set_num_threads(args.threads)
    output = args.output or f"benchmarks/results/throughput{'' if args.pair == 'reinforce' else '_' + args.pair}.json"

    names = PAIRS[args.pair]
    counterpart = names[0]
    rates: dict[str, list[float]] = {name: [] for name in names}
    for repeat in range(args.repeats):
        for name in names:
            model = build(name, args.env, args.n_envs, args.n_steps, seed=repeat, pair=args.pair)
            start = time.perf_counter()
            model.learn(args.timesteps)
            rates[name].append(model.num_timesteps / (time.perf_counter() - start))
            print(f"repeat {repeat} {name:>18}: {rates[name][-1]:8.0f} steps/s", flush=True)
    ceiling = statistics.median(collection_only(args.env, args.n_envs, args.timesteps, seed=0) for _ in range(args.repeats))

    reference = statistics.median(rates[counterpart])
    results = {
        "pair": args.pair,
        "counterpart": counterpart,
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
                "ratio_to_counterpart": statistics.median(rates[name]) / reference,
                "runs": rates[name],
            }
            for name in names
        },
    }
    print(f"\n{args.env}, {args.n_envs} envs, {args.n_steps * args.n_envs} steps per update, {args.timesteps} steps")
    print(f"{'algorithm':>18} | steps/s | ratio to {counterpart}")
    for name in names:
        entry = results["algorithms"][name]
        print(f"{name:>18} | {entry['median_steps_per_s']:7.0f} | {entry['ratio_to_counterpart']:.2f}")
    print(f"{'collection only':>18} | {ceiling:7.0f} | {ceiling / reference:.2f}")
    Path(output).parent.mkdir(parents=True, exist_ok=True)
    Path(output).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
