"""
Seconds to solve: wall-clock time from the start of ``learn()`` (model and envs built) to the end of the first
evaluation whose mean return over ``--eval-episodes`` (10) greedy episodes reaches the env's threshold, the time of
every evaluation included.

    python benchmarks/time_to_solve.py --env CartPole-v1 --algos reinforce reinforce_baseline td_actor_critic tnpg a2c ppo \\
        --seeds 2300 2301 2302 2303 2304 2305 2306 2307 2308 2309 --stop-when-solved a2c ppo --tag heldout23
    python benchmarks/time_to_solve.py --report            # the README's "Seconds to solve" section, written in place
    python benchmarks/time_to_solve.py --check             # exit status 1 if the README's section is not what --report writes

Ours train with their shipped config blocks (``zoo_configs/<algo>.yml``), RL-Zoo's algorithms (``a2c``, ``ppo``,
``trpo``, ...) with RL-Zoo's own ``hyperparams/<algo>.yml``; both are read, preprocessed and built by RL-Zoo's
``ExperimentManager`` (our keys registered), as ``python -m sb3_pg.zoo train`` builds them. ``--config ALGO=FILE``
and ``--params ALGO:KEY=VALUE`` (a YAML value) train another block, for tuning; the run stores what it trained with.

How it measures:

- One process per run, one torch thread (``OMP_NUM_THREADS=1``, ``torch.set_num_threads(1)``), on the CPU. The runs
  of one seed follow each other, the algorithms' order rotated from seed to seed, so all the compared algorithms see
  the same stretch of a shared machine's load: compare algorithms within one invocation (``--tag``), never across.
- Evaluation at the first policy update after every ``--eval-every`` (2,000) env steps: when a callback's rollout
  starts (the policy changed just before) and at the end of training. A batch larger than 2,000 steps is evaluated
  once per update: evaluating one policy twice would only repeat it. The evaluation env is a gymnasium vector env,
  one env per episode (the env's vectorised implementation where it has one, as CartPole-v1, else ``SyncVectorEnv``),
  its first reset seeded with ``seed + 10_000``; the greedy actions are those of ``model.predict(obs,
  deterministic=True)``, observations normalised with the training env's ``VecNormalize`` statistics where the config
  normalises. The same evaluation for every algorithm; its time counts.
- Training runs to the config's budget (``n_timesteps``), so the curve shows whether a solved task holds (the mean
  of the last 3 evaluations); the algorithms named by ``--stop-when-solved`` stop at the first solved evaluation
  (their seconds are the same; their curve ends there).

Each run prints one JSON line (``algo``, ``env``, ``seed``, ``solved``, ``seconds``, ``steps``, ...) and is stored
as ``benchmarks/results/time_to_solve/<tag>/<env>_<algo>_<seed>.json`` with its config (the resolved block and the
constructor's defaults for every other argument), the machine and the evaluation curve
(``[[env steps, mean return, seconds], ...]``); :func:`load_runs` reads them into a pandas DataFrame. A run whose
file exists is skipped (resumable).
"""

import argparse
import contextlib
import inspect
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "time_to_solve"
README = ROOT / "README.md"
SPEED_DOC = ROOT / "docs" / "speed.md"
THRESHOLDS = {"CartPole-v1": 475.0, "Acrobot-v1": -100.0, "Pendulum-v1": -200.0, "LunarLander-v3": 200.0}
# A solved task holds when the mean of the last 3 evaluations is at least this (CartPole-v1: 450)
HOLD_THRESHOLDS = {"CartPole-v1": 450.0, "Acrobot-v1": -100.0, "Pendulum-v1": -200.0, "LunarLander-v3": 200.0}
EVAL_SEED_OFFSET = 10_000
# The generated sections: README's held-out table and docs/speed.md's tuning log, each between its markers
START_MARKER, END_MARKER = "<!-- time-to-solve:start -->", "<!-- time-to-solve:end -->"
TUNING_START, TUNING_END = "<!-- time-to-solve-tuning:start -->", "<!-- time-to-solve-tuning:end -->"
ENVS_START, ENVS_END = "<!-- time-to-solve-envs:start -->", "<!-- time-to-solve-envs:end -->"
# The runs README's tables report: tag, env, algorithms in the table's order, the command that made them
ALL_CARTPOLE = ["reinforce", "reinforce_baseline", "td_actor_critic", "tnpg", "a2c", "ppo"]


def _heldout_cartpole(tag: str, first_seed: int, tianshou: bool = False) -> tuple[str, str, list[str], str]:
    """
    A held-out run of all six algorithms on CartPole-v1, seeds ``first_seed`` to ``first_seed + 9`` (with Tianshou's
    PG and A2C: eight, run by ``--tianshou-python``).
    """
    seeds = " ".join(str(seed) for seed in range(first_seed, first_seed + 10))
    algos = ALL_CARTPOLE + (["tianshou_pg", "tianshou_a2c"] if tianshou else [])
    stopped = " ".join(algos[4:])  # the peers (after our four) stop when solved
    command = (
        f"python benchmarks/time_to_solve.py --env CartPole-v1 --algos {' '.join(algos)} --seeds {seeds} "
        f"--stop-when-solved {stopped} --tag {tag}"
    )
    if tianshou:
        command += " --tianshou-python PYTHON_WITH_TIANSHOU"
    return tag, "CartPole-v1", algos, command


