"""
A gradient from function values alone: the score-function estimator (the "fun fact" among the hints of
"Understanding Policy Gradients").

    python examples/score_function_estimator.py [--seed 0] [--out docs/insight_score_function.png]

With x ~ N(x0, sigma^2), (x - x0) f(x) / sigma^2 is an unbiased estimate of d/dx0 E[f(x0 + sigma eps)], the slope of
the Gaussian-smoothed f: exactly f'(x0) for a quadratic f, close to it for a small sigma, and an estimate even from
one sample. Subtracting a constant c from f keeps it unbiased (E[x - x0] = 0) but changes its variance, a parabola
in c: when f(x0) is far from 0 the plain estimator is very noisy, and the best constant (about f(x0)) is a baseline.
REINFORCE is this estimator with pi(a|s) in place of the Gaussian and the return in place of f.
"""

import argparse
from pathlib import Path

import numpy as np

from sb3_pg.analysis.insights import score_function_samples, smoothed_derivative, variance_minimising_constant


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="docs/insight_score_function.png")
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)

    def quadratic(x):
        return 10.0 + (x - 1.0) ** 2

    x0, sigma = 0.5, 0.5
    exact = 2 * (x0 - 1.0)
    one_sample = score_function_samples(quadratic, x0, sigma, 20_000, rng=rng)
    running_mean = np.cumsum(one_sample) / np.arange(1, len(one_sample) + 1)
    print(f"f(x) = 10 + (x - 1)^2 at x0 = {x0}, sigma = {sigma}: f'(x0) = {exact}")
    standard_error = one_sample.std() / np.sqrt(len(one_sample))
    print(f"  mean of {len(one_sample)} one-sample estimates: {one_sample.mean():.3f} +- {standard_error:.3f}")
    for sigma_sin in (0.1, 1.0):
        samples = score_function_samples(np.sin, x0, sigma_sin, 200_000, rng=rng)
        print(
            f"f = sin, sigma = {sigma_sin}: estimator mean {samples.mean():.3f}, smoothed slope "
            f"{smoothed_derivative(np.sin, x0, sigma_sin):.3f}, f'(x0) = cos(x0) = {np.cos(x0):.3f}"
        )

    best = variance_minimising_constant(quadratic, x0, sigma)
    constants = np.linspace(-5, 25, 31)
    variances, means = [], []
    for constant in constants:
        samples = score_function_samples(quadratic, x0, sigma, 50_000, baseline=constant, rng=rng)
        variances.append(samples.var())
        means.append(samples.mean())
    print(f"variance-minimising constant c* = {best:.3f} (f(x0) = {quadratic(x0):.3f})")
    for constant in (0.0, round(best, 2)):
        samples = score_function_samples(quadratic, x0, sigma, 200_000, baseline=constant, rng=rng)
        print(f"  c = {constant:6.2f}: mean {samples.mean():.3f}, variance {samples.var():.3f}")

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
    axes[0].plot(np.arange(1, len(running_mean) + 1), running_mean, label="mean of the first n one-sample estimates")
    axes[0].axhline(exact, color="black", linestyle="--", label="f'(x0)")
    axes[0].set_xscale("log")
    axes[0].set_ylim(exact - 3, exact + 3)
    axes[0].set_xlabel("n samples")
    axes[0].set_title("(x - x0) f(x) / sigma^2 is unbiased, one sample at a time")
    axes[0].legend()
    axes[1].plot(constants, variances, "o-", label="variance (measured)")
    axes[1].axvline(best, color="black", linestyle="--", label=f"c* = {best:.2f}")
    axes[1].set_yscale("log")
    axes[1].set_xlabel("constant c subtracted from f")
    axes[1].set_title("same mean for every c, variance a parabola in c")
    twin = axes[1].twinx()
    twin.plot(constants, means, color="tab:orange", alpha=0.6, label="mean (measured)")
    twin.set_ylim(exact - 2, exact + 2)
    axes[1].legend(loc="upper left")
    twin.legend(loc="upper right")
    fig.tight_layout()
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(args.out, dpi=110)
    print(f"plot: {args.out}")


if __name__ == "__main__":
    main()
