"""
Reinforce with many envs: SB3's DummyVecEnv (one gymnasium env after another, in Python) against gymnasium's
vectorised CartPole (``gym.make_vec(..., vectorization_mode="vector_entry_point")``, all envs in one numpy step)
behind ``sb3_pg.common.vec_env.GymnasiumVecEnv``, and EnvPool (C++ envs) when it is installed.

For each number of envs and each kind of vec env: env steps per second of the whole ``learn()`` (every env step
counts, including those Reinforce discards at batch ends), the share of steps discarded, the mean wall time of one
update, and the collection-only rate (policy inference and env stepping, no learning). Runs are interleaved
(repeat, then number of envs, then kind) and repeated; medians are reported.

Settings: Reinforce's shipped CartPole-v1 config (zoo_configs/reinforce.yml: MlpPolicy, learning rate linear from
3e-3) except the number of envs, with ``n_episodes = max(8, n_envs)``: Reinforce needs each env to contribute to each
batch (n_episodes >= n_envs), and one episode per env keeps a batch's wait for its longest episode, and so the
discarded steps, as short as it can be. The batch grows with the number of envs (8 times the shipped one at 64
envs): learning per env step changes, so ``--check-learning`` trains once on the vectorised env with a step size
scaled to the batch and reports whether the greedy policy reaches 475 (tests/test_vec_env.py has the same check).

EnvPool is not a dependency of sb3-pg: ``--kinds envpool`` needs it importable (``pip install envpool``; the results
stored were made in a separate venv that also sees the project's packages).

Usage (from the repository root)::

    python benchmarks/many_envs.py                                 # 8, 64, 256 envs, 100k steps, 3 repeats
    python benchmarks/many_envs.py --kinds dummy gymnasium envpool  # with EnvPool
    python benchmarks/many_envs.py --quick                          # smoke run into benchmarks/results/tmp
"""

import argparse
import json
import os
import platform
import statistics
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import throughput
import torch as th
from stable_baselines3.common.env_util import make_vec_env
from stable_baselines3.common.vec_env import VecEnv, VecMonitor
from stable_baselines3.common.vec_env.base_vec_env import VecEnvIndices, VecEnvObs, VecEnvStepReturn

from sb3_pg import Reinforce
from sb3_pg.common.vec_env import make_gymnasium_vec_env

ENV_ID = "CartPole-v1"
KINDS = {
    "dummy": "SB3 DummyVecEnv",
    "gymnasium": "gymnasium vector_entry_point + GymnasiumVecEnv",
    "envpool": "EnvPool + EnvPoolVecEnv (this script)",
}


class EnvPoolVecEnv(VecEnv):
    """
    EnvPool's gymnasium-style env (synchronous: all envs each step) with SB3's semantics, as envpool's SB3 example:
    done envs are reset at once with EnvPool's partial reset (EnvPool itself resets them at the next step).
    EnvPool seeds its envs when it is made; ``seed()`` is not used.

    :param env: ``envpool.make_gymnasium(env_id, num_envs=..., seed=...)``
    """

    def __init__(self, env: Any) -> None:
        self.env = env
        super().__init__(env.config["num_envs"], env.observation_space, env.action_space)

    def reset(self) -> VecEnvObs:
        obs, _ = self.env.reset()
        self._reset_seeds()
        return obs

    def step_async(self, actions: np.ndarray) -> None:
        self.actions = np.asarray(actions)

    def step_wait(self) -> VecEnvStepReturn:
        obs, rewards, terminated, truncated, _ = self.env.step(self.actions)
        dones = terminated | truncated
        infos: list[dict[str, Any]] = [{"TimeLimit.truncated": t} for t in (truncated & ~terminated).tolist()]
        if dones.any():
            ids = np.flatnonzero(dones)
            for i in ids:
                infos[i]["terminal_observation"] = obs[i].copy()
            reset_obs, reset_info = self.env.reset(ids)
            obs[reset_info["env_id"]] = reset_obs
        return obs, rewards.astype(np.float32), dones, infos

    def close(self) -> None:
        self.env.close()

    def get_attr(self, attr_name: str, indices: VecEnvIndices = None) -> list[Any]:
        return [getattr(self.env, attr_name, None) for _ in self._get_indices(indices)]

    def set_attr(self, attr_name: str, value: Any, indices: VecEnvIndices = None) -> None:
        raise NotImplementedError

    def env_method(self, method_name: str, *method_args, indices: VecEnvIndices = None, **method_kwargs) -> list[Any]:
        raise NotImplementedError

    def env_is_wrapped(self, wrapper_class: type, indices: VecEnvIndices = None) -> list[bool]:
        return [False for _ in self._get_indices(indices)]


