"""
CUDA check, run on a machine with a GPU:

1. TNPG on HalfCheetah-v5 with the shipped config (``zoo_configs/tnpg.yml``: 2 envs, VecNormalize, n_steps 1024),
   trained for ``--steps`` steps with ``device="cuda"`` and with ``device="cpu"`` on the same machine, one torch
   thread, same seed: the env steps per second of each ``learn()`` and their ratio.
2. Across devices: the policy trained on cuda is saved, then loaded with ``device="cpu"``; on a batch of
   observations its deterministic actions, values and log-probabilities equal those of the cuda policy.
3. Each of the four algorithms (and every action space it supports in these envs; TNPG also with its step check)
   learns a few updates on cuda, is saved, loaded on cpu and on cuda, and predicts the same actions; its parameters
   really were on cuda.

    python benchmarks/gpu_check.py --steps 50000 --out benchmarks/results/gpu_check.json
"""

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch as th
import yaml
from stable_baselines3.common.base_class import BaseAlgorithm
from stable_baselines3.common.env_util import make_vec_env
from stable_baselines3.common.vec_env import VecNormalize

from sb3_pg import TNPG, Reinforce, ReinforceBaseline, TDActorCritic

ROOT = Path(__file__).resolve().parents[1]
NOT_KWARGS = ("normalize", "n_envs", "n_timesteps", "policy")


def tnpg_halfcheetah(device: str, seed: int) -> TNPG:
    """TNPG with the shipped HalfCheetah-v5 block (hyperparameters, n_envs, VecNormalize)."""
    config = yaml.load((ROOT / "zoo_configs" / "tnpg.yml").read_text(), Loader=yaml.UnsafeLoader)["HalfCheetah-v5"]
    env = VecNormalize(make_vec_env("HalfCheetah-v5", n_envs=config["n_envs"], seed=seed))
    kwargs = {key: value for key, value in config.items() if key not in NOT_KWARGS}
    return TNPG(config["policy"], env, seed=seed, device=device, **kwargs)


def timed_learn(device: str, steps: int, seed: int) -> tuple[TNPG, float]:
    model = tnpg_halfcheetah(device, seed)
    start = time.perf_counter()
    model.learn(steps)
    if device == "cuda":
        th.cuda.synchronize()
    return model, model.num_timesteps / (time.perf_counter() - start)


def outputs(model: BaseAlgorithm, obs: np.ndarray) -> dict[str, np.ndarray]:
    """Deterministic actions, and (for actor-critic policies) values and log-probabilities of those actions."""
    actions, _ = model.predict(obs, deterministic=True)
    result = {"actions": np.asarray(actions)}
    policy = model.policy
    if hasattr(policy, "evaluate_actions"):
        with th.no_grad():
            obs_tensor, _ = policy.obs_to_tensor(obs)
            action_tensor = th.as_tensor(actions, device=policy.device)
            values, log_prob, _ = policy.evaluate_actions(obs_tensor, action_tensor)
        if values is not None:  # Reinforce has no critic
            result["values"] = values.cpu().numpy()
        result["log_prob"] = log_prob.cpu().numpy()
    return result


def max_difference(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> dict[str, float]:
    return {key: float(np.max(np.abs(a[key].astype(np.float64) - b[key].astype(np.float64)))) for key in a}


def across_devices(model: BaseAlgorithm, seed: int) -> dict[str, Any]:
    """Save a cuda model, load it on cpu and on cuda; the largest output differences from the original."""
    space = model.observation_space
    space.seed(seed)
    obs = np.stack([space.sample() for _ in range(64)])
    reference = outputs(model, obs)
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "model.zip")
        model.save(path)
        loaded = {device: type(model).load(path, device=device) for device in ("cpu", "cuda")}
    return {
        "trained_on": str(next(model.policy.parameters()).device),
        "loaded_on": {device: str(next(m.policy.parameters()).device) for device, m in loaded.items()},
        "max_difference": {device: max_difference(reference, outputs(m, obs)) for device, m in loaded.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="benchmarks/results/gpu_check.json")
    parser.add_argument("--no-algorithms", action="store_true", help="only the TNPG HalfCheetah-v5 part (1 and 2)")
    parser.add_argument("--no-halfcheetah", action="store_true", help="only the four algorithms' part (3): no MuJoCo")
    args = parser.parse_args()
    if not th.cuda.is_available():
        raise SystemExit("CUDA is not available on this machine")
    th.set_num_threads(1)

    result: dict[str, Any] = {
        "machine": {
            "gpu": th.cuda.get_device_name(0),
            "cpus": os.cpu_count(),
            "cpu": platform.processor() or platform.machine(),
            "torch": th.__version__,
            "torch_threads": th.get_num_threads(),
        },
        "command": f"python benchmarks/gpu_check.py --steps {args.steps} --seed {args.seed}",
    }
    rates = {}
    for device in () if args.no_halfcheetah else ("cpu", "cuda"):
        model, rates[device] = timed_learn(device, args.steps, args.seed)
        print(f"TNPG HalfCheetah-v5 {device}: {rates[device]:.0f} steps/s", flush=True)
        if device == "cuda":
            result["tnpg_halfcheetah_across_devices"] = across_devices(model, args.seed)
    if rates:
        result["tnpg_halfcheetah_steps_per_s"] = {**rates, "cuda/cpu": rates["cuda"] / rates["cpu"], "steps": args.steps}
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1) + "\n")
    if args.no_algorithms:
        return

    small: dict[str, tuple[type[BaseAlgorithm], list[str], dict[str, Any]]] = {
        "Reinforce": (Reinforce, ["CartPole-v1", "Pendulum-v1"], {"n_steps": 512}),
        "ReinforceBaseline": (ReinforceBaseline, ["CartPole-v1", "Pendulum-v1"], {"n_steps": 512}),
        "TDActorCritic": (TDActorCritic, ["CartPole-v1", "Pendulum-v1"], {"n_steps": 8}),
        "TNPG": (TNPG, ["CartPole-v1", "Pendulum-v1"], {"n_steps": 256, "batch_size": 64}),
        # the step check keeps a copy of the actor's parameters on the model's device
        "TNPG reject_kl_factor=1.0": (
            TNPG,
            ["Pendulum-v1"],
            {"n_steps": 256, "batch_size": 64, "reject_kl_factor": 1.0, "target_kl": 0.05},
        ),
    }
    result["algorithms"] = {}
    for name, (algo, envs, kwargs) in small.items():
        for env_id in envs:
            env = make_vec_env(env_id, n_envs=2, seed=args.seed)
            small_model = algo("MlpPolicy", env, seed=args.seed, device="cuda", **kwargs)
            small_model.learn(2048)
            check = across_devices(small_model, args.seed)
            result["algorithms"][f"{name} {env_id}"] = check
            print(name, env_id, json.dumps(check), flush=True)

    out.write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
