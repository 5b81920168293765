from sb3_pg.reinforce_baseline.policies import CnnPolicy, MlpPolicy, MultiInputPolicy
from sb3_pg.reinforce_baseline.reinforce_baseline import ReinforceBaseline

__all__ = ["CnnPolicy", "MlpPolicy", "MultiInputPolicy", "ReinforceBaseline"]
