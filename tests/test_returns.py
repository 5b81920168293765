"""Returns, episode boundaries and sample accounting of the episodic batches, checked by hand."""

import numpy as np
import pytest
from stable_baselines3.common.monitor import Monitor
from stable_baselines3.common.vec_env import DummyVecEnv

from sb3_pg import Reinforce, ReinforceBaseline
from sb3_pg.envs import ScriptedEpisodeEnv


def make_model(env_kwargs: list[dict], algo=Reinforce, **kwargs):
    vec_env = DummyVecEnv([lambda kw=kw: Monitor(ScriptedEpisodeEnv(**kw)) for kw in env_kwargs])
    model = algo("MlpPolicy", vec_env, seed=0, **kwargs)
    _, callback = model._setup_learn(total_timesteps=10**9, callback=None)
    return model, callback


def collect(model, callback):
    assert model.collect_rollouts(model.env, callback, model.rollout_buffer, n_rollout_steps=0)
    return model.rollout_buffer


@pytest.mark.parametrize("truncate", [False, True])
def test_reward_to_go_and_discounts(truncate):
    # Rewards 1, 2, 3 then 1, 2; gamma = 0.5. Truncation ends an episode the same way: no bootstrapping
    model, callback = make_model([dict(lengths=[3, 2], truncate=truncate)], gamma=0.5, n_episodes=2)
    buffer = collect(model, callback)
    np.testing.assert_allclose(buffer.returns[:, 0], [1 + 0.5 * 2 + 0.25 * 3, 2 + 0.5 * 3, 3, 1 + 0.5 * 2, 2])
    np.testing.assert_allclose(buffer.discounts[:, 0], [1, 0.5, 0.25, 1, 0.5])
    np.testing.assert_array_equal(buffer.step_index[:, 0], [0, 1, 2, 0, 1])
    np.testing.assert_array_equal(buffer.episode_ids[:, 0], [0, 0, 0, 1, 1])
    assert buffer.n_episodes == 2
    assert buffer.valid.all()


def test_episode_return():
    model, callback = make_model([dict(lengths=[3, 2])], gamma=0.5, n_episodes=2, return_type="episode")
    buffer = collect(model, callback)
    np.testing.assert_allclose(buffer.returns[:, 0], [2.75, 2.75, 2.75, 2.0, 2.0])


def test_several_envs_boundaries_and_discarded_steps():
    # env 0: episodes of 2 steps; env 1: episodes of 4 steps; 4 episodes = 2 per env
    model, callback = make_model([dict(lengths=[2]), dict(lengths=[4])], gamma=1.0, n_episodes=4)
    buffer = collect(model, callback)
    # env 1 needs 8 rows; env 0 has its 2 episodes after 4 rows and its 4 later steps are discarded
    assert buffer.buffer_size == 8
    np.testing.assert_array_equal(buffer.valid[:, 0], [1, 1, 1, 1, 0, 0, 0, 0])
    assert buffer.valid[:, 1].all()
    np.testing.assert_allclose(buffer.returns[:4, 0], [3, 2, 3, 2])
    np.testing.assert_allclose(buffer.returns[:, 1], [10, 9, 7, 4, 10, 9, 7, 4])
    np.testing.assert_array_equal(buffer.episode_ids[:4, 0], [0, 0, 1, 1])
    np.testing.assert_array_equal(buffer.episode_ids[:, 1], [2, 2, 2, 2, 3, 3, 3, 3])
    # Honest accounting: every env step counts, the discarded ones are logged
    assert model.num_timesteps == 16
    assert model.logger.name_to_value["rollout/discarded_steps"] == 4
    assert model.logger.name_to_value["rollout/episodes_per_batch"] == 4
    # get() hands out the 12 kept steps only, with their returns
    samples = next(buffer.get())
    assert len(samples.returns) == 12
    assert sorted(samples.returns.tolist()) == sorted([3, 2, 3, 2, 10, 9, 7, 4, 10, 9, 7, 4])


def test_uneven_episode_quotas():
    model, callback = make_model([dict(lengths=[2]), dict(lengths=[2])], n_episodes=3)
    buffer = collect(model, callback)
    assert buffer.episodes_per_env.tolist() == [2, 1]
    assert buffer.n_valid_steps == 6


def test_next_batch_restarts_unfinished_episodes():
    model, callback = make_model([dict(lengths=[2]), dict(lengths=[3])], n_episodes=2)
    collect(model, callback)
    # env 0 finished its episode after 2 rows, then started a new one that the batch cut after 1 step
    buffer = collect(model, callback)
    # The new batch starts a fresh episode in every env (step index 0), not the leftover one
    np.testing.assert_array_equal(buffer.observations[0, :, 1], [0, 0])
    assert buffer.episode_starts[0].all()


def test_n_steps_batches_end_at_episode_boundaries():
    model, callback = make_model([dict(lengths=[3])], gamma=1.0, n_steps=5)
    buffer = collect(model, callback)
    # At least 5 steps, in complete episodes: two episodes of 3
    assert buffer.n_valid_steps == 6
    assert buffer.n_episodes == 2
    np.testing.assert_allclose(buffer.returns[:, 0], [6, 5, 3, 6, 5, 3])


def test_episode_longer_than_any_preallocated_size():
    model, callback = make_model([dict(lengths=[10_000], rewards_fn=lambda k, t: 1.0)], gamma=1.0, n_episodes=1)
    buffer = collect(model, callback)
    assert buffer.n_valid_steps == 10_000
    assert buffer.returns[0, 0] == 10_000
    assert buffer.returns[-1, 0] == 1
    model.train()
    assert model.logger.name_to_value["train/grad_norm"] > 0


def test_value_baseline_uses_values_from_collection():
    model, callback = make_model([dict(lengths=[3])], algo=ReinforceBaseline, gamma=1.0, n_episodes=2)
    buffer = collect(model, callback)
    import torch as th

    with th.no_grad():
        values = model.policy.predict_values(th.as_tensor(buffer.observations[:, 0])).flatten().numpy()
    np.testing.assert_allclose(buffer.values[:, 0], values, rtol=1e-5, atol=1e-6)
