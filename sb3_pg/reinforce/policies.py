# This file is here just to define MlpPolicy/CnnPolicy/MultiInputPolicy
# that work for Reinforce: actor-only policies (no value network)
from sb3_pg.common.policies import ActorCnnPolicy, ActorPolicy, MultiInputActorPolicy

MlpPolicy = ActorPolicy
CnnPolicy = ActorCnnPolicy
MultiInputPolicy = MultiInputActorPolicy
