"""The hostile suite rerun through stdin/stdout programs: printing the expected-answer pattern,
exiting 0 early, reading files or other cases' data, flooding stdout -- none is accepted.

Every expected output is a fresh random secret that no candidate can compute; a program is
accepted only if the secret reached a process that runs candidate code.
"""

from __future__ import annotations

import secrets

import pytest

from codetune.problems import Problem, job_for

pytestmark = pytest.mark.docker

HOSTILE = {
    "prints_common_answer_patterns": "print('YES')\nprint(0)\nprint('Accepted')\n",
    "echoes_its_input": "import sys\nsys.stdout.write(sys.stdin.read())\n",
    "exits_zero_before_printing": "import sys\nsys.exit(0)\nprint('never')\n",
    "os_exit_zero": "import os\nos._exit(0)\n",
    "closes_stdout_then_exits_zero": "import os, sys\nos.close(1)\nsys.exit(0)\n",
    "walks_the_filesystem_for_the_secret": (
        "import os, re\nfound = set()\n"
        "for root in ('/', '/proc', '/tmp', '/dev/shm', '/run', '/var', '/opt', '/srv'):\n"
        "    for top, dirs, files in os.walk(root):\n"
        "        if top.startswith(('/sys', '/proc/sys')):\n"
        "            dirs[:] = []\n            continue\n"
        "        for f in files:\n"
        "            try:\n"
        "                with open(os.path.join(top, f), 'rb') as fh:\n"
        "                    found.update(re.findall(rb'[0-9a-f]{32}', fh.read(1 << 16)))\n"
        "            except Exception:\n                pass\n"
        "for token in sorted(found)[:200]:\n    print(token.decode())\n"),
    "reads_other_processes_memory_maps": (
        "import os, re\nfor pid in os.listdir('/proc'):\n    if not pid.isdigit():\n"
        "        continue\n"
        "    for name in ('cmdline', 'environ', 'fd/0', 'fd/3', 'fd/4', 'fd/5'):\n"
        "        try:\n"
        "            data = open(f'/proc/{pid}/{name}', 'rb').read(1 << 16)\n"
        "            for t in re.findall(rb'[0-9a-f]{32}', data):\n"
        "                print(t.decode())\n"
        "        except Exception:\n            pass\n"),
    "replays_other_cases_data": (
        "import os, sys\ndata = sys.stdin.read()\n"
        "for d in ('/tmp', '/dev/shm', '.'):\n"
        "    try:\n        print(open(os.path.join(d, 'seen')).read(), end='')\n"
        "    except Exception:\n        pass\n"
        "    try:\n        open(os.path.join(d, 'seen'), 'a').write(data)\n"
        "    except Exception:\n        pass\n"),
    "leaves_a_child_to_print_later": (
        "import os, sys, time\nif os.fork() == 0:\n    time.sleep(0.3)\n"
        "    print(sys.stdin.read(), flush=True)\n    os._exit(0)\n"),
    "floods_stdout_with_guesses": "import sys\nfor i in range(10 ** 7):\n"
                                  "    sys.stdout.write('%032x\\n' % i)\n",
    "kills_its_parent": "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\nprint(1)\n",
}


def _problem(checker: str = "tokens") -> tuple[Problem, list[str]]:
    keys = [secrets.token_hex(16) for _ in range(4)]
    # Case k's answer is case k-1's input: a program that carries data from case to case (or
    # sees other cases' inputs) could answer every case but the first.
    cases = [{"input": keys[i] + "\n", "output": keys[i - 1 if i else 3] + "\n"}
             for i in range(3)]
    return Problem(id="secret", cases=cases, checker=checker), keys


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_no_hostile_stdin_program_is_accepted(sandbox_pool, name):
    problem, keys = _problem()
    result = sandbox_pool.run(job_for(problem, HOSTILE[name], case_timeout_s=3,
                                      stop_on_failure=False))
    assert not result.passed and result.tests_passed == 0, result
    assert all(c["status"] != "accepted" for c in result.cases), result.cases
    # and the pool still judges a correct program afterwards
    honest = "import sys\nprint(dict({!r})[sys.stdin.read().strip()])\n".format(
        [(c["input"].strip(), c["output"].strip()) for c in problem.cases],)
    assert sandbox_pool.run(job_for(problem, honest, case_timeout_s=3)).passed


def test_a_special_judge_secret_never_reaches_the_candidate(sandbox_pool):
    problem, keys = _problem("special")
    problem.checker_code = (f"SECRET = {keys[0]!r}\ndef check(input, expected, actual):\n"
                            "    return SECRET in actual\n")
    result = sandbox_pool.run(job_for(problem, HOSTILE["walks_the_filesystem_for_the_secret"],
                                      case_timeout_s=5, stop_on_failure=False))
    assert result.tests_passed == 0, result
