"""
Train vanilla REINFORCE on CartPole-v1, evaluate it, save it and load it back.

    python examples/reinforce_cartpole.py [--timesteps 100000] [--seed 0]
"""

import argparse

from stable_baselines3.common.callbacks import EvalCallback, StopTrainingOnRewardThreshold
from stable_baselines3.common.env_util import make_vec_env
from stable_baselines3.common.evaluation import evaluate_policy

from sb3_pg import Reinforce


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--timesteps", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--path", default="reinforce_cartpole")
    args = parser.parse_args()

    env = make_vec_env("CartPole-v1", n_envs=1, seed=args.seed)
    # Four complete episodes per update, reward-to-go returns, Adam
    model = Reinforce("MlpPolicy", env, n_episodes=4, learning_rate=5e-3, gamma=0.99, seed=args.seed, verbose=0)

    # Stop once the greedy policy scores 475 on average over 10 evaluation episodes
    eval_env = make_vec_env("CartPole-v1", n_envs=1, seed=args.seed + 1000)
    stop = StopTrainingOnRewardThreshold(reward_threshold=475, verbose=1)
    eval_callback = EvalCallback(eval_env, callback_on_new_best=stop, eval_freq=5_000, n_eval_episodes=10, verbose=1)
    model.learn(args.timesteps, callback=eval_callback, progress_bar=False)

    mean_reward, std_reward = evaluate_policy(model, eval_env, n_eval_episodes=20)
    print(f"Trained for {model.num_timesteps} steps: evaluation {mean_reward:.1f} +/- {std_reward:.1f}")

    model.save(args.path)
    loaded = Reinforce.load(args.path)
    mean_reward, std_reward = evaluate_policy(loaded, eval_env, n_eval_episodes=20)
    print(f"Loaded from {args.path}.zip: evaluation {mean_reward:.1f} +/- {std_reward:.1f}")


if __name__ == "__main__":
    main()
