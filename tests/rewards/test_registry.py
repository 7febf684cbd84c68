"""The reward registry: built-in names, ``package.module:function`` specs, factories, errors."""

import pytest

from codetune.errors import CodetuneError
from codetune.rewards import available_rewards, build_reward
from codetune.rewards.registry import reward_factory


def length_reward(completions, **columns):
    return [float(len(c)) for c in completions]


@reward_factory
def capped_length(cap: int = 3):
    def capped(completions, **columns):
        return [float(min(len(c), cap)) for c in completions]
    return capped


def test_builtins_are_registered():
    assert {"execution", "execution_binary", "static", "reward_model"} <= set(available_rewards())


def test_module_function_is_used_as_the_reward():
    fn = build_reward("tests.rewards.test_registry:length_reward")
    assert fn(["ab", "abcd"]) == [2.0, 4.0]
    assert fn.__name__ == "length_reward"


def test_marked_factory_is_called_with_args():
    fn = build_reward("tests.rewards.test_registry:capped_length", {"cap": 2})
    assert fn(["a", "abcd"]) == [1.0, 2.0]


def test_unknown_name_suggests_the_nearest():
    with pytest.raises(CodetuneError, match="did you mean 'static'"):
        build_reward("statik")


def test_missing_module_is_a_one_line_error():
    with pytest.raises(CodetuneError, match="cannot import"):
        build_reward("no_such_pkg.mod:fn")


def test_display_name_sets_the_log_key():
    fn = build_reward("static", display_name="lint")
    assert fn.__name__ == "lint"
