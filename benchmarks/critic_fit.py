"""How well TNPG's critic predicts each new batch, for two critic settings on the same env: the explained variance of
the rollout's returns by V(s) computed before the update (``train/explained_variance``, 1 = perfect, 0 = no better
than a constant), which is the V that GAE turns into advantages; and, as a check on the actor's side, the KL that each
natural step actually took (``train/kl_divergence``) relative to ``target_kl``.

    python benchmarks/critic_fit.py --env LunarLander-v3 --seeds 0 1   # needs box2d and pygame

Both settings share RL-Zoo's TRPO settings for LunarLander-v3 (``zoo_configs/tnpg.yml``); only the critic's Adam
learning rate and epochs differ: RL-Zoo's (1e-3, 15) and the shipped ones (3e-3, 30).
"""

import argparse
import statistics
import tempfile
from typing import Any

import pandas as pd
import torch as th
from stable_baselines3.common.env_util import make_vec_env
from stable_baselines3.common.logger import configure

from sb3_pg import TNPG

SETTINGS = dict(target_kl=0.01, n_steps=512, cg_damping=0.01, gae_lambda=0.98, gamma=0.99)
CRITICS = {
    "rl-zoo (1e-3 x 15)": dict(learning_rate=1e-3, n_critic_updates=15),
    "shipped (3e-3 x 30)": dict(learning_rate=3e-3, n_critic_updates=30),
}


def critic_fit(env_id: str, seed: int, critic: dict[str, Any], timesteps: int) -> dict[str, list[float]]:
    """Explained variance and measured KL of every update of one run."""
    model = TNPG("MlpPolicy", make_vec_env(env_id, n_envs=2, seed=seed), seed=seed, **SETTINGS, **critic)
    with tempfile.TemporaryDirectory() as folder:
        model.set_logger(configure(folder, ["csv"]))
        model.learn(timesteps, log_interval=1)
        progress = pd.read_csv(f"{folder}/progress.csv")
    keys = ["train/explained_variance", "train/kl_divergence"]
    return {key: progress[key].dropna().tolist() for key in keys}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--env", default="LunarLander-v3", help="env id (the settings are those of LunarLander-v3)")
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1])
    parser.add_argument("--timesteps", type=int, default=200_000)
    args = parser.parse_args()
    th.set_num_threads(1)
    for name, critic in CRITICS.items():
        for seed in args.seeds:
            logged = critic_fit(args.env, seed, critic, args.timesteps)
            values = logged["train/explained_variance"]
            half = len(values) // 2
            kl_ratios = [kl / SETTINGS["target_kl"] for kl in logged["train/kl_divergence"]]
            print(
                f"{name}, seed {seed}: explained variance median {statistics.median(values):.2f} "
                f"(first half {statistics.median(values[:half]):.2f}, second half {statistics.median(values[half:]):.2f}, "
                f"{len(values)} updates); KL / target_kl median {statistics.median(kl_ratios):.2f}, "
                f"max {max(kl_ratios):.2f}, above 1.5 in {sum(ratio > 1.5 for ratio in kl_ratios)} updates",
                flush=True,
            )


if __name__ == "__main__":
    main()
