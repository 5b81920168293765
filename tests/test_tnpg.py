"""TNPG: Fisher-vector products, conjugate gradient, the step's KL, and the natural-gradient direction."""

import copy
import math
import warnings

import gymnasium as gym
import numpy as np
import pytest
import torch as th
from gymnasium import spaces
from stable_baselines3.common.env_util import make_vec_env
from stable_baselines3.common.logger import configure
from stable_baselines3.common.monitor import Monitor
from stable_baselines3.common.vec_env import DummyVecEnv
from torch.func import functional_call

from sb3_pg import TNPG
from sb3_pg.common.natural import fisher_vector_product_fn, mean_kl, natural_step, skipped_because
from sb3_pg.common.policies import SplitActorCriticPolicy
from sb3_pg.envs import ScriptedEpisodeEnv, TabularMDPEnv


def true_kl(old: th.distributions.Distribution, new: th.distributions.Distribution) -> th.Tensor:
    """KL of the whole action distribution from torch's own formulas: summed over independent action dimensions."""
    kl = th.distributions.kl_divergence(old, new)
    return (kl.sum(dim=-1) if kl.dim() > 1 else kl).mean()


class MeanKL(th.nn.Module):
    """
    KL(pi_old || pi_theta) of the whole action distribution averaged over fixed observations, as a module so that
    torch.func can vary theta (torch's KL, independent of the code under test).
    """

    def __init__(self, policy: SplitActorCriticPolicy, observations: th.Tensor):
        super().__init__()
        self.policy = policy
        self.observations = observations
        with th.no_grad():
            self.old = copy.copy(policy.get_distribution(observations))

    def forward(self) -> th.Tensor:
        return true_kl(self.old.distribution, self.policy.get_distribution(self.observations).distribution)


def tiny_policy(action_space: spaces.Space) -> tuple[SplitActorCriticPolicy, th.Tensor]:
    th.manual_seed(0)
    observation_space = spaces.Box(-1, 1, (3,))
    policy = SplitActorCriticPolicy(
        observation_space, action_space, lambda _: 1e-3, net_arch=dict(pi=[4], vf=[4]), log_std_init=-0.3
    )
    observations = th.as_tensor(np.random.default_rng(0).uniform(-1, 1, (16, 3)), dtype=th.float32)
    return policy, observations


def explicit_hessian(policy: SplitActorCriticPolicy, observations: th.Tensor) -> th.Tensor:
    """The KL's Hessian at theta_old, built entry by entry with torch.autograd.functional.hessian."""
    module = MeanKL(policy, observations)
    names = [name for name, param in policy.named_parameters() if any(param is p for p in policy.actor_parameters())]
    shapes = [dict(policy.named_parameters())[name].shape for name in names]
    flat0 = th.cat([dict(policy.named_parameters())[name].detach().reshape(-1) for name in names]).double()

    def kl_of(flat: th.Tensor) -> th.Tensor:
        tensors, start = {}, 0
        for name, shape in zip(names, shapes):
            size = int(np.prod(shape))
            tensors[f"policy.{name}"] = flat[start : start + size].view(shape).float()
            start += size
        return functional_call(module, tensors, ()).double()

    return th.autograd.functional.hessian(kl_of, flat0)


@pytest.mark.parametrize("action_space", [spaces.Discrete(3), spaces.Box(-1, 1, (2,))], ids=["categorical", "gaussian"])
def test_fisher_vector_product_equals_the_explicit_matrix(action_space):
    policy, observations = tiny_policy(action_space)
    hessian = explicit_hessian(policy, observations)
    with th.no_grad():
        old = copy.copy(policy.get_distribution(observations))
    kl = mean_kl(old, policy.get_distribution(observations))  # what TNPG differentiates
    product, params = fisher_vector_product_fn(kl, policy.actor_parameters(), damping=0.0)
    assert sum(param.numel() for param in params) == hessian.shape[0]
    generator = th.Generator().manual_seed(1)
    for _ in range(3):
        vector = th.randn(hessian.shape[0], generator=generator)
        th.testing.assert_close(product(vector).double(), hessian @ vector.double(), rtol=1e-4, atol=1e-6)
    # With damping: (F + lambda I) v
    damped, _ = fisher_vector_product_fn(kl, policy.actor_parameters(), damping=0.1)
    th.testing.assert_close(damped(vector).double(), hessian @ vector.double() + 0.1 * vector.double(), rtol=1e-4, atol=1e-6)


