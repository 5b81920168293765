"""
Training throughput of each of our algorithms against its SB3 / sb3-contrib counterpart on the same env, measured in
one run: env steps per second of the whole ``learn()`` (no evaluation) and the mean wall time of one ``train()``
call (one update), with the collection-only rate (policy inference and env stepping, no learning) as the ceiling of
any on-policy learner. Runs are interleaved and repeated; the medians and the ratios to the counterpart are reported.

Settings from the command line (``--n-envs``, ``--n-steps``):

``--pair reinforce`` (default): Reinforce and ReinforceBaseline against A2C with gae_lambda=1. A2C takes one update
per ``n_steps`` x ``n_envs`` steps (Monte-Carlo advantages bootstrapped at the batch edge); ours take one per batch
of complete episodes of at least as many steps (``n_steps`` mode). Every env step counts, including the steps ours
discard at batch ends.
``--pair td_actor_critic``: TDActorCritic against A2C, both with ``n_steps`` steps per env and update (default 1).
``--pair tnpg``: TNPG against sb3-contrib's TRPO with the same ``n_steps``, batch size and critic updates.
The collection-only rate is Reinforce's policy's (actor only) on ``--n-envs`` envs.

Settings from RL-Zoo's configs (``--zoo``): each algorithm is built by RL-Zoo's ``ExperimentManager`` from a config
block for ``--env`` (number of envs, normalisation, settings), as ``python -m sb3_pg.zoo train`` builds it: ours
from their shipped ``zoo_configs/<algo>.yml``, A2C and TRPO from rl_zoo3's ``hyperparams/<algo>.yml``, except that

- TNPG takes RL-Zoo's TRPO block, the same settings as TRPO, so the two differ only by the update;
- ``--pair td_actor_critic`` compares TDActorCritic with "A2C (n_steps=1)", A2C as close as it goes to the one-step
  actor-critic: RL-Zoo's A2C block with TDActorCritic's number of envs, normalisation and actor step size, one step
  per env and update, GAE(0), Adam, no gradient clipping and no entropy bonus; and with A2C as RL-Zoo configures it.

The collection-only rate is then the counterpart's policy's on its envs.

    python benchmarks/throughput.py [--pair reinforce] [--env CartPole-v1] [--n-envs 8] [--n-steps 64] [--timesteps 50000]
    python benchmarks/throughput.py --pair td_actor_critic --n-envs 1 --n-steps 1 --timesteps 20000
    python benchmarks/throughput.py --pair tnpg --n-envs 2 --n-steps 1024 --timesteps 50000
    python benchmarks/throughput.py --zoo --pair tnpg --env Acrobot-v1 --timesteps 20480
    python benchmarks/throughput.py --zoo --pair td_actor_critic --env CartPole-v1 --timesteps 30000
    python benchmarks/throughput.py --zoo --pair tnpg --env HalfCheetah-v5 --device cuda --output OUT.json

``--device cuda`` puts every algorithm of the run on the GPU (one torch thread for the CPU side, as on cpu).
"""

import argparse
import contextlib
import inspect
import io
import json
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import torch as th
from run_zoo import zoo_config_for
from sb3_contrib import TRPO
from stable_baselines3 import A2C
from stable_baselines3.common.base_class import BaseAlgorithm
from stable_baselines3.common.env_util import make_vec_env

from sb3_pg import TNPG, Reinforce, ReinforceBaseline, TDActorCritic

# The algorithms of each pair, the counterpart first
PAIRS = {
    "reinforce": ["A2C", "Reinforce", "ReinforceBaseline"],
    "td_actor_critic": ["A2C", "TDActorCritic"],
    "tnpg": ["TRPO", "TNPG"],
}
# --zoo: (name, RL-Zoo algo, the algo whose RL-Zoo config block it takes), the counterpart first
ZOO_PAIRS = {
    "reinforce": [
        ("A2C", "a2c", "a2c"),
        ("Reinforce", "reinforce", "reinforce"),
        ("ReinforceBaseline", "reinforce_baseline", "reinforce_baseline"),
    ],
    "td_actor_critic": [
        ("A2C (n_steps=1)", "a2c", "a2c"),
        ("TDActorCritic", "td_actor_critic", "td_actor_critic"),
        ("A2C (RL-Zoo)", "a2c", "a2c"),
    ],
    "tnpg": [("TRPO", "trpo", "trpo"), ("TNPG", "tnpg", "trpo")],
}


