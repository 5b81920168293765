# This file is here just to define MlpPolicy/CnnPolicy/MultiInputPolicy
# that work for TNPG: actor-critic policies whose actor and critic parameters are kept apart
from sb3_pg.common.policies import MultiInputSplitActorCriticPolicy, SplitActorCriticCnnPolicy, SplitActorCriticPolicy

MlpPolicy = SplitActorCriticPolicy
CnnPolicy = SplitActorCriticCnnPolicy
MultiInputPolicy = MultiInputSplitActorCriticPolicy
