"""
One-off migration of the runs stored before ``run_zoo.py`` recorded the hyperparameters a run trained with: each
such run gets its ``hyperparams`` back, as RL-Zoo's ``config.yml`` would hold them (the config block, updated with
the ``-params`` of the run's command), without training anything again.

The block is the one in force when the run was stored: for our algorithms ``zoo_configs/<algo>.yml`` at the commit
that last wrote the run's file, for RL-Zoo's the block the run stored (``config``, MuJoCo) or RL-Zoo's own. Where that
commit also changed the block, the run was trained with one of two blocks (the commit's or its parent's); after the
``-params`` overrides most pairs agree. Where they do not, the budget decides when it differs (the curve's last
evaluation, with no ``-n``, lies within one evaluation period of ``n_timesteps``), then ``DECIDED`` (read from the
runs' names and commit messages), then the parent: those runs were tuning runs stored with the change they led to.
Each migrated run records how in ``hyperparams_source``.

    python benchmarks/migrate_runs.py            # migrate benchmarks/results/zoo in place
    python benchmarks/migrate_runs.py --check    # exit 1 if a run still has no hyperparams
"""

import argparse
import functools
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
# (run name, commit prefix) -> "commit" or "parent", where the budget does not decide
DECIDED = {
    # The tag names AMSGrad, which only the commit's block has (the run passed no policy_kwargs)
    ("td_actor_critic-heldout-amsgrad", "468a61b"): "commit",
}


def git(*args: str) -> str:
    return subprocess.run(["git", *args], capture_output=True, text=True, check=True, cwd=ROOT).stdout


def last_commits(folder: str) -> dict[str, str]:
    """The commit that last wrote each file of ``folder`` (its name -> commit)."""
    commits: dict[str, str] = {}
    commit = ""
    for line in git("log", "--no-renames", "--diff-filter=AM", "--name-only", "--format=C %H", "--", folder).splitlines():
        if line.startswith("C "):
            commit = line[2:]
        elif line.strip():
            commits.setdefault(Path(line).name, commit)  # newest first
    return commits


@functools.cache
def block_at(commit: str, algo: str, env_id: str) -> dict[str, Any] | None:
    """Our config block of ``algo`` for ``env_id`` at ``commit`` (RL-Zoo's ``default:`` where there is none)."""
    try:
        config = yaml.safe_load(git("show", f"{commit}:zoo_configs/{algo}.yml"))
    except subprocess.CalledProcessError:
        return None
    block = config.get(env_id, config.get("default"))
    return dict(block) if block is not None else None


def zoo_block(run: dict) -> dict[str, Any]:
    """The block of one of RL-Zoo's algorithms that a run trained with: the one it stored, else RL-Zoo's own."""
    if "config" in run:
        return dict(yaml.safe_load(run["config"])[run["env"]])
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from run_zoo import config_block

    return config_block(run["algo"], run["env"])


def command_params(command: list[str]) -> dict[str, Any]:
    """The ``-params`` of a stored command, read as RL-Zoo reads them (``key:value``, the value evaluated)."""
    import rl_zoo3.utils

    if "-params" not in command:
        return {}
    params = {}
    for item in command[command.index("-params") + 1 :]:
        key, value = item.split(":", 1)
        params[key] = eval(value, vars(rl_zoo3.utils))  # as rl_zoo3.utils.StoreDict
    return params


def budget_fits(run: dict, hyperparams: dict[str, Any]) -> bool:
    """Whether the run's curve ends where ``hyperparams`` would end it (always, when the command sets ``-n``)."""
    command = run["command"]
    if "-n" in command:
        return True
    eval_freq = int(command[command.index("--eval-freq") + 1]) if "--eval-freq" in command else 10_000
    n_timesteps = float(hyperparams.get("n_timesteps", 0))
    return n_timesteps - eval_freq < run["curve"][-1][0] <= n_timesteps + eval_freq


def recover(name: str, run: dict, commit: str) -> tuple[dict[str, Any], str]:
    """
    The hyperparameters a stored run trained with, and how they were found.

    :param name: the run's name (``<algo>[-<tag>]``)
    :param run: the stored run
    :param commit: the commit that last wrote its file
    """
    from sb3_pg import ALGOS

    params = command_params(run["command"])
    if run["algo"] not in ALGOS:
        source = "the block the run stored" if "config" in run else "RL-Zoo's block"
        return sorted_dict({**zoo_block(run), **params}), f"{source} with the run's -params"
    candidates = {}
    for which, at in (("commit", commit), ("parent", f"{commit}^")):
        block = block_at(at, run["algo"], run["env"])
        if block is not None:
            candidates[which] = sorted_dict({**block, **params})
    if len(candidates) == 1 or candidates["commit"] == candidates["parent"]:
        which = next(iter(candidates))
        how = "the block"
    else:
        fitting = [which for which, hyperparams in candidates.items() if budget_fits(run, hyperparams)]
        decided = DECIDED.get((name, commit[:7]))
        if len(fitting) == 1:
            which, how = fitting[0], "the block whose n_timesteps the curve's end matches"
        elif decided:
            which, how = decided, "the block named by the run's tag"
        else:
            which, how = "parent", "the block before the change it was stored with"
    at = commit if which == "commit" else f"{commit}^"
    return candidates[which], f"{how}: zoo_configs/{run['algo']}.yml at {at[:7] + at[40:]}, with the run's -params"


def sorted_dict(values: dict[str, Any]) -> dict[str, Any]:
    return {key: values[key] for key in sorted(values)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs-dir", default="benchmarks/results/zoo")
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if a run has no hyperparams")
    args = parser.parse_args(argv)
    folder = ROOT / args.runs_dir
    commits = last_commits(args.runs_dir)
    missing = []
    for path in sorted(folder.glob("*.json")):
        run = json.loads(path.read_text())
        if "hyperparams" in run:
            continue
        missing.append(path.name)
        if args.check or path.name not in commits:
            continue
        name = path.name[: -len(f"_{run['env']}_{run['seed']}.json")]
        hyperparams, source = recover(name, run, commits[path.name])
        path.write_text(json.dumps({**run, "hyperparams": hyperparams, "hyperparams_source": source}))
    if args.check and missing:
        print(f"{len(missing)} run(s) without hyperparams: {', '.join(missing)}", file=sys.stderr)
        return 1
    print(f"{len(missing)} run(s) {'without hyperparams' if args.check else 'migrated'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
