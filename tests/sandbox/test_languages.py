"""Other languages in the sandbox: compile once, stdin/stdout cases, test programs whose pass is
the runner's completion marker (never the exit code alone), and the traps of each language."""

from __future__ import annotations

import pytest

from codetune.sandbox import ExecutionJob

pytestmark = [pytest.mark.docker, pytest.mark.slow]

LANGS = ("c", "cpp", "java", "javascript", "typescript", "go", "rust", "bash")

# Per language: a program reading two ints and printing their sum, and a wrong one.
SUM = {
    "c": "#include <stdio.h>\nint main(void){long a,b;scanf(\"%ld %ld\",&a,&b);"
         "printf(\"%ld\\n\",a+b);return 0;}\n",
    "cpp": "#include <iostream>\nint main(){long a,b;std::cin>>a>>b;std::cout<<a+b<<\"\\n\";}\n",
    "java": "import java.util.*;\npublic class Main { public static void main(String[] x) {\n"
            "Scanner s = new Scanner(System.in); long a = s.nextLong(), b = s.nextLong();\n"
            "System.out.println(a + b); } }\n",
    "javascript": "const [a, b] = require('fs').readFileSync(0, 'utf8').trim().split(/\\s+/)"
                  ".map(Number);\nconsole.log(a + b);\n",
    "typescript": "declare var require: any;\nconst [a, b] = require('fs').readFileSync(0, 'utf8')"
                  ".trim().split(/\\s+/).map(Number);\nconsole.log(a + b);\n",
    "go": "package main\nimport \"fmt\"\nfunc main() { var a, b int64; fmt.Scan(&a, &b); "
          "fmt.Println(a + b) }\n",
    "rust": "use std::io::Read;\nfn main() { let mut s = String::new(); "
            "std::io::stdin().read_to_string(&mut s).unwrap(); let v: Vec<i64> = "
            "s.split_whitespace().map(|x| x.parse().unwrap()).collect(); "
            "println!(\"{}\", v[0] + v[1]); }\n",
    "bash": "read a b\necho $((a + b))\n",
}
CASES = [{"input": "1 2\n", "output": "3\n"}, {"input": "2 2\n", "output": "4\n"},
         {"input": "-5 45\n", "output": "40\n"}]  # a * b is right on the second case only

# Per language: (solution prefix, correct body, wrong body, early exit(0) body, tests).
ADD = {
    "c": ("#include <stdlib.h>\nint add(int a, int b) {", " return a + b; }", " return a - b; }",
          " exit(0); }", "#include <assert.h>\nint main() {\n  assert(add(1, 2) == 3);\n}\n"),
    "cpp": ("#include <bits/stdc++.h>\nint add(int a, int b) {", " return a + b; }",
            " return a - b; }", " std::exit(0); }",
            "int main() {\n    auto candidate = add;\n    assert(candidate(1, 2) == 3);\n}\n"),
    "java": ("import java.util.*;\nclass Problem {\n  public static long add(long a, long b) {",
             " return a + b; }", " return a - b; }", " System.exit(0); return 0; }",
             "  public static void main(String[] args) {\n    assert(add(1, 2) == 3);\n  }\n}\n"),
    "javascript": ("function add(a, b) {", " return a + b; }", " return a - b; }",
                   " process.exit(0); }",
                   "const testAdd = () => {\n  console.assert(add(1, 2) === 3)\n}\ntestAdd()\n"),
    "typescript": ("function add(a: number, b: number): number {", " return a + b; }",
                   " return a - b; }", " (globalThis as any).process.exit(0); return 0; }",
                   "declare var require: any;\nconst assert = require('node:assert');\n"
                   "function test() {\n  assert.deepEqual(add(1, 2), 3);\n}\ntest();\n"),
    "go": ("package add_test\n\nimport (\n    \"testing\"\n    \"os\"\n)\n\nvar _ = os.Exit\n"
           "func add(a int, b int) int {", " return a + b }", " return a - b }",
           " os.Exit(0); return 0 }",
           "func TestAdd(t *testing.T) {\n  if add(1, 2) != 3 {\n    t.Errorf(\"no\")\n  }\n}\n"),
    "rust": ("fn add(a: i64, b: i64) -> i64 {", " a + b }", " a - b }",
             " std::process::exit(0) }",
             "\nfn main() {\n    let candidate = add;\n    assert_eq!(candidate(1, 2), 3);\n}\n"),
    "bash": ("add() {", " echo $(($1 + $2)); }", " echo $(($1 - $2)); }", " exit 0; }",
             "set -e\nrun_test() {\n    [[ $(add 1 2) = \"3\" ]]\n}\nrun_test\n"),
}


