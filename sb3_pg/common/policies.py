"""
Policies for the policy-gradient family.

- :class:`ActorPolicy`: an actor only (no value network), for vanilla REINFORCE. It is SB3's
  ``ActorCriticPolicy`` with the critic removed, so every action distribution, gSDE, the features
  extractors and ``predict()`` work as in SB3, and nothing is computed for a value at each step.
- :class:`SplitActorCriticPolicy`: SB3's ``ActorCriticPolicy`` whose one optimizer has two parameter groups, the
  actor's and the critic's, so that each can take its own step size (REINFORCE with a learned baseline, TD
  actor-critic, TNPG's critic).
"""

from collections.abc import Iterable
from typing import Any

import torch as th
from gymnasium import spaces
from stable_baselines3.common.distributions import CategoricalDistribution
from stable_baselines3.common.policies import ActorCriticPolicy, BaseModel
from stable_baselines3.common.torch_layers import CombinedExtractor, MlpExtractor, NatureCNN
from stable_baselines3.common.type_aliases import PyTorchObs, Schedule


def build_optimizer(
    optimizer_class: type[th.optim.Optimizer], params: Iterable[Any], lr: float, optimizer_kwargs: dict[str, Any]
) -> th.optim.Optimizer:
    """
    The policy's optimizer. For Adam and AdamW, when the user chose no kernel (``fused`` or ``foreach``), the fused
    kernel where the installed torch has it for these parameters, else torch's default: same update, one kernel per
    step instead of a Python loop over the parameter tensors (``benchmarks/throughput.py`` measures the difference,
    docs/td_actor_critic.md reports it).

    :param optimizer_class: The optimizer class (``policy_kwargs["optimizer_class"]``)
    :param params: Parameters or parameter groups
    :param lr: Initial learning rate
    :param optimizer_kwargs: ``policy_kwargs["optimizer_kwargs"]``
    """
    params = list(params)
    if optimizer_class in (th.optim.Adam, th.optim.AdamW) and not {"fused", "foreach"} & optimizer_kwargs.keys():
        try:
            return optimizer_class(params, lr=lr, fused=True, **optimizer_kwargs)  # type: ignore[call-arg]
        except (RuntimeError, TypeError, ValueError):
            # No fused kernel for these parameters' device or dtype in this torch version
            pass
    return optimizer_class(params, lr=lr, **optimizer_kwargs)  # type: ignore[call-arg]


def sample_categorical(logits: th.Tensor, deterministic: bool) -> tuple[th.Tensor, th.Tensor]:
    """
    a ~ pi(.|s) = softmax(logits) (the most likely action when deterministic) and log pi(a|s): what SB3's
    ``CategoricalDistribution`` gives (same sampler, ``torch.multinomial``), without building a torch ``Distribution``:
    on a small MLP that object costs as much as the network itself, at every step of the collection.

    :param logits: Unnormalised log-probabilities, one row per observation
    :param deterministic: Whether to take the most likely action
    :return: actions and their log-probabilities, one per row
    """
    log_probs = th.log_softmax(logits, dim=-1)
    if deterministic:
        actions = log_probs.argmax(dim=-1)
    else:
        actions = th.multinomial(th.softmax(logits, dim=-1), 1, True).squeeze(-1)
    return actions, log_probs.gather(-1, actions.unsqueeze(-1)).squeeze(-1)


