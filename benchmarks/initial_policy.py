"""How often an untrained policy reaches Acrobot-v1's goal, for two initialisations of ReinforceBaseline's policy.

REINFORCE learns on Acrobot only from episodes that reach the goal: a failed episode returns -1 at every one of its
500 steps, so a batch of failures carries no signal about the actions. Before the first update the policy is
whatever the initialisation made it. SB3's default (``ortho_init=True``) gives the action layer orthogonal weights
with gain 0.01: the logits are near zero everywhere and the policy is uniform, like ``action_space.sample()``.
With ``ortho_init=False`` every layer keeps PyTorch's default initialisation: the logits differ from state to state,
so the initial policy is random but state-dependent. This script measures, per initialisation and seed, the fraction
of episodes of the untrained stochastic policy (and of its greedy, deterministic version) that reach the goal within
the 500 steps, and the entropy of its action distribution on the visited states.

    python benchmarks/initial_policy.py --seeds 0 1 2 3 4 5 6 7 8 9 --episodes 20

Stored in ``benchmarks/results/initial_policy_Acrobot-v1.json``.
"""

import argparse
import json
import statistics
from pathlib import Path

import numpy as np
import torch as th
from stable_baselines3.common.env_util import make_vec_env

from sb3_pg import ReinforceBaseline

INITS = {"ortho_init=True (default)": True, "ortho_init=False": False}


def rollouts(model: ReinforceBaseline, seed: int, episodes: int, deterministic: bool) -> tuple[float, float]:
    """Fraction of ``episodes`` that reach the goal, and the mean entropy of pi(.|s) over the visited states."""
    env = make_vec_env("Acrobot-v1", n_envs=1, seed=seed + 1000)
    successes, entropies = 0, []
    for _ in range(episodes):
        obs, done, length = env.reset(), False, 0
        while not done:
            obs_tensor, _ = model.policy.obs_to_tensor(obs)
            with th.no_grad():
                entropies.append(float(model.policy.get_distribution(obs_tensor).entropy().mean()))
            action, _ = model.predict(obs, deterministic=deterministic)
            obs, _, dones, infos = env.step(action)
            done, length = bool(dones[0]), length + 1
        successes += int(not infos[0].get("TimeLimit.truncated", False))
    return successes / episodes, float(np.mean(entropies))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, nargs="+", default=list(range(10)))
    parser.add_argument("--episodes", type=int, default=20)
    parser.add_argument("--out", default="benchmarks/results/initial_policy_Acrobot-v1.json")
    args = parser.parse_args()
    th.set_num_threads(1)

    results: dict[str, dict] = {}
    for name, ortho in INITS.items():
        per_seed = []
        for seed in args.seeds:
            model = ReinforceBaseline("MlpPolicy", "Acrobot-v1", seed=seed, policy_kwargs=dict(ortho_init=ortho))
            stochastic, entropy = rollouts(model, seed, args.episodes, deterministic=False)
            greedy, _ = rollouts(model, seed, args.episodes, deterministic=True)
            per_seed.append({"seed": seed, "success_stochastic": stochastic, "success_greedy": greedy, "entropy": entropy})
            print(f"{name}, seed {seed}: success {stochastic:.2f} (greedy {greedy:.2f}), entropy {entropy:.3f}")
        results[name] = {
            "per_seed": per_seed,
            "mean_success_stochastic": statistics.mean(run["success_stochastic"] for run in per_seed),
            "mean_success_greedy": statistics.mean(run["success_greedy"] for run in per_seed),
            "mean_entropy": statistics.mean(run["entropy"] for run in per_seed),
        }
    stored = {
        "command": "python benchmarks/initial_policy.py "
        + " ".join(["--seeds", *map(str, args.seeds), "--episodes", str(args.episodes)]),
        "max_entropy": float(np.log(3)),
        "inits": results,
    }
    Path(args.out).write_text(json.dumps(stored, indent=1) + "\n")
    for name, result in results.items():
        print(f"{name}: stochastic {result['mean_success_stochastic']:.3f}, greedy {result['mean_success_greedy']:.3f}")


if __name__ == "__main__":
    main()
