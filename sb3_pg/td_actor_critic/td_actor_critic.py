from typing import Any, ClassVar, TypeVar

import numpy as np
import torch as th
from gymnasium import spaces
from stable_baselines3.common.buffers import RolloutBuffer
from stable_baselines3.common.policies import BasePolicy
from stable_baselines3.common.type_aliases import GymEnv, MaybeCallback, Schedule
from stable_baselines3.common.utils import explained_variance
from torch.nn import functional as F

from sb3_pg.common.diagnostics import minibatch_gradient_samples, record_gradient_statistics
from sb3_pg.common.on_policy import PolicyGradientAlgorithm, rollout_tensors
from sb3_pg.common.policies import MultiInputSplitActorCriticPolicy, SplitActorCriticCnnPolicy, SplitActorCriticPolicy
from sb3_pg.common.updates import approx_kl, check_finite_loss, clip_gradients, standardize
from sb3_pg.common.utils import CheckedSchedule, check_max_grad_norm, check_positive_int, check_step_size, check_unit_interval

SelfTDActorCritic = TypeVar("SelfTDActorCritic", bound="TDActorCritic")

# Modules that compute differently in training and in evaluation mode: the online path, whose one forward pass serves
# both the action's sampling (evaluation mode in SB3) and the update (training mode), is not taken with them
_MODE_DEPENDENT_MODULES = (th.nn.modules.dropout._DropoutNd, th.nn.modules.batchnorm._NormBase)


