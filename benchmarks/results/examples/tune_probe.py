"""
The tries behind examples/reinforce_baseline_inverted_pendulum.py: the example's protocol (evaluation of 10 greedy
episodes every 5,000 steps on an env seeded seed + 1000, training stopped at the first mean >= 950 unless
``--no-stop``, then 20 more greedy episodes) with ReinforceBaseline's arguments from ``--params``. One JSON line per
run appended to ``--out``.

    python benchmarks/results/examples/tune_probe.py --seed 0 --tag ep8-lr1e-2 \
        --params '{"n_episodes": 8, "learning_rate": 0.01, "normalize_advantage": true, "n_critic_updates": 40}'
"""

import argparse
import json
import platform
import sys
import tempfile
import time

import torch as th
from stable_baselines3.common.callbacks import EvalCallback, StopTrainingOnRewardThreshold
from stable_baselines3.common.env_util import make_vec_env
from stable_baselines3.common.evaluation import evaluate_policy

from sb3_pg import ReinforceBaseline


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--timesteps", type=int, default=100_000)
    parser.add_argument("--n-envs", type=int, default=1)
    parser.add_argument("--params", default="{}", help="ReinforceBaseline's arguments, as JSON")
    parser.add_argument("--eval-freq", type=int, default=5_000)
    parser.add_argument("--no-stop", action="store_true", help="train the whole budget")
    parser.add_argument("--tag", required=True)
    parser.add_argument("--out", default="benchmarks/results/examples/tuning.jsonl")
    args = parser.parse_args()
    th.set_num_threads(1)

    env = make_vec_env("InvertedPendulum-v5", n_envs=args.n_envs, seed=args.seed)
    model = ReinforceBaseline("MlpPolicy", env, seed=args.seed, **json.loads(args.params))
    eval_env = make_vec_env("InvertedPendulum-v5", n_envs=1, seed=args.seed + 1000)
    stop = None if args.no_stop else StopTrainingOnRewardThreshold(reward_threshold=950, verbose=0)
    evaluation = EvalCallback(
        eval_env,
        log_path=tempfile.mkdtemp(),  # EvalCallback keeps its curve only with a log path
        callback_on_new_best=stop,
        eval_freq=max(args.eval_freq // args.n_envs, 1),
        n_eval_episodes=10,
        verbose=0,
    )
    start = time.time()
    model.learn(args.timesteps, callback=evaluation)
    train_seconds = time.time() - start
    mean, std = evaluate_policy(model, eval_env, n_eval_episodes=20)

    results = zip(evaluation.evaluations_timesteps, evaluation.evaluations_results)
    curve = [[int(step), float(sum(returns) / len(returns))] for step, returns in results]
    record = dict(
        tag=args.tag,
        env="InvertedPendulum-v5",
        seed=args.seed,
        budget=args.timesteps,
        n_envs=args.n_envs,
        params=args.params,
        stop_at_threshold=not args.no_stop,
        steps=int(model.num_timesteps),
        train_seconds=round(train_seconds, 1),
        first_eval_at_950=next((step for step, value in curve if value >= 950), None),
        final_mean=float(mean),
        final_std=float(std),
        final_episodes=20,
        curve=curve,
        command=" ".join(["python", *sys.argv]),
        machine="2-core CPU shared with other jobs, 1 torch thread",
        host=platform.node(),
    )
    with open(args.out, "a") as file:
        file.write(json.dumps(record) + "\n")
    print(json.dumps({key: record[key] for key in ("tag", "seed", "steps", "first_eval_at_950", "final_mean")}), curve)


if __name__ == "__main__":
    main()