def build(
    name: str, env_id: str, n_envs: int, n_steps: int, seed: int, pair: str = "reinforce", device: str = "cpu"
) -> BaseAlgorithm:
    """An algorithm of ``PAIRS`` with the command line's settings."""
    env = make_vec_env(env_id, n_envs=n_envs, seed=seed)
    batch = n_steps * n_envs
    if name == "A2C" and pair == "td_actor_critic":
        # One-step TD error as advantage: GAE(0); our TDActorCritic's default
        return A2C("MlpPolicy", env, n_steps=n_steps, gae_lambda=0.0, seed=seed, device=device)
    if name == "A2C":
        return A2C("MlpPolicy", env, n_steps=n_steps, gae_lambda=1.0, seed=seed, device=device)
    if name == "TDActorCritic":
        return TDActorCritic("MlpPolicy", env, n_steps=n_steps, seed=seed, device=device)
    if name in ("TRPO", "TNPG"):
        algo = TRPO if name == "TRPO" else TNPG
        return algo("MlpPolicy", env, n_steps=n_steps, batch_size=min(128, batch), seed=seed, device=device)
    if name == "Reinforce":
        return Reinforce("MlpPolicy", env, n_steps=batch, seed=seed, device=device)
    if name == "ReinforceBaseline":
        return ReinforceBaseline("MlpPolicy", env, n_steps=batch, n_critic_updates=1, seed=seed, device=device)
    raise ValueError(name)


def zoo_config_file(algo: str, env_id: str, folder: str) -> str:
    """
    The RL-Zoo config that ``python -m sb3_pg.zoo train --algo ALGO --env ENV`` reads (run_zoo.py's for an env that
    only an older version of has a block in RL-Zoo's config, written to ``folder``).
    """
    import rl_zoo3

    from sb3_pg.zoo.registry import ALGOS, config_path

    if algo in ALGOS:
        return str(config_path(algo))
    conf = zoo_config_for(algo, env_id, folder)
    return conf[1] if conf else str(Path(rl_zoo3.__file__).parent / "hyperparams" / f"{algo}.yml")


def one_step_a2c(env_id: str) -> dict[str, Any]:
    """The settings that make RL-Zoo's A2C a one-step actor-critic like TDActorCritic's shipped config for ``env_id``."""
    import yaml

    from sb3_pg.zoo.registry import config_path

    config = yaml.safe_load(config_path("td_actor_critic").read_text())
    ours = config.get(env_id, config["default"])
    default_lr = inspect.signature(TDActorCritic).parameters["learning_rate"].default
    return {
        "n_envs": ours["n_envs"],
        "normalize": ours.get("normalize", False),
        "learning_rate": ours.get("learning_rate", default_lr),
        "n_steps": 1,
        "gae_lambda": 0.0,
        "use_rms_prop": False,
        "max_grad_norm": float("inf"),
        "ent_coef": 0.0,
    }


def build_zoo(
    name: str, pair: str, env_id: str, seed: int, log_folder: str, device: str = "cpu"
) -> tuple[BaseAlgorithm, dict[str, Any]]:
    """
    An algorithm of ``ZOO_PAIRS`` as RL-Zoo's ``ExperimentManager`` builds it (envs wrapped as in training, logs in
    ``log_folder``, which must outlive the training).

    :return: the model and where its settings come from (config file, overrides)
    """
    from rl_zoo3.exp_manager import ExperimentManager

    from sb3_pg.zoo.registry import register

    register()
    _, algo, config_of = next(entry for entry in ZOO_PAIRS[pair] if entry[0] == name)
    config = zoo_config_file(config_of, env_id, log_folder)
    overrides = one_step_a2c(env_id) if name == "A2C (n_steps=1)" else {}
    manager = ExperimentManager(
        argparse.Namespace(),
        algo,
        env_id,
        log_folder,
        eval_freq=-1,
        hyperparams=overrides,
        seed=seed,
        verbose=0,
        device=device,
        config=config,
    )
    with contextlib.redirect_stdout(io.StringIO()):  # RL-Zoo prints its paths whatever the verbosity
        model, _ = manager.setup_experiment()  # type: ignore[misc]
    return model, {"config": config, "overrides": {key: str(value) for key, value in overrides.items()}}


def timed_train(model: BaseAlgorithm) -> list[float]:
    """
    Wrap ``model.train`` so that the wall time of each update is recorded.

    :return: the list that receives the durations (seconds)
    """
    durations: list[float] = []
    train = model.train

    def wrapper() -> None:
        start = time.perf_counter()
        train()
        durations.append(time.perf_counter() - start)

    model.train = wrapper  # type: ignore[method-assign]
    return durations


def collection_only(model: BaseAlgorithm, timesteps: int) -> float:
    """Env steps per second of ``model``'s policy inference and env stepping, no learning."""
    env = model.get_env()
    assert env is not None
    obs = env.reset()
    start = time.perf_counter()
    steps = 0
    while steps < timesteps:
        with th.no_grad():
            actions, _, _ = model.policy(th.as_tensor(obs, device=model.device))
        obs, _, _, _ = env.step(actions.cpu().numpy())
        steps += env.num_envs
    return steps / (time.perf_counter() - start)


def make(name: str, args: argparse.Namespace, seed: int, log_folder: str) -> tuple[BaseAlgorithm, dict[str, Any]]:
    """
    An algorithm of the pair with the settings that ``args`` ask for.

    :param log_folder: RL-Zoo's logs (``--zoo``: its env monitors write there while the model trains)
    :return: the model and where its settings come from (``--zoo``)
    """
    if args.zoo:
        return build_zoo(name, args.pair, args.env, seed, log_folder, args.device)
    return build(name, args.env, args.n_envs, args.n_steps, seed, args.pair, args.device), {}


