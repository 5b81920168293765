"""Same seed, same parameters after training."""

import pytest
import torch as th

from sb3_pg import Reinforce, ReinforceBaseline


@pytest.mark.parametrize(
    "algo, kwargs",
    [(Reinforce, {}), (ReinforceBaseline, dict(baseline="value")), (ReinforceBaseline, dict(baseline="optimal"))],
)
@pytest.mark.parametrize("env_id", ["CartPole-v1", "Pendulum-v1"])
def test_deterministic_training(algo, kwargs, env_id):
    params = []
    for _ in range(2):
        model = algo("MlpPolicy", env_id, n_episodes=2, seed=42, **kwargs).learn(600)
        params.append([param.detach().clone() for param in model.policy.parameters()])
    for first, second in zip(*params):
        th.testing.assert_close(first, second, rtol=0, atol=0)
    # A different seed gives different parameters
    other = algo("MlpPolicy", env_id, n_episodes=2, seed=43, **kwargs).learn(600)
    assert any(not th.equal(a, b.detach()) for a, b in zip(params[0], other.policy.parameters()))