class ActorPolicy(ActorCriticPolicy):
    """
    Actor-only policy: the action distribution pi(a|s), without a value network.

    It takes the arguments of SB3's ``ActorCriticPolicy``. ``net_arch`` is a list of hidden layer sizes
    (or ``dict(pi=[...])``); a ``vf`` entry is refused since there is no value network.
    ``forward()`` and ``evaluate_actions()`` return ``None`` in place of the values.
    """

    def __init__(self, observation_space: spaces.Space, action_space: spaces.Space, lr_schedule: Schedule, **kwargs: Any):
        net_arch = kwargs.get("net_arch")
        if isinstance(net_arch, dict):
            if set(net_arch) - {"pi"}:
                raise ValueError(
                    f"net_arch={net_arch!r}: this policy has no value network, only the 'pi' key is allowed "
                    "(or pass a list of layer sizes)"
                )
            kwargs["net_arch"] = list(net_arch.get("pi", []))
        if kwargs.get("share_features_extractor") is False:
            raise ValueError("share_features_extractor=False: this policy has no value network to share with")
        kwargs["share_features_extractor"] = True
        super().__init__(observation_space, action_space, lr_schedule, **kwargs)

    def _build_mlp_extractor(self) -> None:
        pi_arch = self.net_arch if isinstance(self.net_arch, list) else self.net_arch.get("pi", [])
        # An empty value branch: MlpExtractor then holds no parameters for it
        self.mlp_extractor = MlpExtractor(
            self.features_dim, net_arch=dict(pi=pi_arch, vf=[]), activation_fn=self.activation_fn, device=self.device
        )

    def _build(self, lr_schedule: Schedule) -> None:
        super()._build(lr_schedule)
        # REINFORCE has no critic: drop the value head built by the parent and optimise the actor alone
        del self.value_net
        self._actor_params = list(self.parameters())
        self.optimizer = build_optimizer(self.optimizer_class, self._actor_params, lr_schedule(1), self.optimizer_kwargs)

    def actor_parameters(self) -> list[th.nn.Parameter]:
        """The parameters of pi(a|s): all of them."""
        return self._actor_params

    def forward(self, obs: th.Tensor, deterministic: bool = False) -> tuple[th.Tensor, None, th.Tensor]:  # type: ignore[override]
        """
        Sample an action.

        :param obs: Observation
        :param deterministic: Whether to sample or use deterministic actions
        :return: action, ``None`` (no value) and log probability of the action
        """
        if isinstance(self.action_dist, CategoricalDistribution):
            features = BaseModel.extract_features(self, obs, self.features_extractor)  # the one (shared) extractor
            logits = self.action_net(self.mlp_extractor.forward_actor(features))
            actions, log_prob = sample_categorical(logits, deterministic)
            return actions, None, log_prob
        distribution = self.get_distribution(obs)
        actions = distribution.get_actions(deterministic=deterministic)
        log_prob = distribution.log_prob(actions)
        actions = actions.reshape((-1, *self.action_space.shape))  # type: ignore[misc]
        return actions, None, log_prob

    def evaluate_actions(self, obs: PyTorchObs, actions: th.Tensor) -> tuple[None, th.Tensor, th.Tensor | None]:  # type: ignore[override]
        """
        :param obs: Observation
        :param actions: Actions
        :return: ``None`` (no value), log likelihood of the actions and entropy of the action distribution
        """
        distribution = self.get_distribution(obs)
        return None, distribution.log_prob(actions), distribution.entropy()

    def predict_values(self, obs: PyTorchObs) -> th.Tensor:
        raise NotImplementedError(f"{type(self).__name__} has no value network")


class ActorCnnPolicy(ActorPolicy):
    """:class:`ActorPolicy` with a CNN features extractor (NatureCNN) for image observations."""

    def __init__(self, observation_space: spaces.Space, action_space: spaces.Space, lr_schedule: Schedule, **kwargs: Any):
        kwargs.setdefault("features_extractor_class", NatureCNN)
        super().__init__(observation_space, action_space, lr_schedule, **kwargs)


class MultiInputActorPolicy(ActorPolicy):
    """:class:`ActorPolicy` for Dict observation spaces (CombinedExtractor)."""

    def __init__(self, observation_space: spaces.Space, action_space: spaces.Space, lr_schedule: Schedule, **kwargs: Any):
        kwargs.setdefault("features_extractor_class", CombinedExtractor)
        super().__init__(observation_space, action_space, lr_schedule, **kwargs)


