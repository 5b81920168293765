"""
RL-Zoo integration: our algorithms as RL-Zoo (``rl_zoo3``) algorithms, with shipped configs and Optuna samplers.

    python -m sb3_pg.zoo train --algo reinforce --env CartPole-v1      # or the console script: sb3-pg train ...

Needs the ``zoo`` extra (``pip install -e ".[zoo]"`` in a clone of sb3-pg).
"""

from sb3_pg.zoo.registry import ALGOS, config_dir, config_path, register

__all__ = ["ALGOS", "config_dir", "config_path", "register"]
