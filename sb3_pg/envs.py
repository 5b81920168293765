"""
The small environments of sb3_pg, and their gymnasium registration (done when ``sb3_pg`` is imported):

- ``ClassificationBandit-v0``: :class:`ClassificationBanditEnv`, classification as a one-step bandit;
- :class:`TabularMDPEnv` (exact policy gradients) and :class:`ScriptedEpisodeEnv` (scripted episodes), for tests.

    import gymnasium as gym
    import sb3_pg  # registers the envs
    env = gym.make("ClassificationBandit-v0", n_classes=4)
"""

import gymnasium as gym

from sb3_pg.common.envs import ClassificationBanditEnv, ScriptedEpisodeEnv, TabularMDPEnv

CLASSIFICATION_BANDIT_ID = "ClassificationBandit-v0"


def register_envs() -> None:
    """Register our envs with gymnasium (idempotent)."""
    if CLASSIFICATION_BANDIT_ID not in gym.registry:
        gym.register(id=CLASSIFICATION_BANDIT_ID, entry_point="sb3_pg.common.envs:ClassificationBanditEnv")


register_envs()

__all__ = ["CLASSIFICATION_BANDIT_ID", "ClassificationBanditEnv", "ScriptedEpisodeEnv", "TabularMDPEnv", "register_envs"]