@pytest.fixture(scope="module")
def pool(sandbox_pool):
    from codetune.sandbox.image import image_languages

    have = image_languages(sandbox_pool.config.image) or ()
    missing = [lang for lang in LANGS if lang not in have]
    if missing:
        pytest.fail(f"the sandbox image {sandbox_pool.config.image} lacks {', '.join(missing)}: "
                    "run `codetune sandbox build --languages all`", pytrace=False)
    return sandbox_pool


def _add_jobs(body_index: int) -> list[ExecutionJob]:
    return [ExecutionJob(id=lang, code=ADD[lang][0] + ADD[lang][body_index], tests=ADD[lang][4],
                         language=lang, timeout_s=20) for lang in LANGS]


def _by_lang(pool, jobs) -> dict:
    return {job.language: result for job, result in zip(jobs, pool.run_many(jobs), strict=True)}


def test_every_language_accepts_a_correct_stdin_program_on_every_case(pool):
    jobs = [ExecutionJob(id=lang, code=SUM[lang], language=lang, cases=CASES, timeout_s=20)
            for lang in LANGS]
    for lang, r in _by_lang(pool, jobs).items():
        assert (lang, r.status, r.tests_passed) == (lang, "passed", 3), r.reason


def test_every_language_gives_wrong_answer_on_the_case_that_differs(pool):
    wrong = {lang: code.replace("a + b", "a * b").replace("a+b", "a*b").replace(
        "v[0] + v[1]", "v[0] * v[1]") for lang, code in SUM.items()}
    jobs = [ExecutionJob(id=lang, code=wrong[lang], language=lang, cases=CASES,
                         stop_on_failure=False, timeout_s=20) for lang in LANGS]
    for lang, r in _by_lang(pool, jobs).items():
        assert (lang, r.verdict, r.tests_passed) == (lang, "wrong_answer", 1), r.reason
        assert [c["status"] for c in r.cases] == ["wrong_answer", "accepted", "wrong_answer"]


def test_every_language_passes_a_correct_test_program(pool):
    for lang, r in _by_lang(pool, _add_jobs(1)).items():
        assert (lang, r.status, r.passed) == (lang, "passed", True), r.reason + r.stderr


def test_every_language_fails_a_wrong_test_program(pool):
    for lang, r in _by_lang(pool, _add_jobs(2)).items():
        assert (lang, r.status) == (lang, "failed"), r.reason


def test_an_early_exit_0_never_passes_in_any_language(pool):
    for lang, r in _by_lang(pool, _add_jobs(3)).items():
        assert (lang, r.passed) == (lang, False), r.reason
        # bash: `exit` inside $(add 1 2) ends only that subshell, so the test itself fails
        want = "failed" if lang == "bash" else "exit_called"
        assert r.status == want, (lang, r.status, r.reason)


def test_printing_what_a_passing_run_prints_then_exiting_does_not_pass(pool):
    code = ("#include <cassert>\n#include <cstdio>\n#include <cstdlib>\nint add(int a, int b) { "
            "std::puts(\"test result: ok. PASSED\"); std::fflush(stdout); std::_Exit(0); }")
    r = pool.run(ExecutionJob(id="spoof", code=code, tests=ADD["cpp"][4], language="cpp"))
    assert not r.passed and r.status == "exit_called"


def test_a_failing_console_assert_fails_although_node_exits_0(pool):
    # HumanEval-X's JavaScript tests: Node's console.assert prints and exits 0.
    r = pool.run(ExecutionJob(id="js", code="const add = (a, b) => a - b;",
                              tests="console.assert(add(1, 2) === 3)", language="js"))
    assert (r.status, r.passed) == ("failed", False)


