import warnings
from typing import Any, ClassVar, TypeVar

import numpy as np
import torch as th
from gymnasium import spaces
from stable_baselines3.common.buffers import RolloutBuffer
from stable_baselines3.common.callbacks import BaseCallback
from stable_baselines3.common.policies import BasePolicy
from stable_baselines3.common.type_aliases import GymEnv, MaybeCallback, Schedule
from stable_baselines3.common.utils import obs_as_tensor
from stable_baselines3.common.vec_env import VecEnv
from torch.nn import functional as F
from torch.nn.utils import parameters_to_vector

from sb3_pg.common.buffers import RETURN_TYPES, DictEpisodicRolloutBuffer, EpisodicRolloutBuffer, EpisodicSamples
from sb3_pg.common.diagnostics import batched_gradients, group_weights, record_gradient_statistics
from sb3_pg.common.on_policy import PolicyGradientAlgorithm
from sb3_pg.common.policies import ActorCnnPolicy, ActorPolicy, MultiInputActorPolicy, SplitActorCriticPolicy
from sb3_pg.common.updates import approx_kl, bound_step_kl, check_finite_loss, clip_gradients, standardize
from sb3_pg.common.utils import (
    CheckedSchedule,
    check_max_grad_norm,
    check_positive_finite,
    check_positive_int,
    check_unit_interval,
)

SelfReinforce = TypeVar("SelfReinforce", bound="Reinforce")

DEFAULT_N_EPISODES = 8
DEFAULT_MAX_EPISODE_STEPS = 100_000


