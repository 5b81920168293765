"""
Small gymnasium environments for tests, examples and analysis, and their registration (done when ``sb3_pg`` is
imported):

- :class:`TabularMDPEnv`: a random finite MDP that terminates with probability 1, with one-hot observations.
  Its exact objective J(pi) is computed by solving the Bellman linear system, differentiably in torch, so
  the exact policy gradient is available to check the estimators against.
- :class:`ScriptedEpisodeEnv`: episodes of given lengths and rewards, whatever the actions, to check
  returns and episode boundaries by hand.
- :class:`ClassificationBanditEnv`: classification as a one-step bandit (reward 1 for the right label), where
  REINFORCE meets cross-entropy; registered with gymnasium as ``ClassificationBandit-v0``.

    import gymnasium as gym
    import sb3_pg  # registers the envs
    env = gym.make("ClassificationBandit-v0", n_classes=4)
"""

from collections.abc import Sequence
from typing import Any

import gymnasium as gym
import numpy as np
import torch as th
from gymnasium import spaces


class TabularMDPEnv(gym.Env):
    """
    A random finite MDP with one-hot observations and guaranteed termination.

    From state s, action a gives the reward ``R[s, a]``; then the episode terminates with probability
    ``P_end[s, a]`` (at least ``min_termination``), or moves to s' with probability ``P[s, a, s']``
    (rows of P sum to ``1 - P_end[s, a]``). Episodes start in s ~ ``mu``. There is no time limit, so the
    MDP is exactly the one whose objective :meth:`exact_return` computes.

    :param n_states: Number of states
    :param n_actions: Number of actions
    :param min_termination: Smallest per-step termination probability (bounds the expected length)
    :param max_termination: Largest per-step termination probability
    :param mdp_seed: Seed of the MDP's random structure (not of the episodes: use ``reset(seed=...)``)
    """

    metadata: dict[str, Any] = {"render_modes": []}  # noqa: RUF012

    def __init__(
        self,
        n_states: int = 3,
        n_actions: int = 2,
        min_termination: float = 0.2,
        max_termination: float = 0.5,
        mdp_seed: int = 0,
    ):
        rng = np.random.default_rng(mdp_seed)
        self.n_states, self.n_actions = n_states, n_actions
        self.rewards = rng.uniform(-1.0, 1.0, size=(n_states, n_actions))
        self.termination = rng.uniform(min_termination, max_termination, size=(n_states, n_actions))
        next_states = rng.dirichlet(np.ones(n_states), size=(n_states, n_actions))
        self.transitions = next_states * (1.0 - self.termination)[..., None]
        self.initial_distribution = rng.dirichlet(np.ones(n_states))
        self.observation_space = spaces.Box(0.0, 1.0, shape=(n_states,), dtype=np.float32)
        self.action_space = spaces.Discrete(n_actions)
        self.state = 0

    def _obs(self) -> np.ndarray:
        obs = np.zeros(self.n_states, dtype=np.float32)
        obs[self.state] = 1.0
        return obs

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[np.ndarray, dict]:
        super().reset(seed=seed)
        self.state = int(self.np_random.choice(self.n_states, p=self.initial_distribution))
        return self._obs(), {}

    def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict]:
        action = int(action)
        reward = float(self.rewards[self.state, action])
        outcomes = np.append(self.transitions[self.state, action], self.termination[self.state, action])
        next_state = int(self.np_random.choice(self.n_states + 1, p=outcomes / outcomes.sum()))
        if next_state == self.n_states:
            return self._obs(), reward, True, False, {}
        self.state = next_state
        return self._obs(), reward, False, False, {}

    def _policy_matrices(self, pi: th.Tensor) -> tuple[th.Tensor, th.Tensor]:
        transitions = th.as_tensor(self.transitions, dtype=pi.dtype)
        rewards = th.as_tensor(self.rewards, dtype=pi.dtype)
        p_pi = th.einsum("sa,sat->st", pi, transitions)
        r_pi = (pi * rewards).sum(dim=1)
        return p_pi, r_pi

    def state_values(self, pi: th.Tensor, gamma: float = 1.0) -> th.Tensor:
        """
        V^pi for the discounted (or, with gamma = 1, total) return: V = (I - gamma P_pi)^-1 r_pi.

        :param pi: Policy as a (n_states, n_actions) tensor of probabilities (autograd flows through it)
        :param gamma: Discount factor
        """
        p_pi, r_pi = self._policy_matrices(pi)
        identity = th.eye(self.n_states, dtype=pi.dtype)
        return th.linalg.solve(identity - gamma * p_pi, r_pi)

    def exact_return(self, pi: th.Tensor, gamma: float = 1.0) -> th.Tensor:
        """J(pi) = E_{s0 ~ mu}[V^pi(s0)], differentiable with respect to ``pi``."""
        return th.as_tensor(self.initial_distribution, dtype=pi.dtype) @ self.state_values(pi, gamma)

    def expected_visits(self, pi: th.Tensor) -> th.Tensor:
        """Expected number of visits to each state in an episode: mu^T (I - P_pi)^-1."""
        p_pi, _ = self._policy_matrices(pi)
        identity = th.eye(self.n_states, dtype=pi.dtype)
        return th.linalg.solve((identity - p_pi).T, th.as_tensor(self.initial_distribution, dtype=pi.dtype))


