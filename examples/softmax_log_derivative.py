"""
Why grad log pi does not favour unlikely actions: the 1/pi factor cancels the softmax Jacobian's pi (the Q&A thread
asking why a sampled action's gradient seems to strengthen the other actions).

    python examples/softmax_log_derivative.py [--out docs/insight_softmax_log_derivative.png]

With pi = softmax(z) = [0.5, 0.1, 0.1, 0.1, 0.1, 0.1], 1/pi = [2, 10, 10, 10, 10, 10] looks as if it boosted the
unlikely actions. But grad_z pi_a = pi_a (onehot(a) - pi) carries pi_a in front, and the two cancel:
grad_z log pi_a = onehot(a) - pi. A reward of 50 after action 0 moves the logits by 50 * (onehot(0) - pi), which
raises pi_0 and lowers every other action.
"""

import argparse
from pathlib import Path

import torch as th
import torch.nn.functional as F

from sb3_pg.analysis.insights import softmax_log_derivative


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="docs/insight_softmax_log_derivative.png")
    args = parser.parse_args()
    th.set_printoptions(precision=3, sci_mode=False)

    pi = th.tensor([0.5, 0.1, 0.1, 0.1, 0.1, 0.1], dtype=th.float64)
    logits = pi.log()
    softmax_jacobian = th.autograd.functional.jacobian(lambda z: F.softmax(z, dim=0), logits)  # [a, i] = d pi_a / d z_i
    print("pi =", pi)
    print("1 / pi =", 1 / pi)
    print("softmax Jacobian d pi_a / d z_i = pi_a (delta_ai - pi_i), row a:\n", softmax_jacobian)
    log_derivative = softmax_log_derivative(logits)  # [i, a] = d log pi_a / d z_i
    print("d log pi_a / d z_i (column a = onehot(a) - pi), as in the Q&A thread's answer:\n", log_derivative)
    assert th.allclose(log_derivative, th.eye(6, dtype=th.float64) - pi[:, None])

    step_size, reward = 0.01, 50.0
    new_pi = F.softmax(logits + step_size * reward * log_derivative[:, 0], dim=0)
    print(f"after action 0 and a reward of {reward:g} (step {step_size:g}): pi = {new_pi}")
    # Only the chosen action's 1/pi enters: (1 / pi_0) * grad pi_0 is the same step
    assert th.allclose(softmax_jacobian[0] / pi[0], log_derivative[:, 0])

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    image = axes[0].imshow(log_derivative.numpy(), cmap="coolwarm", vmin=-1, vmax=1)
    for i in range(6):
        for a in range(6):
            axes[0].text(a, i, f"{log_derivative[i, a]:.1f}", ha="center", va="center", fontsize=8)
    axes[0].set_xlabel("action a")
    axes[0].set_ylabel("logit z_i")
    axes[0].set_title("d log pi_a / d z_i = onehot(a) - pi")
    fig.colorbar(image, ax=axes[0])
    positions = th.arange(6)
    axes[1].bar(positions - 0.2, pi.numpy(), width=0.4, label="pi before")
    axes[1].bar(positions + 0.2, new_pi.numpy(), width=0.4, label="after action 0, reward 50")
    axes[1].set_xlabel("action")
    axes[1].set_title("one REINFORCE step on the logits")
    axes[1].legend()
    fig.tight_layout()
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(args.out, dpi=110)
    print(f"plot: {args.out}")


if __name__ == "__main__":
    main()
