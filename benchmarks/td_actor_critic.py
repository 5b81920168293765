"""
TDActorCritic against SB3's A2C, on one env: A2C configured as close as possible to the one-step actor-critic
(n_steps=1, gae_lambda=0, Adam at the actor's step size, no clipping, same envs) and A2C with RL-Zoo's settings.

For each seed, every algorithm trains on the same budget and is evaluated every ``--eval-freq`` steps on 10
episodes; the script prints steps until the evaluation mean first reaches the threshold and the final evaluation
(mean of the last 3), median and range over seeds. Then it measures training throughput (env steps per second of
``learn()`` without evaluation, runs interleaved, median of ``--repeats``) and the ratio to A2C (n_steps=1).

    python benchmarks/td_actor_critic.py --env CartPole-v1 [--seeds 0 1 2 3 4] [--timesteps 300000]
    python benchmarks/td_actor_critic.py --env Acrobot-v1
"""

import argparse
import json
import statistics
import time
from pathlib import Path

import numpy as np
import torch as th
from common import first_reaching, learn_with_curve, median_range
from stable_baselines3 import A2C
from stable_baselines3.common.env_util import make_vec_env
from stable_baselines3.common.vec_env import VecNormalize

from sb3_pg import TDActorCritic

THRESHOLDS = {"CartPole-v1": 475.0, "Acrobot-v1": -100.0}
# Our settings (the class defaults, chosen from a sweep over 3 seeds on each env)
OURS = {
    "CartPole-v1": dict(n_envs=8, learning_rate=5e-4, critic_learning_rate=2e-3),
    "Acrobot-v1": dict(n_envs=8, learning_rate=5e-4, critic_learning_rate=2e-3),
}
# RL-Zoo's a2c.yml
ZOO_A2C = {
    "CartPole-v1": dict(n_envs=8, normalize=False, ent_coef=0.0),
    "Acrobot-v1": dict(n_envs=16, normalize=True, ent_coef=0.0),
}


def build(name: str, env_id: str, seed: int):
    """(model, n_envs, VecNormalize or None) for an algorithm name."""
    ours = dict(OURS[env_id])
    n_envs = ours.pop("n_envs")
    if name == "TDActorCritic":
        env = make_vec_env(env_id, n_envs=n_envs, seed=seed)
        return TDActorCritic("MlpPolicy", env, seed=seed, device="cpu", **ours), None
    if name == "A2C (n_steps=1)":
        env = make_vec_env(env_id, n_envs=n_envs, seed=seed)
        model = A2C(
            "MlpPolicy",
            env,
            n_steps=1,
            gae_lambda=0.0,
            learning_rate=ours["learning_rate"],
            use_rms_prop=False,
            max_grad_norm=float("inf"),
            ent_coef=0.0,
            seed=seed,
            device="cpu",
        )
        return model, None
    zoo = dict(ZOO_A2C[env_id])
    env = make_vec_env(env_id, n_envs=zoo["n_envs"], seed=seed)
    if zoo["normalize"]:
        env = VecNormalize(env, norm_obs=True, norm_reward=False)
    return A2C("MlpPolicy", env, ent_coef=zoo["ent_coef"], seed=seed, device="cpu"), env if zoo["normalize"] else None


def evaluate_run(name: str, env_id: str, seed: int, timesteps: int, eval_freq: int) -> dict:
    model, normalizer = build(name, env_id, seed)
    eval_env = make_vec_env(env_id, n_envs=1, seed=seed + 1000)
    if normalizer is not None:
        eval_env = VecNormalize(eval_env, training=False, norm_obs=True, norm_reward=False)
    curve = learn_with_curve(model, eval_env, timesteps, eval_freq)
    return {
        "algo": name,
        "seed": seed,
        "curve": curve,
        "steps_to_threshold": first_reaching(curve, THRESHOLDS[env_id]),
        "final": float(np.mean([value for _, value in curve[-3:]])),
    }


def throughput(names: list[str], env_id: str, timesteps: int, repeats: int) -> dict[str, float]:
    rates: dict[str, list[float]] = {name: [] for name in names}
    for repeat in range(repeats):
        for name in names:
            model, _ = build(name, env_id, seed=repeat)
            start = time.perf_counter()
            model.learn(timesteps)
            rates[name].append(model.num_timesteps / (time.perf_counter() - start))
    return {name: statistics.median(values) for name, values in rates.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--env", default="CartPole-v1", choices=list(THRESHOLDS))
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--timesteps", type=int, default=300_000)
    parser.add_argument("--eval-freq", type=int, default=10_000)
    parser.add_argument("--speed-timesteps", type=int, default=30_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--output", default=None)
    args = parser.parse_args()
    th.set_num_threads(1)
    names = ["TDActorCritic", "A2C (n_steps=1)", "A2C (RL-Zoo)"]

    runs = []
    for seed in args.seeds:
        for name in names:
            result = evaluate_run(name, args.env, seed, args.timesteps, args.eval_freq)
            runs.append(result)
            print(
                f"{name:>16} seed {seed}: threshold at {result['steps_to_threshold']}, final {result['final']:.1f}", flush=True
            )
    rates = throughput(names, args.env, args.speed_timesteps, args.repeats)

    print(f"\n{args.env}: budget {args.timesteps} steps, seeds {args.seeds}, threshold {THRESHOLDS[args.env]}")
    print(
        "algorithm | reached (seeds) | steps to threshold: median [min, max] | final eval: median [min, max] | steps/s | ratio"
    )
    base = rates["A2C (n_steps=1)"]
    for name in names:
        mine = [run for run in runs if run["algo"] == name]
        reached = [run["steps_to_threshold"] for run in mine if run["steps_to_threshold"] is not None]
        print(
            f"{name} | {len(reached)}/{len(mine)} | {median_range(reached, '{:.0f}')} | "
            f"{median_range([run['final'] for run in mine])} | {rates[name]:.0f} | {rates[name] / base:.2f}"
        )
    output = Path(args.output or f"benchmarks/results/td_actor_critic_{args.env}.json")
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps({"args": vars(args), "runs": runs, "steps_per_s": rates}, indent=1))


if __name__ == "__main__":
    main()
