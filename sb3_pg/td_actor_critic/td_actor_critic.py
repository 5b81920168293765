import math
from typing import Any, ClassVar, NamedTuple, TypeVar

import numpy as np
import torch as th
from gymnasium import spaces
from stable_baselines3.common.buffers import RolloutBuffer
from stable_baselines3.common.callbacks import BaseCallback
from stable_baselines3.common.policies import BasePolicy
from stable_baselines3.common.type_aliases import GymEnv, MaybeCallback, Schedule
from stable_baselines3.common.utils import explained_variance, obs_as_tensor
from stable_baselines3.common.vec_env import VecEnv
from torch.nn import functional as F

from sb3_pg.common.diagnostics import minibatch_gradient_samples, record_gradient_statistics
from sb3_pg.common.on_policy import PolicyGradientAlgorithm
from sb3_pg.common.policies import (
    MultiInputSplitActorCriticPolicy,
    SplitActorCriticCnnPolicy,
    SplitActorCriticPolicy,
)
from sb3_pg.common.updates import approx_kl, check_finite_loss, clip_gradients, standardize, update_critic_learning_rate
from sb3_pg.common.utils import (
    CheckedSchedule,
    check_action_space,
    check_entropy_coef,
    check_max_grad_norm,
    check_positive_int,
    check_step_size,
    check_unit_interval,
    warn_if_cuda_unavailable,
)

SelfTDActorCritic = TypeVar("SelfTDActorCritic", bound="TDActorCritic")

# Modules that compute differently in training and in evaluation mode: the online path, whose one forward pass serves
# both the action's sampling (evaluation mode in SB3) and the update (training mode), is not taken with them
_MODE_DEPENDENT_MODULES = (th.nn.modules.dropout._DropoutNd, th.nn.modules.batchnorm._NormBase)


