"""Translate items verified by carried tests: Python asserts over literals carried to JavaScript,
TypeScript, C, C++, Java, Go, Rust and Bash (MultiPL-E's rule), run in the real sandbox, kept
only when they pass."""

from __future__ import annotations

import json

import pytest

from codetune.config import load_config
from codetune.data.sft.builder import build_sft
from codetune.data.sft.carry_tests import NotCarried, carry, parse_check
from codetune.data.sft.config import SFTRecipe

LANGS = ("javascript", "cpp", "java", "go", "rust")

# word_lengths: correct in every language (dict result, list-of-strings and int arguments).
WORD_LENGTHS = {
    "id": "word_lengths",
    "python": "def word_lengths(words, min_len):\n"
              "    return {w: len(w) for w in words if len(w) >= min_len}\n",
    "javascript": "function wordLengths(words, minLen) {\n  const out = {};\n"
                  "  for (const w of words) {\n    if (w.length >= minLen) {\n"
                  "      out[w] = w.length;\n    }\n  }\n  return out;\n}\n",
    "cpp": "#include <map>\n#include <string>\n#include <vector>\n\n"
           "std::map<std::string, long> word_lengths(const std::vector<std::string>& words, "
           "long min_len) {\n    std::map<std::string, long> out;\n"
           "    for (const auto& w : words) {\n        if ((long)w.size() >= min_len) {\n"
           "            out[w] = (long)w.size();\n        }\n    }\n    return out;\n}\n",
    "java": "import java.util.*;\n\nclass Solution {\n"
            "    public static Map<String, Long> wordLengths(List<String> words, long minLen) {\n"
            "        Map<String, Long> out = new HashMap<>();\n"
            "        for (String w : words) {\n            if (w.length() >= minLen) {\n"
            "                out.put(w, (long) w.length());\n            }\n        }\n"
            "        return out;\n    }\n}\n",
    "go": "package main\n\nfunc wordLengths(words []string, minLen int) map[string]int {\n"
          "\tout := map[string]int{}\n\tfor _, w := range words {\n"
          "\t\tif len(w) >= minLen {\n\t\t\tout[w] = len(w)\n\t\t}\n\t}\n\treturn out\n}\n",
    "rust": "use std::collections::HashMap;\n\n"
            "fn word_lengths(words: &[&str], min_len: usize) -> HashMap<String, usize> {\n"
            "    let mut out = HashMap::new();\n    for w in words {\n"
            "        if w.len() >= min_len {\n            out.insert(w.to_string(), w.len());\n"
            "        }\n    }\n    out\n}\n",
    "tests": {"python": ['assert word_lengths(["apple", "fig", "kiwi"], 4) == '
                         '{"apple": 5, "kiwi": 4}',
                         "assert word_lengths([], 1) == {}"]},
}

# is_sorted: Python is right; every other translation uses >= (a repeated value "unsorts").
IS_SORTED = {
    "id": "is_sorted",
    "python": "def is_sorted(xs):\n    return all(a <= b for a, b in zip(xs, xs[1:]))\n",
    "javascript": "function isSorted(xs) {\n  for (let i = 1; i < xs.length; i++) {\n"
                  "    if (xs[i - 1] >= xs[i]) {\n      return false;\n    }\n  }\n"
                  "  return true;\n}\n",
    "cpp": "#include <vector>\n\nbool is_sorted(const std::vector<long>& xs) {\n"
           "    for (size_t i = 1; i < xs.size(); i++) {\n"
           "        if (xs[i - 1] >= xs[i]) {\n            return false;\n        }\n    }\n"
           "    return true;\n}\n",
    "java": "class Solution {\n    public static boolean isSorted(long[] xs) {\n"
            "        for (int i = 1; i < xs.length; i++) {\n"
            "            if (xs[i - 1] >= xs[i]) {\n                return false;\n"
            "            }\n        }\n        return true;\n    }\n}\n",
    "go": "package main\n\nfunc isSorted(xs []int) bool {\n\tfor i := 1; i < len(xs); i++ {\n"
          "\t\tif xs[i-1] >= xs[i] {\n\t\t\treturn false\n\t\t}\n\t}\n\treturn true\n}\n",
    "rust": "fn is_sorted(xs: &Vec<i64>) -> bool {\n    for i in 1..xs.len() {\n"
            "        if xs[i - 1] >= xs[i] {\n            return false;\n        }\n    }\n"
            "    true\n}\n",
    "tests": {"python": ["assert is_sorted([1, 2, 2, 5])", "assert not is_sorted([3, 1])"]},
}