def measure(args: argparse.Namespace) -> dict[str, Any]:
    """Train each algorithm of the pair ``args.repeats`` times, interleaved; the results as stored."""
    names = [entry[0] for entry in ZOO_PAIRS[args.pair]] if args.zoo else PAIRS[args.pair]
    rates: dict[str, list[float]] = {name: [] for name in names}
    update_times: dict[str, list[float]] = {name: [] for name in names}
    ceilings: list[float] = []
    details: dict[str, dict[str, Any]] = {}
    load_before = os.getloadavg()
    for repeat in range(args.repeats):
        for name in names:
            with tempfile.TemporaryDirectory() as log_folder:
                model, source = make(name, args, repeat, log_folder)
                durations = timed_train(model)
                start = time.perf_counter()
                model.learn(args.timesteps)
                if args.device == "cuda":
                    th.cuda.synchronize()
                rates[name].append(model.num_timesteps / (time.perf_counter() - start))
            if not durations:
                raise ValueError(f"{name} made no update in {args.timesteps} steps: raise --timesteps")
            update_times[name].append(statistics.fmean(durations))
            details[name] = {"n_envs": model.n_envs, "steps_per_update": model.num_timesteps / len(durations), **source}
            print(f"repeat {repeat} {name:>18}: {rates[name][-1]:8.0f} steps/s, {update_times[name][-1]:.4f} s/update")
        with tempfile.TemporaryDirectory() as log_folder:
            model, _ = make(names[0] if args.zoo else "Reinforce", args, repeat, log_folder)
            ceilings.append(collection_only(model, args.timesteps))

    reference, reference_update = statistics.median(rates[names[0]]), statistics.median(update_times[names[0]])
    algorithms = {}
    for name in names:
        rate, update = statistics.median(rates[name]), statistics.median(update_times[name])
        algorithms[name] = {
            **details[name],
            "median_steps_per_s": rate,
            "ratio_to_counterpart": rate / reference,
            "runs": rates[name],
            "median_seconds_per_update": update,
            "update_time_ratio_to_counterpart": update / reference_update,
            "seconds_per_update_runs": update_times[name],
        }
    return {
        "pair": args.pair,
        "counterpart": names[0],
        "env": args.env,
        "settings": "RL-Zoo configs" if args.zoo else "command line",
        "n_envs": None if args.zoo else args.n_envs,
        "steps_per_update": None if args.zoo else args.n_steps * args.n_envs,
        "timesteps": args.timesteps,
        "repeats": args.repeats,
        "torch_threads": args.threads,
        "device": th.cuda.get_device_name(0) if args.device == "cuda" else "cpu",
        "machine": f"{platform.processor() or platform.machine()}, {th.get_num_threads()} torch thread(s)",
        "cpus": os.cpu_count(),
        "torch": th.__version__,
        # 1-, 5- and 15-minute load averages before and after: a quiet machine has the 1-minute one near 1 (this run)
        "load_average_before": load_before,
        "load_average_after": os.getloadavg(),
        "collection_only_steps_per_s": statistics.median(ceilings),
        "algorithms": algorithms,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pair", choices=sorted(PAIRS), default="reinforce")
    parser.add_argument("--env", default="CartPole-v1")
    parser.add_argument("--zoo", action="store_true", help="settings from RL-Zoo's configs (--n-envs, --n-steps unused)")
    parser.add_argument("--n-envs", type=int, default=8)
    parser.add_argument("--n-steps", type=int, default=64, help="steps per env and update (Reinforce: n_steps * n_envs)")
    parser.add_argument("--timesteps", type=int, default=50_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1, help="torch threads (same for all)")
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu", help="the same for all algorithms")
    parser.add_argument(
        "--output",
        default=None,
        help="default: benchmarks/results/throughput[_<pair>].json, with --zoo throughput_<pair>_zoo_<env>.json",
    )
    args = parser.parse_args()
    th.set_num_threads(args.threads)
    if args.output is None:
        suffix = f"_{args.pair}_zoo_{args.env}" if args.zoo else ("" if args.pair == "reinforce" else f"_{args.pair}")
        args.output = f"benchmarks/results/throughput{suffix}.json"

    results = measure(args)
    counterpart = results["counterpart"]
    if args.zoo:
        print(f"\n{args.env}, RL-Zoo configs, {args.timesteps} steps")
    else:
        print(f"\n{args.env}, {args.n_envs} envs, {args.n_steps * args.n_envs} steps per update, {args.timesteps} steps")
    print(f"{'algorithm':>18} | steps/s | ratio to {counterpart} | s/update | ratio to {counterpart}")
    for name, entry in results["algorithms"].items():
        print(
            f"{name:>18} | {entry['median_steps_per_s']:7.0f} | {entry['ratio_to_counterpart']:.2f} | "
            f"{entry['median_seconds_per_update']:.4f} | {entry['update_time_ratio_to_counterpart']:.2f}"
        )
    ceiling = results["collection_only_steps_per_s"]
    reference = results["algorithms"][counterpart]["median_steps_per_s"]
    print(f"{'collection only':>18} | {ceiling:7.0f} | {ceiling / reference:.2f}")
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