def test_categorical_fisher_is_the_score_outer_product():
    """For a categorical policy the KL's Hessian is E_s E_{a~pi}[grad log pi(a|s) grad log pi(a|s)^T]."""
    policy, observations = tiny_policy(spaces.Discrete(3))
    params = policy.actor_parameters()
    fisher = 0
    for obs in observations:
        distribution = policy.get_distribution(obs[None])
        for action in range(3):
            log_prob = distribution.log_prob(th.tensor([action]))
            score = th.cat([g.reshape(-1) for g in th.autograd.grad(log_prob.sum(), params, retain_graph=True)])
            fisher = fisher + log_prob.exp().detach() * th.outer(score, score)
    fisher = fisher / len(observations)
    th.testing.assert_close(explicit_hessian(policy, observations).float(), fisher, rtol=1e-3, atol=1e-6)


@pytest.mark.parametrize("damping", [0.1, 0.01])
def test_conjugate_gradient_solves_the_damped_system(damping):
    policy, observations = tiny_policy(spaces.Box(-1, 1, (2,)))
    hessian = explicit_hessian(policy, observations)
    kl = MeanKL(policy, observations)()
    product, _ = fisher_vector_product_fn(kl, policy.actor_parameters(), damping=damping)
    gradient = th.randn(hessian.shape[0], generator=th.Generator().manual_seed(2))
    step = natural_step(gradient, product, target_kl=0.01, cg_max_steps=4 * hessian.shape[0], cg_residual_tol=1e-14)
    exact = th.linalg.solve(hessian + damping * th.eye(hessian.shape[0], dtype=hessian.dtype), gradient.double())
    # The solve is for the unit gradient g / |g|
    th.testing.assert_close(step.direction.double() * gradient.norm().double(), exact, rtol=1e-3, atol=1e-4)
    assert step.residual < 1e-5
    # Fewer iterations: a looser solve, and the residual says so
    rough = natural_step(gradient, product, target_kl=0.01, cg_max_steps=2)
    assert rough.residual > step.residual


def test_quadratic_model_of_the_step_kl_equals_target():
    policy, observations = tiny_policy(spaces.Discrete(3))
    hessian = explicit_hessian(policy, observations)
    kl = MeanKL(policy, observations)()
    damping, target_kl = 0.05, 0.02
    product, _ = fisher_vector_product_fn(kl, policy.actor_parameters(), damping=damping)
    gradient = th.randn(hessian.shape[0], generator=th.Generator().manual_seed(3))
    step = natural_step(gradient, product, target_kl=target_kl, cg_max_steps=10)
    update = (step.step_size * step.direction).double()
    damped = hessian + damping * th.eye(hessian.shape[0], dtype=hessian.dtype)
    assert 0.5 * float(update @ damped @ update) == pytest.approx(target_kl, rel=1e-4)


@pytest.mark.parametrize("n_dims", [1, 2, 6])
def test_log_std_fisher_is_two_per_dimension(n_dims):
    """KL(N(mu, s1) || N(mu, s2)) per dimension has second derivative 2 in log s2 at s2 = s1, whatever d."""
    policy, observations = tiny_policy(spaces.Box(-1, 1, (n_dims,)))
    with th.no_grad():
        old = copy.copy(policy.get_distribution(observations))
    kl = mean_kl(old, policy.get_distribution(observations))
    product, params = fisher_vector_product_fn(kl, [policy.log_std], damping=0.0)
    assert params == [policy.log_std]
    fisher = th.stack([product(unit) for unit in th.eye(n_dims)])
    th.testing.assert_close(fisher, 2.0 * th.eye(n_dims), rtol=1e-5, atol=1e-6)


class LinearBoxEnv(gym.Env):
    """Observations in [-1, 1]^3, actions in R^d; only the spaces matter (the tests feed batches by hand)."""

    def __init__(self, n_dims: int):
        self.observation_space = spaces.Box(-1, 1, (3,))
        self.action_space = spaces.Box(-1, 1, (n_dims,))

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        return self.observation_space.sample(), {}

    def step(self, action):
        return self.observation_space.sample(), 0.0, False, False, {}


