"""How well TNPG's critic predicts each new batch, for two critic settings on the same env: the explained variance of
the rollout's returns by V(s) computed before the update (``train/explained_variance``, 1 = perfect, 0 = no better
than a constant), which is the V that GAE turns into advantages; and, as a check on the actor's side, the KL that each
natural step actually took (``train/kl_divergence``) relative to ``target_kl``; and the mean episode length of the
rollouts (``rollout/ep_len_mean``) at the first, middle and last update.

    python benchmarks/critic_fit.py --env LunarLander-v3 --seeds 0 1   # needs box2d and pygame
    python benchmarks/critic_fit.py --seeds 1 10 --timesteps 300000 --critics shipped

Both settings run the env's block of ``zoo_configs/tnpg.yml`` (its envs, ``n_steps`` and natural-step settings; a
block with ``normalize`` is refused: VecNormalize is not applied here); only the critic's Adam learning rate and
epochs differ: RL-Zoo's (1e-3, 15) and the shipped LunarLander-v3 ones (3e-3, 30).
"""

import argparse
import inspect
import statistics
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
import torch as th
from common import zoo_block, zoo_schedules
from stable_baselines3.common.env_util import make_vec_env
from stable_baselines3.common.logger import configure

from sb3_pg import TNPG

CONFIG = Path(__file__).resolve().parent.parent / "zoo_configs" / "tnpg.yml"
# Keys of a zoo block that are not TNPG's natural-step settings (the critic's two are set by CRITICS)
NOT_SETTINGS = {"learning_rate", "n_critic_updates"}
CRITICS = {
    "rl-zoo": ("rl-zoo (1e-3 x 15)", dict(learning_rate=1e-3, n_critic_updates=15)),
    "shipped": ("shipped (3e-3 x 30)", dict(learning_rate=3e-3, n_critic_updates=30)),
}


def zoo_settings(env_id: str) -> tuple[int, dict[str, Any]]:
    """The number of envs and TNPG's keyword arguments of the env's block in zoo_configs/tnpg.yml (schedules read)."""
    n_envs, block = zoo_block(CONFIG, env_id)
    settings = {key: value for key, value in block.items() if key not in NOT_SETTINGS}
    settings.setdefault("target_kl", inspect.signature(TNPG).parameters["target_kl"].default)
    return n_envs, zoo_schedules(settings)


def critic_fit(env_id: str, seed: int, critic: dict[str, Any], timesteps: int) -> dict[str, list[float]]:
    """Explained variance, measured KL and mean episode length of every update of one run."""
    n_envs, settings = zoo_settings(env_id)
    model = TNPG("MlpPolicy", make_vec_env(env_id, n_envs=n_envs, seed=seed), seed=seed, **settings, **critic)
    with tempfile.TemporaryDirectory() as folder:
        model.set_logger(configure(folder, ["csv"]))
        model.learn(timesteps, log_interval=1)
        progress = pd.read_csv(f"{folder}/progress.csv")
    updates = progress[progress["train/kl_divergence"].notna()]
    keys = ["train/explained_variance", "train/kl_divergence", "rollout/ep_len_mean", "train/target_kl"]
    return {key: updates[key].tolist() for key in keys}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--env", default="LunarLander-v3", help="env id with a block in zoo_configs/tnpg.yml")
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1])
    parser.add_argument("--timesteps", type=int, default=200_000)
    parser.add_argument("--critics", nargs="+", choices=sorted(CRITICS), default=["rl-zoo", "shipped"])
    args = parser.parse_args()
    try:
        zoo_settings(args.env)
    except ValueError as error:
        parser.error(f"--env {args.env}: {error}")
    th.set_num_threads(1)
    for critic_name in args.critics:
        name, critic = CRITICS[critic_name]
        for seed in args.seeds:
            logged = critic_fit(args.env, seed, critic, args.timesteps)
            values = logged["train/explained_variance"]
            half = len(values) // 2
            kl_ratios = [kl / target for kl, target in zip(logged["train/kl_divergence"], logged["train/target_kl"])]
            lengths = logged["rollout/ep_len_mean"]
            print(
                f"{name}, seed {seed}: explained variance median {statistics.median(values):.2f} "
                f"(first half {statistics.median(values[:half]):.2f}, second half {statistics.median(values[half:]):.2f}, "
                f"{len(values)} updates); KL / target_kl median {statistics.median(kl_ratios):.2f}, "
                f"max {max(kl_ratios):.2f}, above 1.5 in {sum(ratio > 1.5 for ratio in kl_ratios)} updates; "
                f"episode length {lengths[0]:.0f}, {lengths[half]:.0f}, {lengths[-1]:.0f} (first, middle, last update)",
                flush=True,
            )


if __name__ == "__main__":
    main()