class OnlineStep(NamedTuple):
    """
    One vectorised step of the online path, from its collection to its update: the graph of the forward pass that
    sampled a_t is kept, so that the update does not recompute pi(.|s_t) and V(s_t).

    :param observations: s_t, one row per env
    :param actions: a_t as sampled
    :param log_prob: log pi(a_t|s_t), with its graph
    :param entropy: H(pi(.|s_t)), with its graph (``None`` without a closed form)
    :param values: V(s_t), with its graph
    :param old_values: V(s_t), as a numpy array (the explained variance's)
    :param advantages: delta_t as the rollout buffer computes it (numpy, float32)
    :param returns: the TD target r_t + gamma V(s_{t+1}) as the rollout buffer computes it, delta_t + V(s_t)
    :param episode_starts: 1 where s_t starts an episode (the I_t factor's)
    """

    observations: th.Tensor
    actions: th.Tensor
    log_prob: th.Tensor
    entropy: th.Tensor | None
    values: th.Tensor
    old_values: np.ndarray
    advantages: np.ndarray
    returns: np.ndarray
    episode_starts: np.ndarray


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
    :param ent_coef: Entropy coefficient (bonus on the mean entropy per step)
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

    With ``n_steps=1`` (the default), ``learn()`` takes an online path, the same updates as SB3's loop of
    ``collect_rollouts`` and ``train`` (identical parameters with one env; equal up to float rounding, from the order
    of the batch's sums, with several) without its overheads: the forward pass that samples a_t is kept with its graph
    and differentiated by the update, so pi(.|s_t) and V(s_t) are computed once per step, and the step goes from the
    collection to the update without the rollout buffer (which stays empty). Callbacks see every step, with the
    usual locals (``new_obs``, ``rewards``, ``dones``, ``infos``, ``actions``, ``values``, ``log_probs``). It is not
    taken with gSDE, Dict observations, ``log_grad_stats``, a custom rollout buffer class, dropout or batch
    normalisation in the policy, or ``online_path = False``; ``collect_rollouts`` called outside ``learn()`` fills the
    buffer as SB3's does.
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
    # learn() with n_steps=1 takes the online path where it applies (False: SB3's loop, the reference of the tests)
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
        ent_coef: float = 0.0,
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
        check_step_size("learning_rate", learning_rate)
        check_step_size("critic_learning_rate", critic_learning_rate)
        check_positive_int("n_steps", n_steps)
        check_unit_interval("gamma", gamma)
        check_unit_interval("gae_lambda", gae_lambda)
        check_max_grad_norm(max_grad_norm)
        check_entropy_coef(ent_coef)
        warn_if_cuda_unavailable(device)

        super().__init__(
            policy,
            env,
            learning_rate=learning_rate,
            n_steps=n_steps,
            gamma=gamma,
            gae_lambda=gae_lambda,
            ent_coef=ent_coef,
            # Unused: the critic has its own step size rather than a weight in a joint loss
            vf_coef=0.0,
            max_grad_norm=max_grad_norm,  # type: ignore[arg-type]
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
            # Checked in _setup_model, with a ValueError
            supported_action_spaces=None,
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
        check_action_space(type(self).__name__, self.action_space)
        super()._setup_model()
        # SB3's advice to train an MLP policy on the CPU, for our MlpPolicy class (SB3 checks its own)
        self._maybe_recommend_cpu(self.policy_aliases["MlpPolicy"].__name__)
        if not isinstance(self.policy, SplitActorCriticPolicy):
            raise ValueError(
                f"{type(self).__name__} needs a policy whose actor and critic have their own step sizes "
                f"(a SplitActorCriticPolicy), got {type(self.policy).__name__}"
            )
        self.critic_lr_schedule = CheckedSchedule("critic_learning_rate", self.critic_learning_rate)
        # I_t of each env for the next step (the textbook's I), carried across updates
        gradient_discounts = getattr(self, "_gradient_discounts", None)
        if gradient_discounts is None or len(gradient_discounts) != self.n_envs:
            self._gradient_discounts = np.ones(self.n_envs, dtype=np.float32)
        self._explained_variance_data: list[tuple[np.ndarray, np.ndarray]] = []
        self._online = False
        self._online_step: OnlineStep | None = None

    def _setup_lr_schedule(self) -> None:
        # SB3's schedule, with each value checked (>= 0 and finite) when it is used
        self.lr_schedule = CheckedSchedule("learning_rate", self.learning_rate)

    def _excluded_save_params(self) -> list[str]:
        return [*super()._excluded_save_params(), "_explained_variance_data", "_online", "_online_step"]

    def _update_learning_rate(self, optimizers: list[th.optim.Optimizer] | th.optim.Optimizer) -> None:
        super()._update_learning_rate(optimizers)
        update_critic_learning_rate(self.policy, self.critic_lr_schedule, self._current_progress_remaining, self.logger)

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
        """Whether ``learn()`` can take the online path (see the class docstring)."""
        return (
            self.online_path
            and self.n_steps == 1
            and not self.use_sde
            and not self.log_grad_stats
            and not isinstance(self.observation_space, spaces.Dict)
            and type(self.rollout_buffer) is RolloutBuffer
            and not any(isinstance(module, _MODE_DEPENDENT_MODULES) for module in self.policy.modules())
        )

    def collect_rollouts(
        self,
        env: VecEnv,
        callback: BaseCallback,
        rollout_buffer: RolloutBuffer,
        n_rollout_steps: int,
    ) -> bool:
        """
        SB3's ``collect_rollouts``, or, on the online path of ``learn()``, one vectorised step kept for ``train()``:
        a_t ~ pi(.|s_t) from a forward pass whose graph the update reuses, the env step, the callbacks, and the TD
        error delta_t = r_t + gamma V(s_{t+1}) - V(s_t) computed as the rollout buffer computes it (V(s_{t+1}) = 0
        at termination; at time-limit truncation r_t includes gamma V(final observation), as in SB3).

        :param env: The training environment
        :param callback: Callback called at each step (and at the beginning and end of the rollout)
        :param rollout_buffer: Buffer to fill (left empty on the online path)
        :param n_rollout_steps: Number of steps per env (1 on the online path)
        :return: True if the rollout was completed, False if a callback stopped training
        """
        if not self._online:
            return super().collect_rollouts(env, callback, rollout_buffer, n_rollout_steps)
        assert self._last_obs is not None and self._last_episode_starts is not None, "No previous observation"
        self._online_step = None
        callback.on_rollout_start()

        # One forward pass of actor and critic on s_t, with its graph (the update differentiates it)
        obs_tensor: th.Tensor = obs_as_tensor(self._last_obs, self.device)  # type: ignore[arg-type, assignment]
        sampled, values, log_probs, entropy = self._act_with_graph(obs_tensor)
        actions = sampled.reshape((-1, *self.action_space.shape)).cpu().numpy()  # type: ignore[misc]
        clipped_actions = actions
        if isinstance(self.action_space, spaces.Box):
            clipped_actions = np.clip(actions, self.action_space.low, self.action_space.high)

        new_obs, rewards, dones, infos = env.step(clipped_actions)
        self.num_timesteps += env.num_envs
        n_steps = 1

        # Give access to local variables, as SB3's collect_rollouts does
        callback.update_locals(locals())
        if not callback.on_step():
            return False
        self._update_info_buffer(infos, dones)

        # Time-limit truncation: bootstrap from the final observation through the reward, as SB3 does
        truncated = [
            idx
            for idx, done in enumerate(dones)
            if done and infos[idx].get("terminal_observation") is not None and infos[idx].get("TimeLimit.truncated", False)
        ]
        with th.no_grad():
            for idx in truncated:
                terminal_obs = self.policy.obs_to_tensor(infos[idx]["terminal_observation"])[0]
                rewards[idx] += self.gamma * self.policy.predict_values(terminal_obs)[0]  # type: ignore[arg-type]
            next_values = self.policy.predict_values(obs_as_tensor(new_obs, self.device)).cpu().numpy().flatten()  # type: ignore[arg-type]

        # delta_t and the target, in the rollout buffer's float32 arithmetic (compute_returns_and_advantage)
        old_values = values.detach().cpu().numpy().flatten()
        next_non_terminal = 1.0 - dones.astype(np.float32)
        td_errors = np.asarray(rewards, dtype=np.float32) + self.gamma * next_values * next_non_terminal - old_values
        self._online_step = OnlineStep(
            observations=obs_tensor,
            actions=sampled,
            log_prob=log_probs,
            entropy=entropy,
            values=values,
            old_values=old_values,
            advantages=td_errors,
            returns=td_errors + old_values,
            episode_starts=np.asarray(self._last_episode_starts, dtype=np.float32),
        )
        self._last_obs = new_obs  # type: ignore[assignment]
        self._last_episode_starts = dones

        callback.update_locals(locals())
        callback.on_rollout_end()
        return True

    def _act_with_graph(self, obs: th.Tensor) -> tuple[th.Tensor, th.Tensor, th.Tensor, th.Tensor | None]:
        """
        ``policy.forward`` with the graph kept: a ~ pi(.|s), V(s), log pi(a|s) and H(pi(.|s)), the same numbers.

        :param obs: The observations s, one row per env
        :return: the sampled actions (a constant), the values, their log-probabilities and the entropies (``None``
            without a closed form), the last three with their graphs
        """
        policy = self.policy
        features = policy.extract_features(obs)
        if policy.share_features_extractor:
            latent_pi, latent_vf = policy.mlp_extractor(features)
        else:
            pi_features, vf_features = features
            latent_pi = policy.mlp_extractor.forward_actor(pi_features)
            latent_vf = policy.mlp_extractor.forward_critic(vf_features)
        values = policy.value_net(latent_vf)
        distribution = policy._get_action_dist_from_latent(latent_pi)
        # The entropy first: a categorical distribution caches its probabilities on first use, and the entropy's
        # gradient flows through them (sampling without gradient would cache them detached). Without an entropy bonus
        # the entropy is only logged: no graph (the loss's gradient is the same, the backward pass shorter)
        with th.set_grad_enabled(self.ent_coef > 0):
            entropy = distribution.entropy()
        with th.no_grad():
            actions = distribution.get_actions()
        return actions, values, distribution.log_prob(actions), entropy

    def train(self) -> None:
        """One actor step and one critic step on the rollout (one vectorised env step by default)."""
        if self._online_step is not None:
            step, self._online_step = self._online_step, None
            self._train_online(step)
            return
        self.policy.set_training_mode(True)
        self._update_learning_rate(self.policy.optimizer)

        buffer = self.rollout_buffer
        # delta_t (GAE(lambda) in general), computed by the buffer with V(s') = 0 only at termination
        td_errors = buffer.advantages
        self.logger.record_mean("train/td_error", float(np.abs(td_errors).mean()))
        self._explained_variance_data.append((buffer.values.flatten(), buffer.returns.flatten()))
        advantages = td_errors
        if self.normalize_advantage and advantages.size > 1:
            advantages = standardize(advantages)
        if self.discount_gradient:
            advantages = advantages * self._step_discounts(buffer.episode_starts)
        # get() flattens the buffer's arrays in one order, the (scaled) advantages with the rest
        buffer.advantages = advantages.astype(np.float32, copy=False)

        data = next(buffer.get(batch_size=None))
        actions = data.actions
        if isinstance(self.action_space, spaces.Discrete):
            actions = actions.long().flatten()
        values, log_prob, entropy = self.policy.evaluate_actions(data.observations, actions)

        if self.log_grad_stats:
            # Samples of the actor's gradient mean_t I_t delta_t grad log pi(a_t|s_t), from minibatches of steps
            record_gradient_statistics(
                self.logger,
                minibatch_gradient_samples(log_prob, data.advantages, self.policy.actor_parameters()),
                mean=True,
            )
        # Actor: -I_t delta_t log pi(a_t|s_t), delta_t a constant
        policy_loss = -(data.advantages * log_prob).mean()
        # Critic: semi-gradient TD(0), 0.5 (r + gamma V(s') - V(s))^2 with the target r + gamma V(s') held fixed,
        # whose gradient step is w <- w + alpha_w delta grad V(s)
        value_loss = 0.5 * F.mse_loss(values.flatten(), data.returns)
        if entropy is None:
            entropy = -log_prob
        entropy_loss = -entropy.mean()
        loss = policy_loss + self.ent_coef * entropy_loss + value_loss
        check_finite_loss(loss, policy_loss, value_loss, self._n_updates + 1, "Lower the step sizes or set max_grad_norm.")

        # One step: each parameter group at its own step size (a shared features extractor gets both losses' gradients)
        self.policy.optimizer.zero_grad()
        loss.backward()
        grad_norm = clip_gradients(self.policy, self.max_grad_norm)
        self.policy.optimizer.step()

        if self._n_updates % self.approx_kl_interval == 0:
            with th.no_grad():
                # KL(old || new) on the batch, estimated as E_old[(r - 1) - log r] with r = pi_new / pi_old
                log_ratio = self.policy.get_distribution(data.observations).log_prob(actions) - data.old_log_prob
                self.logger.record_mean("train/approx_kl", approx_kl(log_ratio).item())

        self._n_updates += 1
        # Updates are frequent: the logged values are means over the logging interval
        self.logger.record("train/n_updates", self._n_updates, exclude="tensorboard")
        self.logger.record_mean("train/policy_loss", policy_loss.item())
        self.logger.record_mean("train/value_loss", value_loss.item())
        self.logger.record_mean("train/entropy_loss", entropy_loss.item())
        self.logger.record_mean("train/grad_norm", grad_norm.item())
        if hasattr(self.policy, "log_std"):
            self.logger.record("train/std", th.exp(self.policy.log_std).mean().item())

    def _train_online(self, step: OnlineStep) -> None:
        """
        ``train()`` on the online path: the same update, from the graph of the collection's forward pass (same
        parameters, so the same pi(a_t|s_t) and V(s_t) as a second forward pass would give).

        :param step: The step that ``collect_rollouts`` kept
        """
        self._update_learning_rate(self.policy.optimizer)
        td_errors = step.advantages
        self.logger.record_mean("train/td_error", float(np.abs(td_errors).mean()))
        self._explained_variance_data.append((step.old_values, step.returns))
        advantages = td_errors
        if self.normalize_advantage and advantages.size > 1:
            advantages = standardize(advantages)
        if self.discount_gradient:
            advantages = advantages * self._step_discounts(step.episode_starts[None])[0]
        # SB3's buffer draws a permutation of the batch at each get(): drawn too, so that numpy's global random stream
        # stays that of SB3's loop (the sums below run in the envs' order)
        np.random.permutation(advantages.size)
        advantages_tensor = th.as_tensor(advantages.astype(np.float32, copy=False), device=self.device)
        returns = th.as_tensor(step.returns, device=self.device)

        # Actor: -I_t delta_t log pi(a_t|s_t), delta_t a constant
        policy_loss = -(advantages_tensor * step.log_prob).mean()
        # Critic: semi-gradient TD(0), 0.5 (r + gamma V(s') - V(s))^2 with the target held fixed
        value_loss = 0.5 * F.mse_loss(step.values.flatten(), returns)
        entropy = -step.log_prob if step.entropy is None else step.entropy
        entropy_loss = -entropy.mean()
        # Without an entropy bonus the entropy term is left out of the graph (adding 0 x its gradient changes nothing)
        loss = policy_loss + value_loss if self.ent_coef == 0 else policy_loss + self.ent_coef * entropy_loss + value_loss

        self.policy.optimizer.zero_grad()
        loss.backward()
        grad_norm = clip_gradients(self.policy, self.max_grad_norm)
        # One conversion for the logged scalars, which also checks the loss (and the gradient) before the step: the
        # parameters stay as they were when either is not finite
        logged = th.stack([policy_loss, value_loss, entropy_loss, grad_norm]).tolist()
        if not (math.isfinite(logged[0] + logged[1] + logged[3]) and (self.ent_coef == 0 or math.isfinite(logged[2]))):
            advice = "Lower the step sizes or set max_grad_norm."
            check_finite_loss(loss, policy_loss, value_loss, self._n_updates + 1, advice)
            raise FloatingPointError(f"Non-finite gradient (norm {logged[3]}) at update {self._n_updates + 1}: {advice}")
        self.policy.optimizer.step()

        if self._n_updates % self.approx_kl_interval == 0:
            with th.no_grad():
                log_ratio = self.policy.get_distribution(step.observations).log_prob(step.actions) - step.log_prob
                self.logger.record_mean("train/approx_kl", approx_kl(log_ratio).item())

        self._n_updates += 1
        self.logger.record("train/n_updates", self._n_updates, exclude="tensorboard")
        for key, value in zip(("policy_loss", "value_loss", "entropy_loss", "grad_norm"), logged):
            self.logger.record_mean(f"train/{key}", value)
        if hasattr(self.policy, "log_std"):
            self.logger.record("train/std", th.exp(self.policy.log_std).mean().item())

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
        self._online = self._online_path_applies()
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
            self._online, self._online_step = False, None
