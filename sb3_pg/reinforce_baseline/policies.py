# This file is here just to define MlpPolicy/CnnPolicy/MultiInputPolicy
# that work for ReinforceBaseline with baseline="value": actor and critic with their own step sizes.
# (With a constant baseline, ReinforceBaseline uses Reinforce's actor-only policies.)
from sb3_pg.common.policies import MultiInputSplitActorCriticPolicy, SplitActorCriticCnnPolicy, SplitActorCriticPolicy

MlpPolicy = SplitActorCriticPolicy
CnnPolicy = SplitActorCriticCnnPolicy
MultiInputPolicy = MultiInputSplitActorCriticPolicy