def test_replacing_console_assert_does_not_silence_the_tests(pool):
    code = "console.assert = () => {};\nconst add = (a, b) => a - b;"
    r = pool.run(ExecutionJob(id="js", code=code, tests="console.assert(add(1, 2) === 3)",
                              language="javascript"))
    assert not r.passed and r.status == "failed"


def test_a_java_program_that_swallows_assertion_errors_still_fails(pool):
    code = ("class Problem {\n  static { Thread.setDefaultUncaughtExceptionHandler("
            "(t, e) -> System.exit(0)); }\n  public static long add(long a, long b) { return 0; }")
    r = pool.run(ExecutionJob(id="java", code=code, tests=ADD["java"][4], language="java"))
    assert not r.passed and r.status in ("failed", "exit_called")


def test_a_compile_error_is_its_own_verdict_with_the_compiler_message(pool):
    r = pool.run(ExecutionJob(id="ce", code="int add(int a, int b) { return a + ; }",
                              tests=ADD["cpp"][4], language="cpp"))
    assert (r.status, r.verdict) == ("syntax_error", "compile_error")
    assert "error" in r.reason and "main.cpp" in r.reason


def test_the_compile_step_runs_once_for_every_case(pool):
    # Each case runs the same binary: a file the compiler's output would rewrite is not needed,
    # the cases see one build (the counter file lives in the build dir, not /tmp).
    code = ("#include <stdio.h>\nint main(void){FILE*f=fopen(\"/build/count\",\"a+\");"
            "fputs(\"x\",f);fseek(f,0,SEEK_SET);int n=0;while(fgetc(f)!=EOF)n++;"
            "printf(\"%d\\n\",n);return 0;}")
    r = pool.run(ExecutionJob(id="once", code=code, language="c", cases=[
        {"input": None, "output": None}] * 3))
    assert [c["stdout"].strip() for c in r.cases] == ["1", "2", "3"]


def test_the_build_directory_is_wiped_between_jobs(pool):
    write = ("#include <stdio.h>\nint main(void){FILE*f=fopen(\"/build/left\",\"w\");"
             "fputs(\"x\",f);fclose(f);puts(\"ok\");return 0;}")
    look = "ls /build/left 2>&1 || echo gone\n"
    first = pool.run(ExecutionJob(id="w", code=write, language="c", cases=[{"input": None}]))
    assert first.cases[0]["stdout"].strip() == "ok"
    for _ in range(pool.size):  # every runner has had a job after the write
        r = pool.run(ExecutionJob(id="l", code=look, language="bash", cases=[{"input": None}]))
        assert "gone" in r.cases[0]["stdout"], r.cases[0]["stdout"]


# Files a contained program must not read: the host's (absent from the image), root-only ones,
# the runner's environment and the Docker socket. A program that reads any prints the answer.
READS = ("/work/shared/ENVIRONMENT.md", "/root/.bashrc", "/etc/shadow", "/proc/1/environ",
         "/var/run/docker.sock")
READS_C = ", ".join(f'"{p}"' for p in READS)


