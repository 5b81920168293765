"""``python -m sb3_pg.analysis COMMAND ...``: the analyses (``variance``)."""

import sys

COMMANDS = ("variance",)
USAGE = f"usage: python -m sb3_pg.analysis {{{','.join(COMMANDS)}}} [options]   (--help after a command)"


def main(argv: list[str] | None = None) -> int:
    """
    Run one analysis.

    :param argv: command line without the program name (default: ``sys.argv[1:]``)
    :return: the exit status: 2 for a missing or unknown command, else the command's
    """
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in ("-h", "--help"):
        print(USAGE)
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