@pytest.mark.parametrize("n_dims", [1, 2, 6])
def test_true_kl_of_one_step_equals_target_whatever_the_action_dimension(n_dims):
    """
    The KL between the policies before and after one natural step, computed independently (torch's Normal KL summed
    over action dimensions, averaged over the batch), equals target_kl up to the higher-order terms, and the logged
    train/kl_divergence is that same KL.
    """
    target_kl = 0.002
    model = TNPG(
        "MlpPolicy",
        LinearBoxEnv(n_dims),
        n_steps=8,
        target_kl=target_kl,
        cg_damping=1e-5,
        cg_max_steps=200,
        policy_kwargs=dict(net_arch=dict(pi=[], vf=[])),
        seed=0,
    )
    model.set_logger(configure(None, [""]))
    generator = th.Generator().manual_seed(n_dims)
    observations = th.rand(256, 3, generator=generator) * 2 - 1
    with th.no_grad():
        before = model.policy.get_distribution(observations).distribution
        before = th.distributions.Normal(before.loc.clone(), before.scale.clone())
        actions = before.sample()
        old_log_prob = before.log_prob(actions).sum(dim=1)
    advantages = th.randn(256, generator=generator)
    model._policy_step(observations, actions, advantages, old_log_prob)
    with th.no_grad():
        after = model.policy.get_distribution(observations).distribution
        measured = float(true_kl(before, after))
    assert measured == pytest.approx(target_kl, rel=0.05), (n_dims, measured)
    assert model.logger.name_to_value["train/kl_divergence"] == pytest.approx(measured, rel=1e-4)


def test_step_does_not_depend_on_the_gradient_scale():
    """A gradient of norm 1e-8 |g| gives the same natural step as g (CG is not left at its random start)."""
    policy, observations = tiny_policy(spaces.Box(-1, 1, (2,)))
    kl = MeanKL(policy, observations)()
    product, params = fisher_vector_product_fn(kl, policy.actor_parameters(), damping=0.1)
    gradient = 1e-3 * th.randn(sum(p.numel() for p in params), generator=th.Generator().manual_seed(4))
    steps = []
    for scale in (1.0, 1e-8):
        th.manual_seed(5 + int(scale))  # a different random start each time
        step = natural_step(scale * gradient, product, target_kl=0.01, cg_max_steps=10)
        assert step.step_size > 0
        steps.append(step.step_size * step.direction)
    cosine = float(steps[0] @ steps[1] / (steps[0].norm() * steps[1].norm()))
    assert cosine > 0.999, cosine
    assert float(steps[1].norm()) == pytest.approx(float(steps[0].norm()), rel=1e-3)


def test_a_failed_solve_skips_the_step():
    """A direction that conjugate gradient cannot make better than the zero vector is not scaled to a full step."""
    gradient = th.tensor([1.0, 0.0])
    # A product that is not positive definite: CG ends on a direction of negative curvature
    step = natural_step(gradient, lambda v: th.stack([-v[0], v[1]]), target_kl=0.01, cg_max_steps=5)
    assert step.step_size == 0.0
    assert "is not positive and finite" in skipped_because(step)
    # An ill-conditioned system cut after one CG iteration: positive curvature, an ascent direction, and a residual
    # |g - A x| of about 5 for |g| = 1, worse than no step
    gradient = th.tensor([0.99**0.5, 0.1])
    step = natural_step(gradient, lambda v: th.tensor([1.0, 100.0]) * v, target_kl=0.01, cg_max_steps=1)
    assert step.step_size == 0.0 and step.quadratic_form > 0 and step.residual > 1
    assert "relative residual is" in skipped_because(step) and "cg_max_steps" in skipped_because(step)


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(cg_damping=0.0),
        dict(cg_damping=-0.1),
        dict(cg_damping=math.nan),
        dict(cg_damping=math.inf),
        dict(target_kl=math.inf),
        dict(target_kl=math.nan),
        dict(target_kl=0.0),
        dict(reject_kl_factor=0.0),
        dict(reject_kl_factor=math.nan),
    ],
)
def test_natural_step_settings_must_be_positive_and_finite(kwargs):
    name = next(iter(kwargs))
    with pytest.raises(ValueError, match=name):
        TNPG("MlpPolicy", "CartPole-v1", **kwargs)