@pytest.mark.parametrize("lang", ["cpp", "java", "javascript"])
def test_hostile_programs_are_contained(pool, lang):
    hostile = {
        "cpp": {
            "fork bomb": "#include <unistd.h>\nint main(){while(1)fork();}",
            "network": "#include <sys/socket.h>\n#include <netinet/in.h>\n#include <arpa/inet.h>\n"
                       "#include <stdio.h>\nint main(){int s=socket(AF_INET,SOCK_STREAM,0);"
                       "struct sockaddr_in a={0};a.sin_family=AF_INET;a.sin_port=htons(53);"
                       "inet_pton(AF_INET,\"1.1.1.1\",&a.sin_addr);"
                       "if(connect(s,(struct sockaddr*)&a,sizeof a)==0)puts(\"3\");return 0;}",
            "infinite output": "#include <cstdio>\nint main(){while(1)std::puts(\"3\");}",
            "memory": "#include <vector>\n#include <cstdio>\nint main(){std::vector<char*> v;"
                      "while(1){char*p=new char[1<<20];for(int i=0;i<(1<<20);i+=4096)p[i]=1;"
                      "v.push_back(p);}puts(\"3\");}",
            "write outside": "#include <cstdio>\nint main(){FILE*f=fopen(\"/etc/x\",\"w\");"
                             "if(f)std::puts(\"3\");return 0;}",
            "file reads": "#include <cstdio>\nint main(){const char*p[]={" + READS_C + "};"
                          "for(auto q:p){FILE*f=fopen(q,\"r\");if(f&&fgetc(f)!=EOF)"
                          "{std::puts(\"3\");return 0;}}return 0;}",
        },
        "java": {
            "fork bomb": "public class Main { public static void main(String[] a) throws "
                         "Exception { while (true) new ProcessBuilder(\"java\", \"Main\")"
                         ".start(); } }",
            "network": "public class Main { public static void main(String[] a) throws "
                       "Exception { new java.net.Socket(\"1.1.1.1\", 53); "
                       "System.out.println(3); } }",
            "infinite output": "public class Main { public static void main(String[] a) { "
                               "while (true) System.out.println(3); } }",
            "memory": "import java.util.*;\npublic class Main { public static void main(String[] "
                      "a) { List<long[]> l = new ArrayList<>(); while (true) "
                      "l.add(new long[1 << 20]); } }",
            "write outside": "public class Main { public static void main(String[] a) throws "
                             "Exception { new java.io.FileWriter(\"/etc/x\").close(); "
                             "System.out.println(3); } }",
            "file reads": "public class Main { public static void main(String[] a) { "
                          "for (String p : new String[]{" + READS_C + "}) { try { "
                          "if (new java.io.FileInputStream(p).read() >= 0) { "
                          "System.out.println(3); return; } } catch (Exception e) {} } } }",
        },
        "javascript": {
            "fork bomb": "const cp = require('child_process');\n"
                         "while (true) { try { cp.spawn('node', ['-e', '1']); } catch (e) {} }",
            "network": "require('net').connect(53, '1.1.1.1', () => console.log(3));",
            "infinite output": "while (true) console.log(3);",
            "memory": "const l = []; while (true) l.push(new Array(1e6).fill(1));",
            "write outside": "require('fs').writeFileSync('/etc/x', '1'); console.log(3);",
            "file reads": "for (const p of [" + READS_C + "]) { try { "
                          "require('fs').readFileSync(p); console.log(3); break; } "
                          "catch (e) {} }",
        },
    }[lang]
    jobs = [ExecutionJob(id=name, code=code, language=lang, timeout_s=5,
                         cases=[{"input": "", "output": "3\n"}]) for name, code in hostile.items()]
    for job, r in zip(jobs, pool.run_many(jobs), strict=True):
        assert not r.passed, (lang, job.id, r.status, r.reason)
        assert r.status != "sandbox_error", (lang, job.id, r.reason)
    after = pool.run_many([ExecutionJob(id=lang, code=SUM[lang] + f"\n// runner {i}\n",
                                        language=lang, cases=CASES, timeout_s=20)
                           for i in range(pool.size)])  # distinct: identical ones run once
    assert all(r.passed for r in after), [r.reason for r in after]


def test_the_execution_reward_scores_cpp_and_java_completions(pool):
    from codetune.rewards.execution import make_execution_reward

    cpp = "#include <cassert>\nint main() { assert(add(1, 2) == 3); assert(add(2, 2) == 4); }\n"
    fn = make_execution_reward(pool=pool, language="cpp", timeout_s=10.0)
    completions = ["```cpp\nint add(int a, int b) { return a + b; }\n```",
                   "```cpp\nint add(int a, int b) { return a - b; }\n```",
                   "```cpp\n#include <cstdlib>\nint add(int a, int b) { exit(0); }\n```",
                   "```cpp\nint add(int a, int b) { return a + ; }\n```"]
    assert fn(completions, tests=[cpp] * 4) == [1.0, 0.0, 0.0, 0.0]
    java = ("public class Main {\n  public static void main(String[] a) {\n"
            "    if (Solution.add(1, 2) != 3) throw new AssertionError();\n  }\n}\n")
    fn = make_execution_reward(pool=pool, language="java", timeout_s=10.0)
    answers = ["```java\nclass Solution { static int add(int a, int b) { return a + b; } }\n```",
               "```java\nclass Solution { static int add(int a, int b) { return a * b; } }\n```"]
    assert fn(answers, tests=[java] * 2) == [1.0, 0.0]


