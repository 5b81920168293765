"""
REINFORCE with a learned value baseline on a continuous-action task: Pendulum-v1 (Gaussian policy).

    python examples/reinforce_baseline_pendulum.py [--timesteps 300000] [--seed 0]

What it shows: continuous actions (a diagonal Gaussian policy), the learned value baseline and the logged metrics
(``train/explained_variance``, ``train/value_loss``, ...). What it does not: solve Pendulum (-200). Its episodes are
200 steps of dense, negative reward, and REINFORCE's Monte-Carlo returns are too noisy for 300k steps: on seeds 1-3,
not used to choose these settings, the evaluation improves only a little over the random policy's (about -1230),
ending at -1145, -1144 and -1124; six variants (more updates, gamma 0.9, normalised advantages, VecNormalize, the
MuJoCo settings) did no better. The runs and the command are in docs/reinforce.md ("ReinforceBaseline on
Pendulum-v1"). TNPG (``python -m sb3_pg.zoo train --algo tnpg --env Pendulum-v1``) is the tool for Pendulum.
"""

import argparse

import torch as th
from stable_baselines3.common.env_util import make_vec_env
from stable_baselines3.common.evaluation import evaluate_policy

from sb3_pg import ReinforceBaseline


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--timesteps", type=int, default=300_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    env = make_vec_env("Pendulum-v1", n_envs=4, seed=args.seed)
    model = ReinforceBaseline(
        "MlpPolicy",
        env,
        n_episodes=8,
        gamma=0.95,
        baseline="value",
        learning_rate=1e-3,
        critic_learning_rate=3e-3,
        n_critic_updates=10,
        discount_gradient=False,
        policy_kwargs=dict(net_arch=dict(pi=[64, 64], vf=[64, 64]), log_std_init=-0.5, activation_fn=th.nn.Tanh),
        seed=args.seed,
        verbose=1,
    )
    model.learn(args.timesteps, log_interval=10)
    mean_reward, std_reward = evaluate_policy(model, make_vec_env("Pendulum-v1", seed=args.seed + 1000), n_eval_episodes=10)
    print(f"Trained for {model.num_timesteps} steps: evaluation {mean_reward:.1f} +/- {std_reward:.1f}")
    model.save("reinforce_baseline_pendulum")


if __name__ == "__main__":
    main()
