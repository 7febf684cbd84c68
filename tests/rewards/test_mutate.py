"""Single-token mutants of reference solutions (candidates for preference mining)."""

from codetune.rewards.mutate import mutants


def test_mutants_differ_from_the_original_and_each_other():
    code = "def f(xs):\n    return sum(x + 1 for x in xs if x > 0)\n"
    out = mutants(code, 3, seed=1)
    assert len(out) == 3
    assert code not in out and len(set(out)) == 3


def test_mutants_of_a_function_body_keep_its_indentation():
    body = "    return a + b\n"
    assert mutants(body, 1) == ["    return a - b\n"]


def test_nothing_to_mutate_gives_no_mutants():
    assert mutants("    return x\n", 2) == []