def make_env(kind: str, n_envs: int, seed: int) -> VecEnv:
    """``n_envs`` CartPole envs of the given kind, with episode statistics for the logger."""
    if kind == "dummy":
        return make_vec_env(ENV_ID, n_envs=n_envs, seed=seed)
    if kind == "gymnasium":
        return make_gymnasium_vec_env(ENV_ID, n_envs, seed=seed, vectorization_mode="vector_entry_point")
    if kind == "envpool":
        import envpool

        return VecMonitor(EnvPoolVecEnv(envpool.make_gymnasium(ENV_ID, num_envs=n_envs, seed=seed)))
    raise ValueError(kind)


def make_model(kind: str, n_envs: int, seed: int, learning_rate: float = 3e-3) -> Reinforce:
    """Reinforce with the shipped CartPole settings except ``n_envs`` (``n_episodes = max(8, n_envs)``)."""
    return Reinforce(
        "MlpPolicy",
        make_env(kind, n_envs, seed),
        n_episodes=max(8, n_envs),
        learning_rate=lambda progress: learning_rate * progress,
        seed=seed,
        device="cpu",
    )


def timed_learn(model: Reinforce, timesteps: int) -> dict[str, float]:
    """Train; steps/s of ``learn()``, seconds per update and the share of env steps discarded at batch ends."""
    durations: list[float] = []
    kept = [0]
    train, collect = model.train, model.collect_rollouts

    def timed_train() -> None:
        start = time.perf_counter()
        train()
        durations.append(time.perf_counter() - start)

    def counted_collect(*args: Any, **kwargs: Any) -> bool:
        done = collect(*args, **kwargs)
        kept[0] += model.rollout_buffer.n_valid_steps
        return done

    model.train = timed_train  # type: ignore[method-assign]
    model.collect_rollouts = counted_collect  # type: ignore[method-assign]
    start = time.perf_counter()
    model.learn(timesteps)
    elapsed = time.perf_counter() - start
    return {
        "steps_per_s": model.num_timesteps / elapsed,
        "seconds_per_update": statistics.fmean(durations) if durations else float("nan"),
        "updates": len(durations),
        "discarded_share": 1.0 - kept[0] / model.num_timesteps,
    }


def collection_only(kind: str, n_envs: int, seed: int, timesteps: int) -> float:
    """Env steps per second of the untrained policy's inference and env stepping (no learning, no buffer)."""
    return throughput.collection_only(make_model(kind, n_envs, seed), timesteps)


