import copy
import warnings
from typing import Any, ClassVar, TypeVar

import numpy as np
import torch as th
from stable_baselines3.common.buffers import RolloutBuffer
from stable_baselines3.common.policies import BaseModel, BasePolicy
from stable_baselines3.common.type_aliases import GymEnv, MaybeCallback, PyTorchObs, Schedule
from stable_baselines3.common.utils import explained_variance
from torch.nn.utils import parameters_to_vector, vector_to_parameters

from sb3_pg.common.diagnostics import minibatch_gradient_samples, record_gradient_statistics
from sb3_pg.common.natural import add_to_parameters, fisher_vector_product_fn, mean_kl, natural_step, skipped_because
from sb3_pg.common.on_policy import PolicyGradientAlgorithm, rollout_tensors
from sb3_pg.common.policies import MultiInputSplitActorCriticPolicy, SplitActorCriticCnnPolicy, SplitActorCriticPolicy
from sb3_pg.common.updates import critic_regression_step, standardize
from sb3_pg.common.utils import CheckedSchedule, check_positive_finite, check_positive_int, check_unit_interval

SelfTNPG = TypeVar("SelfTNPG", bound="TNPG")

# Fewer samples than this for the Fisher matrix (after sub-sampling) gets a warning
MIN_FISHER_SAMPLES = 32
# A natural step is sized by the quadratic model of the KL, which holds for small steps only: larger targets are refused
MAX_TARGET_KL = (
    1.0,
    "the step is sized by the quadratic (Fisher) model of the KL, which holds for small steps only; a larger target "
    "makes the policy deterministic within a few updates (TRPO and TNPG use 0.001 to 0.05)",
)
# A step whose measured KL is below this fraction of target_kl gets a warning: the damping, not the Fisher matrix,
# sized it (cg_damping too large for the policy's curvature)
MIN_KL_FRACTION = 0.01
MAX_CG_DAMPING = 1e4


def distribution_entropy(distribution: Any, log_prob: th.Tensor) -> th.Tensor:
    """
    The mean entropy of the batch's action distributions; where it has no closed form (squashed Gaussian), its
    estimate -mean(log pi(a|s)) from the batch's actions, as SB3's PPO and A2C take it.
    """
    entropy = distribution.entropy()
    return -log_prob.mean() if entropy is None else entropy.mean()


