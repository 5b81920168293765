from sb3_pg.td_actor_critic.policies import CnnPolicy, MlpPolicy, MultiInputPolicy
from sb3_pg.td_actor_critic.td_actor_critic import TDActorCritic

__all__ = ["CnnPolicy", "MlpPolicy", "MultiInputPolicy", "TDActorCritic"]