def test_a_batch_of_identical_programs_compiles_once_and_each_gets_its_verdict(pool):
    jobs = [ExecutionJob(id=f"g{i}", code=SUM["cpp"], language="cpp", cases=CASES)
            for i in range(4)]
    results = pool.run_many(jobs)
    assert [r.id for r in results] == ["g0", "g1", "g2", "g3"]
    assert all(r.passed for r in results)
    assert len({r.duration_s for r in results}) == 1  # one run, four verdicts


# Test programs whose solution does something hostile: escaping (network, host files) is the
# only way to the right answer; the rest never return. None may pass, and the pool stays whole.
HOSTILE_SOLUTIONS = {
    "cpp": {
        "network": "#include <bits/stdc++.h>\n#include <sys/socket.h>\n#include <arpa/inet.h>\n"
                   "int add(int a, int b) { int s = socket(AF_INET, SOCK_STREAM, 0); "
                   "sockaddr_in x{}; x.sin_family = AF_INET; x.sin_port = htons(53); "
                   "inet_pton(AF_INET, \"1.1.1.1\", &x.sin_addr); "
                   "return connect(s, (sockaddr*)&x, sizeof x) == 0 ? a + b : 0; }",
        "file reads": "#include <bits/stdc++.h>\nint add(int a, int b) { for (auto p : {"
                      + READS_C + "}) { FILE* f = fopen(p, \"r\"); if (f && fgetc(f) != EOF) "
                      "return a + b; } return 0; }",
        "fork bomb": "#include <bits/stdc++.h>\n#include <unistd.h>\n"
                     "int add(int a, int b) { while (true) fork(); }",
        "infinite output": "#include <bits/stdc++.h>\nint add(int a, int b) { "
                           "while (true) std::puts(\"3\"); }",
        "memory": "#include <bits/stdc++.h>\nint add(int a, int b) { std::vector<char*> v; "
                  "while (true) { char* p = new char[1 << 20]; memset(p, 1, 1 << 20); "
                  "v.push_back(p); } }",
    },
    "java": {
        "network": "import java.util.*;\nclass Problem {\n  public static long add(long a, long b)"
                   " { try { new java.net.Socket(\"1.1.1.1\", 53); return a + b; } "
                   "catch (Exception e) { return 0; } }",
        "file reads": "import java.util.*;\nclass Problem {\n  public static long add(long a, "
                      "long b) { for (String p : new String[]{" + READS_C + "}) { try { "
                      "if (new java.io.FileInputStream(p).read() >= 0) return a + b; } "
                      "catch (Exception e) {} } return 0; }",
        "fork bomb": "import java.util.*;\nclass Problem {\n  public static long add(long a, "
                     "long b) { while (true) { try { new ProcessBuilder(\"java\", \"-version\")"
                     ".start(); } catch (Exception e) {} } }",
        "infinite output": "import java.util.*;\nclass Problem {\n  public static long add(long "
                           "a, long b) { while (true) System.out.println(3); }",
        "memory": "import java.util.*;\nclass Problem {\n  public static long add(long a, long b)"
                  " { List<long[]> l = new ArrayList<>(); while (true) l.add(new long[1 << 20]);"
                  " }",
    },
    "javascript": {
        "network": "function add(a, b) { const r = require('child_process').spawnSync('node', "
                   "['-e', \"require('net').connect(53, '1.1.1.1', () => process.exit(7))"
                   ".on('error', () => process.exit(1))\"]); return r.status === 7 ? a + b : 0; }",
        "file reads": "function add(a, b) { for (const p of [" + READS_C + "]) { try { "
                      "require('fs').readFileSync(p); return a + b; } catch (e) {} } return 0; }",
        "fork bomb": "function add(a, b) { const cp = require('child_process'); "
                     "while (true) { try { cp.spawn('node', ['-e', '1']); } catch (e) {} } }",
        "infinite output": "function add(a, b) { while (true) console.log(3); }",
        "memory": "function add(a, b) { const l = []; while (true) l.push(new Array(1e6)"
                  ".fill(1)); }",
    },
}


