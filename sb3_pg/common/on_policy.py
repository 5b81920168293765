"""The shared base of sb3_pg's four algorithms: what all of them do, once."""

import warnings
from typing import Any

import numpy as np
import torch as th
from gymnasium import spaces
from stable_baselines3.common.buffers import RolloutBuffer
from stable_baselines3.common.callbacks import BaseCallback
from stable_baselines3.common.on_policy_algorithm import OnPolicyAlgorithm
from stable_baselines3.common.type_aliases import GymEnv, MaybeCallback, PyTorchObs, Schedule

from sb3_pg.common.callbacks import with_finite_check
from sb3_pg.common.policies import ActorPolicy, SplitActorCriticPolicy
from sb3_pg.common.updates import update_critic_learning_rate
from sb3_pg.common.utils import (
    CheckedSchedule,
    check_action_space,
    check_entropy_coef,
    check_step_size,
    no_distribution_validation,
    warn_if_cuda_unavailable,
)


class PolicyGradientAlgorithm(OnPolicyAlgorithm):
    """
    SB3's ``OnPolicyAlgorithm`` with what every sb3_pg algorithm adds to it:

    - the checks all four share: the learning rate and the entropy coefficient, each a float or a schedule (a
      ValueError naming the parameter),
      the action space (Box, Discrete, MultiDiscrete, MultiBinary), the policy (an sb3_pg policy, whose actor and
      critic parameters are known), and a warning when CUDA is asked for and missing (SB3 falls back silently);
    - step sizes whose values are checked when used (:class:`sb3_pg.common.utils.CheckedSchedule`), and a critic
      with its own step size (``critic_lr_schedule``, set at each update after SB3 sets the actor's);
    - SB3's advice to train an MLP policy on the CPU, for our ``MlpPolicy`` classes;
    - rewards and observations checked for NaN and inf at every env step
      (:func:`sb3_pg.common.callbacks.with_finite_check`), and torch.distributions' argument validation off while
      learning (:func:`sb3_pg.common.utils.no_distribution_validation`; it changes no computed value);
    - the logs of every update: ``train/n_updates`` and, for Gaussian policies, ``train/std``.

    The parameters are those of SB3's ``OnPolicyAlgorithm``, without ``vf_coef`` (unused: a critic has its own step
    size rather than a weight in a joint loss) and ``supported_action_spaces`` (checked here).
    """

    policy: ActorPolicy | SplitActorCriticPolicy
    # The policy class(es) the algorithm can train
    policy_base: type | tuple[type, ...] = SplitActorCriticPolicy
    # The critic's own step size (None: no critic, or one that uses ``learning_rate``)
    critic_lr_schedule: Schedule | None = None

    def __init__(
        self,
        policy: str | type[ActorPolicy | SplitActorCriticPolicy],
        env: GymEnv | str,
        learning_rate: float | Schedule,
        n_steps: int | None,
        gamma: float,
        gae_lambda: float,
        ent_coef: float | Schedule,
        max_grad_norm: float | None,
        use_sde: bool,
        sde_sample_freq: int,
        rollout_buffer_class: type[RolloutBuffer] | None,
        rollout_buffer_kwargs: dict[str, Any] | None,
        stats_window_size: int,
        tensorboard_log: str | None,
        policy_kwargs: dict[str, Any] | None,
        verbose: int,
        seed: int | None,
        device: th.device | str,
    ):
        check_step_size("learning_rate", learning_rate)
        if not callable(learning_rate) and learning_rate == 0:
            warnings.warn(f"{type(self).__name__}: learning_rate=0, the parameters it sets will not change", UserWarning)
        check_entropy_coef(ent_coef)
        warn_if_cuda_unavailable(device)
        super().__init__(
            policy,
            env,
            learning_rate=learning_rate,
            n_steps=n_steps,  # type: ignore[arg-type]  # Reinforce's batch may be set in episodes instead
            gamma=gamma,
            gae_lambda=gae_lambda,
            ent_coef=ent_coef,  # type: ignore[arg-type]  # a float or a schedule (read by _current_ent_coef)
            vf_coef=0.0,
            max_grad_norm=max_grad_norm,  # type: ignore[arg-type]  # None: no clipping
            use_sde=use_sde,
            sde_sample_freq=sde_sample_freq,
            rollout_buffer_class=rollout_buffer_class,
            rollout_buffer_kwargs=rollout_buffer_kwargs,
            stats_window_size=stats_window_size,
            tensorboard_log=tensorboard_log,
            policy_kwargs=policy_kwargs,
            verbose=verbose,
            device=device,
            seed=seed,
            _init_setup_model=False,
            supported_action_spaces=None,
        )
        # Saved with the model, so that loading the file with another algorithm's class is refused by name
        self.algorithm_class = type(self).__name__

    def _setup_lr_schedule(self) -> None:
        # SB3's schedule, with each value checked (>= 0 and finite) when it is used
        self.lr_schedule = CheckedSchedule("learning_rate", self.learning_rate)

    def _check_saved_class(self) -> None:
        """Refuse a file saved by another algorithm (``load()`` sets the saved attributes, then calls ``_setup_model``)."""
        if self.algorithm_class != type(self).__name__:
            raise ValueError(
                f"this file holds a {self.algorithm_class}, not a {type(self).__name__}: load it with "
                f"{self.algorithm_class}.load"
            )

    def _setup_model(self) -> None:
        """SB3's set-up (step sizes, seeds, rollout buffer, policy), between the checks of the action space and policy."""
        self._check_saved_class()
        check_action_space(type(self).__name__, self.action_space)
        super()._setup_model()
        if not isinstance(self.policy, self.policy_base):
            bases = self.policy_base if isinstance(self.policy_base, tuple) else (self.policy_base,)
            raise ValueError(
                f"policy {type(self.policy).__name__} is not an sb3_pg policy that {type(self).__name__} can train: use "
                f"(a subclass of) {' or '.join(base.__name__ for base in bases)} from sb3_pg.common.policies"
            )
        # SB3's advice to train an MLP policy on the CPU, for our MlpPolicy class (SB3 checks its own)
        self._maybe_recommend_cpu(self._get_policy_from_name("MlpPolicy").__name__)

    def _current_ent_coef(self) -> float:
        """
        The entropy coefficient of this update: ``ent_coef``, a float or a schedule, read at each update (so that a
        value set on the model after it was built, as SB3's users do, takes effect) and checked; a schedule's value is
        logged.
        """
        ent_coef = CheckedSchedule("ent_coef", self.ent_coef)(self._current_progress_remaining)
        if callable(self.ent_coef):
            self.logger.record("train/ent_coef", ent_coef)
        return ent_coef

    def _update_learning_rate(self, optimizers: list[th.optim.Optimizer] | th.optim.Optimizer) -> None:
        # SB3 sets every parameter group's step size to the actor's; then the critic's group gets its own
        super()._update_learning_rate(optimizers)
        if self.critic_lr_schedule is not None:
            assert isinstance(self.policy, SplitActorCriticPolicy)
            update_critic_learning_rate(self.policy, self.critic_lr_schedule, self._current_progress_remaining, self.logger)

    def _loss_actions(self, actions: th.Tensor) -> th.Tensor:
        """The buffer's actions as the distributions take them (Discrete: a flat vector of indices)."""
        return actions.long().flatten() if isinstance(self.action_space, spaces.Discrete) else actions

    def _record_update(self) -> None:
        """Count the update; log the count and, for a Gaussian policy, its standard deviation."""
        self._n_updates += 1
        self.logger.record("train/n_updates", self._n_updates, exclude="tensorboard")
        if hasattr(self.policy, "log_std"):
            self.logger.record("train/std", th.exp(self.policy.log_std).mean().item())

    def _init_callback(self, callback: MaybeCallback, progress_bar: bool = False) -> BaseCallback:
        # Every run checks rewards and observations for NaN and inf
        return super()._init_callback(with_finite_check(callback), progress_bar)

    def learn(self, *args: Any, **kwargs: Any) -> Any:
        with no_distribution_validation():
            return super().learn(*args, **kwargs)


