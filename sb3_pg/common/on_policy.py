"""What every sb3_pg algorithm adds to SB3's ``OnPolicyAlgorithm`` around ``learn()``."""

from typing import Any

from stable_baselines3.common.callbacks import BaseCallback
from stable_baselines3.common.on_policy_algorithm import OnPolicyAlgorithm
from stable_baselines3.common.type_aliases import MaybeCallback

from sb3_pg.common.callbacks import with_finite_check
from sb3_pg.common.utils import no_distribution_validation


class PolicyGradientAlgorithm(OnPolicyAlgorithm):
    """
    SB3's ``OnPolicyAlgorithm`` with two things every sb3_pg algorithm does while it learns: rewards and observations
    are checked for NaN and inf at every step (:func:`sb3_pg.common.callbacks.with_finite_check`), and
    torch.distributions' argument validation is off (:func:`sb3_pg.common.utils.no_distribution_validation`: its
    checks cost more than the distributions' arithmetic on small batches; the global setting is restored afterwards).
    """

    def _init_callback(self, callback: MaybeCallback, progress_bar: bool = False) -> BaseCallback:
        # Every run checks rewards and observations for NaN and inf
        return super()._init_callback(with_finite_check(callback), progress_bar)

    def learn(self, *args: Any, **kwargs: Any) -> Any:
        with no_distribution_validation():
            return super().learn(*args, **kwargs)
