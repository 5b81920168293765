from sb3_pg.reinforce.policies import CnnPolicy, MlpPolicy, MultiInputPolicy
from sb3_pg.reinforce.reinforce import Reinforce

__all__ = ["CnnPolicy", "MlpPolicy", "MultiInputPolicy", "Reinforce"]