def check_learning(n_envs: int, timesteps: int, seed: int = 0) -> dict[str, Any]:
    """
    Reinforce on the vectorised env, step size scaled to the batch (linear from 1e-2): the greedy policy's
    evaluations (10 episodes every 20k steps), the first step and wall time at which one reaches 475.
    """
    from common import RecordEvaluations
    from stable_baselines3.common.callbacks import EvalCallback

    model = make_model("gymnasium", n_envs, seed, learning_rate=1e-2)
    curve: list[tuple[int, float]] = []
    times: list[float] = []

    class RecordTimes(RecordEvaluations):
        def _on_step(self) -> bool:
            times.append(time.perf_counter() - start)
            return super()._on_step()

    evaluation = EvalCallback(
        make_vec_env(ENV_ID, n_envs=5, seed=100),
        eval_freq=max(20_000 // n_envs, 1),
        n_eval_episodes=10,
        callback_after_eval=RecordTimes(curve),
        verbose=0,
    )
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Training and eval env are not of the same type")
        model.learn(timesteps, callback=evaluation)
    wall = time.perf_counter() - start
    reached = next((i for i, (_, value) in enumerate(curve) if value >= 475), None)
    return {
        "n_envs": n_envs,
        "n_episodes": max(8, n_envs),
        "learning_rate": "linear from 1e-2",
        "timesteps": timesteps,
        "seed": seed,
        "curve": curve,
        "first_step_reaching_475": None if reached is None else curve[reached][0],
        "wall_s_to_475": None if reached is None else times[reached],
        "best_eval_return": max(value for _, value in curve),
        "wall_s": wall,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n-envs", type=int, nargs="+", default=[8, 64, 256])
    parser.add_argument("--kinds", nargs="+", choices=sorted(KINDS), default=["dummy", "gymnasium"])
    parser.add_argument("--timesteps", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1, help="torch threads")
    parser.add_argument("--check-learning", type=int, default=300_000, help="budget of the learning check (0: none)")
    parser.add_argument("--note", default="", help="what else ran on the machine (stored with the results)")
    parser.add_argument("--quick", action="store_true", help="smoke run: tiny budgets, results in benchmarks/results/tmp")
    parser.add_argument("--output", default=None, help="default benchmarks/results/many_envs.json")
    args = parser.parse_args()
    th.set_num_threads(args.threads)
    if args.quick:
        args.timesteps, args.repeats, args.check_learning = 5_000, 1, 0
    output = args.output or ("benchmarks/results/tmp/many_envs.json" if args.quick else "benchmarks/results/many_envs.json")

    runs: dict[str, dict[str, list[dict[str, float]]]] = {kind: {str(n): [] for n in args.n_envs} for kind in args.kinds}
    ceilings: dict[str, dict[str, list[float]]] = {kind: {str(n): [] for n in args.n_envs} for kind in args.kinds}
    for repeat in range(args.repeats):
        for n_envs in args.n_envs:
            for kind in args.kinds:
                run = timed_learn(make_model(kind, n_envs, seed=repeat), args.timesteps)
                runs[kind][str(n_envs)].append(run)
                ceilings[kind][str(n_envs)].append(collection_only(kind, n_envs, repeat, args.timesteps))
                print(
                    f"repeat {repeat} {n_envs:4d} envs {kind:>9}: {run['steps_per_s']:8.0f} steps/s learn(), "
                    f"{ceilings[kind][str(n_envs)][-1]:8.0f} collection only, {run['discarded_share']:.0%} discarded",
                    flush=True,
                )

    results: dict[str, Any] = {
        "env": ENV_ID,
        "algorithm": "Reinforce",
        "settings": "zoo_configs/reinforce.yml CartPole-v1 (learning rate linear from 3e-3) with n_episodes=max(8, n_envs)",
        "timesteps": args.timesteps,
        "repeats": args.repeats,
        "torch_threads": th.get_num_threads(),
        "kinds": {kind: KINDS[kind] for kind in args.kinds},
        "machine": {
            "processor": platform.processor() or platform.machine(),
            "cpus": os.cpu_count(),
            "load_average_1min": os.getloadavg()[0],
            "note": args.note,
            "torch": th.__version__,
            "python": platform.python_version(),
        },
        "results": {},
    }
    print(f"\n{ENV_ID}, Reinforce, {args.timesteps} steps, median of {args.repeats}")
    print(
        f"{'n_envs':>6} | {'vec env':>9} | learn() steps/s | ratio to dummy | kept steps/s | collection only | "
        "discarded | s/update"
    )
    for n_envs in args.n_envs:
        entry: dict[str, Any] = {}
        for kind in args.kinds:
            kind_runs = runs[kind][str(n_envs)]
            entry[kind] = {
                "median_steps_per_s": statistics.median(run["steps_per_s"] for run in kind_runs),
                "median_collection_only_steps_per_s": statistics.median(ceilings[kind][str(n_envs)]),
                "median_discarded_share": statistics.median(run["discarded_share"] for run in kind_runs),
                # The steps the updates learn from
                "median_kept_steps_per_s": statistics.median(
                    run["steps_per_s"] * (1.0 - run["discarded_share"]) for run in kind_runs
                ),
                "median_seconds_per_update": statistics.median(run["seconds_per_update"] for run in kind_runs),
                "runs": kind_runs,
                "collection_only_runs": ceilings[kind][str(n_envs)],
            }
        for kind in args.kinds:
            if "dummy" in entry:
                entry[kind]["ratio_to_dummy"] = entry[kind]["median_steps_per_s"] / entry["dummy"]["median_steps_per_s"]
                entry[kind]["collection_ratio_to_dummy"] = (
                    entry[kind]["median_collection_only_steps_per_s"] / entry["dummy"]["median_collection_only_steps_per_s"]
                )
            e = entry[kind]
            print(
                f"{n_envs:6d} | {kind:>9} | {e['median_steps_per_s']:15.0f} | {e.get('ratio_to_dummy', float('nan')):14.2f} | "
                f"{e['median_kept_steps_per_s']:12.0f} | {e['median_collection_only_steps_per_s']:15.0f} | "
                f"{e['median_discarded_share']:9.0%} | {e['median_seconds_per_update']:.4f}"
            )
        results["results"][str(n_envs)] = entry

    if args.check_learning:
        results["learning_check"] = check_learning(64, args.check_learning)
        check = results["learning_check"]
        print(
            f"\nlearning check: {check['n_envs']} vectorised envs, {check['timesteps']} steps, {check['learning_rate']}: "
            f"best evaluation {check['best_eval_return']:.1f}, first >= 475 at step {check['first_step_reaching_475']} "
            f"after {check['wall_s_to_475'] or float('nan'):.1f} s (evaluations included; whole run {check['wall_s']:.1f} s)"
        )
    Path(output).parent.mkdir(parents=True, exist_ok=True)
    Path(output).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