REPORTED = [
    _heldout_cartpole("heldout27", 2700, tianshou=True),
    _heldout_cartpole("heldout26", 2600, tianshou=True),
    _heldout_cartpole("heldout25", 2500, tianshou=True),
    # Tianshou's runs of heldout23 failed after training (its environment lacked SB3, which machine() then imported)
    _heldout_cartpole("heldout23", 2300),
    _heldout_cartpole("heldout15", 1500, tianshou=True),
    _heldout_cartpole("heldout13", 1300, tianshou=True),
    _heldout_cartpole("heldout10", 1000, tianshou=True),
]
# The other envs where we ship a block, against RL-Zoo's peers (docs/speed.md): time to solve only, all stopped when solved
OTHER_ENVS = [
    (
        "acrobot-heldout3",
        "Acrobot-v1",
        ["reinforce_baseline", "td_actor_critic", "tnpg", "a2c", "ppo"],
        "python benchmarks/time_to_solve.py --env Acrobot-v1 --algos reinforce_baseline td_actor_critic tnpg a2c ppo "
        "--seeds 100 101 102 103 104 --stop-when-solved reinforce_baseline td_actor_critic tnpg a2c ppo "
        "--tag acrobot-heldout3",
    ),
    (
        "pendulum-heldout4",
        "Pendulum-v1",
        ["tnpg", "trpo", "ppo"],
        "python benchmarks/time_to_solve.py --env Pendulum-v1 --algos tnpg trpo ppo --seeds 100 101 102 "
        "--stop-when-solved tnpg trpo ppo --tag pendulum-heldout4",
    ),
    (
        "lunarlander-heldout",
        "LunarLander-v3",
        ["tnpg", "ppo", "a2c", "trpo"],
        "python benchmarks/time_to_solve.py --env LunarLander-v3 --algos tnpg ppo a2c trpo --seeds 100 101 102 "
        "--stop-when-solved tnpg ppo a2c trpo --tag lunarlander-heldout",
    ),
]
NAMES = {
    "reinforce": "Reinforce",
    "reinforce_baseline": "ReinforceBaseline",
    "td_actor_critic": "TDActorCritic",
    "tnpg": "TNPG",
    "a2c": "SB3 A2C",
    "ppo": "SB3 PPO",
    "trpo": "sb3-contrib TRPO",
    "tianshou_pg": "Tianshou PG",
    "tianshou_a2c": "Tianshou A2C",
}
# Tianshou's algorithms on their own documented CartPole settings (its test/discrete/test_reinforce.py and
# test_a2c_with_il.py): trained by Tianshou's OnPolicyTrainer, which tests every epoch; an epoch is --eval-every steps
TIANSHOU_SETTINGS: dict[str, dict[str, Any]] = {
    "tianshou_pg": {
        "lr": 1e-3,
        "gamma": 0.95,
        "num_train_envs": 8,
        "collection_step_num_episodes": 8,
        "update_step_num_repetitions": 2,
        "batch_size": 64,
        "hidden_sizes": [64, 64],
        "return_standardization": True,
        "buffer_size": 20_000,
        "n_timesteps": 400_000,
    },
    "tianshou_a2c": {
        "lr": 1e-3,
        "gamma": 0.9,
        "num_train_envs": 16,
        "collection_step_num_episodes": 16,
        "update_step_num_repetitions": 1,
        "batch_size": 64,
        "hidden_sizes": [64, 64],
        "vf_coef": 0.5,
        "ent_coef": 0.0,
        "gae_lambda": 1.0,
        "return_scaling": False,
        "buffer_size": 20_000,
        "n_timesteps": 500_000,
    },
}


