"""
Short seeded trainings of each algorithm whose final parameters ``tests/test_speed.py`` compares with those stored in
``tests/data/identity_reference.pt``, made by the code before the speed changes (commit fe832ee):

    PYTHONPATH=<checkout of fe832ee> python tests/identity_runs.py tests/data/identity_reference.pt
"""

import sys
from typing import Any

import torch as th
from stable_baselines3.common.env_util import make_vec_env

from sb3_pg import TNPG, Reinforce, ReinforceBaseline, TDActorCritic

SMALL = dict(net_arch=dict(pi=[16, 16], vf=[16, 16]))

# name -> (class, env id, n_envs, timesteps, keyword arguments)
RUNS: dict[str, tuple[Any, str, int, int, dict[str, Any]]] = {
    "reinforce_cartpole_4": (Reinforce, "CartPole-v1", 4, 600, dict(n_steps=128, policy_kwargs=dict(net_arch=[16, 16]))),
    "reinforce_baseline_cartpole_4": (
        ReinforceBaseline,
        "CartPole-v1",
        4,
        600,
        dict(n_steps=128, n_critic_updates=3, policy_kwargs=SMALL),
    ),
    "reinforce_baseline_pendulum_2": (ReinforceBaseline, "Pendulum-v1", 2, 800, dict(n_episodes=2, policy_kwargs=SMALL)),
    "td_actor_critic_cartpole_1": (TDActorCritic, "CartPole-v1", 1, 300, dict(policy_kwargs=SMALL)),
    "td_actor_critic_pendulum_1": (TDActorCritic, "Pendulum-v1", 1, 300, dict(policy_kwargs=SMALL)),
    "td_actor_critic_cartpole_4_nsteps_5": (TDActorCritic, "CartPole-v1", 4, 200, dict(n_steps=5, policy_kwargs=SMALL)),
    "tnpg_cartpole_2": (
        TNPG,
        "CartPole-v1",
        2,
        768,
        dict(n_steps=128, batch_size=64, n_critic_updates=3, policy_kwargs=SMALL),
    ),
    "tnpg_pendulum_2": (
        TNPG,
        "Pendulum-v1",
        2,
        768,
        dict(n_steps=128, batch_size=64, n_critic_updates=3, policy_kwargs=SMALL),
    ),
}


def train(name: str) -> dict[str, th.Tensor]:
    """The policy's parameters after the run ``name`` (seed 0, one torch thread)."""
    algo, env_id, n_envs, timesteps, kwargs = RUNS[name]
    th.set_num_threads(1)
    model = algo("MlpPolicy", make_vec_env(env_id, n_envs=n_envs, seed=0), seed=0, device="cpu", **kwargs)
    model.learn(timesteps)
    return {key: value.clone() for key, value in model.policy.state_dict().items()}


if __name__ == "__main__":
    th.save({name: train(name) for name in RUNS}, sys.argv[1])