class ScriptedEpisodeEnv(gym.Env):
    """
    Episodes of scripted lengths and rewards, whatever the actions.

    Episode k (counting from 0, cycling through ``lengths``) lasts ``lengths[k]`` steps; step t of it gives
    the reward ``rewards_fn(k, t)`` (default ``t + 1``) and the observation ``[k, t]``. It ends by
    termination, or by truncation when ``truncate`` is True.

    :param lengths: Episode lengths, used in turn
    :param rewards_fn: Reward of step t of episode k (default: t + 1)
    :param truncate: End episodes by truncation (time limit) instead of termination
    """

    metadata: dict[str, Any] = {"render_modes": []}  # noqa: RUF012

    def __init__(self, lengths: Sequence[int] = (3,), rewards_fn: Any = None, truncate: bool = False):
        self.lengths = list(lengths)
        self.rewards_fn = rewards_fn or (lambda episode, t: float(t + 1))
        self.truncate = truncate
        self.observation_space = spaces.Box(0.0, np.inf, shape=(2,), dtype=np.float32)
        self.action_space = spaces.Discrete(2)
        self.episode = -1
        self.t = 0

    def _obs(self) -> np.ndarray:
        return np.array([self.episode, self.t], dtype=np.float32)

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[np.ndarray, dict]:
        super().reset(seed=seed)
        self.episode += 1
        self.t = 0
        return self._obs(), {}

    def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict]:
        reward = float(self.rewards_fn(self.episode, self.t))
        self.t += 1
        ended = self.t >= self.lengths[self.episode % len(self.lengths)]
        return self._obs(), reward, ended and not self.truncate, ended and self.truncate, {}


class ClassificationBanditEnv(gym.Env):
    """
    Classification as a one-step bandit: observe a sample's features, answer a class, get 1 if it is the label.

    Each episode draws one sample (x_i, y_i) of a fixed dataset (Gaussian blobs, one per class), shows x_i,
    takes the answer a and ends with the reward ``1[a == y_i]`` (or ``wrong_reward`` when wrong). The expected
    reward of a policy is its accuracy, so REINFORCE here follows the gradient of the expected accuracy,
    sum_i grad pi(y_i|x_i), which is the cross-entropy gradient with each sample weighted by pi(y_i|x_i)
    (docs/understanding_policy_gradients.md). ``features`` and ``labels`` hold the dataset, for supervised
    training on the same samples. Registered as ``ClassificationBandit-v0`` when ``sb3_pg`` is imported.

    :param n_classes: Number of classes (actions)
    :param n_features: Dimension of the features (observations)
    :param n_samples: Size of the dataset
    :param class_separation: Radius of the circle of class centres; the noise around a centre has unit variance
    :param wrong_reward: Reward of a wrong answer
    :param dataset_seed: Seed of the dataset (not of the episodes: use ``reset(seed=...)``)
    """

    metadata: dict[str, Any] = {"render_modes": []}  # noqa: RUF012

    def __init__(
        self,
        n_classes: int = 3,
        n_features: int = 2,
        n_samples: int = 600,
        class_separation: float = 2.0,
        wrong_reward: float = 0.0,
        dataset_seed: int = 0,
    ):
        if n_classes < 2 or n_features < 1 or n_samples < n_classes:
            raise ValueError(
                f"need n_classes >= 2, n_features >= 1 and n_samples >= n_classes, got {n_classes}, {n_features}, {n_samples}"
            )
        rng = np.random.default_rng(dataset_seed)
        # Class centres evenly spaced on a circle of radius class_separation (on a line with one feature)
        self.centres = np.zeros((n_classes, n_features))
        if n_features == 1:
            self.centres[:, 0] = class_separation * (np.arange(n_classes) - (n_classes - 1) / 2)
        else:
            angles = 2 * np.pi * np.arange(n_classes) / n_classes
            self.centres[:, 0], self.centres[:, 1] = class_separation * np.cos(angles), class_separation * np.sin(angles)
        labels = rng.permutation(np.arange(n_samples) % n_classes)
        self.features = (self.centres[labels] + rng.normal(size=(n_samples, n_features))).astype(np.float32)
        self.labels = labels.astype(np.int64)
        self.wrong_reward = wrong_reward
        self.observation_space = spaces.Box(-np.inf, np.inf, shape=(n_features,), dtype=np.float32)
        self.action_space = spaces.Discrete(n_classes)
        self.index = 0

    def nearest_centre_accuracy(self) -> float:
        """Accuracy on the dataset of the nearest-centre rule (the Bayes classifier of the blobs): a ceiling."""
        distances = ((self.features[:, None, :] - self.centres[None]) ** 2).sum(axis=2)
        return float((distances.argmin(axis=1) == self.labels).mean())

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[np.ndarray, dict]:
        super().reset(seed=seed)
        self.index = int(self.np_random.integers(len(self.labels)))
        return self.features[self.index].copy(), {}

    def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict]:
        label = int(self.labels[self.index])
        correct = int(action) == label
        reward = 1.0 if correct else self.wrong_reward
        return self.features[self.index].copy(), reward, True, False, {"label": label, "is_success": correct}


CLASSIFICATION_BANDIT_ID = "ClassificationBandit-v0"


def register_envs() -> None:
    """Register our envs with gymnasium (idempotent)."""
    if CLASSIFICATION_BANDIT_ID not in gym.registry:
        gym.register(id=CLASSIFICATION_BANDIT_ID, entry_point="sb3_pg.envs:ClassificationBanditEnv")


register_envs()
