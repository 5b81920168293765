"""``python -m sb3_pg.analysis COMMAND ...``: the analyses of policy-gradient estimators (``variance``)."""

import sys

COMMANDS = {
    "variance": "how noisy each policy-gradient estimator is on one fixed policy (episode return, reward-to-go,\n"
    "            the baselines, TD error, GAE), and whether the unbiased ones share reward-to-go's mean",
}
USAGE = f"usage: python -m sb3_pg.analysis {{{','.join(COMMANDS)}}} [options]   (--help after a command lists its options)"
HELP = f"""{USAGE}

Analyses of the policy-gradient estimators behind sb3-pg's algorithms, measured on one policy: a fresh one, or a
model saved by model.save (ours, SB3's A2C and PPO, sb3-contrib's TRPO).

commands:
{chr(10).join(f"  {name:<10}{summary}" for name, summary in COMMANDS.items())}

examples:
  python -m sb3_pg.analysis variance --env CartPole-v1
  python -m sb3_pg.analysis variance --env CartPole-v1 --algo reinforce_baseline --checkpoint model.zip \\
      --json variance.json --plot variance.png
  python -m sb3_pg.analysis variance --help

The variance command prints a table (batch variance of each estimator, its ratio to reward-to-go's, signal-to-noise
ratio, distance of its mean from reward-to-go's and the p-value of equal means) and the theory's claims with whether
the measurement agrees; it writes the JSON (--json) before the plot (--plot), and shows its progress on stderr.
"""


def main(argv: list[str] | None = None) -> int:
    """
    Run one analysis.

    :param argv: command line without the program name (default: ``sys.argv[1:]``)
    :return: the exit status: 2 for a missing or unknown command, else the command's
    """
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in ("-h", "--help"):
        print(HELP)
        return 0
    if not argv or argv[0] not in COMMANDS:
        print(USAGE, file=sys.stderr)
        problem = f"unknown command {argv[0]!r}" if argv else "no command given"
        print(f"python -m sb3_pg.analysis: error: {problem}; choose from: {', '.join(COMMANDS)}", file=sys.stderr)
        return 2
    from sb3_pg.analysis.variance import main as variance_main

    return variance_main(argv[1:])


if __name__ == "__main__":
    sys.exit(main())
