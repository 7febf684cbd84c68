"""Weighted combinations: TRL's None rule, per-component logging, build from specs."""

from codetune.rewards import RewardSpec, build_rewards, combined_reward, weighted_sum


def ones(completions, **columns):
    return [1.0] * len(completions)


def half_or_none(completions, **columns):
    return [0.5 if c else None for c in completions]


def test_weighted_sum_skips_none_components():
    parts = {"a": [1.0, 1.0, None], "b": [0.5, None, None]}
    assert weighted_sum(parts, [1.0, 2.0]) == [2.0, 1.0, None]


def test_combined_reward_logs_each_component():
    logged = {}
    fn = combined_reward([ones, half_or_none], [1.0, 0.5])
    out = fn(["x", ""], log_metric=lambda k, v: logged.setdefault(k, v))
    assert out == [1.25, 1.0]
    assert logged == {"rewards/ones/mean": 1.0, "rewards/half_or_none/mean": 0.5}


def test_build_rewards_returns_funcs_and_trl_weights():
    funcs, weights = build_rewards([RewardSpec("static", 0.3),
                                    RewardSpec("tests.rewards.test_combined:ones", 2.0)])
    assert [f.__name__ for f in funcs] == ["static", "ones"]
    assert weights == [0.3, 2.0]
