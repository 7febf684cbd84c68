"""The language registry: names and aliases (SandboxFusion's among them), refusal of unknown
languages, and the test-program layout the sandbox runs (a fresh marker per job)."""

from __future__ import annotations

import pytest

from codetune.errors import CodetuneError
from codetune.languages import LANGUAGES, get_language, image_packages, resolve_languages
from codetune.sandbox import ExecutionJob
from codetune.sandbox.toolchains import program_payload

LIMITS = {"memory_mb": 512}


@pytest.mark.parametrize("name,canonical", [
    ("python", "python"), ("cpp", "cpp"), ("nodejs", "javascript"), ("typescript", "typescript"),
    ("java", "java"), ("go", "go"), ("rust", "rust"), ("bash", "bash"), ("c", "c"),
    ("js", "javascript"), ("rs", "rust"), ("ts", "typescript"), ("sh", "bash"), ("C++", "cpp"),
])
def test_sandboxfusion_and_multipl_e_names_map_to_one_language(name, canonical):
    assert get_language(name).name == canonical


def test_an_unknown_language_is_a_one_line_error_with_the_nearest_name():
    with pytest.raises(CodetuneError, match=r"unknown language 'javscript'.*'javascript'"):
        get_language("javscript", "reward")


def test_the_execution_reward_refuses_an_unknown_language_at_config_time():
    from codetune.rewards.execution import ExecutionRewardConfig

    with pytest.raises(CodetuneError, match="execution reward: language"):
        ExecutionRewardConfig(language="cobol")
    assert ExecutionRewardConfig(language="nodejs").language == "javascript"


def test_all_resolves_every_language_and_python_is_always_in():
    assert resolve_languages("all") == tuple(LANGUAGES)
    assert resolve_languages("cpp,js") == ("python", "cpp", "javascript")
    assert {"g++", "default-jdk-headless", "nodejs", "golang-go", "rustc"} <= set(
        image_packages(resolve_languages("all")))


def test_every_language_has_an_extension_fence_tags_and_a_hello_world():
    for lang in LANGUAGES.values():
        assert lang.extension.startswith(".") and lang.fence_tags and lang.hello and lang.run


def _job(lang, code="x", tests="y", **kw):
    return ExecutionJob(id="j", code=code, tests=tests, language=lang, **kw)


def test_each_test_program_gets_its_own_random_marker_printed_after_the_tests():
    one, two = (program_payload(_job("cpp", "int f();", "int main(){}"), LIMITS)
                for _ in range(2))
    assert one["marker"] != two["marker"] and len(one["marker"]) == 32
    source = one["sources"]["src/main.cpp"]
    assert source.index("int main(){}") < source.rindex(one["marker"])


def test_stdin_programs_carry_no_marker_and_compile_to_the_build_dir():
    program = program_payload(_job("rust", "fn main(){}", "", cases=[{"input": ""}]), LIMITS)
    assert program["marker"] is None and program["failure_markers"] == []
    assert program["compile"][-3:] == ["-o", "{build}/prog", "{build}/src/main.rs"]


def test_java_runs_the_class_that_holds_main_through_the_harness():
    code = "import java.util.*;\nclass Problem {\n  static class Pair {}\n  static int f() {"
    tests = " return 1; }\n  public static void main(String[] a) { assert f() == 1; }\n}\n"
    program = program_payload(_job("java", code, tests), LIMITS)
    assert "Problem.main(a);" in program["sources"]["src/CodetuneHarness.java"]
    assert program["run"][-1] == "CodetuneHarness" and "-ea" in program["run"]


def test_go_test_programs_compile_with_go_test_and_a_testmain_hook():
    code = "package add_test\nimport \"testing\"\nfunc add(a, b int) int { return a + b }\n"
    tests = "func TestAdd(t *testing.T) { if add(1, 2) != 3 { t.Fail() } }\n"
    program = program_payload(_job("go", code, tests), LIMITS)
    assert program["compile"][:4] == ["go", "test", "-c", "-vet=off"]
    assert "package add_test" in program["sources"]["src/codetune_main_test.go"]


def test_javascript_console_assert_is_made_to_throw_before_the_solution_runs():
    program = program_payload(_job("nodejs", "const f = 1;", "console.assert(f === 2)"), LIMITS)
    source = program["sources"]["src/main.js"]
    assert source.index("defineProperty(console") < source.index("const f = 1;")
    assert program["failure_markers"] == ["Assertion failed"]


def test_the_job_memory_limit_becomes_the_heap_flag_of_vm_languages():
    program = program_payload(_job("java", "public class Main {", "}"), {"memory_mb": 300})
    assert "-Xmx300m" in program["run"] and program["heap_limited"]


def test_identical_programs_in_a_batch_are_run_once_python_always_runs():
    from codetune.sandbox.toolchains import identical_programs

    same = [ExecutionJob(id=str(i), code="int main(){}", language="cpp") for i in range(3)]
    other = ExecutionJob(id="x", code="int main(){return 0;}", language="cpp")
    python = [ExecutionJob(id=f"p{i}", code="x = 1", tests=["assert x"]) for i in range(2)]
    assert identical_programs([*same, other, *python]) == {0: [1, 2]}
