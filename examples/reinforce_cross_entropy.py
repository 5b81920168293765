"""
REINFORCE is cross-entropy with the sampled action as the label, weighted by the reward (the blog posts
"Understanding Policy Gradients" and "Understand Policy Gradient by Building Cross Entropy from Scratch").

    python examples/reinforce_cross_entropy.py [--timesteps 10000] [--seed 0] [--out docs/insight_reinforce_cross_entropy.png]

1. Per sample: -r log pi(a|s) is r times the cross-entropy of the logits with the sampled action a as label.
2. In expectation, with the reward 1[a = y] of a classification bandit, REINFORCE follows grad sum_i pi(y_i|s_i),
   the gradient of the expected accuracy: the cross-entropy gradient with sample i weighted by pi(y_i|s_i). Samples
   the classifier already gets right weigh most; a confidently wrong sample (pi(y_i|s_i) ~ 0) hardly moves it.
3. Reinforce learns a classifier on ClassificationBandit-v0 from that one bit per sample; supervised cross-entropy
   on the same network, seeing the label of every sample, is the reference. Their expected accuracy (the
   objective, mean_i pi(y_i|s_i)) is plotted against samples seen.
"""

import argparse
import itertools
from pathlib import Path

import numpy as np
import torch as th
import torch.nn.functional as F
from stable_baselines3.common.env_util import make_vec_env

import sb3_pg  # noqa: F401  (registers ClassificationBandit-v0)
from sb3_pg import Reinforce


def flat_grad(output: th.Tensor, parameters: list[th.Tensor]) -> th.Tensor:
    return th.cat([g.reshape(-1) for g in th.autograd.grad(output, parameters, retain_graph=True)])


def compare_gradients(policy: th.nn.Module, features: th.Tensor, labels: th.Tensor, when: str) -> None:
    """The exact expected REINFORCE gradient (a sum over actions, no sampling) against its cross-entropy forms."""
    parameters = policy.actor_parameters()
    log_pi = F.log_softmax(policy.action_net(policy.mlp_extractor.forward_actor(features)), dim=1)
    pi = log_pi.exp()
    expected_reinforce = flat_grad((pi.detach() * F.one_hot(labels, pi.shape[1]) * log_pi).sum(), parameters)
    accuracy_gradient = flat_grad(pi.gather(1, labels[:, None]).sum(), parameters)
    weights = pi.gather(1, labels[:, None]).flatten().detach()
    weighted_ce = flat_grad(-(weights * F.nll_loss(log_pi, labels, reduction="none")).sum(), parameters)
    plain_ce = flat_grad(-F.nll_loss(log_pi, labels, reduction="sum"), parameters)
    print(
        f"2. {when}: expected REINFORCE gradient vs grad sum_i pi(y_i|s_i): max difference "
        f"{(expected_reinforce - accuracy_gradient).abs().max():.2e}; vs the cross-entropy gradient weighted by "
        f"pi(y_i|s_i): {(weighted_ce - accuracy_gradient).abs().max():.2e}; cosine with the plain cross-entropy "
        f"gradient: {F.cosine_similarity(plain_ce, accuracy_gradient, dim=0):.4f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--timesteps", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="docs/insight_reinforce_cross_entropy.png")
    args = parser.parse_args()
    th.manual_seed(args.seed)

    env = make_vec_env("ClassificationBandit-v0", n_envs=8, seed=args.seed)
    bandit = env.envs[0].unwrapped
    features, labels = th.as_tensor(bandit.features), th.as_tensor(bandit.labels)
    model = Reinforce("MlpPolicy", env, n_episodes=32, learning_rate=3e-3, seed=args.seed)
    policy = model.policy

    # 1. The per-sample identity
    logits = policy.action_net(policy.mlp_extractor.forward_actor(features))
    actions = th.multinomial(F.softmax(logits, dim=1), 1).flatten()
    rewards = (actions == labels).float()
    reinforce_loss = -rewards * F.log_softmax(logits, dim=1).gather(1, actions[:, None]).flatten()
    cross_entropy = rewards * F.cross_entropy(logits, actions, reduction="none")
    print(
        "1. max |REINFORCE loss - reward x cross-entropy(sampled action)| = "
        f"{(reinforce_loss - cross_entropy).abs().max():.2e}"
    )

    # 2. The expected gradient, exactly, at initialisation (a uniform policy: every weight is 1/n_classes)
    compare_gradients(policy, features, labels, "at initialisation")

    # 3. Learning: Reinforce from rewards vs supervised cross-entropy from labels, same network, same samples seen
    def expected_accuracy(actor: th.nn.Module) -> float:
        # The objective both optimise: E[reward] = mean_i pi(y_i|s_i), the accuracy of the stochastic classifier
        with th.no_grad():
            probabilities = F.softmax(actor.action_net(actor.mlp_extractor.forward_actor(features)), dim=1)
        return float(probabilities.gather(1, labels[:, None]).mean())

    reinforce_curve, checkpoints = [], np.linspace(0, args.timesteps, 41).astype(int)
    for start, end in itertools.pairwise(checkpoints):
        reinforce_curve.append(expected_accuracy(policy))
        model.learn(int(end - start), reset_num_timesteps=False)
    reinforce_curve.append(expected_accuracy(policy))

    supervised = Reinforce("MlpPolicy", env, seed=args.seed).policy  # a fresh copy of the same network
    optimizer = th.optim.Adam(supervised.actor_parameters(), lr=3e-3)
    supervised_curve, seen, batch = [], 0, 32
    generator = th.Generator().manual_seed(args.seed)
    for end in checkpoints:
        while seen < end:
            index = th.randint(len(labels), (batch,), generator=generator)
            loss = F.cross_entropy(
                supervised.action_net(supervised.mlp_extractor.forward_actor(features[index])), labels[index]
            )
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            seen += batch
        supervised_curve.append(expected_accuracy(supervised))
    compare_gradients(policy, features, labels, "after training")
    ceiling = bandit.nearest_centre_accuracy()
    predictions = th.as_tensor(model.predict(bandit.features, deterministic=True)[0])
    print(
        f"3. expected accuracy mean_i pi(y_i|s_i) after {args.timesteps} samples: Reinforce {reinforce_curve[-1]:.3f}, "
        f"supervised cross-entropy {supervised_curve[-1]:.3f}; accuracy of Reinforce's greedy classifier "
        f"{(predictions == labels).float().mean():.3f}, of the nearest-centre (Bayes) rule {ceiling:.3f}"
    )

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    axes[0].plot(checkpoints, reinforce_curve, label="Reinforce (reward 1[a = y])")
    axes[0].plot(checkpoints, supervised_curve, label="supervised cross-entropy (label y)")
    axes[0].axhline(ceiling, color="gray", linestyle="--", label="nearest-centre (Bayes) rule")
    axes[0].set_xlabel("samples seen")
    axes[0].set_ylabel("expected accuracy, mean_i pi(y_i|s_i)")
    axes[0].set_title("ClassificationBandit-v0: learning from a reward vs from labels")
    axes[0].legend()
    with th.no_grad():
        probabilities = F.softmax(policy.action_net(policy.mlp_extractor.forward_actor(features)), dim=1)
    axes[1].scatter(*bandit.features.T, c=probabilities.gather(1, labels[:, None]).flatten(), cmap="viridis", s=12)
    axes[1].set_title("after training: pi(y_i|s_i), the weight of sample i\nin REINFORCE's expected gradient")
    fig.colorbar(axes[1].collections[0], ax=axes[1])
    fig.tight_layout()
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(args.out, dpi=110)
    print(f"plot: {args.out}")


if __name__ == "__main__":
    main()
