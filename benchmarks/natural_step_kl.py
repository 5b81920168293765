"""
The KL a TNPG step actually takes, as a fraction of ``target_kl``, with the default damping (``cg_damping=0.1``): the
step makes the *damped* quadratic model of the KL equal ``target_kl``, so the undamped KL is smaller. First update
(n_steps 512 x 2 envs), seeds 0-4, one line per action space.

    python benchmarks/natural_step_kl.py
"""

import gymnasium as gym
import numpy as np
import torch as th
from gymnasium import spaces
from stable_baselines3.common.env_util import make_vec_env
from stable_baselines3.common.envs import IdentityEnv, IdentityEnvMultiBinary, IdentityEnvMultiDiscrete

from sb3_pg import TNPG


class BoxD(gym.Env):
    """Random observations, reward -|a|^2, episodes of 50 steps: a Box action space of d dimensions."""

    def __init__(self, d: int = 6):
        self.observation_space = spaces.Box(-1, 1, (4,), np.float32)
        self.action_space = spaces.Box(-1, 1, (d,), np.float32)
        self.t = 0

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self.t = 0
        return self.observation_space.sample(), {}

    def step(self, action):
        self.t += 1
        return self.observation_space.sample(), float(-np.sum(action**2)), False, self.t >= 50, {}


cases = {
    "Discrete": (lambda: IdentityEnv(dim=4, ep_length=50), {}),
    "MultiDiscrete": (lambda: IdentityEnvMultiDiscrete(dim=3, ep_length=50), {}),
    "MultiBinary": (lambda: IdentityEnvMultiBinary(dim=3, ep_length=50), {}),
    "Box d=6": (BoxD, {}),
    "gSDE (Box d=6)": (BoxD, dict(use_sde=True)),
}
if __name__ == "__main__":
    th.set_num_threads(1)
    for name, (make, kwargs) in cases.items():
        ratios = []
        for seed in range(5):
            env = make_vec_env(make, n_envs=2, seed=seed)
            model = TNPG("MlpPolicy", env, n_steps=512, batch_size=512, seed=seed, device="cpu", **kwargs)
            model.learn(1024)  # one update
            ratios.append(model.logger.name_to_value["train/step_kl"] / model.logger.name_to_value["train/target_kl"])
        print(f"{name:16s} step_kl / target_kl, first update, seeds 0-4: median {np.median(ratios):.2f}", end="")
        print(f" [{min(ratios):.2f}, {max(ratios):.2f}]")