def _jsonable(value: Any) -> Any:
    """A config value as JSON: numbers, strings, lists and dicts as they are; anything else (a class) as its repr."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [_jsonable(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _jsonable(item) for key, item in value.items()}
    return getattr(value, "__name__", repr(value))


def run_tianshou(
    algo: str,
    env_id: str,
    seed: int,
    n_timesteps: int = 0,
    eval_every: int = 2_000,
    n_eval_episodes: int = 10,
    threshold: float | None = None,
    **unused: Any,
) -> dict[str, Any]:
    """
    Tianshou's PG or A2C (``TIANSHOU_SETTINGS``) timed like :func:`run_one`: from the start of Tianshou's
    ``run_training`` (its first test included) to the end of the first test of ``n_eval_episodes`` greedy episodes
    (``deterministic_eval=True``) reaching the threshold; Tianshou's trainer tests at the start and after every epoch of
    ``eval_every`` env steps, and stops when solved (its ``stop_fn``). Needs ``pip install tianshou``.
    """
    import gymnasium as gym
    import numpy as np
    import torch
    from tianshou.algorithm import A2C, Reinforce
    from tianshou.algorithm.modelfree.reinforce import ProbabilisticActorPolicy
    from tianshou.algorithm.optim import AdamOptimizerFactory
    from tianshou.data import Collector, CollectStats, VectorReplayBuffer
    from tianshou.env import DummyVectorEnv
    from tianshou.trainer import OnPolicyTrainerParams
    from tianshou.utils.net.common import Net
    from tianshou.utils.net.discrete import DiscreteActor, DiscreteCritic

    torch.set_num_threads(1)
    threshold = THRESHOLDS[env_id] if threshold is None else threshold
    settings = dict(TIANSHOU_SETTINGS[algo])
    budget = n_timesteps or settings["n_timesteps"]
    env = gym.make(env_id)
    state_shape, n_actions = env.observation_space.shape, int(env.action_space.n)  # type: ignore[attr-defined]
    train_envs = DummyVectorEnv([lambda: gym.make(env_id) for _ in range(settings["num_train_envs"])])
    test_envs = DummyVectorEnv([lambda: gym.make(env_id) for _ in range(n_eval_episodes)])
    np.random.seed(seed)
    torch.manual_seed(seed)
    train_envs.seed(seed)
    test_envs.seed(seed + EVAL_SEED_OFFSET)
    optim = AdamOptimizerFactory(lr=settings["lr"])
    algorithm: Any
    if algo == "tianshou_pg":
        net = Net(state_shape=state_shape, action_shape=n_actions, hidden_sizes=settings["hidden_sizes"], softmax=True)
        for module in net.modules():
            if isinstance(module, torch.nn.Linear):  # orthogonal initialisation, as Tianshou's test
                torch.nn.init.orthogonal_(module.weight, gain=np.sqrt(2))
                torch.nn.init.zeros_(module.bias)
        policy = ProbabilisticActorPolicy(
            actor=net,
            dist_fn=torch.distributions.Categorical,
            deterministic_eval=True,
            action_space=env.action_space,
            action_scaling=False,
        )
        algorithm = Reinforce(
            policy=policy, optim=optim, gamma=settings["gamma"], return_standardization=settings["return_standardization"]
        )
    else:
        net = Net(state_shape=state_shape, hidden_sizes=settings["hidden_sizes"])
        policy = ProbabilisticActorPolicy(
            actor=DiscreteActor(preprocess_net=net, action_shape=n_actions),
            dist_fn=torch.distributions.Categorical,
            deterministic_eval=True,
            action_space=env.action_space,
            action_scaling=False,
        )
        algorithm = A2C(
            policy=policy,
            critic=DiscreteCritic(preprocess_net=net),
            optim=optim,
            vf_coef=settings["vf_coef"],
            ent_coef=settings["ent_coef"],
            gae_lambda=settings["gae_lambda"],
            gamma=settings["gamma"],
            return_scaling=settings["return_scaling"],
        )
    train_collector = Collector[CollectStats](
        algorithm, train_envs, VectorReplayBuffer(settings["buffer_size"], len(train_envs))
    )
    test_collector = Collector[CollectStats](algorithm, test_envs)
    curve: list[list[float]] = []
    at_step = [0]
    start = [0.0]
    # Seconds spent testing, summed, at each test (the test collector's collect, timed)
    test_seconds: list[float] = []
    collect = test_collector.collect

    def timed_collect(*args: Any, **kwargs: Any) -> CollectStats:
        begin = time.perf_counter()
        result = collect(*args, **kwargs)
        now = time.perf_counter()
        test_seconds.append((test_seconds[-1] if test_seconds else 0.0) + now - begin)
        curve.append([at_step[0], round(float(np.mean(result.returns)), 2), round(now - start[0], 3)])
        return result

    test_collector.collect = timed_collect  # type: ignore[method-assign]

    def test_fn(epoch: int, env_step: int | None) -> None:
        at_step[0] = int(env_step or 0)

    def stop_fn(best_return: float) -> bool:
        # Tianshou passes its best test mean so far; solved is the latest test's mean reaching the threshold
        return bool(curve) and curve[-1][1] >= threshold

    params = OnPolicyTrainerParams(
        training_collector=train_collector,
        test_collector=test_collector,
        max_epochs=max(1, budget // eval_every),
        epoch_num_steps=eval_every,
        update_step_num_repetitions=settings["update_step_num_repetitions"],
        test_step_num_episodes=n_eval_episodes,
        batch_size=settings["batch_size"],
        collection_step_num_episodes=settings["collection_step_num_episodes"],
        collection_step_num_env_steps=None,
        stop_fn=stop_fn,
        test_fn=test_fn,
        test_in_training=False,
        verbose=False,
        show_progress=False,
    )
    with contextlib.redirect_stdout(sys.stderr):
        start[0] = time.perf_counter()
        algorithm.run_training(params)
        total = time.perf_counter() - start[0]
    solved_index = next((i for i, entry in enumerate(curve) if entry[1] >= threshold), None)
    solved = None if solved_index is None else curve[solved_index]
    values = [value for _, value, _ in curve]
    import tianshou

    return {
        "algo": algo,
        "env": env_id,
        "seed": seed,
        "solved": solved is not None,
        "seconds": None if solved is None else solved[2],
        "steps": None if solved is None else int(solved[0]),
        "threshold": threshold,
        "last3_mean": round(sum(values[-3:]) / len(values[-3:]), 2) if values else None,
        "trained_steps": int(train_collector.collect_step),
        "total_seconds": round(total, 3),
        "eval_seconds": round(test_seconds[-1], 3) if test_seconds else 0.0,
        "eval_seconds_to_solve": None if solved_index is None else round(test_seconds[solved_index], 3),
        "discarded_steps": 0,
        "discarded_steps_to_solve": None,
        "stopped_when_solved": True,
        "eval_every": eval_every,
        "eval_episodes": n_eval_episodes,
        "config_file": f"tianshou {tianshou.__version__}: TIANSHOU_SETTINGS",
        "config": {**settings, "n_timesteps": budget},
        "overrides": {},
        "machine": machine(),
        "curve": curve,
    }


def is_ours(algo: str) -> bool:
    """Whether ``algo`` is one of sb3_pg's algorithms (else one of RL-Zoo's)."""
    from sb3_pg import ALGOS

    return algo in ALGOS


def resolved_config(algo: str, block: dict[str, Any]) -> dict[str, Any]:
    """
    The full hyperparameters of a run: the config block as read (schedules as written, e.g. ``"lin_3e-3"``) and, for
    every other argument of the algorithm's constructor, its default.

    :param algo: RL-Zoo name of the algorithm
    :param block: The block RL-Zoo read (``-params`` overrides applied)
    """
    from rl_zoo3.utils import ALGOS

    from sb3_pg.zoo.registry import register

    register()
    skip = {"self", "policy", "env", "tensorboard_log", "verbose", "seed", "device", "_init_setup_model"}
    parameters = inspect.signature(ALGOS[algo].__init__).parameters
    defaults = {
        name: _jsonable(parameter.default)
        for name, parameter in parameters.items()
        if name not in skip and parameter.default is not inspect.Parameter.empty
    }
    return {**defaults, **{key: _jsonable(value) for key, value in block.items()}}


def shipped_block(algo: str, env_id: str) -> dict[str, Any]:
    """The block ``python -m sb3_pg.zoo train --algo ALGO --env ENV`` trains with (ours: shipped; RL-Zoo's: its own)."""
    import yaml
    from huggingface_sb3 import EnvironmentName

    path = config_file(algo)
    blocks = yaml.safe_load(Path(path).read_text())
    gym_id = EnvironmentName(env_id).gym_id
    return dict(blocks[gym_id] if gym_id in blocks else blocks["default"])


def config_file_name(conf_file: str) -> str:
    """How a run names its config: ours by their path in the repository, RL-Zoo's (installed) by their file name."""
    path = Path(conf_file).resolve()
    installed = "site-packages" in path.parts
    return os.path.relpath(path, ROOT) if path.is_relative_to(ROOT) and not installed else path.name


def config_file(algo: str) -> str:
    """Our shipped config of ``algo``, or RL-Zoo's own for its algorithms."""
    if is_ours(algo):
        from sb3_pg.zoo.registry import config_path

        return str(config_path(algo))
    import rl_zoo3

    return str(Path(rl_zoo3.__file__).parent / "hyperparams" / f"{algo}.yml")


def machine() -> dict[str, Any]:
    """
    The machine a run ran on: processor, CPUs, the 1-minute load average when it started, versions (SB3's ``None`` in
    an environment without it, such as the one that runs Tianshou's algorithms).
    """
    from importlib.metadata import PackageNotFoundError, version

    import torch

    try:
        sb3_version: str | None = version("stable_baselines3")
    except PackageNotFoundError:
        sb3_version = None

    processor = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                processor = line.split(":", 1)[1].strip()
                break
    return {
        "processor": processor,
        "cpus": os.cpu_count(),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "torch_threads": torch.get_num_threads(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "stable_baselines3": sb3_version,
    }


def make_eval_env(manager: Any, n_envs: int, seed: int) -> Any:
    """
    The evaluation env: a gymnasium vector env of ``n_envs`` envs stepped together, one greedy episode each
    (gymnasium's vectorised implementation where the env has one, as CartPole-v1, else its ``SyncVectorEnv``), seeded
    at its first reset. Configs with RL-Zoo per-env wrappers, VecEnv wrappers or frame stacking get RL-Zoo's own
    evaluation env (an SB3 ``VecEnv``) instead, evaluated with SB3's ``evaluate_policy``.

    :param manager: RL-Zoo's ``ExperimentManager`` that built the training env
    :param n_envs: Number of envs (the episodes of one evaluation)
    :param seed: Seed of the first reset
    """
    import gymnasium as gym

    if manager.env_wrapper is not None or manager.frame_stack is not None or manager.vec_env_wrapper is not None:
        env = manager.create_envs(n_envs, eval_env=True)
        env.seed(seed)
        return env
    env_id = manager.env_name.gym_id
    mode = "vector_entry_point" if gym.spec(env_id).vector_entry_point is not None else "sync"
    env = gym.make_vec(env_id, num_envs=n_envs, vectorization_mode=mode, **(manager.eval_env_kwargs or {}))
    env.sb3_pg_first_seed = seed  # type: ignore[attr-defined]
    return env


def greedy_returns(model: Any, env: Any) -> list[float]:
    """
    One greedy episode in each env of a gymnasium vector env: the actions of ``model.predict(obs, deterministic=True)``
    (its policy's ``_predict``, with the same action post-processing, without the per-call checks), observations
    normalised with the training env's ``VecNormalize`` statistics where it has them, raw rewards summed until each
    env's first episode ends.

    :param model: The model
    :param env: A gymnasium vector env (from :func:`make_eval_env`)
    :return: The return of each env's episode
    """
    import numpy as np
    import torch as th
    from gymnasium import spaces
    from stable_baselines3.common.distributions import CategoricalDistribution
    from stable_baselines3.common.policies import ActorCriticPolicy

    seed = getattr(env, "sb3_pg_first_seed", None)
    env.sb3_pg_first_seed = None  # seeded once: later evaluations draw new episodes
    obs, _ = env.reset(seed=seed)
    normalizer = model.get_vec_normalize_env()
    policy = model.policy
    policy.set_training_mode(False)
    # A discrete actor-critic policy's greedy action is the argmax of its logits: computed without building the
    # distribution (a third of the cost of SB3's predict on a small MLP), for SB3's algorithms and ours alike
    argmax_logits = (
        isinstance(policy, ActorCriticPolicy)
        and isinstance(policy.action_dist, CategoricalDistribution)
        and isinstance(policy.observation_space, spaces.Box)
    )
    device = policy.device
    returns = np.zeros(env.num_envs)
    running = np.ones(env.num_envs, dtype=bool)
    while running.any():
        inputs = normalizer.normalize_obs(obs) if normalizer is not None else obs
        with th.inference_mode():
            if argmax_logits:
                features = policy.extract_features(th.as_tensor(inputs, device=device), policy.pi_features_extractor)
                logits = policy.action_net(policy.mlp_extractor.forward_actor(features))
                actions = logits.argmax(dim=1).cpu().numpy()
            else:
                actions = policy._predict(policy.obs_to_tensor(inputs)[0], deterministic=True).cpu().numpy()
        actions = actions.reshape((-1, *policy.action_space.shape))
        if isinstance(policy.action_space, spaces.Box):
            if policy.squash_output:
                actions = policy.unscale_action(actions)
            else:
                actions = np.clip(actions, policy.action_space.low, policy.action_space.high)
        obs, rewards, terminated, truncated, _ = env.step(actions)
        returns += np.where(running, rewards, 0.0)
        running &= ~(terminated | truncated)
    return returns.tolist()


def _time_to_solve_callback(**kwargs: Any) -> Any:
    """The callback that evaluates, times and stops (built here so that SB3 is imported in the run's process only)."""
    import numpy as np
    from stable_baselines3.common.callbacks import BaseCallback
    from stable_baselines3.common.evaluation import evaluate_policy
    from stable_baselines3.common.vec_env import VecEnv, sync_envs_normalization

    class TimeToSolve(BaseCallback):
        """
        Evaluate at the first rollout start after every ``eval_every`` env steps and at the end of training;
        note the seconds since ``start`` at the end of the first evaluation reaching ``threshold``.
        """

        def __init__(
            self, eval_env: Any, threshold: float, eval_every: int, n_eval_episodes: int, stop_when_solved: bool
        ) -> None:
            super().__init__()
            self.eval_env = eval_env
            self.threshold = threshold
            self.eval_every = eval_every
            self.n_eval_episodes = n_eval_episodes
            self.stop_when_solved = stop_when_solved
            self.start = time.perf_counter()
            self.next_eval = eval_every
            self.curve: list[list[float]] = []
            self.solved_at: tuple[int, float] | None = None
            self.eval_seconds = 0.0
            # Steps that whole-episode batches collect and throw away (our episodic algorithms' rollout/discarded_steps)
            self.discarded_steps = 0
            self.discarded_steps_to_solve: int | None = None
            self.eval_seconds_to_solve: float | None = None

        def _evaluate(self) -> None:
            begin = time.perf_counter()
            if isinstance(self.eval_env, VecEnv):  # RL-Zoo's evaluation env
                sync_envs_normalization(self.training_env, self.eval_env)
                returns, _ = evaluate_policy(
                    self.model,
                    self.eval_env,
                    n_eval_episodes=self.n_eval_episodes,
                    deterministic=True,
                    return_episode_rewards=True,
                )
            else:
                returns = greedy_returns(self.model, self.eval_env)
            mean = float(np.mean(returns))
            end = time.perf_counter()
            self.eval_seconds += end - begin
            seconds = end - self.start
            self.curve.append([self.num_timesteps, round(mean, 2), round(seconds, 3)])
            self.next_eval = (self.num_timesteps // self.eval_every + 1) * self.eval_every
            if self.solved_at is None and mean >= self.threshold:
                self.solved_at = (self.num_timesteps, seconds)
                self.discarded_steps_to_solve = self.discarded_steps
                self.eval_seconds_to_solve = self.eval_seconds

        def _on_rollout_start(self) -> None:
            if self.num_timesteps >= self.next_eval and not self.stopping:
                self._evaluate()

        def _on_rollout_end(self) -> None:
            self.discarded_steps += int(self.model.logger.name_to_value.pop("rollout/discarded_steps", 0))

        def _on_training_end(self) -> None:
            if self.num_timesteps >= self.next_eval and not self.stopping:
                self._evaluate()

        @property
        def stopping(self) -> bool:
            return self.stop_when_solved and self.solved_at is not None

        def _on_step(self) -> bool:
            return not self.stopping

    return TimeToSolve(**kwargs)


def run_one(
    algo: str,
    env_id: str,
    seed: int,
    conf_file: str | None = None,
    params: dict[str, Any] | None = None,
    n_timesteps: int = 0,
    eval_every: int = 2_000,
    n_eval_episodes: int = 10,
    stop_when_solved: bool = False,
    threshold: float | None = None,
) -> dict[str, Any]:
    """
    Train one algorithm on one seed, as RL-Zoo's ``train`` builds it, and time it to the threshold.

    :param algo: RL-Zoo name (ours: reinforce, reinforce_baseline, td_actor_critic, tnpg; RL-Zoo's: a2c, ppo, ...)
    :param env_id: The env
    :param seed: The seed
    :param conf_file: Config file (``None``: our shipped one, or RL-Zoo's for its algorithms)
    :param params: Overrides of the block's keys (RL-Zoo's ``-params``)
    :param n_timesteps: Budget (0: the block's ``n_timesteps``)
    :param eval_every: Env steps between evaluations
    :param n_eval_episodes: Greedy episodes per evaluation
    :param stop_when_solved: Stop at the first evaluation that reaches the threshold
    :param threshold: Mean return that counts as solved (``None``: the env's, ``THRESHOLDS``)
    :return: The run: ``algo``, ``env``, ``seed``, ``solved``, ``seconds``, ``steps``, ``config``, ``machine``, ``curve``, ...
    """
    if algo in TIANSHOU_SETTINGS:
        return run_tianshou(algo, env_id, seed, n_timesteps, eval_every, n_eval_episodes, threshold)
    import torch
    from rl_zoo3.exp_manager import ExperimentManager

    from sb3_pg.zoo.registry import register

    torch.set_num_threads(1)
    register()
    threshold = THRESHOLDS[env_id] if threshold is None else threshold
    conf_file = conf_file or config_file(algo)
    with tempfile.TemporaryDirectory() as log_folder, contextlib.redirect_stdout(sys.stderr):
        manager = ExperimentManager(
            argparse.Namespace(),
            algo,
            env_id,
            log_folder,
            n_timesteps=n_timesteps,
            eval_freq=-1,
            save_freq=-1,
            hyperparams=dict(params or {}),
            seed=seed,
            verbose=0,
            device="cpu",
            config=conf_file,
        )
        setup = manager.setup_experiment()
        assert setup is not None
        model, block = setup
        eval_env = make_eval_env(manager, n_eval_episodes, seed + EVAL_SEED_OFFSET)
        callback = _time_to_solve_callback(
            eval_env=eval_env,
            threshold=threshold,
            eval_every=eval_every,
            n_eval_episodes=n_eval_episodes,
            stop_when_solved=stop_when_solved,
        )
        start = time.perf_counter()
        callback.start = start
        model.learn(manager.n_timesteps, callback=[*manager.callbacks, callback])
        total = time.perf_counter() - start
        train_env = model.get_env()
        assert train_env is not None
        train_env.close()
        eval_env.close()
    values = [value for _, value, _ in callback.curve]
    return {
        "algo": algo,
        "env": env_id,
        "seed": seed,
        "solved": callback.solved_at is not None,
        "seconds": None if callback.solved_at is None else round(callback.solved_at[1], 3),
        "steps": None if callback.solved_at is None else int(callback.solved_at[0]),
        "threshold": threshold,
        "last3_mean": round(sum(values[-3:]) / len(values[-3:]), 2) if values else None,
        "trained_steps": int(model.num_timesteps),
        "total_seconds": round(total, 3),
        "eval_seconds": round(callback.eval_seconds, 3),
        # Of the seconds to solve, those spent evaluating (the solving evaluation included)
        "eval_seconds_to_solve": None if callback.eval_seconds_to_solve is None else round(callback.eval_seconds_to_solve, 3),
        "discarded_steps": callback.discarded_steps,
        "discarded_steps_to_solve": callback.discarded_steps_to_solve,
        "stopped_when_solved": stop_when_solved,
        "eval_every": eval_every,
        "eval_episodes": n_eval_episodes,
        "config_file": config_file_name(conf_file),
        "config": resolved_config(algo, {**block, "n_timesteps": manager.n_timesteps}),
        "overrides": _jsonable(params or {}),
        "machine": machine(),
        "curve": callback.curve,
    }


def run_path(out_dir: Path, algo: str, env_id: str, seed: int) -> Path:
    """Where a run is stored."""
    return out_dir / f"{env_id}_{algo}_{seed}.json"


def interleaved(algos: list[str], seeds: list[int]) -> list[tuple[int, str]]:
    """Every (seed, algo): the seeds in order, the algorithms of each seed rotated by one from seed to seed."""
    return [(seed, algos[(i + k) % len(algos)]) for i, seed in enumerate(seeds) for k in range(len(algos))]


def _parse_params(pairs: list[str]) -> dict[str, dict[str, Any]]:
    """
    ``ALGO:KEY=VALUE`` pairs by algorithm, VALUE read as YAML, where a number without a dot (``5e-4``, a string to
    YAML 1.1 and then a bad schedule to RL-Zoo) is a float.
    """
    import yaml

    params: dict[str, dict[str, Any]] = {}
    for pair in pairs:
        algo, _, assignment = pair.partition(":")
        key, sep, value = assignment.partition("=")
        if not (algo and key and sep):
            raise SystemExit(f"--params {pair!r}: expected ALGO:KEY=VALUE")
        parsed = yaml.safe_load(value)
        if isinstance(parsed, str):
            with contextlib.suppress(ValueError):
                parsed = float(parsed)
        params.setdefault(algo, {})[key] = parsed
    return params


def run_all(args: argparse.Namespace) -> int:
    """Train every (seed, algo) not yet stored, each in its own process, and store it; the number of failed runs."""
    out_dir = RESULTS / args.tag
    out_dir.mkdir(parents=True, exist_ok=True)
    configs = dict(item.split("=", 1) for item in args.config)
    params = _parse_params(args.params)
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    failures = 0
    for seed, algo in interleaved(args.algos, args.seeds):
        path = run_path(out_dir, algo, args.env, seed)
        if path.exists():
            continue
        job = {
            "algo": algo,
            "env_id": args.env,
            "seed": seed,
            "conf_file": configs.get(algo),
            "params": params.get(algo, {}),
            "n_timesteps": args.n_timesteps,
            "eval_every": args.eval_every,
            "n_eval_episodes": args.eval_episodes,
            "stop_when_solved": algo in args.stop_when_solved,
            "threshold": args.threshold,
        }
        python = args.tianshou_python if algo in TIANSHOU_SETTINGS else sys.executable
        result = subprocess.run(
            [python, __file__, "--run-one", json.dumps(job)], env=env, capture_output=True, text=True, check=False
        )
        if result.returncode != 0:
            failures += 1
            print(f"{algo} {args.env} seed {seed} failed:\n{result.stderr[-3000:]}", file=sys.stderr)
            continue
        run = json.loads(result.stdout.strip().splitlines()[-1])
        run["tag"] = args.tag
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(run) + "\n")
        tmp.rename(path)
        summary = {key: run[key] for key in ("algo", "env", "seed", "solved", "seconds", "steps", "last3_mean")}
        print(json.dumps(summary), flush=True)
    return failures


def load_runs(folder: Path = RESULTS) -> Any:
    """
    Every stored run under ``folder`` as one row of a pandas DataFrame (the columns of the JSON files; ``tag`` is the
    run's folder).
    """
    import pandas as pd

    rows = []
    for path in sorted(folder.rglob("*.json")):
        run = json.loads(path.read_text())
        run.setdefault("tag", path.parent.name)
        rows.append(run)
    return pd.DataFrame(rows)


def _median_range(values: list[float], fmt: str) -> str:
    import statistics

    if not values:
        return "-"
    return f"{fmt.format(statistics.median(values))} [{fmt.format(min(values))}, {fmt.format(max(values))}]"


def report_section(runs: Any, reported: list[tuple[str, str, list[str], str]] = REPORTED) -> str:
    """
    Tables of seconds to solve from the stored runs: README's "Seconds to solve" section (``REPORTED``), or
    docs/speed.md's other envs (``OTHER_ENVS``).
    """
    lines = []
    for tag, env_id, algos, command in reported:
        table = runs[(runs["tag"] == tag) & (runs["env"] == env_id)]
        if table.empty:
            continue
        hold = HOLD_THRESHOLDS[env_id]
        lines += [
            f"**{env_id}** (solved: the mean of 10 greedy episodes reaches {THRESHOLDS[env_id]:g}; held: the mean of "
            f"the last 3 evaluations is at least {hold:g}), seeds "
            f"{_seed_list(sorted(set(table['seed'])))}, one run after another in one invocation (`--tag {tag}`):",
            "",
            "| Algorithm | config | seconds to solve, median [min, max] | of them evaluating | solved | held "
            "| env steps to solve | of them discarded | against the fastest RL-Zoo peer (medians) |",
            "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
        ]
        medians = {}
        for algo in algos:
            rows = table[table["algo"] == algo]
            if is_ours(algo):
                wanted = resolved_config(algo, shipped_block(algo, env_id))
                rows = rows.loc[[config == wanted for config in rows["config"]]] if len(rows) else rows
            solved = rows[rows["solved"]]
            if len(solved) == len(rows) and len(rows):
                import statistics

                medians[algo] = statistics.median(solved["seconds"])
        peers = [medians[algo] for algo in medians if not is_ours(algo) and algo not in TIANSHOU_SETTINGS]
        fastest_peer = min(peers) if peers else None
        for algo in algos:
            rows = table[table["algo"] == algo]
            if is_ours(algo):
                wanted = resolved_config(algo, shipped_block(algo, env_id))
                rows = rows.loc[[config == wanted for config in rows["config"]]] if len(rows) else rows
            if rows.empty:
                continue
            solved = rows[rows["solved"]]
            stopped = bool(rows["stopped_when_solved"].all())
            held = "- (stopped when solved)" if stopped else f"{int((rows['last3_mean'] >= hold).sum())}/{len(rows)}"
            ratio = "-"
            peer = not is_ours(algo) and algo not in TIANSHOU_SETTINGS
            if fastest_peer is not None and algo in medians and not peer:
                speedup = fastest_peer / medians[algo]
                ratio = f"{speedup:.1f}x faster" if speedup >= 1 else f"{1 / speedup:.1f}x slower"
            config = "shipped" if is_ours(algo) else "Tianshou's" if algo in TIANSHOU_SETTINGS else "RL-Zoo's"
            lines.append(
                f"| {NAMES.get(algo, algo)} | {config} | {_median_range(list(solved['seconds']), '{:.1f}')} | "
                f"{_evaluating(solved)} | {len(solved)}/{len(rows)} | {held} | "
                f"{_median_range(list(solved['steps']), '{:,.0f}')} | "
                f"{_discarded(solved)} | {ratio} |"
            )
        machines = table["machine"].tolist()
        loads = [m["load_average_1min"] for m in machines]
        lines += [
            "",
            f"Machine: {machines[0]['processor']}, {machines[0]['cpus']} CPUs shared with other work (1-minute load "
            f"average {min(loads):.1f} to {max(loads):.1f} when the runs started), one torch thread, torch "
            f"{machines[0]['torch']}, SB3 {machines[0]['stable_baselines3']}. Timings on a shared machine are noisy: "
            f"compare within the table, whose runs were interleaved. Reproduce: `{command}`.",
            "",
        ]
    return "\n".join(lines).rstrip() + "\n"


def _evaluating(solved: Any) -> str:
    """The median share of the seconds to solve spent evaluating ('-' for runs stored before it was measured)."""
    import statistics

    import pandas as pd

    seconds = solved["eval_seconds_to_solve"] if "eval_seconds_to_solve" in solved else pd.Series(dtype=float)
    shares = [evaluating / total for evaluating, total in zip(seconds, solved["seconds"]) if pd.notna(evaluating)]
    return f"{100 * statistics.median(shares):.0f}%" if len(shares) == len(solved) and shares else "-"


def _discarded(solved: Any) -> str:
    """The mean share of the steps to solve that whole-episode batches threw away ('-' where none were)."""
    import pandas as pd

    counts = solved["discarded_steps_to_solve"] if "discarded_steps_to_solve" in solved else pd.Series(dtype=float)
    shares = [count / steps for count, steps in zip(counts, solved["steps"]) if pd.notna(count)]
    return f"{100 * sum(shares) / len(shares):.0f}%" if shares and any(shares) else "-"


def _config_difference(algo: str, config: dict[str, Any]) -> str:
    """The settings of a stored config that differ from the algorithm's defaults, as ``key=value``."""
    defaults = resolved_config(algo, {})
    skip = {"policy", "vectorization_mode"}
    return ", ".join(
        f"{key}={value}" for key, value in config.items() if key not in skip and defaults.get(key, object()) != value
    )


def tuning_section(runs: Any) -> str:
    """docs/speed.md's tuning log: every stored try but the held-out runs and the early probes, grouped by algorithm."""
    import statistics

    reported = [tag for tag, *_ in REPORTED + OTHER_ENVS]
    runs = runs[~runs["tag"].isin(reported) & ~runs["tag"].str.startswith("probe-")]
    lines = [
        "| try (`--tag`) | algorithm | settings (besides the defaults; `vectorization_mode` on all of ours) | solved "
        "| held | seconds to solve, median [min, max] | env steps to solve (median) | of them discarded | machine |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    order = {algo: i for i, algo in enumerate(REPORTED[0][2])}
    groups = sorted(runs.groupby(["algo", "tag"]), key=lambda item: (order.get(item[0][0], 99), item[0][1]))
    for (algo, tag), rows in groups:
        solved = rows[rows["solved"]]
        config = rows["config"].iloc[0]
        shipped = is_ours(algo) and config == resolved_config(algo, shipped_block(algo, str(rows["env"].iloc[0])))
        settings = _config_difference(algo, config) if is_ours(algo) else "RL-Zoo's"
        if algo in TIANSHOU_SETTINGS:
            settings = "Tianshou's"
        if shipped:
            settings = f"**shipped**: {settings}"
        stopped = bool(rows["stopped_when_solved"].all())
        held = "-" if stopped else f"{int((rows['last3_mean'] >= HOLD_THRESHOLDS[rows['env'].iloc[0]]).sum())}/{len(rows)}"
        steps = f"{statistics.median(solved['steps']):,.0f}" if len(solved) else "-"
        machine = rows["machine"].iloc[0]
        loads = [m["load_average_1min"] for m in rows["machine"]]
        lines.append(
            f"| {tag} | {NAMES.get(algo, algo)} | {settings} | {len(solved)}/{len(rows)} | {held} | "
            f"{_median_range(list(solved['seconds']), '{:.2f}')} | {steps} | {_discarded(solved)} | "
            f"{machine['processor']}, {machine['cpus']} CPUs, load {statistics.median(loads):.1f} |"
        )
    return "\n".join(lines) + "\n"


def _seed_list(seeds: list[int]) -> str:
    """``100-109`` for a run of consecutive seeds, else the seeds."""
    if seeds and seeds == list(range(seeds[0], seeds[-1] + 1)) and len(seeds) > 2:
        return f"{seeds[0]}-{seeds[-1]}"
    return ", ".join(str(seed) for seed in seeds)


def with_section(text: str, section: str, start_marker: str = START_MARKER, end_marker: str = END_MARKER) -> str:
    """``text`` with what lies between the markers replaced by ``section``."""
    start, end = text.index(start_marker) + len(start_marker), text.index(end_marker)
    return text[:start] + "\n" + section + text[end:]


def report(check: bool) -> int:
    """
    Write (or, with ``check``, compare) README's "Seconds to solve" table and docs/speed.md's tuning log.

    :return: 1 where a section is out of date (``check``), else 0
    """
    runs = load_runs()
    stale = 0
    for path, section, markers in (
        (README, report_section(runs), (START_MARKER, END_MARKER)),
        (SPEED_DOC, tuning_section(runs), (TUNING_START, TUNING_END)),
        (SPEED_DOC, report_section(runs, OTHER_ENVS), (ENVS_START, ENVS_END)),
    ):
        text = path.read_text()
        updated = with_section(text, section, *markers)
        if updated != text:
            if check:
                print(f"{path.relative_to(ROOT)}: the section {markers[0]} is out of date: python {__file__} --report")
                stale = 1
            else:
                path.write_text(updated)
    return stale


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--env", default="CartPole-v1")
    parser.add_argument(
        "--algos", nargs="+", default=["reinforce", "reinforce_baseline", "td_actor_critic", "tnpg", "a2c", "ppo"]
    )
    parser.add_argument("--seeds", nargs="+", type=int, default=[0])
    parser.add_argument("--tag", default="default", help="folder of the runs under benchmarks/results/time_to_solve/")
    parser.add_argument("--config", nargs="*", default=[], metavar="ALGO=FILE", help="another config file for ALGO")
    parser.add_argument("--params", nargs="*", default=[], metavar="ALGO:KEY=VALUE", help="override a key of ALGO's block")
    parser.add_argument("-n", "--n-timesteps", type=int, default=0, help="budget (0: the block's n_timesteps)")
    parser.add_argument("--eval-every", type=int, default=2_000)
    parser.add_argument("--eval-episodes", type=int, default=10)
    parser.add_argument("--threshold", type=float, default=None, help="solved threshold (default: the env's)")
    parser.add_argument("--stop-when-solved", nargs="*", default=[], metavar="ALGO")
    parser.add_argument(
        "--tianshou-python",
        default=sys.executable,
        help="the Python that runs tianshou_pg / tianshou_a2c (an environment with tianshou installed)",
    )
    parser.add_argument("--report", action="store_true", help="write README's and docs/speed.md's sections from the runs")
    parser.add_argument("--check", action="store_true", help="exit 1 if a generated section is not up to date")
    parser.add_argument("--run-one", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.run_one:
        print(json.dumps(run_one(**json.loads(args.run_one))))
        return 0
    if args.report or args.check:
        return report(check=args.check)
    return 1 if run_all(args) else 0


if __name__ == "__main__":
    sys.exit(main())
