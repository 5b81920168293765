"""
The greedy policy against the policy that was trained: train with a zoo block and, every ``--eval-freq`` steps,
evaluate the same policy twice on ``--eval-episodes`` episodes, greedily (``deterministic=True``, what RL-Zoo's and
our learning curves report) and by sampling its actions (``deterministic=False``, the policy the gradient
optimises); record its entropy on the last rollout's observations and the rollouts' mean episode length.

    python benchmarks/greedy_gap.py --algos tnpg trpo --seeds 7 12 --timesteps 300000   # needs box2d and pygame

The block is the env's in ``zoo_configs/<algo>.yml`` (ours) or in RL-Zoo's hyperparams (sb3-contrib's TRPO);
a block that normalises (VecNormalize) is refused; a schedule (``lin_0.03``) is read as RL-Zoo reads it. Runs are
stored one JSON file each in ``benchmarks/results/greedy_gap/`` and not redone (resumable; a run stored with another
block than the current one is said so in its summary); ``--summary-only`` prints the stored ones.
The summary gives per run, over the evaluations after ``--after`` steps: the mean of each evaluation, how often two
consecutive evaluations differ by ``--swing`` or more, and the mean entropy and episode length.
"""

import argparse
import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import rl_zoo3
import torch as th
from common import greedy_and_sampled, zoo_block, zoo_schedules
from sb3_contrib import TRPO
from stable_baselines3.common.base_class import BaseAlgorithm
from stable_baselines3.common.callbacks import BaseCallback
from stable_baselines3.common.env_util import make_vec_env
from stable_baselines3.common.evaluation import evaluate_policy
from stable_baselines3.common.vec_env import VecEnv

from sb3_pg import TNPG

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "greedy_gap"
ALGOS: dict[str, tuple[type[BaseAlgorithm], Path]] = {
    "tnpg": (TNPG, ROOT / "zoo_configs" / "tnpg.yml"),
    "trpo": (TRPO, Path(rl_zoo3.__file__).parent / "hyperparams" / "trpo.yml"),
}


class GreedyAndSampled(BaseCallback):
    """Every ``eval_freq`` steps: greedy and sampled evaluation, entropy and episode length (appended to ``rows``)."""

    def __init__(self, eval_env: VecEnv, eval_freq: int, n_episodes: int, rows: list[dict[str, float]]):
        super().__init__()
        self.eval_env, self.eval_freq, self.n_episodes, self.rows = eval_env, eval_freq, n_episodes, rows
        self.next_eval = eval_freq

    def _on_step(self) -> bool:
        return True

    def _on_rollout_end(self) -> None:
        if self.num_timesteps < self.next_eval:
            return
        self.next_eval += self.eval_freq
        model: Any = self.model  # an on-policy algorithm, with a rollout buffer
        buffer = model.rollout_buffer
        observations = buffer.to_torch(buffer.observations.reshape(-1, *buffer.obs_shape))
        with th.no_grad():
            entropy = model.policy.get_distribution(observations).entropy().mean().item()
        returns = {}
        for name, deterministic in (("greedy", True), ("sampled", False)):
            mean, _ = evaluate_policy(model, self.eval_env, self.n_episodes, deterministic=deterministic)
            returns[name] = float(mean)  # type: ignore[arg-type]
        lengths = [info["l"] for info in model.ep_info_buffer]
        self.rows.append(
            dict(t=self.num_timesteps, entropy=entropy, ep_len_mean=float(np.mean(lengths)) if lengths else 0.0, **returns)
        )


def run(algo: str, env_id: str, seed: int, timesteps: int, eval_freq: int, n_episodes: int) -> dict[str, Any]:
    algo_class, config = ALGOS[algo]
    n_envs, kwargs = zoo_block(config, env_id)
    env = make_vec_env(env_id, n_envs=n_envs, seed=seed)
    model = algo_class("MlpPolicy", env, seed=seed, **zoo_schedules(kwargs))
    rows: list[dict[str, float]] = []
    start = time.perf_counter()
    eval_env = make_vec_env(env_id, n_envs=1, seed=seed + 10_000)
    model.learn(timesteps, callback=GreedyAndSampled(eval_env, eval_freq, n_episodes, rows))
    return dict(algo=algo, env=env_id, seed=seed, timesteps=timesteps, kwargs=kwargs, n_envs=n_envs, rows=rows,
                seconds=time.perf_counter() - start)  # fmt: skip


def summary(stored: dict[str, Any], after: int, swing: float) -> str:
    stats = greedy_and_sampled(stored["rows"], after, swing)
    parts = [
        f"{name} mean {stats[name]:7.1f}, swings {stats[name + '_swings']:2.0f}/{stats['pairs']:.0f}"
        for name in ("greedy", "sampled")
    ]
    return (
        f"{stored['algo']:5s} {stored['env']} seed {stored['seed']:3d} (after {after} steps): {'; '.join(parts)}; "
        f"entropy {stats['entropy']:.2f}, episode length {stats['ep_len_mean']:.0f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--env", default="LunarLander-v3")
    parser.add_argument("--algos", nargs="+", choices=sorted(ALGOS), default=["tnpg", "trpo"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[7, 12])
    parser.add_argument("--timesteps", type=int, default=300_000)
    parser.add_argument("--eval-freq", type=int, default=10_000)
    parser.add_argument("--eval-episodes", type=int, default=10)
    parser.add_argument("--after", type=int, default=100_000, help="summarise the evaluations from this step on")
    parser.add_argument("--swing", type=float, default=100.0, help="a change between consecutive evaluations")
    parser.add_argument("--summary-only", action="store_true")
    args = parser.parse_args()
    th.set_num_threads(1)
    RESULTS.mkdir(parents=True, exist_ok=True)
    for algo in args.algos:
        for seed in args.seeds:
            path = RESULTS / f"{algo}_{args.env}_{seed}.json"
            if not path.exists():
                if args.summary_only:
                    continue
                stored = run(algo, args.env, seed, args.timesteps, args.eval_freq, args.eval_episodes)
                path.write_text(json.dumps(stored))
            stored = json.loads(path.read_text())
            n_envs, kwargs = zoo_block(ALGOS[algo][1], args.env)
            same_block = (stored["n_envs"], stored["kwargs"]) == (n_envs, kwargs)
            note = "" if same_block else f" [stored with another block: {stored['n_envs']} envs, {stored['kwargs']}]"
            print(summary(stored, args.after, args.swing) + note, flush=True)


if __name__ == "__main__":
    main()