def test_a_non_finite_critic_stops_training():
    model = TNPG("MlpPolicy", "CartPole-v1", n_steps=64, batch_size=64, seed=0)
    with th.no_grad():
        for param in model.policy.critic_parameters():
            param.fill_(math.nan)
    with pytest.raises(FloatingPointError, match="Non-finite policy gradient"):
        model.learn(64)


def test_zero_gradient_skips_the_step():
    policy, observations = tiny_policy(spaces.Discrete(3))
    product, params = fisher_vector_product_fn(MeanKL(policy, observations)(), policy.actor_parameters(), damping=0.1)
    step = natural_step(th.zeros(sum(p.numel() for p in params)), product, target_kl=0.01)
    assert step.step_size == 0.0
    assert skipped_because(step) == "the policy gradient is zero or not finite"


def test_zero_advantages_skip_the_update_with_a_warning():
    env = ScriptedEpisodeEnv(lengths=[5], rewards_fn=lambda k, t: 0.0)
    model = TNPG("MlpPolicy", env, n_steps=16, batch_size=16, normalize_advantage=False, seed=0)
    # A zero critic: every advantage is 0, so the policy gradient is 0
    with th.no_grad():
        for param in model.policy.critic_parameters():
            param.zero_()
    actor = [param.detach().clone() for param in model.policy.actor_parameters()]
    with pytest.warns(RuntimeWarning, match=r"\(the policy gradient is zero or not finite\): the policy step was skipped"):
        model.learn(16)
    assert model.logger.name_to_value["train/skipped_steps"] == 1.0
    for param, old in zip(model.policy.actor_parameters(), actor):
        assert th.equal(param, old)


@pytest.mark.parametrize("env_id", ["CartPole-v1", "Pendulum-v1"])
def test_measured_kl_after_one_update_is_near_target(env_id):
    target_kl = 0.01
    model = TNPG("MlpPolicy", make_vec_env(env_id, n_envs=4, seed=0), n_steps=512, target_kl=target_kl, seed=0)
    model.learn(2048)
    assert model._n_updates == 1
    measured = model.logger.name_to_value["train/kl_divergence"]
    assert 0.5 * target_kl <= measured <= 2 * target_kl, measured
    assert model.logger.name_to_value["train/improvement"] > 0


def _cartpole_model(reject_kl_factor: float | None, **kwargs) -> TNPG:
    env = make_vec_env("CartPole-v1", n_envs=2, seed=0)
    return TNPG("MlpPolicy", env, n_steps=128, reject_kl_factor=reject_kl_factor, seed=0, **kwargs)


def test_a_step_past_the_kl_check_is_undone():
    """With reject_kl_factor, a step whose measured KL is above factor x target_kl leaves theta at theta_old."""
    # Almost no damping: along directions of tiny curvature the step overshoots target_kl (5x to 1000x here), so
    # rllab's check (factor 1) rejects it
    model = _cartpole_model(reject_kl_factor=1.0, cg_damping=1e-4)
    actor = [param.detach().clone() for param in model.policy.actor_parameters()]
    model.learn(2 * 256)
    values = model.logger.name_to_value
    assert values["train/rejected_steps"] == 1.0
    assert values["train/step_kl"] > values["train/target_kl"]
    assert values["train/kl_divergence"] == 0.0 and values["train/improvement"] == 0.0
    for param, old in zip(model.policy.actor_parameters(), actor):
        assert th.equal(param, old)
    # The critic still learns from the batch
    assert model._n_updates == 2


def test_a_step_within_the_kl_check_is_the_plain_step():
    """A step that passes the check is the same as with no check: same parameters after training."""
    # Built and trained one after the other: each construction seeds the global generators that training draws from
    checked = _cartpole_model(reject_kl_factor=10.0).learn(3 * 256)
    plain = _cartpole_model(reject_kl_factor=None).learn(3 * 256)
    assert checked.logger.name_to_value["train/rejected_steps"] == 0.0
    assert checked.logger.name_to_value["train/kl_divergence"] == checked.logger.name_to_value["train/step_kl"] > 0
    for param, other in zip(checked.policy.parameters(), plain.policy.parameters()):
        assert th.equal(param, other)


