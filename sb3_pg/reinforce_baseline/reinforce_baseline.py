from typing import Any, ClassVar, TypeVar

import torch as th
from stable_baselines3.common.buffers import RolloutBuffer
from stable_baselines3.common.policies import BasePolicy
from stable_baselines3.common.type_aliases import GymEnv, MaybeCallback, Schedule
from stable_baselines3.common.utils import explained_variance

from sb3_pg.common.buffers import EpisodicSamples
from sb3_pg.common.diagnostics import batched_gradients, group_weights
from sb3_pg.common.policies import MultiInputSplitActorCriticPolicy, SplitActorCriticCnnPolicy, SplitActorCriticPolicy
from sb3_pg.common.updates import critic_regression_step
from sb3_pg.common.utils import CheckedSchedule, check_positive_int, check_step_size
from sb3_pg.reinforce.reinforce import DEFAULT_MAX_EPISODE_STEPS, Reinforce

SelfReinforceBaseline = TypeVar("SelfReinforceBaseline", bound="ReinforceBaseline")

BASELINES = ("value", "mean", "step_mean", "optimal")


class ReinforceBaseline(Reinforce):
    """
    REINFORCE with a baseline: the Monte-Carlo policy gradient with psi_t - b_t in place of psi_t.

    Paper: Williams (1992) https://doi.org/10.1007/BF00992696 ; Sutton & Barto (2018), section 13.4.

    Subtracting a baseline b_t that does not depend on the action a_t leaves the gradient estimate unbiased,
    since E[grad log pi(a_t|s_t) b_t] = 0, and can reduce its variance a lot. Three baselines:

    - ``"value"``: a learned V(s_t), regressed on the Monte-Carlo returns. Each batch uses the critic as it was
      when the batch was collected; the critic is then fitted on the batch (``n_critic_updates`` full-batch steps at
      ``critic_learning_rate``, the first one taken together with the policy step), so a step's baseline never saw
      that step's action.
    - ``"mean"``: the mean return over the steps of the *other* episodes of the batch (leave-one-out, so that
      it is independent of the episode it is subtracted from; needs at least 2 episodes per batch).
    - ``"step_mean"``: a time-dependent baseline, the mean of G_t over the *other* episodes of the batch that last
      beyond step t (leave-one-out; 0 where none does). When the returns depend on time more than on the state
      (every episode of a batch failing the same way, as in Acrobot before the goal is found) they cancel exactly,
      where a V(s_t) without the time cannot fit them. Needs at least 2 episodes per batch.
    - ``"optimal"``: the constant that minimises the estimator's variance (trace of the covariance),
      ``b = E[g . h] / E[|g|^2]`` with g = sum_t w_t grad log pi(a_t|s_t) and h = sum_t w_t psi_t grad log pi(a_t|s_t)
      per episode; for the episode return this is ``E[|grad log p(tau)|^2 R] / E[|grad log p(tau)|^2]``.
      Estimated leave-one-out from the batch's per-episode gradients (one batched backward pass).

    :param policy: The policy model to use (MlpPolicy, CnnPolicy, MultiInputPolicy). With ``baseline="value"`` it
        has a value network with its own step size; with the baselines from the batch it is the actor alone.
    :param env: The environment to learn from (if registered in Gym, can be str)
    :param learning_rate: The actor's learning rate, it can be a function of the current progress remaining
    :param n_episodes: Number of complete episodes per update (exclusive with ``n_steps``; default 8)
    :param n_steps: Alternative batch size: at least this many steps per update, in complete episodes (and, with
        the baselines from the batch, at least 2 episodes)
    :param gamma: Discount factor
    :param baseline: ``"value"`` (default), ``"mean"``, ``"step_mean"`` or ``"optimal"`` (see above)
    :param critic_learning_rate: The critic's learning rate (``baseline="value"``), a float or a schedule
    :param n_critic_updates: Number of full-batch critic steps per update (``baseline="value"``)
    :param return_type: ``"reward_to_go"`` (psi_t = G_t, default) or ``"episode"`` (psi_t = G_0)
    :param discount_gradient: Multiply step t's term by gamma^t (unbiased for the discounted objective)
    :param normalize_advantage: Standardise psi_t - b_t over the batch (a trick that makes the step biased)
    :param ent_coef: Entropy coefficient: adds ``ent_coef * sum_t H(pi(.|s_t))`` per episode to the objective (a float
        or a schedule)
    :param max_grad_norm: The maximum value for the gradient clipping (actor and critic), ``None`` disables it
    :param target_kl: Bound on each update's KL(pi_old || pi_new) on the batch (see :class:`Reinforce`); ``None``: none
    :param max_episode_steps: Longest episode a batch may wait for (see :class:`Reinforce`)
    :param use_sde: Whether to use generalized State Dependent Exploration (gSDE)
    :param sde_sample_freq: Sample a new noise matrix every n steps when using gSDE (-1: once per batch)
    :param rollout_buffer_class: Rollout buffer class to use (an episodic buffer). If ``None``, it is selected
        from the observation space.
    :param rollout_buffer_kwargs: Keyword arguments to pass to the rollout buffer on creation.
    :param log_grad_stats: Log the policy-gradient estimator's noise each update: ``train/grad_variance``,
        ``train/grad_snr`` and ``train/grad_ess`` (see :mod:`sb3_pg.common.diagnostics`), from per-episode gradient samples.
        Off by default: it costs one extra batched backward pass per update.
    :param stats_window_size: Window size for the rollout logging
    :param tensorboard_log: the log location for tensorboard (if None, no logging)
    :param policy_kwargs: additional arguments to be passed to the policy on creation
    :param verbose: Verbosity level: 0 for no output, 1 for info messages, 2 for debug messages
    :param seed: Seed for the pseudo random generators
    :param device: Device (cpu, cuda, ...) on which the code should be run.
    :param _init_setup_model: Whether or not to build the network at the creation of the instance
    """

    policy_aliases: ClassVar[dict[str, type[BasePolicy]]] = {
        "MlpPolicy": SplitActorCriticPolicy,
        "CnnPolicy": SplitActorCriticCnnPolicy,
        "MultiInputPolicy": MultiInputSplitActorCriticPolicy,
    }

    def __init__(
        self,
        policy: str | type[BasePolicy],
        env: GymEnv | str,
        learning_rate: float | Schedule = 1e-3,
        n_episodes: int | None = None,
        n_steps: int | None = None,
        gamma: float = 0.99,
        baseline: str = "value",
        critic_learning_rate: float | Schedule = 1e-3,
        n_critic_updates: int = 5,
        return_type: str = "reward_to_go",
        discount_gradient: bool = False,
        normalize_advantage: bool = False,
        ent_coef: float | Schedule = 0.0,
        max_grad_norm: float | None = None,
        target_kl: float | Schedule | None = None,
        max_episode_steps: int = DEFAULT_MAX_EPISODE_STEPS,
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
        if baseline not in BASELINES:
            raise ValueError(f"baseline={baseline!r} is not one of {BASELINES}")
        check_step_size("critic_learning_rate", critic_learning_rate)
        check_positive_int("n_critic_updates", n_critic_updates)
        if baseline != "value" and n_episodes is not None and n_episodes < 2:
            raise ValueError(
                f"baseline={baseline!r} is estimated from the other episodes of the batch: n_episodes={n_episodes} "
                "must be >= 2"
            )
        # Set before the parent's constructor, which picks the policy class from it
        self.baseline = baseline
        self.critic_learning_rate = critic_learning_rate
        self.n_critic_updates = n_critic_updates

        super().__init__(
            policy,  # type: ignore[arg-type]
            env,
            learning_rate=learning_rate,
            n_episodes=n_episodes,
            n_steps=n_steps,
            gamma=gamma,
            return_type=return_type,
            discount_gradient=discount_gradient,
            normalize_advantage=normalize_advantage,
            ent_coef=ent_coef,
            max_grad_norm=max_grad_norm,
            target_kl=target_kl,
            max_episode_steps=max_episode_steps,
            use_sde=use_sde,
            sde_sample_freq=sde_sample_freq,
            rollout_buffer_class=rollout_buffer_class,
            rollout_buffer_kwargs=rollout_buffer_kwargs,
            log_grad_stats=log_grad_stats,
            stats_window_size=stats_window_size,
            tensorboard_log=tensorboard_log,
            policy_kwargs=policy_kwargs,
            verbose=verbose,
            seed=seed,
            device=device,
            _init_setup_model=_init_setup_model,
        )

    def _get_policy_from_name(self, policy_name: str) -> type[BasePolicy]:
        # A baseline from the batch needs no value network: use REINFORCE's actor-only policies
        aliases = self.policy_aliases if self.baseline == "value" else Reinforce.policy_aliases
        if policy_name not in aliases:
            raise ValueError(f"Policy {policy_name} unknown: use one of {sorted(aliases)}")
        return aliases[policy_name]

    def _setup_model(self) -> None:
        super()._setup_model()
        if self.baseline == "value":
            if not isinstance(self.policy, SplitActorCriticPolicy):
                raise ValueError(
                    f"baseline='value' needs a policy with a value network and its own step size "
                    f"(a SplitActorCriticPolicy), got {type(self.policy).__name__}"
                )
            self.critic_lr_schedule = CheckedSchedule("critic_learning_rate", self.critic_learning_rate)

    def _min_episodes_per_batch(self) -> int:
        # A baseline from the batch is estimated from its other episodes: with n_steps batches, keep collecting
        # until there are two (with one, the baseline would be 0: plain REINFORCE)
        return 1 if self.baseline == "value" else 2

    def _advantages(self, data: EpisodicSamples, log_prob: th.Tensor) -> th.Tensor:
        """
        psi_t - b_t for the chosen baseline. A baseline from the batch is computed in float64, so that returns that
        equal it cancel exactly: float32 rounding would leave advantages of ~1e-7, which Adam, invariant to the
        gradient's scale, turns into full-size steps.
        """
        if self.baseline == "value":
            # V(s_t) from the critic as it was when the batch was collected
            return data.returns - data.old_values
        returns = data.returns.double()
        if self.baseline == "step_mean":
            # b_t: the mean return at the same step t of the other episodes that reach it (0 where none does); an
            # episode has one step per t, so leaving it out is subtracting its own return from the sum
            steps = data.step_index.long()
            totals = th.zeros(int(steps.max()) + 1, dtype=returns.dtype, device=returns.device).index_add_(0, steps, returns)
            others = th.bincount(steps)[steps] - 1
            baselines = th.where(others > 0, (totals[steps] - returns) / others.clamp_min(1), th.zeros_like(returns))
        else:
            episode_ids = data.episode_ids
            if self.baseline == "mean":
                numerators = th.zeros(self.rollout_buffer.n_episodes, dtype=returns.dtype, device=returns.device)
                numerators = numerators.index_add_(0, episode_ids, returns)
                denominators = th.bincount(episode_ids, minlength=self.rollout_buffer.n_episodes).to(returns.dtype)
            else:
                numerators, denominators = (term.double() for term in self._optimal_baseline_terms(data, log_prob))
            # Leave-one-out: episode i's baseline comes from the other episodes only
            others_num = numerators.sum() - numerators
            others_den = denominators.sum() - denominators
            per_episode = th.where(others_den > 0, others_num / others_den.clamp_min(1e-12), th.zeros_like(others_num))
            baselines = per_episode[episode_ids]
        # The mean of b_t over the batch's steps
        self.logger.record("train/baseline", baselines.mean().item())
        return (returns - baselines).to(data.returns.dtype)

    def _optimal_baseline_terms(self, data: EpisodicSamples, log_prob: th.Tensor) -> tuple[th.Tensor, th.Tensor]:
        """
        Per-episode g_i . h_i and |g_i|^2 (see the class docstring), from per-episode gradients computed in one
        batched backward pass over the batch's log-probabilities.
        """
        n_episodes = self.rollout_buffer.n_episodes
        weights = data.discounts if self.discount_gradient else th.ones_like(data.returns)
        # Row i selects episode i's steps: g_i = sum_t w_t grad log pi, h_i = sum_t w_t psi_t grad log pi
        selector = group_weights(data.episode_ids, n_episodes, weights.to(log_prob.dtype))
        flat = batched_gradients(log_prob, th.cat([selector, selector * data.returns]), self.policy.actor_parameters())
        g, h = flat[:n_episodes], flat[n_episodes:]
        return (g * h).sum(dim=1), (g * g).sum(dim=1)

    def _fit_critic(self, data: EpisodicSamples, first_value_loss: float) -> None:
        """
        The rest of the critic's fit, after its first step (taken with the policy step): ``n_critic_updates - 1``
        full-batch steps of ``mean_t (V(s_t) - G_t)^2``.

        :param data: The batch
        :param first_value_loss: The value loss of the first step, before it
        """
        assert isinstance(self.policy, SplitActorCriticPolicy)  # checked in _setup_model
        value_losses = [first_value_loss] + [
            critic_regression_step(self.policy, data.observations, data.returns, self.max_grad_norm)
            for _ in range(self.n_critic_updates - 1)
        ]
        self.logger.record("train/value_loss", sum(value_losses) / len(value_losses))
        self.logger.record(
            "train/explained_variance", explained_variance(data.old_values.cpu().numpy(), data.returns.cpu().numpy())
        )

    def learn(
        self: SelfReinforceBaseline,
        total_timesteps: int,
        callback: MaybeCallback = None,
        log_interval: int = 1,
        tb_log_name: str = "ReinforceBaseline",
        reset_num_timesteps: bool = True,
        progress_bar: bool = False,
    ) -> SelfReinforceBaseline:
        return super().learn(
            total_timesteps=total_timesteps,
            callback=callback,
            log_interval=log_interval,
            tb_log_name=tb_log_name,
            reset_num_timesteps=reset_num_timesteps,
            progress_bar=progress_bar,
        )