class TDActorCritic(PolicyGradientAlgorithm):
    """
    One-step actor-critic: the policy gradient with the TD error as advantage.

    Sutton & Barto (2018), section 13.5 (one-step actor-critic, episodic).

    After each vectorised env step (``n_steps=1``), with delta_t = r_t + gamma V(s_{t+1}) - V(s_t):

        actor:  theta <- theta + alpha_theta * mean_envs[ I_t delta_t grad log pi(a_t|s_t) ]
        critic: w     <- w     + alpha_w     * mean_envs[ delta_t grad V(s_t) ]

    V(s_{t+1}) is 0 only at true termination; at time-limit truncation the target bootstraps from the real final
    observation. The target is a constant (semi-gradient TD(0)), and I_t is gamma^t with ``discount_gradient=True``
    (else 1). With ``n_steps > 1`` the advantages are GAE(gamma, ``gae_lambda``): lambda = 0 is the TD error,
    lambda = 1 the Monte-Carlo return minus V (REINFORCE with a value baseline, bootstrapped at the batch edge);
    ``n_steps > 1`` with lambda = 1 is A2C's estimator.

    :param policy: The policy model to use (MlpPolicy, CnnPolicy, MultiInputPolicy): actor and critic, one optimizer
        with a parameter group (and step size) for each; ``net_arch=dict(pi=[...], vf=[...])`` sets the two networks
    :param env: The environment to learn from (if registered in Gym, can be str)
    :param learning_rate: The actor's learning rate, it can be a function of the current progress remaining (1 to 0)
    :param critic_learning_rate: The critic's learning rate, a float or a schedule
    :param n_steps: The number of steps to run for each environment per update (1: fully online)
    :param gamma: Discount factor
    :param gae_lambda: GAE's lambda: 0 gives the one-step TD error (default), 1 Monte-Carlo advantages
    :param ent_coef: Entropy coefficient (bonus on the mean entropy per step), a float or a schedule
    :param max_grad_norm: The maximum norm of each of the actor's and the critic's gradients, ``None`` disables clipping
    :param discount_gradient: Multiply the actor's step by I_t = gamma^t, t the step's index in its episode (the
        textbook's ``I <- gamma I``), tracked per env across updates and reset at episode starts
    :param normalize_advantage: Standardise the advantages over the batch (off: the textbook update)
    :param use_sde: Whether to use generalized State Dependent Exploration (gSDE)
    :param sde_sample_freq: Sample a new noise matrix every n steps when using gSDE (-1: once per rollout)
    :param rollout_buffer_class: Rollout buffer class to use. If ``None``, it will be automatically selected.
    :param rollout_buffer_kwargs: Keyword arguments to pass to the rollout buffer on creation.
    :param log_grad_stats: Log the policy-gradient estimator's noise each update: ``train/grad_variance``,
        ``train/grad_snr`` and ``train/grad_ess`` (see :mod:`sb3_pg.common.diagnostics`), from gradient samples
        of up to 16 contiguous minibatches of the rollout (needs ``n_steps * n_envs >= 2``). Off by default: it
        costs one extra batched backward pass per update.
    :param stats_window_size: Window size for the rollout logging
    :param tensorboard_log: the log location for tensorboard (if None, no logging)
    :param policy_kwargs: additional arguments to be passed to the policy on creation
    :param verbose: Verbosity level: 0 for no output, 1 for info messages, 2 for debug messages
    :param seed: Seed for the pseudo random generators
    :param device: Device (cpu, cuda, ...) on which the code should be run.
    :param _init_setup_model: Whether or not to build the network at the creation of the instance

    With ``n_steps=1`` (the default) ``learn()`` runs SB3's loop of ``collect_rollouts`` and ``train`` with one
    saving: the forward pass that samples a_t keeps its graph, and the update differentiates it instead of computing
    pi(.|s_t) and V(s_t) again (``online_path``; docs/speed.md measures it). The update, the TD target (SB3's rollout
    buffer) and the callbacks' locals (detached, as SB3's) are the same either way. Without an entropy bonus the
    parameters are identical (tests/test_speed.py, 1 and 3 envs); with ``ent_coef=0.01`` they differ by rounding
    (at most 2.7e-7 after 600 steps of CartPole-v1), as the entropy's graph is built in another order. It is not taken
    with gSDE, Dict observations, ``log_grad_stats``, a custom rollout buffer class, dropout or batch normalisation in
    the policy, or ``online_path = False``.
    """

    policy_aliases: ClassVar[dict[str, type[BasePolicy]]] = {
        "MlpPolicy": SplitActorCriticPolicy,
        "CnnPolicy": SplitActorCriticCnnPolicy,
        "MultiInputPolicy": MultiInputSplitActorCriticPolicy,
    }
    policy: SplitActorCriticPolicy
    _gradient_discounts: np.ndarray
    # Measuring the KL costs a forward pass, as much as a third of an online update: sample every 10th update
    approx_kl_interval: int = 10
    # learn() with n_steps=1 reuses the collection's forward pass where it applies (False: SB3's loop as it is)
    online_path: bool = True

    def __init__(
        self,
        policy: str | type[SplitActorCriticPolicy],
        env: GymEnv | str,
        learning_rate: float | Schedule = 5e-4,
        critic_learning_rate: float | Schedule = 2e-3,
        n_steps: int = 1,
        gamma: float = 0.99,
        gae_lambda: float = 0.0,
        ent_coef: float | Schedule = 0.0,
        max_grad_norm: float | None = None,
        discount_gradient: bool = False,
        normalize_advantage: bool = False,
        use_sde: bool = False,
        sde_sample_freq: int = -1,
        rollout_buffer_class: type[RolloutBuffer] | None = None,
        rollout_buffer_kwargs: dict[str, Any] | None = None,
        log_grad_stats: bool = False,
        stats_window_size: int = 100,
        tensorboard_log: str | None = None,
        policy_kwargs: dict[str, Any] | None = None,
        verbose: int = 0,
        seed: int | None = None,
        device: th.device | str = "auto",
        _init_setup_model: bool = True,
    ):
        check_step_size("critic_learning_rate", critic_learning_rate)
        check_positive_int("n_steps", n_steps)
        check_unit_interval("gamma", gamma)
        check_unit_interval("gae_lambda", gae_lambda)
        check_max_grad_norm(max_grad_norm)
        super().__init__(
            policy,
            env,
            learning_rate=learning_rate,
            n_steps=n_steps,
            gamma=gamma,
            gae_lambda=gae_lambda,
            ent_coef=ent_coef,
            max_grad_norm=max_grad_norm,
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
        )
        self.critic_learning_rate = critic_learning_rate
        self.discount_gradient = discount_gradient
        self.normalize_advantage = normalize_advantage
        self.log_grad_stats = log_grad_stats
        if log_grad_stats and self.env is not None and self.n_envs * n_steps < 2:
            raise ValueError(
                f"log_grad_stats=True needs n_steps * n_envs >= 2 gradient samples per update, got n_steps={n_steps} "
                f"and n_envs={self.n_envs}"
            )
        if _init_setup_model:
            self._setup_model()

    def _setup_model(self) -> None:
        super()._setup_model()
        self.critic_lr_schedule = CheckedSchedule("critic_learning_rate", self.critic_learning_rate)
        # I_t of each env for the next step (the textbook's I), carried across updates
        gradient_discounts = getattr(self, "_gradient_discounts", None)
        if gradient_discounts is None or len(gradient_discounts) != self.n_envs:
            self._gradient_discounts = np.ones(self.n_envs, dtype=np.float32)
        self._explained_variance_data: list[tuple[np.ndarray, np.ndarray]] = []

    def _excluded_save_params(self) -> list[str]:
        return [*super()._excluded_save_params(), "_explained_variance_data"]

    def _step_discounts(self, episode_starts: np.ndarray) -> np.ndarray:
        """I_t for each row of the rollout: 1 at an episode's first step, times gamma at each later step."""
        discounts = np.empty_like(episode_starts, dtype=np.float32)
        current = self._gradient_discounts
        for row in range(len(episode_starts)):
            current = np.where(episode_starts[row] > 0, 1.0, current).astype(np.float32)
            discounts[row] = current
            current = current * self.gamma
        self._gradient_discounts = current
        return discounts

    def _online_path_applies(self) -> bool:
        """Whether ``learn()`` reuses the collection's forward pass (see the class docstring)."""
        return (
            self.online_path
            and self.n_steps == 1
            and not self.use_sde
            and not self.log_grad_stats
            and not isinstance(self.observation_space, spaces.Dict)
            and type(self.rollout_buffer) is RolloutBuffer
            and not any(isinstance(module, _MODE_DEPENDENT_MODULES) for module in self.policy.modules())
        )

    def train(self) -> None:
        """
        One actor step and one critic step on the rollout (one vectorised env step by default), with the TD error
        delta_t = r_t + gamma V(s_{t+1}) - V(s_t) (GAE(lambda) in general) as SB3's rollout buffer computes it:
        V(s_{t+1}) = 0 at termination; at time-limit truncation r_t includes gamma V(final observation).
        """
        self.policy.set_training_mode(True)
        self._update_learning_rate(self.policy.optimizer)
        buffer = self.rollout_buffer
        kept, self.policy.kept_forward = self.policy.kept_forward, None

        self.logger.record_mean("train/td_error", float(np.abs(buffer.advantages).mean()))
        self._explained_variance_data.append((buffer.values.flatten(), buffer.returns.flatten()))
        if self.normalize_advantage and buffer.advantages.size > 1:
            buffer.advantages = standardize(buffer.advantages)
        if self.discount_gradient:
            buffer.advantages = buffer.advantages * self._step_discounts(buffer.episode_starts)
        # The rollout in time order (one row per env with n_steps=1, the rows of the collection's forward pass)
        observations, actions, old_log_prob, advantages, returns = rollout_tensors(buffer)
        actions = self._loss_actions(actions)
        if kept is None:
            values, log_prob, entropy = self.policy.evaluate_actions(observations, actions)
        else:
            # The forward pass that sampled a_t, with its graph: the same pi(a_t|s_t) and V(s_t), computed once
            values, log_prob, entropy = kept

        if self.log_grad_stats:
            # Samples of the actor's gradient mean_t I_t delta_t grad log pi(a_t|s_t), from contiguous minibatches
            samples = minibatch_gradient_samples(log_prob, advantages, self.policy.actor_parameters())
            record_gradient_statistics(self.logger, samples, mean=True)
        # Actor: -I_t delta_t log pi(a_t|s_t), delta_t a constant
        policy_loss = -(advantages * log_prob).mean()
        # Critic: semi-gradient TD(0), 0.5 (r + gamma V(s') - V(s))^2 with the target r + gamma V(s') held fixed,
        # whose gradient step is w <- w + alpha_w delta grad V(s)
        value_loss = 0.5 * F.mse_loss(values.flatten(), returns)
        entropy_loss = -(-log_prob if entropy is None else entropy).mean()
        loss = policy_loss + value_loss
        ent_coef = self._current_ent_coef()
        if ent_coef > 0:
            loss = loss + ent_coef * entropy_loss
        advice = "Lower the step sizes or set max_grad_norm."
        check_finite_loss(loss, policy_loss, value_loss, self._n_updates + 1, advice, returns)

        # One step: each parameter group at its own step size (a shared features extractor gets both losses' gradients)
        self.policy.optimizer.zero_grad()
        loss.backward()
        grad_norm = clip_gradients(self.policy, self.max_grad_norm)
        self.policy.optimizer.step()

        if self._n_updates % self.approx_kl_interval == 0:
            with th.no_grad():
                # KL(old || new) on the batch, estimated as E_old[(r - 1) - log r] with r = pi_new / pi_old
                log_ratio = self.policy.get_distribution(observations).log_prob(actions) - old_log_prob
                self.logger.record_mean("train/approx_kl", approx_kl(log_ratio).item())
        # Updates are frequent: the logged values are means over the logging interval
        for key, value in (("policy", policy_loss), ("value", value_loss), ("entropy", entropy_loss)):
            self.logger.record_mean(f"train/{key}_loss", value.item())
        self.logger.record_mean("train/grad_norm", grad_norm.item())
        self._record_update()

    def dump_logs(self, iteration: int = 0) -> None:
        """Write the logs, with the explained variance of V over all the updates since the last write."""
        if self._explained_variance_data:
            values, returns = (np.concatenate(arrays) for arrays in zip(*self._explained_variance_data))
            self.logger.record("train/explained_variance", float(explained_variance(values, returns)))
            self._explained_variance_data = []
        super().dump_logs(iteration)

    def learn(
        self: SelfTDActorCritic,
        total_timesteps: int,
        callback: MaybeCallback = None,
        log_interval: int = 100,
        tb_log_name: str = "TDActorCritic",
        reset_num_timesteps: bool = True,
        progress_bar: bool = False,
    ) -> SelfTDActorCritic:
        self.policy.keep_graph = self._online_path_applies()
        try:
            return super().learn(
                total_timesteps=total_timesteps,
                callback=callback,
                log_interval=log_interval,
                tb_log_name=tb_log_name,
                reset_num_timesteps=reset_num_timesteps,
                progress_bar=progress_bar,
            )
        finally:
            self.policy.keep_graph, self.policy.kept_forward = False, None
