"""``python -m sb3_pg.analysis COMMAND ...``: the analyses (``variance``)."""

import sys

COMMANDS = ("variance",)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] not in COMMANDS:
        print(
            f"usage: python -m sb3_pg.analysis {{{','.join(COMMANDS)}}} [options]   (--help after a command)", file=sys.stderr
        )
        return 2
    from sb3_pg.analysis.variance import main as variance_main

    return variance_main(argv[1:])


if __name__ == "__main__":
    sys.exit(main())