# average: a tolerance test (carried as one); the C translation truncates (dropped).
AVERAGE = {
    "id": "average",
    "python": "def average(a, b):\n    return (a + b) / 2\n",
    "cpp": "double average(long a, long b) {\n    return (a + b) / 2.0;\n}\n",
    "c": "double average(long a, long b) {\n    return (long)((a + b) / 2);\n}\n",
    "typescript": "function average(a: number, b: number): number {\n  return (a + b) / 2;\n}\n",
    "tests": {"python": ["assert abs(average(1, 2) - 1.5) < 1e-9"]},
}

# add/sub in Bash (MultiPL-E's shell form: string arguments, the result printed); sub is wrong.
ADD = {"id": "add", "python": "def add(a, b):\n    return a + b\n",
       "bash": "add() {\n  echo $(( $1 + $2 ))\n}\n",
       "tests": {"python": ["assert add(1, 2) == 3", "assert add(-4, 4) == 0"]}}
SUB = {"id": "sub", "python": "def sub(a, b):\n    return a - b\n",
       "bash": "function sub {\n  echo $(( $1 + $2 ))\n}\n",
       "tests": {"python": ["assert sub(5, 2) == 3"]}}

# half: its test is not an equality over literals, so it cannot be carried to C++.
HALF = {
    "id": "half",
    "python": "def half(x):\n    return x / 2\n",
    "cpp": "double half(long x) {\n    return x / 2.0;\n}\n",
    "tests": {"python": ["assert half(3) > 1"]},
}


def test_assert_shapes_become_checks():
    assert parse_check("assert f(1, [2, 3]) == {'a': 1.5}").expected == {"a": 1.5}
    assert parse_check("assert 'x' == f(-2)").args == (-2,)
    assert parse_check("assert not f((1, 2))").expected is False
    assert parse_check("assert f(True)").expected is True


@pytest.mark.parametrize("line,reason", [
    ("assert abs(f(1) - g(2)) < 1e-6", "test_shape"),
    ("assert f(x) == 1", "not_a_literal"),
    ("assert f(1) == None", "unsupported_value"),
    ("assert f(k=1) == 2", "test_shape"),
])
def test_tests_that_are_not_literal_equalities_are_not_carried(line, reason):
    with pytest.raises(NotCarried) as exc:
        parse_check(line)
    assert exc.value.reason == reason


@pytest.mark.parametrize("code,lang,reason", [
    ("auto f(long x) { return x; }", "cpp", "unsupported_type"),
    ("std::string f(long x) { return \"a\"; }", "cpp", "type_mismatch"),
    ("long* f(long x) { return nullptr; }", "cpp", "unsupported_type"),
    ("fn g(x: i64) -> i64 { x }", "rust", "function_not_found"),
    ("fn f<T>(x: T) -> T { x }", "rust", "signature_not_parsed"),
    ("package main\n\nfunc f(x int) (int, error) { return x, nil }\n", "go",
     "signature_not_parsed"),
    ("class A { static <T> T f(T x) { return x; } }", "java", "signature_not_parsed"),
    ("class A { static long f(long x) { return x; } public static void main(String[] a) {} }",
     "java", "program_has_main"),
])
def test_targets_whose_types_cannot_be_determined_are_not_carried(code, lang, reason):
    with pytest.raises(NotCarried) as exc:
        carry(["assert f(1) == 2"], code, lang)
    assert exc.value.reason == reason


def test_values_follow_the_declared_types():
    cpp = carry(["assert f([1, 2]) == 1.0"], "double f(std::vector<double> xs) { return 1; }",
                "cpp")
    assert "std::vector<double>{1.0, 2.0}" in cpp and "== 1.0" in cpp
    go = carry(["assert f({'a': [1]}) == 2"], "func f(m map[string][]int64) int64 { return 2 }",
               "go")
    assert 'map[string][]int64{"a": []int64{int64(1)}}' in go
    java = carry(["assert f([]) == 'x'"], "class S { static String f(int[] xs) { return \"x\"; } }",
                 "java")
    assert "S.f(new int[]{})" in java and 'java.util.Objects.equals' in java


