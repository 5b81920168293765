"""
TDActorCritic's online path alone: ``learn()`` with ``online_path = True`` (the update differentiates the forward pass
that sampled a_t) against ``online_path = False`` (SB3's loop: a second forward pass in ``train()``), everything else
equal (same optimizer, settings, seeds and env), runs interleaved and repeated, one torch thread. Prints and stores
the env steps per second of each run, per second of wall time and per second of the process's CPU time (on a machine
that other work shares, the CPU time is what the run itself used), their medians and the ratios.

    python benchmarks/online_path.py --n-envs 1 8 --timesteps 20000 --repeats 5 --out benchmarks/results/online_path.json
"""

import argparse
import json
import os
import platform
import statistics
import time

import torch as th
from stable_baselines3.common.env_util import make_vec_env

from sb3_pg import TDActorCritic


def steps_per_second(online: bool, env_id: str, n_envs: int, timesteps: int, seed: int) -> tuple[float, float]:
    """One ``learn()`` of TDActorCritic's defaults (n_steps=1) with the online path on or off: steps per wall second
    and per CPU second."""
    model = TDActorCritic("MlpPolicy", make_vec_env(env_id, n_envs=n_envs, seed=seed), seed=seed, device="cpu")
    model.online_path = online
    start, start_cpu = time.perf_counter(), time.process_time()
    model.learn(timesteps)
    return model.num_timesteps / (time.perf_counter() - start), model.num_timesteps / (time.process_time() - start_cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--env", default="CartPole-v1")
    parser.add_argument("--n-envs", type=int, nargs="+", default=[1, 8])
    parser.add_argument("--timesteps", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--out", default=None, help="JSON file for the results")
    args = parser.parse_args()
    th.set_num_threads(1)

    results = []
    for n_envs in args.n_envs:
        rates: dict[bool, list[tuple[float, float]]] = {True: [], False: []}
        for repeat in range(args.repeats):
            # Interleaved, the order alternating, so that a slower stretch of the machine hits both
            for online in (True, False) if repeat % 2 == 0 else (False, True):
                rates[online].append(steps_per_second(online, args.env, n_envs, args.timesteps, seed=repeat))
        row: dict[str, object] = {"env": args.env, "n_envs": n_envs, "timesteps": args.timesteps}
        for index, clock in enumerate(("wall", "cpu")):
            online_rates, loop_rates = ([rate[index] for rate in rates[key]] for key in (True, False))
            row[f"online_steps_per_{clock}_s"] = online_rates
            row[f"loop_steps_per_{clock}_s"] = loop_rates
            row[f"speedup_{clock}"] = statistics.median(online_rates) / statistics.median(loop_rates)
        print(json.dumps(row), flush=True)
        results.append(row)
    if args.out:
        machine = {"platform": platform.platform(), "processor": platform.processor(), "cpus": os.cpu_count()}
        with open(args.out, "w") as file:
            json.dump({"machine": machine, "torch": th.__version__, "runs": results}, file, indent=1)


if __name__ == "__main__":
    main()