class Reinforce(PolicyGradientAlgorithm):
    """
    REINFORCE: Monte-Carlo policy gradient (vanilla, no critic).

    Paper: Williams (1992) https://doi.org/10.1007/BF00992696 ; Sutton & Barto (2018), section 13.3.

    Each update samples complete episodes with the current policy and takes one gradient step on

        loss = -(1/N) sum_episodes sum_t w_t * psi_t * log pi(a_t|s_t)

    where N is the number of episodes in the batch, psi_t is the reward-to-go G_t (or the whole episode's
    return G_0) and w_t is gamma^t with ``discount_gradient=True`` (else 1). With plain SGD the step is
    ``learning_rate`` times an unbiased estimate of the policy gradient (see docs/reinforce.md).

    :param policy: The policy model to use (MlpPolicy, CnnPolicy, MultiInputPolicy): actor only, no value network
    :param env: The environment to learn from (if registered in Gym, can be str)
    :param learning_rate: The learning rate, it can be a function of the current progress remaining (from 1 to 0)
    :param n_episodes: Number of complete episodes per update (the N of the estimator), spread evenly over the envs.
        Exclusive with ``n_steps``; when both are ``None``, 8 episodes.
    :param n_steps: Alternative batch size: at least this many steps per update, in complete episodes
        (each env collects episodes until its share ``n_steps / n_envs`` is reached)
    :param gamma: Discount factor
    :param return_type: ``"reward_to_go"`` (psi_t = G_t, default) or ``"episode"`` (psi_t = G_0, the whole
        trajectory's return, as in the trajectory form of the policy-gradient theorem)
    :param discount_gradient: Multiply step t's term by gamma^t, as in Sutton & Barto's pseudocode. Only then is the
        reward-to-go update unbiased for the gradient of the discounted objective when gamma < 1; the common form
        without it is not (it weights late steps as much as early ones). The episode return needs no such factor.
    :param normalize_advantage: Standardise psi over the batch (zero mean, unit variance) before the loss. A
        variance-reduction trick (a batch-mean baseline and a rescaled step size), which makes the update biased.
    :param ent_coef: Entropy coefficient: adds ``ent_coef * sum_t H(pi(.|s_t))`` per episode to the objective (a float
        or a schedule of the progress remaining, e.g. a bonus that decays as the policy improves)
    :param max_grad_norm: The maximum value for the gradient clipping, ``None`` disables clipping
    :param target_kl: Bound on each update's KL(pi_old || pi_new), measured on the batch (a float or a schedule;
        ``None``, the default: no bound). A longer step is shortened along its direction until its KL is within the
        bound (:func:`sb3_pg.common.updates.bound_step_kl`): a trust region, as in TRPO (Schulman et al. 2015), on the
        plain gradient step. The step size still comes from ``learning_rate``; the bound only cuts the outliers.
    :param max_episode_steps: Longest episode a batch may wait for: an episode still running after this many steps
        stops training with a ValueError (the algorithm learns from complete episodes only, so an env that never
        ends would otherwise collect, and store, forever). A warning is given once when an episode reaches a tenth
        of it. Give such envs a time limit (``gymnasium.wrappers.TimeLimit``).
    :param use_sde: Whether to use generalized State Dependent Exploration (gSDE)
    :param sde_sample_freq: Sample a new noise matrix every n steps when using gSDE (-1: once per batch)
    :param rollout_buffer_class: Rollout buffer class to use (an episodic buffer). If ``None``, it is selected
        from the observation space.
    :param rollout_buffer_kwargs: Keyword arguments to pass to the rollout buffer on creation.
    :param log_grad_stats: Log the policy-gradient estimator's noise each update: ``train/grad_variance``,
        ``train/grad_snr`` and ``train/grad_ess`` (see :mod:`sb3_pg.common.diagnostics`), from per-episode gradient samples.
        Off by default: it costs one extra batched backward pass per update.
    :param stats_window_size: Window size for the rollout logging, specifying the number of episodes to average
        the reported success rate, mean episode length, and mean reward over
    :param tensorboard_log: the log location for tensorboard (if None, no logging)
    :param policy_kwargs: additional arguments to be passed to the policy on creation (e.g. ``net_arch``,
        ``optimizer_class``: Adam by default, ``th.optim.SGD`` for plain gradient ascent)
    :param verbose: Verbosity level: 0 for no output, 1 for info messages (such as device or wrappers used), 2 for
        debug messages
    :param seed: Seed for the pseudo random generators
    :param device: Device (cpu, cuda, ...) on which the code should be run.
        Setting it to auto, the code will be run on the GPU if possible.
    :param _init_setup_model: Whether or not to build the network at the creation of the instance
    """

    policy_aliases: ClassVar[dict[str, type[BasePolicy]]] = {
        "MlpPolicy": ActorPolicy,
        "CnnPolicy": ActorCnnPolicy,
        "MultiInputPolicy": MultiInputActorPolicy,
    }
    rollout_buffer: EpisodicRolloutBuffer | DictEpisodicRolloutBuffer
    # An actor-only policy; ReinforceBaseline's value baseline uses a SplitActorCriticPolicy
    policy: ActorPolicy | SplitActorCriticPolicy
    policy_base = (ActorPolicy, SplitActorCriticPolicy)

    def __init__(
        self,
        policy: str | type[ActorPolicy],
        env: GymEnv | str,
        learning_rate: float | Schedule = 1e-3,
        n_episodes: int | None = None,
        n_steps: int | None = None,
        gamma: float = 0.99,
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
        if n_episodes is None and n_steps is None:
            n_episodes = DEFAULT_N_EPISODES
        if n_episodes is not None and n_steps is not None:
            raise ValueError(f"Conflicting batch settings: n_episodes={n_episodes} and n_steps={n_steps}; give one of them")
        for name, value in (("n_episodes", n_episodes), ("n_steps", n_steps), ("max_episode_steps", max_episode_steps)):
            if value is not None:
                check_positive_int(name, value)
        if return_type not in RETURN_TYPES:
            raise ValueError(f"return_type={return_type!r} is not one of {RETURN_TYPES}")
        if discount_gradient and return_type == "episode":
            raise ValueError(
                "discount_gradient=True applies to return_type='reward_to_go': the episode return "
                "G_0 = sum_t gamma^t r_t already gives an unbiased gradient of the discounted objective"
            )
        if normalize_advantage and return_type == "episode" and n_episodes == 1:
            raise ValueError(
                "normalize_advantage=True with return_type='episode' and n_episodes=1: every step of a one-episode "
                "batch has the same return G_0, which standardising turns into zeros (nothing would be learned)"
            )
        check_unit_interval("gamma", gamma)
        check_max_grad_norm(max_grad_norm)
        if target_kl is not None:
            if not callable(target_kl):
                check_positive_finite("target_kl", target_kl)
            CheckedSchedule("target_kl", target_kl)
        super().__init__(
            policy,
            env,
            learning_rate=learning_rate,
            n_steps=n_steps,
            gamma=gamma,
            # Monte-Carlo returns: no bootstrapping, so no GAE
            gae_lambda=1.0,
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
        self.n_episodes = n_episodes
        self.return_type = return_type
        self.discount_gradient = discount_gradient
        self.normalize_advantage = normalize_advantage
        self.log_grad_stats = log_grad_stats
        self.target_kl = target_kl
        self.max_episode_steps = max_episode_steps
        if _init_setup_model:
            self._setup_model()

    def _setup_model(self) -> None:
        self._check_saved_class()
        total, name = (self.n_episodes, "n_episodes") if self.n_episodes is not None else (self.n_steps, "n_steps")
        if total < self.n_envs:
            raise ValueError(
                f"Conflicting batch settings: {name}={total} is smaller than the number of envs ({self.n_envs}); "
                "every env must contribute to each batch"
            )
        episodic = DictEpisodicRolloutBuffer if isinstance(self.observation_space, spaces.Dict) else EpisodicRolloutBuffer
        if self.rollout_buffer_class is None:
            self.rollout_buffer_class = episodic
        elif not (isinstance(self.rollout_buffer_class, type) and issubclass(self.rollout_buffer_class, episodic)):
            raise ValueError(
                f"rollout_buffer_class={self.rollout_buffer_class!r}: {type(self).__name__} learns from complete "
                f"episodes and needs {episodic.__name__} (sb3_pg.common.buffers) or a subclass of it"
            )
        self.rollout_buffer_kwargs = {**self.rollout_buffer_kwargs, "return_type": self.return_type}
        super()._setup_model()
        self._warned_long_episode = False

    def _min_episodes_per_batch(self) -> int:
        """Fewest episodes a batch may hold (a batch of ``n_steps`` keeps collecting until it has them)."""
        return 1

    def _batch_quotas(self, n_envs: int) -> np.ndarray:
        """Each env's share of the batch: episodes (``n_episodes``) or steps (``n_steps``), as even as possible."""
        total = self.n_episodes if self.n_episodes is not None else self.n_steps
        return total // n_envs + (np.arange(n_envs) < total % n_envs)

    def collect_rollouts(
        self,
        env: VecEnv,
        callback: BaseCallback,
        rollout_buffer: RolloutBuffer,
        n_rollout_steps: int,
    ) -> bool:
        """
        Collect complete episodes with the current policy into the episodic buffer.

        Each env collects its own fixed share of the batch (a number of episodes, or episodes until a number of
        steps), so every episode kept is an independent sample of the current policy's trajectory distribution.
        Envs that have their share keep stepping until the others finish (the vec env steps all envs at once);
        those steps are discarded, counted in ``num_timesteps`` and logged as ``rollout/discarded_steps``.
        Episodes left unfinished by the previous batch were sampled by an older policy: the envs are reset.

        :param env: The training environment
        :param callback: Callback called at each step (and at the beginning and end of the rollout)
        :param rollout_buffer: Episodic buffer to fill
        :param n_rollout_steps: Unused: the batch is set by ``n_episodes`` or ``n_steps``
        :return: True if the batch was completed, False if a callback stopped training
        """
        assert self._last_obs is not None, "No previous observation was provided"
        assert isinstance(rollout_buffer, (EpisodicRolloutBuffer, DictEpisodicRolloutBuffer))
        self.policy.set_training_mode(False)

        if not np.all(self._last_episode_starts):
            self._last_obs = env.reset()  # type: ignore[assignment]
            self._last_episode_starts = np.ones((env.num_envs,), dtype=bool)

        rollout_buffer.reset()
        if self.use_sde:
            self.policy.reset_noise(env.num_envs)
        callback.on_rollout_start()

        quotas = self._batch_quotas(env.num_envs)
        count_episodes = self.n_episodes is not None
        collecting = quotas > 0
        progress = np.zeros(env.num_envs, dtype=np.int64)  # episodes (or steps) collected per env
        end_rows = np.zeros(env.num_envs, dtype=np.int64)
        episode_lengths = np.zeros(env.num_envs, dtype=np.int64)  # steps of each collecting env's current episode
        n_episodes = 0
        n_rows = 0

        while collecting.any():
            if self.use_sde and self.sde_sample_freq > 0 and n_rows % self.sde_sample_freq == 0:
                self.policy.reset_noise(env.num_envs)

            with th.inference_mode():
                obs_tensor = obs_as_tensor(self._last_obs, self.device)  # type: ignore[arg-type]
                actions, values, log_probs = self.policy(obs_tensor)
            actions = actions.cpu().numpy()

            clipped_actions = actions
            if isinstance(self.action_space, spaces.Box):
                if self.policy.squash_output:
                    clipped_actions = self.policy.unscale_action(clipped_actions)
                else:
                    clipped_actions = np.clip(actions, self.action_space.low, self.action_space.high)

            new_obs, rewards, dones, infos = env.step(clipped_actions)
            self.num_timesteps += env.num_envs

            callback.update_locals(locals())
            if not callback.on_step():
                return False
            self._update_info_buffer(infos, dones)

            if isinstance(self.action_space, spaces.Discrete):
                actions = actions.reshape(-1, 1)
            # No bootstrapping at time-limit truncation: the Monte-Carlo return is that of the episode as run
            rollout_buffer.add(self._last_obs, actions, rewards, self._last_episode_starts, values, log_probs)  # type: ignore[arg-type]
            n_rows += 1

            if not count_episodes:
                progress += collecting
            episode_lengths += collecting
            self._check_episode_lengths(episode_lengths)
            episode_lengths[dones] = 0
            ended = dones & collecting
            if ended.any():
                n_episodes += int(ended.sum())
                if count_episodes:
                    progress += ended
                closed = ended & (progress >= quotas) & (n_episodes >= self._min_episodes_per_batch())
                end_rows[closed] = n_rows
                collecting &= ~closed

            self._last_obs = new_obs  # type: ignore[assignment]
            self._last_episode_starts = dones

        rollout_buffer.finalize(end_rows)
        self.logger.record("rollout/episodes_per_batch", rollout_buffer.n_episodes)
        self.logger.record("rollout/discarded_steps", n_rows * env.num_envs - rollout_buffer.n_valid_steps)

        callback.update_locals(locals())
        callback.on_rollout_end()
        return True

    def _check_episode_lengths(self, episode_lengths: np.ndarray) -> None:
        """Warn once when an episode gets long; stop with a clear error past ``max_episode_steps``."""
        longest = int(episode_lengths.max())
        if longest == self.max_episode_steps // 10 and not self._warned_long_episode:
            self._warned_long_episode = True
            observations = self.rollout_buffer.observations
            arrays = observations.values() if isinstance(observations, dict) else [observations]
            row_bytes = sum(array[0].nbytes for array in arrays)  # one vectorised step of every env
            warnings.warn(
                f"{type(self).__name__}: an episode has run {longest} steps without ending; the batch waits for "
                f"complete episodes (training stops at max_episode_steps={self.max_episode_steps}, when the batch's "
                f"observations alone take about {row_bytes * self.max_episode_steps / 2**20:.0f} MiB). Give the env a "
                "time limit (gymnasium.wrappers.TimeLimit) or lower max_episode_steps.",
                UserWarning,
            )
        if longest > self.max_episode_steps:
            raise ValueError(
                f"env {int(np.argmax(episode_lengths))} ran {longest} steps without its episode ending "
                f"(max_episode_steps={self.max_episode_steps}): {type(self).__name__} learns from complete episodes "
                "only. Give the env a time limit (gymnasium.wrappers.TimeLimit, or max_episode_steps when registering "
                "or making it) or raise max_episode_steps."
            )

    def _advantages(self, data: EpisodicSamples, log_prob: th.Tensor) -> th.Tensor:
        """psi_t: the Monte-Carlo return, the reward-to-go G_t or the episode return G_0 (ReinforceBaseline: minus b_t)."""
        return data.returns

    def train(self) -> None:
        """
        One policy-gradient step on the batch of complete episodes:
        ``loss = -(1/N) sum_i sum_t w_t psi_t log pi(a_t|s_t) - ent_coef (1/N) sum_i sum_t H(pi(.|s_t))``.
        """
        self.policy.set_training_mode(True)
        self._update_learning_rate(self.policy.optimizer)

        n_episodes = self.rollout_buffer.n_episodes
        # All kept steps at once: the estimator sums over every step of every episode
        data: EpisodicSamples = next(self.rollout_buffer.get(batch_size=None))
        actions = self._loss_actions(data.actions)
        # values: V(s_t) with ReinforceBaseline's learned baseline, None without a critic
        values, log_prob, entropy = self.policy.evaluate_actions(data.observations, actions)

        # psi_t: the Monte-Carlo return (minus the baseline b_t with ReinforceBaseline)
        advantages = self._advantages(data, log_prob)
        if self.normalize_advantage and len(advantages) > 1:
            advantages = standardize(advantages)
        if self.discount_gradient:
            # w_t = gamma^t: step t's share of the discounted objective (Sutton & Barto 13.3)
            advantages = advantages * data.discounts
        if self.log_grad_stats and n_episodes >= 2:
            # The estimator's per-episode samples g_i = sum_t psi_t grad log pi(a_t|s_t), whose mean is the update's
            weights = group_weights(data.episode_ids, n_episodes, advantages.detach())
            record_gradient_statistics(self.logger, batched_gradients(log_prob, weights, self.policy.actor_parameters()))

        # Policy-gradient loss: -(1/N) sum_i sum_t psi_t log pi(a_t|s_t), so -grad(loss) estimates grad J
        policy_loss = -(advantages.detach() * log_prob).sum() / n_episodes
        # Entropy bonus, on the same per-episode scale (approximated by -log pi when there is no closed form)
        if entropy is None:
            entropy = -log_prob
        entropy_loss = -entropy.sum() / n_episodes
        loss = policy_loss + self._current_ent_coef() * entropy_loss
        value_loss = th.zeros(())
        if values is not None:
            # A learned baseline's first regression step on the Monte-Carlo returns rides along (the critic's own
            # parameter group and step size, one backward pass)
            value_loss = F.mse_loss(values.flatten(), data.returns)
            loss = loss + value_loss
        advice = "Lower the learning rate or set max_grad_norm."
        check_finite_loss(loss, policy_loss, value_loss, self._n_updates + 1, advice, data.returns)

        self.policy.optimizer.zero_grad()
        loss.backward()
        grad_norm = clip_gradients(self.policy, self.max_grad_norm, critic=values is not None)
        actor_params = self.policy.actor_parameters()
        # Read at each update, as ent_coef: a value set on a built model takes effect
        progress = self._current_progress_remaining
        target_kl = None if self.target_kl is None else CheckedSchedule("target_kl", self.target_kl)(progress)
        theta_old = parameters_to_vector(actor_params).detach().clone() if target_kl is not None else None
        self.policy.optimizer.step()

        def kl_of() -> float:
            # KL(old || new) on the batch, estimated as E_old[(r - 1) - log r] with r = pi_new / pi_old
            with th.no_grad():
                log_ratio = self.policy.get_distribution(data.observations).log_prob(actions) - data.old_log_prob
            return approx_kl(log_ratio).item()

        kl = kl_of()
        if target_kl is not None and theta_old is not None:
            kl, step_fraction = bound_step_kl(actor_params, theta_old, kl_of, kl, target_kl)
            self.logger.record("train/target_kl", target_kl)
            self.logger.record("train/step_fraction", step_fraction)
        if values is not None:
            self._fit_critic(data, value_loss.item())

        self.logger.record("train/policy_loss", policy_loss.item())
        self.logger.record("train/entropy_loss", -entropy.mean().item())
        self.logger.record("train/approx_kl", kl)
        self.logger.record("train/grad_norm", grad_norm.item())
        self._record_update()

    def _fit_critic(self, data: EpisodicSamples, first_value_loss: float) -> None:
        """The rest of a learned baseline's fit (ReinforceBaseline); Reinforce has no critic."""

    def learn(
        self: SelfReinforce,
        total_timesteps: int,
        callback: MaybeCallback = None,
        log_interval: int = 1,
        tb_log_name: str = "Reinforce",
        reset_num_timesteps: bool = True,
        progress_bar: bool = False,
    ) -> SelfReinforce:
        return super().learn(
            total_timesteps=total_timesteps,
            callback=callback,
            log_interval=log_interval,
            tb_log_name=tb_log_name,
            reset_num_timesteps=reset_num_timesteps,
            progress_bar=progress_bar,
        )
