import os

from stable_baselines3.common.base_class import BaseAlgorithm

import sb3_pg.envs  # noqa: F401  (registers ClassificationBandit-v0 with gymnasium)
from sb3_pg.reinforce import Reinforce
from sb3_pg.reinforce_baseline import ReinforceBaseline
from sb3_pg.td_actor_critic import TDActorCritic
from sb3_pg.tnpg import TNPG

# The algorithms by the names the command lines use (RL-Zoo's ``--algo``, ``python -m sb3_pg.analysis``)
ALGOS: dict[str, type[BaseAlgorithm]] = {
    "reinforce": Reinforce,
    "reinforce_baseline": ReinforceBaseline,
    "td_actor_critic": TDActorCritic,
    "tnpg": TNPG,
}

# Read version from file
version_file = os.path.join(os.path.dirname(__file__), "version.txt")
with open(version_file) as file_handler:
    __version__ = file_handler.read().strip()

__all__ = ["ALGOS", "TNPG", "Reinforce", "ReinforceBaseline", "TDActorCritic", "__version__"]
