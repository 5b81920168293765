"""Reinforce's and ReinforceBaseline's ``target_kl``: each update's KL(pi_old || pi_new) on its batch stays within it."""

import pytest
import torch as th
from stable_baselines3.common.callbacks import BaseCallback
from torch.nn.utils import parameters_to_vector

from sb3_pg import Reinforce, ReinforceBaseline
from sb3_pg.common.updates import approx_kl, bound_step_kl


def test_bound_step_kl_shortens_a_long_step_along_its_direction():
    th.manual_seed(0)
    logits_net = th.nn.Linear(3, 4)
    params = list(logits_net.parameters())
    observations = th.randn(256, 3)
    with th.no_grad():
        old = th.distributions.Categorical(logits=logits_net(observations))
        actions = old.sample()
        old_log_prob = old.log_prob(actions)

    def kl_of() -> float:
        with th.no_grad():
            log_ratio = th.distributions.Categorical(logits=logits_net(observations)).log_prob(actions) - old_log_prob
        return approx_kl(log_ratio).item()

    theta_old = parameters_to_vector(params).detach().clone()
    step = th.randn_like(theta_old)
    th.nn.utils.vector_to_parameters(theta_old + step, params)
    full_kl = kl_of()
    assert full_kl > 0.05
    kl, alpha = bound_step_kl(params, theta_old, kl_of, full_kl, target_kl=0.01)
    assert 0 < alpha < 1
    assert 0 < kl <= 0.01
    assert kl == pytest.approx(kl_of())
    taken = parameters_to_vector(params).detach() - theta_old
    assert th.allclose(taken, alpha * step, atol=1e-6)
    # A step within the bound is left as it is
    assert bound_step_kl(params, theta_old, kl_of, kl, target_kl=0.01) == (kl, 1.0)
    assert th.allclose(parameters_to_vector(params).detach() - theta_old, alpha * step, atol=1e-6)


class RecordUpdates(BaseCallback):
    """The logged KL and step fraction of every update (read when the next rollout starts, before the logs are dumped)."""

    def __init__(self) -> None:
        super().__init__()
        self.kls: list[float] = []
        self.fractions: list[float] = []

    def _on_rollout_start(self) -> None:
        logged = self.model.logger.name_to_value
        if "train/approx_kl" in logged:
            self.kls.append(logged["train/approx_kl"])
            self.fractions.append(logged.get("train/step_fraction", 1.0))

    def _on_step(self) -> bool:
        return True


@pytest.mark.parametrize(
    "algo, kwargs",
    [(Reinforce, {}), (ReinforceBaseline, dict(baseline="step_mean")), (ReinforceBaseline, dict(baseline="value"))],
)
def test_every_update_stays_within_target_kl(algo, kwargs):
    def run(target_kl: float | None, set_on_the_built_model: bool = False) -> RecordUpdates:
        # A large step, so that the unbounded updates overshoot the bound
        bound = None if set_on_the_built_model else target_kl
        model = algo("MlpPolicy", "CartPole-v1", learning_rate=0.05, n_episodes=8, target_kl=bound, seed=3, **kwargs)
        if set_on_the_built_model:
            model.target_kl = target_kl
        callback = RecordUpdates()
        model.learn(3_000, callback=callback)
        return callback

    unbounded = run(None)
    assert max(unbounded.kls) > 0.01
    bounded = run(0.01)
    assert len(bounded.kls) >= 5
    assert max(bounded.kls) <= 0.01
    assert min(bounded.fractions) < 1.0
    # A bound set on a built model (as SB3's users set attributes) is read at each update: the same updates
    assert run(0.01, set_on_the_built_model=True).kls == bounded.kls