class SplitActorCriticPolicy(ActorCriticPolicy):
    """
    SB3's ``ActorCriticPolicy`` whose actor and critic take their own step sizes: its optimizer has two parameter
    groups, ``"actor"`` (first) and ``"critic"``, whose learning rates the algorithms set separately.

    The critic's parameters are the value head, the value branch of the MLP extractor and, when
    ``share_features_extractor=False``, the critic's features extractor. A shared features extractor belongs to the
    actor's group: both losses train it, at the actor's step size.
    """

    # TDActorCritic's online update: forward() keeps its graph (see forward)
    keep_graph: bool = False
    kept_forward: tuple[th.Tensor, th.Tensor, th.Tensor | None] | None = None

    def _build(self, lr_schedule: Schedule) -> None:
        super()._build(lr_schedule)
        modules: list[th.nn.Module] = [self.mlp_extractor.value_net, self.value_net]
        if not self.share_features_extractor:
            modules.append(self.vf_features_extractor)
        self._critic_params = [param for module in modules for param in module.parameters()]
        critic_ids = {id(param) for param in self._critic_params}
        self._actor_params = [param for param in self.parameters() if id(param) not in critic_ids]
        groups = [dict(params=self._actor_params, name="actor"), dict(params=self._critic_params, name="critic")]
        self.optimizer = build_optimizer(self.optimizer_class, groups, lr_schedule(1), self.optimizer_kwargs)

    def forward(self, obs: th.Tensor, deterministic: bool = False) -> tuple[th.Tensor, th.Tensor, th.Tensor]:
        """
        SB3's forward pass: a ~ pi(.|s), V(s) and log pi(a|s) (a discrete action sampled by
        :func:`sample_categorical`). With ``keep_graph`` (TDActorCritic's online update) the pass runs with gradients
        even inside SB3's ``no_grad`` collection, keeps V(s), log pi(a|s) and H(pi(.|s)) with their graph in
        ``kept_forward``, and returns them detached, as SB3's collection sees them.

        :param obs: Observation
        :param deterministic: Whether to sample or use deterministic actions
        :return: action, value and log probability of the action
        """
        if not self.keep_graph:
            if not isinstance(self.action_dist, CategoricalDistribution):
                return super().forward(obs, deterministic)
            latent_pi, latent_vf = self._latents(obs)
            actions, log_prob = sample_categorical(self.action_net(latent_pi), deterministic)
            return actions, self.value_net(latent_vf), log_prob
        with th.enable_grad():
            latent_pi, latent_vf = self._latents(obs)
            values = self.value_net(latent_vf)
            distribution = self._get_action_dist_from_latent(latent_pi)
            with th.no_grad():  # a constant (a Gaussian's reparameterised sample would carry a gradient)
                actions = distribution.get_actions(deterministic=deterministic)
            log_prob = distribution.log_prob(actions)
            self.kept_forward = (values, log_prob, distribution.entropy())
        return actions.reshape((-1, *self.action_space.shape)), values.detach(), log_prob.detach()  # type: ignore[misc]

    def _latents(self, obs: th.Tensor) -> tuple[th.Tensor, th.Tensor]:
        """The actor's and the critic's latent features (SB3's forward pass up to its heads)."""
        features = self.extract_features(obs)
        if self.share_features_extractor:
            return self.mlp_extractor(features)
        return self.mlp_extractor.forward_actor(features[0]), self.mlp_extractor.forward_critic(features[1])

    def critic_parameters(self) -> list[th.nn.Parameter]:
        """The parameters of V(s)."""
        return self._critic_params

    def actor_parameters(self) -> list[th.nn.Parameter]:
        """The parameters of pi(a|s) (including a shared features extractor)."""
        return self._actor_params

    def set_critic_learning_rate(self, learning_rate: float) -> None:
        """Set the step size of the critic's parameter group (SB3's schedule update sets every group's)."""
        for group in self.optimizer.param_groups:
            if group.get("name") == "critic":
                group["lr"] = learning_rate


class SplitActorCriticCnnPolicy(SplitActorCriticPolicy):
    """:class:`SplitActorCriticPolicy` with a CNN features extractor (NatureCNN)."""

    def __init__(self, observation_space: spaces.Space, action_space: spaces.Space, lr_schedule: Schedule, **kwargs: Any):
        kwargs.setdefault("features_extractor_class", NatureCNN)
        super().__init__(observation_space, action_space, lr_schedule, **kwargs)


class MultiInputSplitActorCriticPolicy(SplitActorCriticPolicy):
    """:class:`SplitActorCriticPolicy` for Dict observation spaces (CombinedExtractor)."""

    def __init__(self, observation_space: spaces.Space, action_space: spaces.Space, lr_schedule: Schedule, **kwargs: Any):
        kwargs.setdefault("features_extractor_class", CombinedExtractor)
        super().__init__(observation_space, action_space, lr_schedule, **kwargs)