class TNPG(PolicyGradientAlgorithm):
    """
    Truncated Natural Policy Gradient (TNPG): TRPO's natural step without the line search.

    Papers: Kakade (2001) https://papers.nips.cc/paper/2073-a-natural-policy-gradient ;
    Schulman et al. (2015) https://arxiv.org/abs/1502.05477 ; Duan et al. (2016) https://arxiv.org/abs/1604.06778 (TNPG)

    Each update: estimate GAE(gamma, lambda) advantages with the critic; take g, the gradient of the surrogate
    mean(ratio * A) at theta_old (the policy gradient; with ``ent_coef`` > 0 plus ent_coef x the gradient of the mean
    entropy); solve F x = g by conjugate gradient, with F the Hessian of
    the batch's mean KL(pi_old || pi_theta) (the Fisher matrix) applied through Hessian-vector products, damped
    (F + cg_damping I); step theta <- theta_old + alpha x with alpha = sqrt(2 target_kl / x^T (F + cg_damping I) x),
    so that the (damped) quadratic model of the KL equals ``target_kl``. Then fit the critic.
    The KL is that of the whole action distribution: summed over action dimensions, averaged over the batch (so
    sb3-contrib TRPO's ``target_kl``, a KL per action dimension, corresponds to ``target_kl`` x d here).
    The step covers every actor parameter, including a shared features extractor; the critic's steps leave a shared
    extractor unchanged, so they do not move the policy.

    :param policy: The policy model to use (MlpPolicy, CnnPolicy, MultiInputPolicy)
    :param env: The environment to learn from (if registered in Gym, can be str)
    :param learning_rate: The critic's learning rate (the actor's step is set by ``target_kl``), float or schedule
    :param n_steps: The number of steps to run for each environment per update
    :param batch_size: Minibatch size for the critic's updates
    :param gamma: Discount factor
    :param gae_lambda: Factor for the trade-off of bias vs variance of the Generalized Advantage Estimator
    :param target_kl: delta: the KL(pi_old || pi_new) that the quadratic model of each step equals (KL of the whole
        action distribution, summed over action dimensions, averaged over the batch). A float or a schedule of the
        progress remaining (e.g. linear decay: smaller natural steps late in training, as a step-size decay)
    :param cg_max_steps: Maximum number of conjugate-gradient iterations
    :param cg_damping: Damping added to the Fisher matrix (F + damping I) for a stable solve; must be > 0 (without a
        line search, an undamped solve can step far past ``target_kl`` along directions of tiny curvature)
    :param n_critic_updates: Number of epochs of critic minibatch updates per policy update
    :param reject_kl_factor: If set, check each step once, without a line search: a step whose measured KL on the
        batch exceeds ``reject_kl_factor * target_kl``, or that does not raise the surrogate, is undone (theta stays
        theta_old). ``1.0`` is the check of rllab's TNPG, the code of Duan et al. (2016) (one try, no backtracking);
        ``None`` (default) takes every step
    :param ent_coef: Entropy coefficient: the surrogate becomes mean(ratio * A) + ent_coef * mean(H(pi(.|s))), so the
        natural direction also raises the policy's entropy (the step is still scaled to ``target_kl``). 0 (default)
        is TNPG as published. With standardised advantages, PPO's 0.01 weighs it against a unit-scale advantage
    :param normalize_advantage: Whether to standardise the advantages over the batch
    :param sub_sampling_factor: Estimate the Fisher matrix on a random 1/k of the batch's samples (the gradient always
        uses the whole batch), trading accuracy for speed
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
    """

    policy_aliases: ClassVar[dict[str, type[BasePolicy]]] = {
        "MlpPolicy": SplitActorCriticPolicy,
        "CnnPolicy": SplitActorCriticCnnPolicy,
        "MultiInputPolicy": MultiInputSplitActorCriticPolicy,
    }
    policy: SplitActorCriticPolicy

    def __init__(
        self,
        policy: str | type[SplitActorCriticPolicy],
        env: GymEnv | str,
        learning_rate: float | Schedule = 1e-3,
        n_steps: int = 2048,
        batch_size: int = 128,
        gamma: float = 0.99,
        gae_lambda: float = 0.95,
        target_kl: float | Schedule = 0.01,
        cg_max_steps: int = 15,
        cg_damping: float = 0.1,
        n_critic_updates: int = 10,
        reject_kl_factor: float | None = None,
        ent_coef: float | Schedule = 0.0,
        normalize_advantage: bool = True,
        sub_sampling_factor: int = 1,
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
        for name, value in (
            ("n_steps", n_steps),
            ("batch_size", batch_size),
            ("cg_max_steps", cg_max_steps),
            ("n_critic_updates", n_critic_updates),
            ("sub_sampling_factor", sub_sampling_factor),
        ):
            check_positive_int(name, value)
        check_unit_interval("gamma", gamma)
        check_unit_interval("gae_lambda", gae_lambda)
        if not callable(target_kl):
            check_positive_finite("target_kl", target_kl)
        CheckedSchedule("target_kl", target_kl, MAX_TARGET_KL)  # a schedule: checked at its start and end
        check_positive_finite("cg_damping", cg_damping)
        if cg_damping > MAX_CG_DAMPING:
            raise ValueError(
                f"cg_damping={cg_damping!r} is above {MAX_CG_DAMPING}: the damping would outweigh any policy's Fisher "
                "matrix, so every step would be a tiny gradient step (0.1 is the usual value)"
            )
        if reject_kl_factor is not None:
            check_positive_finite("reject_kl_factor", reject_kl_factor)
            if reject_kl_factor < 1:
                raise ValueError(
                    f"reject_kl_factor={reject_kl_factor!r} is below 1: the step is scaled so that its quadratic KL "
                    "model equals target_kl, so a bound below target_kl rejects the intended step itself (1.0 is "
                    "rllab's check; None takes every step)"
                )
        super().__init__(
            policy,
            env,
            learning_rate=learning_rate,
            n_steps=n_steps,
            gamma=gamma,
            gae_lambda=gae_lambda,
            ent_coef=ent_coef,
            # Unused: no gradient clipping (the natural step is scaled by target_kl)
            max_grad_norm=0.0,
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
        self.batch_size = batch_size
        self.target_kl = target_kl
        self.cg_max_steps = cg_max_steps
        self.cg_damping = cg_damping
        self.n_critic_updates = n_critic_updates
        self.reject_kl_factor = reject_kl_factor
        self.normalize_advantage = normalize_advantage
        self.sub_sampling_factor = sub_sampling_factor
        self.log_grad_stats = log_grad_stats
        if normalize_advantage and self.env is not None and self.n_envs * n_steps < 2:
            raise ValueError("normalize_advantage=True needs n_steps * n_envs >= 2")
        if log_grad_stats and self.env is not None and self.n_envs * n_steps < 2:
            raise ValueError("log_grad_stats=True needs n_steps * n_envs >= 2 gradient samples per update")
        if self.env is not None:
            buffer_size = self.n_envs * n_steps
            if batch_size > buffer_size:
                warnings.warn(
                    f"batch_size={batch_size} is larger than the rollout (n_steps * n_envs = {buffer_size}): each critic "
                    "epoch is one full-batch step",
                    UserWarning,
                )
            if sub_sampling_factor > 1 and buffer_size // sub_sampling_factor < MIN_FISHER_SAMPLES:
                warnings.warn(
                    f"sub_sampling_factor={sub_sampling_factor} leaves {buffer_size // sub_sampling_factor} of the "
                    f"{buffer_size} samples per update for the Fisher matrix: its estimate will be poor",
                    UserWarning,
                )

        if _init_setup_model:
            self._setup_model()

    def _setup_lr_schedule(self) -> None:
        # learning_rate: the critic's step size here
        super()._setup_lr_schedule()
        self._warned_small_steps = False

    def _policy_step(self, observations: Any, actions: th.Tensor, advantages: th.Tensor, old_log_prob: th.Tensor) -> None:
        """The natural step on the actor's parameters, with its logs."""
        fisher_observations = observations
        if self.sub_sampling_factor > 1:
            # A random subset of the batch (the rows are in time order: a stride would keep some envs only)
            n_samples = len(actions)
            subset = th.randperm(n_samples, device=actions.device)[: n_samples // self.sub_sampling_factor]
            if isinstance(observations, dict):
                fisher_observations = {key: obs[subset] for key, obs in observations.items()}
            else:
                fisher_observations = observations[subset]

        # One forward pass of the actor on the batch: pi_theta with its graph, and pi_old from the same latent
        # features without gradient (the same numbers as a forward pass of its own)
        # (copies: the policy reuses its distribution object, which the next forward pass overwrites)
        features = BaseModel.extract_features(self.policy, observations, self.policy.pi_features_extractor)
        latent_pi = self.policy.mlp_extractor.forward_actor(features)
        distribution = copy.copy(self.policy._get_action_dist_from_latent(latent_pi))
        with th.no_grad():
            old_distribution = copy.copy(self.policy._get_action_dist_from_latent(latent_pi))
            old_fisher_distribution = (
                old_distribution
                if fisher_observations is observations
                else copy.copy(self.policy.get_distribution(fisher_observations))
            )

        # Surrogate objective L(theta) = mean(ratio * A); its gradient at theta_old is the policy gradient g
        # (with an entropy bonus: L(theta) + ent_coef * mean entropy)
        log_prob = distribution.log_prob(actions)
        entropy = distribution_entropy(distribution, log_prob)
        objective = (th.exp(log_prob - old_log_prob) * advantages).mean()
        ent_coef = self._current_ent_coef()
        if ent_coef > 0:
            objective = objective + ent_coef * entropy
        if self.log_grad_stats:
            # At theta_old the ratio is 1, so g = mean_t A_t grad log pi(a_t|s_t): samples from minibatches of steps
            record_gradient_statistics(
                self.logger, minibatch_gradient_samples(log_prob, advantages, self.policy.actor_parameters())
            )
        # Mean KL(pi_old || pi_theta) over the (sub-sampled) batch: its Hessian at theta_old is the Fisher matrix
        if fisher_observations is not observations:
            distribution = self.policy.get_distribution(fisher_observations)
        kl = mean_kl(old_fisher_distribution, distribution)

        fisher_product, params = fisher_vector_product_fn(kl, self.policy.actor_parameters(), damping=self.cg_damping)
        gradient = th.cat([grad.reshape(-1) for grad in th.autograd.grad(objective, params, retain_graph=True)])
        if not th.isfinite(gradient).all():
            returns = self.rollout_buffer.returns
            cause = (
                "the rewards' returns overflow float32 (largest |return| "
                f"{np.nanmax(np.abs(returns)):.3g}): scale the rewards (VecNormalize, or a reward wrapper)"
                if not np.isfinite(returns).all()
                else f"critic loss of the last update: {self.logger.name_to_value.get('train/value_loss')}; lower the "
                "critic's learning_rate or normalise the observations and rewards (VecNormalize)"
            )
            raise FloatingPointError(
                f"Non-finite policy gradient at update {self._n_updates + 1}: the parameters were left unchanged. {cause}."
            )
        # delta, a constant or a schedule, read and checked at each update (a value set on a built model takes effect)
        target_kl = CheckedSchedule("target_kl", self.target_kl, MAX_TARGET_KL)(self._current_progress_remaining)
        step = natural_step(gradient, fisher_product, target_kl, cg_max_steps=self.cg_max_steps)

        # Kept only for the step check, which may undo the step
        theta_old = parameters_to_vector(params).detach().clone() if self.reject_kl_factor is not None else None
        if step.step_size > 0 or target_kl == 0:
            add_to_parameters(params, step.step_size * step.direction)
        else:
            warnings.warn(
                f"TNPG update {self._n_updates + 1}: no usable natural direction ({skipped_because(step)}): the policy "
                "step was skipped",
                RuntimeWarning,
            )

        with th.no_grad():
            new_distribution = self.policy.get_distribution(observations)
            kl_after = mean_kl(old_distribution, new_distribution).item()
            new_log_prob = new_distribution.log_prob(actions)
            new_objective = (th.exp(new_log_prob - old_log_prob) * advantages).mean().item()
            if ent_coef > 0:
                new_objective += ent_coef * distribution_entropy(new_distribution, new_log_prob).item()

        # The check of rllab's TNPG: undo a step that overshoots the KL or does not improve the surrogate
        rejected = (
            self.reject_kl_factor is not None
            and theta_old is not None
            and step.step_size > 0
            and not (kl_after <= self.reject_kl_factor * target_kl and new_objective > objective.item())
        )
        if rejected and theta_old is not None:
            vector_to_parameters(theta_old, params)
        if step.step_size > 0 and kl_after < MIN_KL_FRACTION * target_kl and not self._warned_small_steps:
            self._warned_small_steps = True
            warnings.warn(
                f"TNPG update {self._n_updates + 1}: the step's KL was {kl_after:.3g}, under {MIN_KL_FRACTION} x "
                f"target_kl={target_kl:.3g}: cg_damping={self.cg_damping} dominates the Fisher matrix's curvature, "
                "so the steps are far smaller than target_kl asks (lower cg_damping; 0.1 is the usual value)",
                RuntimeWarning,
            )

        self.logger.record("train/policy_objective", objective.item())
        # SB3's name and sign (A2C, PPO): minus the mean entropy of pi_old on the batch
        self.logger.record("train/entropy_loss", -entropy.item())
        self.logger.record("train/improvement", 0.0 if rejected else new_objective - objective.item())
        self.logger.record("train/kl_divergence", 0.0 if rejected else kl_after)
        self.logger.record("train/step_kl", kl_after)
        self.logger.record("train/rejected_steps", float(rejected))
        self.logger.record("train/step_size", step.step_size)
        self.logger.record("train/target_kl", target_kl)
        self.logger.record("train/cg_residual", step.residual)
        self.logger.record("train/skipped_steps", float(step.step_size == 0))

    def train(self) -> None:
        """One natural policy-gradient step, then the critic's updates."""
        self.policy.set_training_mode(True)
        self._update_learning_rate(self.policy.optimizer)

        observations, actions, old_log_prob, advantages, returns = rollout_tensors(self.rollout_buffer)
        actions = self._loss_actions(actions)
        if self.normalize_advantage:
            advantages = standardize(advantages)
        self._policy_step(observations, actions, advantages, old_log_prob)

        # Critic: regress V on the TD(lambda) returns, after the policy step, in minibatches. The actor's parameters
        # are frozen: a shared features extractor must not move, that would change the policy after the natural step
        value_losses = self._fit_critic(observations, returns)

        self.logger.record("train/value_loss", float(np.mean(value_losses)))
        self.logger.record(
            "train/explained_variance",
            float(explained_variance(self.rollout_buffer.values.flatten(), self.rollout_buffer.returns.flatten())),
        )
        self._record_update()

    def _fit_critic(self, observations: PyTorchObs, returns: th.Tensor) -> list[float]:
        """
        ``n_critic_updates`` epochs of minibatch regression of V on the TD(lambda) returns (one random permutation
        of the batch per epoch), with the actor's parameters frozen.

        :param observations: The batch's observations
        :param returns: The regression targets
        :return: The value loss of each step, before the step
        """
        value_losses = []
        actor_params = self.policy.actor_parameters()
        for _ in range(self.n_critic_updates):
            indices = th.as_tensor(np.random.permutation(len(returns)), device=returns.device)
            for batch in indices.split(self.batch_size):
                batch_obs = (
                    {key: obs[batch] for key, obs in observations.items()}
                    if isinstance(observations, dict)
                    else observations[batch]
                )
                value_losses.append(
                    critic_regression_step(self.policy, batch_obs, returns[batch], frozen_parameters=actor_params)
                )
        return value_losses

    def learn(
        self: SelfTNPG,
        total_timesteps: int,
        callback: MaybeCallback = None,
        log_interval: int = 1,
        tb_log_name: str = "TNPG",
        reset_num_timesteps: bool = True,
        progress_bar: bool = False,
    ) -> SelfTNPG:
        return super().learn(
            total_timesteps=total_timesteps,
            callback=callback,
            log_interval=log_interval,
            tb_log_name=tb_log_name,
            reset_num_timesteps=reset_num_timesteps,
            progress_bar=progress_bar,
        )