@pytest.mark.parametrize("set_on_the_built_model", [False, True])
def test_target_kl_schedule_sets_each_step(set_on_the_built_model):
    """
    A target_kl schedule gives each update its value at that update's progress remaining, and the step follows it;
    read at each update, so also when set on a built model (as SB3's users set attributes).
    """
    schedule = lambda p: 0.02 * p  # noqa: E731
    env = make_vec_env("Pendulum-v1", n_envs=2, seed=0)
    model = TNPG("MlpPolicy", env, n_steps=256, target_kl=0.05 if set_on_the_built_model else schedule, seed=0)
    if set_on_the_built_model:
        model.target_kl = schedule
    logged = []
    original = model._policy_step

    def policy_step(*args):
        original(*args)
        values = model.logger.name_to_value
        logged.append((model._current_progress_remaining, values["train/target_kl"], values["train/kl_divergence"]))

    model._policy_step = policy_step
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        model.learn(4 * 512)
    # SB3 updates the progress after each collection, before train(), as for learning_rate
    assert [progress for progress, _, _ in logged] == pytest.approx([0.75, 0.5, 0.25, 0.0])
    assert [target for _, target, _ in logged] == pytest.approx([0.015, 0.01, 0.005, 0.0])
    # The measured KL of each step shrinks with its target; at target 0 the policy does not move (no warning)
    for _, target, measured in logged[:3]:
        assert 0.5 * target <= measured <= 2 * target, (target, measured)
    assert logged[3][2] == 0.0


@pytest.mark.parametrize("env_id", ["CartPole-v1", "Pendulum-v1"], ids=["categorical", "gaussian"])
def test_entropy_bonus_steps_along_the_natural_gradient_of_the_entropy(env_id):
    """
    With zero advantages the surrogate's gradient is ent_coef x grad H (H the batch's mean entropy), so the step is
    along (F + damping I)^-1 grad H, F from the explicit Hessian of the KL; the entropy rises, and the logged
    entropy_loss is -H at theta_old.
    """
    model = TNPG(
        "MlpPolicy", env_id, ent_coef=0.5, cg_damping=0.1, cg_max_steps=200, target_kl=0.01,
        policy_kwargs=dict(net_arch=dict(pi=[4], vf=[4])), seed=0, device="cpu",
    )  # fmt: skip
    model.set_logger(configure(None, []))
    policy = model.policy
    with th.no_grad():  # a categorical policy far from uniform (at the maximum entropy the gradient vanishes)
        policy.action_net.bias.fill_(0.0)[0] = 2.0
    observations = th.as_tensor(
        np.random.default_rng(0).uniform(-1, 1, (32, *policy.observation_space.shape)), dtype=th.float32
    )
    with th.no_grad():
        old = policy.get_distribution(observations)
        actions = old.get_actions()
        old_log_prob = old.log_prob(actions)
    params = policy.actor_parameters()
    entropy = policy.get_distribution(observations).entropy().mean()
    # A Gaussian's entropy depends on log_std alone: the mean's parameters get a zero gradient
    grads = th.autograd.grad(entropy, params, allow_unused=True)
    entropy_gradient = th.cat(
        [th.zeros(param.numel()) if grad is None else grad.reshape(-1) for param, grad in zip(params, grads)]
    ).double()
    hessian = explicit_hessian(policy, observations)
    expected = th.linalg.solve(hessian + 0.1 * th.eye(len(hessian), dtype=hessian.dtype), entropy_gradient)

    before = th.cat([param.detach().reshape(-1) for param in params]).clone()
    model._policy_step(observations, actions, th.zeros(len(observations)), old_log_prob)
    step = (th.cat([param.detach().reshape(-1) for param in params]) - before).double()
    cosine = float(step @ expected / (step.norm() * expected.norm()))
    assert cosine > 0.999, cosine
    assert model.logger.name_to_value["train/entropy_loss"] == pytest.approx(-entropy.item())
    with th.no_grad():
        assert policy.get_distribution(observations).entropy().mean() > entropy
    # Without the bonus the same batch gives no gradient: the step is skipped
    model.ent_coef = 0.0
    with pytest.warns(RuntimeWarning, match="policy step was skipped"):
        model._policy_step(observations, actions, th.zeros(len(observations)), old_log_prob)


