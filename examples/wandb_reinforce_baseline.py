"""
Track a ReinforceBaseline run on CartPole-v1 in Weights & Biases from plain Python (no RL-Zoo): the run's config,
SB3's TensorBoard metrics (ours included: ``train/policy_loss``, ``train/value_loss``, ``train/grad_norm``,
``rollout/discarded_steps``, ...) synced to W&B, and the trained model saved as a W&B artifact.

    pip install -e ".[wandb]"    # in a clone of sb3-pg (it is not on PyPI): git clone <repository URL> sb3-pg && cd sb3-pg
    python examples/wandb_reinforce_baseline.py [--timesteps 50000] [--seed 0] [--project sb3-pg]
    WANDB_MODE=offline python examples/wandb_reinforce_baseline.py   # no account: writes ./wandb/offline-run-*
"""

import argparse

import wandb
from stable_baselines3.common.env_util import make_vec_env
from wandb.integration.sb3 import WandbCallback

from sb3_pg import ReinforceBaseline


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--timesteps", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--project", default="sb3-pg")
    args = parser.parse_args()

    config = dict(n_episodes=4, learning_rate=5e-3, critic_learning_rate=1e-2, baseline="value")
    run = wandb.init(
        project=args.project,
        config={"algo": "ReinforceBaseline", "env": "CartPole-v1", "seed": args.seed, **config},
        sync_tensorboard=True,  # SB3 logs to TensorBoard; W&B picks the metrics up from there
    )
    env = make_vec_env("CartPole-v1", n_envs=1, seed=args.seed)
    model = ReinforceBaseline("MlpPolicy", env, seed=args.seed, tensorboard_log=f"runs/{run.id}", verbose=0, **config)
    # WandbCallback saves the model (and uploads it) and logs gradients if asked to
    model.learn(args.timesteps, callback=WandbCallback(model_save_path=f"models/{run.id}", verbose=1))
    run.finish()


if __name__ == "__main__":
    main()
