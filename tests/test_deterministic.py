"""Same seed, same parameters after training."""

import pytest
import torch as th

from sb3_pg import TNPG, Reinforce, ReinforceBaseline, TDActorCritic


@pytest.mark.parametrize(
    "algo, kwargs",
    [
        (Reinforce, dict(n_episodes=2)),
        (ReinforceBaseline, dict(baseline="value", n_episodes=2)),
        (ReinforceBaseline, dict(baseline="optimal", n_episodes=2)),
        (TDActorCritic, dict(n_steps=1)),
        (TNPG, dict(n_steps=200, batch_size=50)),
    ],
)
@pytest.mark.parametrize("env_id", ["CartPole-v1", "Pendulum-v1"])
def test_deterministic_training(algo, kwargs, env_id):
    params = []
    for _ in range(2):
        model = algo("MlpPolicy", env_id, seed=42, **kwargs).learn(600)
        params.append([param.detach().clone() for param in model.policy.parameters()])
    for first, second in zip(*params):
        th.testing.assert_close(first, second, rtol=0, atol=0)
    # A different seed gives different parameters
    other = algo("MlpPolicy", env_id, seed=43, **kwargs).learn(600)
    assert any(not th.equal(a, b.detach()) for a, b in zip(params[0], other.policy.parameters()))