@pytest.mark.parametrize("lang", ["cpp", "java", "javascript"])
def test_hostile_test_programs_never_pass(pool, lang):
    jobs = [ExecutionJob(id=name, code=code, tests=ADD[lang][4], language=lang, timeout_s=5)
            for name, code in HOSTILE_SOLUTIONS[lang].items()]
    for job, r in zip(jobs, pool.run_many(jobs), strict=True):
        assert not r.passed, (lang, job.id, r.status, r.reason)
        assert r.status not in ("sandbox_error", "passed"), (lang, job.id, r.reason)
    after = pool.run_many([ExecutionJob(id=f"{lang}{i}", code=ADD[lang][0] + ADD[lang][1] +
                                        f"\n// runner {i}\n", tests=ADD[lang][4],
                                        language=lang, timeout_s=20)
                           for i in range(pool.size)])  # distinct: identical ones run once
    assert all(r.passed for r in after), [r.reason for r in after]


def test_the_image_carries_a_warm_go_cache_and_node_snapshots(pool):
    # Go: testify comes from the image's read-only build cache (`go test -x` compiles only the
    # program; with a fresh cache it compiles testify too: the control). Node: one startup
    # snapshot per heap size, which the program's own flags accept.
    import subprocess

    from codetune.languages import GO_CACHE, LANGUAGES, NODE_SNAPSHOT, NODE_SNAPSHOT_MB

    env = " ".join(f"{k}={v}" for k, v in LANGUAGES["go"].env.items() if "{" not in v)
    program = ('package main\nimport (\n\t"testing"\n\t"github.com/stretchr/testify/assert"\n)\n'
               'func TestX(t *testing.T) { assert.Equal(t, 1, 1) }\n')
    count = ("go test -c -x -vet=off -o /tmp/x.test x_test.go 2>&1 "
             "| grep -c -- '-p github.com/stretchr/testify/assert '")
    script = (f"cd /tmp && printf '%s' '{program}' > x_test.go && export {env} HOME=/tmp && "
              f"echo warm=$({count}) && echo fresh=$(GOCACHE=/tmp/fresh {count}) && "
              f"touch {GO_CACHE}/probe 2>/dev/null || echo read-only")
    for mb in NODE_SNAPSHOT_MB:
        flags = " ".join(a.replace("{memory}", str(mb)) for a in LANGUAGES["javascript"].run[1:-1])
        script += f" && echo node{mb}=$(node {flags} -p '6*7')"
    proc = subprocess.run(["docker", "run", "--rm", "--network", "none", "--read-only",
                           "--tmpfs", "/tmp:rw,exec", "--user", "65534:65534",
                           pool.config.image, "sh", "-c", script],
                          capture_output=True, text=True, timeout=600)
    lines = proc.stdout.split()
    fresh = [int(x.split("=")[1]) for x in lines if x.startswith("fresh=") and x[6:].isdigit()]
    assert "warm=0" in lines and fresh and fresh[0] > 0, proc.stdout + proc.stderr
    assert "read-only" in lines
    assert all(f"node{mb}=42" in lines for mb in NODE_SNAPSHOT_MB), proc.stdout + proc.stderr
    assert NODE_SNAPSHOT in LANGUAGES["typescript"].run


def test_a_heap_size_without_a_node_snapshot_starts_node_without_one(pool):
    # The runner drops --snapshot-blob when the image has no snapshot for the job's heap size
    # (V8 would refuse one made under other flags): the program still runs and is judged.
    from dataclasses import replace

    from codetune.languages import NODE_SNAPSHOT_MB
    from codetune.sandbox import SandboxPool

    assert 384 not in NODE_SNAPSHOT_MB
    with SandboxPool(replace(pool.config, workers=1, job_memory_mb=384)) as small:
        right, wrong = small.run_many([
            ExecutionJob(id=str(i), code=f"function f() {{ return {i}; }}",
                         tests="console.assert(f() === 1)", language="javascript")
            for i in (1, 2)])
    assert (right.status, wrong.status) == ("passed", "failed"), (right.reason, wrong.reason)
