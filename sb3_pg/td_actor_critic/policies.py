# This file is here just to define MlpPolicy/CnnPolicy/MultiInputPolicy
# that work for TDActorCritic: actor and critic with their own step sizes
from sb3_pg.common.policies import MultiInputSplitActorCriticPolicy, SplitActorCriticCnnPolicy, SplitActorCriticPolicy

MlpPolicy = SplitActorCriticPolicy
CnnPolicy = SplitActorCriticCnnPolicy
MultiInputPolicy = MultiInputSplitActorCriticPolicy
