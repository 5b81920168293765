"""
The examples a user copies first run end to end: a tiny budget in the default suite, the default settings reaching
the env's threshold in the slow job. MuJoCo's envs come with the test extra (gymnasium[mujoco]).
"""

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

from sb3_pg import ReinforceBaseline

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def load_example(name: str) -> ModuleType:
    """The example script as a module (its ``main`` not run)."""
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_inverted_pendulum_example_runs(tmp_path):
    """Trains (2,000 steps: no evaluation yet), evaluates on 20 episodes and saves a model that loads."""
    example = load_example("reinforce_baseline_inverted_pendulum")
    path = tmp_path / "model"
    mean_reward = example.main(["--timesteps", "2000", "--seed", "0", "--path", str(path)])
    # One point per step the pole stays up: an untrained policy drops it within a few dozen steps, never below 1
    assert 1 <= mean_reward <= 1000
    model = ReinforceBaseline.load(f"{path}.zip", device="cpu")
    assert model.num_timesteps >= 2000
    assert model.baseline == "value"


@pytest.mark.slow
def test_inverted_pendulum_example_solves(tmp_path):
    """The example's default settings and budget reach RL-Zoo's threshold (950 over 20 greedy episodes)."""
    example = load_example("reinforce_baseline_inverted_pendulum")
    mean_reward = example.main(["--seed", "0", "--path", str(tmp_path / "model")])
    assert mean_reward >= 950