def rollout_tensors(buffer: RolloutBuffer) -> tuple[PyTorchObs, th.Tensor, th.Tensor, th.Tensor, th.Tensor]:
    """
    The whole rollout of SB3's ``RolloutBuffer`` as tensors in time order, one row per (step, env): rows
    ``t * n_envs`` to ``(t + 1) * n_envs - 1`` are step t of every env (SB3's ``get()`` hands them out shuffled).

    :param buffer: A full rollout buffer whose returns and advantages are computed, before any ``get()``
    :return: observations, actions, log pi_old(a|s), advantages, returns
    """
    assert not buffer.generator_ready, "the buffer's arrays were flattened by get()"
    n_samples = buffer.buffer_size * buffer.n_envs

    def flat(array: np.ndarray) -> th.Tensor:
        return buffer.to_torch(array.reshape(n_samples, *array.shape[2:]))

    observations: PyTorchObs
    if isinstance(buffer.observations, dict):
        observations = {key: flat(obs) for key, obs in buffer.observations.items()}
    else:
        observations = flat(buffer.observations)
    # The actions are stored in the action space's dtype; the distributions take them as floats (as SB3's get())
    actions = flat(buffer.actions.astype(np.float32, copy=False))
    return observations, actions, flat(buffer.log_probs), flat(buffer.advantages), flat(buffer.returns)
