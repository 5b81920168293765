from sb3_pg.tnpg.policies import CnnPolicy, MlpPolicy, MultiInputPolicy
from sb3_pg.tnpg.tnpg import TNPG

__all__ = ["TNPG", "CnnPolicy", "MlpPolicy", "MultiInputPolicy"]