def test_natural_direction_matches_the_exact_one_on_a_tabular_mdp():
    """
    With the critic frozen at V^pi (so the TD errors are unbiased advantages) and a large batch, the step direction
    agrees with F^+ g computed from the exact Fisher matrix and the exact gradient, both weighted by the on-policy
    state distribution d(s) = (expected visits of s) / E[episode length].
    """
    env = TabularMDPEnv(n_states=3, n_actions=2, mdp_seed=3)
    vec_env = DummyVecEnv([lambda: Monitor(TabularMDPEnv(n_states=3, n_actions=2, mdp_seed=3)) for _ in range(8)])
    model = TNPG(
        "MlpPolicy",
        vec_env,
        n_steps=4096,
        gamma=1.0,
        gae_lambda=0.0,
        learning_rate=0.0,
        normalize_advantage=False,
        cg_damping=1e-4,
        cg_max_steps=50,
        target_kl=1e-4,
        policy_kwargs=dict(net_arch=dict(pi=[], vf=[])),
        seed=0,
    )
    policy = model.policy
    with th.no_grad():
        generator = th.Generator().manual_seed(1)
        policy.action_net.weight.copy_(th.randn(policy.action_net.weight.shape, generator=generator))
        policy.action_net.bias.copy_(th.randn(policy.action_net.bias.shape, generator=generator))
    weight, bias = policy.action_net.weight, policy.action_net.bias
    logits = policy.action_net(th.eye(env.n_states)).double()
    pi = th.softmax(logits, dim=1)
    with th.no_grad():
        policy.value_net.weight.copy_(env.state_values(pi.detach()).float()[None])
        policy.value_net.bias.zero_()
    exact_gradient = th.cat([g.flatten() for g in th.autograd.grad(env.exact_return(pi), [weight, bias], retain_graph=True)])
    visits = env.expected_visits(pi.detach())
    state_distribution = visits / visits.sum()
    fisher = th.zeros(len(exact_gradient), len(exact_gradient), dtype=th.float64)
    for state in range(env.n_states):
        for action in range(env.n_actions):
            score = th.autograd.grad(th.log(pi[state, action]), [weight, bias], retain_graph=True)
            score = th.cat([g.flatten() for g in score]).double()
            fisher += state_distribution[state] * pi[state, action].detach() * th.outer(score, score)
    exact_direction = th.linalg.pinv(fisher) @ exact_gradient.double()

    before = th.cat([weight.flatten(), bias.flatten()]).detach().clone()
    model.learn(4096 * 8)
    step = th.cat([weight.flatten(), bias.flatten()]).detach() - before
    cosine = float(step.double() @ exact_direction / (step.double().norm() * exact_direction.norm()))
    print(f"cosine with F^+ g: {cosine:.4f}")
    assert cosine > 0.95, cosine
    # And it differs from the plain gradient's direction (the test can tell them apart)
    plain = float(step.double() @ exact_gradient.double() / (step.double().norm() * exact_gradient.double().norm()))
    print(f"cosine with g: {plain:.4f}")
    assert plain < cosine - 0.05, (plain, cosine)


class EnvIdEnv(gym.Env):
    """Observations carry the env's index: which envs' samples a batch holds can be read off them."""

    def __init__(self, index: int):
        self.observation_space = spaces.Box(-1.0, 1.0, (2,), dtype=np.float32)
        self.action_space = spaces.Discrete(2)
        self.index, self.t = index, 0

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self.t = 0
        return np.array([self.index, 0.0], dtype=np.float32), {}

    def step(self, action):
        self.t += 1
        return np.array([self.index, self.t / 100], dtype=np.float32), float(action), False, self.t >= 20, {}


def test_the_fisher_subsample_draws_from_every_env():
    """The rollout's rows are in time order (step t of env 0, of env 1, ...): a stride of 2 would keep env 0 alone."""
    env = DummyVecEnv([lambda: EnvIdEnv(0), lambda: EnvIdEnv(1)])
    model = TNPG("MlpPolicy", env, n_steps=64, batch_size=64, sub_sampling_factor=2, seed=0)
    seen = []
    get_distribution = model.policy.get_distribution

    def spy(observations):
        seen.append(observations)
        return get_distribution(observations)

    model.policy.get_distribution = spy
    model.learn(128)
    fisher_batches = [obs for obs in seen if len(obs) == 64]  # half of the 128 samples
    assert fisher_batches and all(set(obs[:, 0].tolist()) == {0.0, 1.0} for obs in fisher_batches)
