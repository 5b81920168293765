"""
TNPG against sb3-contrib's TRPO, both with RL-Zoo's TRPO settings for the env (TNPG takes them all but the
line-search parameters) and the same budget.

For each seed, each algorithm trains and is evaluated every ``--eval-freq`` steps on 10 episodes; printed: steps
until the evaluation mean first reaches the threshold and the final evaluation (mean of the last 3), median and
range over seeds. Then a throughput run without evaluation (interleaved, median of ``--repeats``): env steps per
second of ``learn()`` and mean wall time of one ``train()`` (the update), with TNPG's ratios to TRPO's.

    python benchmarks/tnpg.py --env CartPole-v1 [--seeds 0 1 2 3 4]
    python benchmarks/tnpg.py --env Pendulum-v1      # also Acrobot-v1, LunarLander-v3 (needs box2d and pygame)
"""

import argparse
import json
import statistics
import time
from pathlib import Path

import numpy as np
import torch as th
from common import first_reaching, learn_with_curve, median_range
from sb3_contrib import TRPO
from stable_baselines3.common.env_util import make_vec_env
from stable_baselines3.common.vec_env import VecNormalize

from sb3_pg import TNPG

THRESHOLDS = {"CartPole-v1": 475.0, "Acrobot-v1": -100.0, "Pendulum-v1": -200.0, "LunarLander-v3": 200.0}
# RL-Zoo's trpo.yml (rl_zoo3 2.9): env settings, algorithm settings, budget
ZOO_TRPO = {
    "CartPole-v1": (
        dict(n_envs=2, normalize=False),
        dict(
            n_steps=512, batch_size=512, cg_damping=0.001, gae_lambda=0.98, gamma=0.99, learning_rate=1e-3, n_critic_updates=20
        ),
        100_000,
    ),
    "Acrobot-v1": (dict(n_envs=2, normalize=True), dict(n_steps=1024), 100_000),
    "Pendulum-v1": (
        dict(n_envs=2, normalize=False),
        dict(n_steps=1024, gamma=0.9, n_critic_updates=15, use_sde=True, sde_sample_freq=4),
        100_000,
    ),
    "LunarLander-v3": (
        dict(n_envs=2, normalize=False),
        dict(n_steps=512, cg_damping=0.01, gae_lambda=0.98, gamma=0.99, learning_rate=1e-3, n_critic_updates=15),
        200_000,
    ),
}
ALGOS = {"TNPG": TNPG, "TRPO": TRPO}


def build(name: str, env_id: str, seed: int):
    env_kwargs, algo_kwargs, _ = ZOO_TRPO[env_id]
    env = make_vec_env(env_id, n_envs=env_kwargs["n_envs"], seed=seed)
    if env_kwargs["normalize"]:
        env = VecNormalize(env, norm_obs=True, norm_reward=False)
    return ALGOS[name]("MlpPolicy", env, seed=seed, device="cpu", **algo_kwargs)


def timed_train(model) -> list[float]:
    """Wrap ``model.train`` to record the wall time of each update."""
    durations: list[float] = []
    train = model.train

    def wrapper() -> None:
        start = time.perf_counter()
        train()
        durations.append(time.perf_counter() - start)

    model.train = wrapper
    return durations


def evaluate_run(name: str, env_id: str, seed: int, eval_freq: int) -> dict:
    model = build(name, env_id, seed)
    eval_env = make_vec_env(env_id, n_envs=1, seed=seed + 1000)
    if isinstance(model.get_env(), VecNormalize):
        eval_env = VecNormalize(eval_env, training=False, norm_obs=True, norm_reward=False)
        eval_env.obs_rms = model.get_env().obs_rms  # the same statistics object, updated by training
    curve = learn_with_curve(model, eval_env, ZOO_TRPO[env_id][2], eval_freq)
    return {
        "algo": name,
        "seed": seed,
        "curve": curve,
        "steps_to_threshold": first_reaching(curve, THRESHOLDS[env_id]),
        "final": float(np.mean([value for _, value in curve[-3:]])),
    }


def throughput(env_id: str, timesteps: int, repeats: int) -> dict[str, dict[str, float]]:
    rates: dict[str, list[float]] = {name: [] for name in ALGOS}
    update_times: dict[str, list[float]] = {name: [] for name in ALGOS}
    for repeat in range(repeats):
        for name in ALGOS:
            model = build(name, env_id, seed=repeat)
            durations = timed_train(model)
            start = time.perf_counter()
            model.learn(timesteps)
            rates[name].append(model.num_timesteps / (time.perf_counter() - start))
            update_times[name].append(float(np.mean(durations)))
    return {
        name: {"steps_per_s": statistics.median(rates[name]), "seconds_per_update": statistics.median(update_times[name])}
        for name in ALGOS
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--env", default="CartPole-v1", choices=list(ZOO_TRPO))
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--eval-freq", type=int, default=5_000)
    parser.add_argument("--speed-timesteps", type=int, default=20_480)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--output", default=None)
    args = parser.parse_args()
    th.set_num_threads(1)

    runs = []
    for seed in args.seeds:
        for name in ALGOS:
            result = evaluate_run(name, args.env, seed, args.eval_freq)
            runs.append(result)
            print(
                f"{name:>5} seed {seed}: threshold at {result['steps_to_threshold']}, final {result['final']:.1f}", flush=True
            )
    speed = throughput(args.env, args.speed_timesteps, args.repeats)

    budget = ZOO_TRPO[args.env][2]
    print(f"\n{args.env}: RL-Zoo TRPO settings, budget {budget} steps, seeds {args.seeds}, threshold {THRESHOLDS[args.env]}")
    print("algorithm | reached (seeds) | steps to threshold: median [min, max] | final eval: median [min, max]", end="")
    print(" | steps/s | s/update")
    for name in ALGOS:
        mine = [run for run in runs if run["algo"] == name]
        reached = [run["steps_to_threshold"] for run in mine if run["steps_to_threshold"] is not None]
        print(
            f"{name} | {len(reached)}/{len(mine)} | {median_range(reached, '{:.0f}')} | "
            f"{median_range([run['final'] for run in mine])} | {speed[name]['steps_per_s']:.0f} | "
            f"{speed[name]['seconds_per_update']:.4f}"
        )
    print(
        f"TNPG / TRPO: steps/s x{speed['TNPG']['steps_per_s'] / speed['TRPO']['steps_per_s']:.2f}, "
        f"time per update x{speed['TNPG']['seconds_per_update'] / speed['TRPO']['seconds_per_update']:.2f}"
    )
    output = Path(args.output or f"benchmarks/results/tnpg_{args.env}.json")
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps({"args": vars(args), "runs": runs, "speed": speed}, indent=1))


if __name__ == "__main__":
    main()