@pytest.fixture(scope="module")
def built(tmp_path_factory, sandbox_pool):
    """One SFT build (one sandbox batch) of the six rows above, translate only."""
    root = tmp_path_factory.mktemp("carry")
    pairs = root / "pairs.jsonl"
    pairs.write_text("".join(json.dumps(r) + "\n" for r in (WORD_LENGTHS, IS_SORTED, AVERAGE,
                                                            HALF, ADD, SUB)))
    cfg = load_config(SFTRecipe, None, [f"output_dir={root / 'dataset'}"],
                      sources=[{"kind": "parallel", "name": "pairs", "paths": [str(pairs)]}],
                      tasks=["translate"], dedup={"exact": False, "near": False},
                      mixture={"ratios": {"translate": 1.0}}, verify_batch_size=256)
    out = build_sft(cfg, pool=sandbox_pool)
    return out, json.loads((out / "report.json").read_text())


@pytest.mark.docker
def test_report_counts_translated_verified_and_dropped_per_language(built):
    _, report = built
    for lang in LANGS:  # 5 sources x 2 rows; word_lengths passes, the is_sorted bug is caught
        cpp = lang == "cpp"  # + average from python, c, typescript (carried with its tolerance,
        # passing) + half (python -> cpp): not carried
        assert report["translate"][lang] == {"translated": 10 + 4 * cpp, "carried": 10 + 3 * cpp,
                                             "not_carried": int(cpp), "verified": 5 + 3 * cpp,
                                             "dropped": 5}, lang
    # average in C truncates: its tolerance check catches it; TypeScript passes tsc and the check
    assert report["translate"]["c"] == {"translated": 3, "carried": 3, "not_carried": 0,
                                        "verified": 0, "dropped": 3}
    assert report["translate"]["typescript"] == {"translated": 3, "carried": 3,
                                                 "not_carried": 0, "verified": 3, "dropped": 0}
    assert report["translate"]["bash"] == {"translated": 2, "carried": 2, "not_carried": 0,
                                           "verified": 1, "dropped": 1}
    # python: 5 + 5 from the two rows, 3 from average, 1 each from half, add and sub
    assert report["translate"]["python"]["verified"] == 16


@pytest.mark.docker
def test_not_carried_translation_is_counted_and_kept_unverified(built):
    out, report = built
    assert report["translate_not_carried"] == {"cpp:test_shape": 1}
    from datasets import load_from_disk

    rows = load_from_disk(str(out))["train"]
    assert any(r["source_id"] == "half" and r["language"] == "cpp" for r in rows)


@pytest.mark.docker
def test_failing_translations_are_dropped_and_passing_ones_kept(built):
    from datasets import load_from_disk

    out, report = built
    rows = load_from_disk(str(out))["train"]
    kept = {(r["source_id"], r["language"]) for r in rows}
    for lang in LANGS:
        assert ("word_lengths", lang) in kept and ("is_sorted", lang) not in kept
    assert ("is_sorted", "python") in kept
    assert {("average", lang) for lang in ("cpp", "typescript", "python")} <= kept
    assert ("average", "c") not in kept
    assert ("add", "bash") in kept and ("sub", "bash") not in kept
    assert report["dropped"]["verify:translate"] == {
        **{f"fails_carried_tests:{lang}": 5 for lang in LANGS}, "fails_carried_tests:c": 3,
        "fails_carried_tests:bash": 1}


def test_translations_copied_from_humaneval_x_or_multipl_e_are_decontaminated():
    from codetune.artifacts import read_jsonl
    from codetune.benchmark_data import benchmark_file
    from codetune.data.decontaminate import Decontaminate
    from codetune.data.sft.config import SFTDecontamConfig

    benches = SFTDecontamConfig().benchmarks
    assert "humaneval-x" in benches  # multipl-e: opt-in (no official file to download)
    cpp = list(read_jsonl(benchmark_file("humaneval-x/humaneval_cpp.jsonl.gz")))[10]
    java = list(read_jsonl(benchmark_file("multipl-e/humaneval-java.jsonl.gz")))[3]
    leak = {"kind": "pair", "id": "leak", "code": {
        "python": "def f(x):\n    return x\n",
        "cpp": cpp["declaration"] + cpp["canonical_solution"]}}
    prompt = {"kind": "pair", "id": "prompt", "code": {"java": java["prompt"] + "}\n}\n"}}
    step = Decontaminate(text_key=["text", "docstring", "code"],
                         benchmarks=["humaneval-x", "multipl-e"])
    kept = list(step.run([WORD_LENGTHS_RECORD, leak, prompt]))
    assert [r["id"] for r in kept] == ["word_lengths"]


WORD_LENGTHS_RECORD = {"kind": "pair", "id": "word_lengths",
                       "code": {k: WORD_LENGTHS[k] for k in ("python", *LANGS)}}
