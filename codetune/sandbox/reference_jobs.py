"""Reference jobs (HumanEval, MBPP) for the sandbox's self-test, agreement tests and benchmark.

HumanEval canonical solutions (all pass), mutated ones (mostly fail; the reference harness says
which), and MBPP's reference solutions (367 and 927 fail as published; 123's brute force passes or
times out at 3 s depending on the CPU).
"""

from __future__ import annotations

import ast
import warnings
from collections.abc import Iterator

from codetune.artifacts import read_jsonl
from codetune.benchmark_data import benchmark_file
from codetune.sandbox.types import ExecutionJob

MBPP_KNOWN_FAILURES = (367, 927)  # on every machine
MBPP_SPEED_DEPENDENT = (123,)  # brute force near the 3 s limit: passes or times out


def humaneval_problems() -> list[dict]:
    return list(read_jsonl(benchmark_file("HumanEval.jsonl.gz")))


def mbpp_problems() -> list[dict]:
    return list(read_jsonl(benchmark_file("mbpp.jsonl")))


def humaneval_job(problem: dict, completion: str, job_id: str | None = None,
                  timeout_s: float = 10.0) -> ExecutionJob:
    """The HumanEval program as the published harness runs it: prompt + completion, judged by
    ``check(entry_point)`` (what ``codetune.problems.job_for`` builds for such a problem)."""
    return ExecutionJob(id=job_id or problem["task_id"], code=problem["prompt"] + completion,
                        tests=problem["test"], entry_point=problem["entry_point"],
                        timeout_s=timeout_s)


def mbpp_job(problem: dict, code: str | None = None, timeout_s: float = 10.0) -> ExecutionJob:
    """An MBPP program (default: the reference solution) as the published harness runs it, for
    agreement with it: each ``test_list`` assert is one test, ``test_setup_code`` is the
    sandbox's pre-candidate setup (so 367 and 927 fail there as in the reference harness;
    ``codetune.problems.job_for`` appends it after the candidate instead)."""
    return ExecutionJob(id=f"mbpp/{problem['task_id']}", code=problem["code"] if code is None
                        else code, tests=list(problem["test_list"]),
                        setup=problem.get("test_setup_code", ""),
                        entry_point=mbpp_entry_point(problem), timeout_s=timeout_s)


def mbpp_entry_point(problem: dict) -> str | None:
    """The function the tests call that the reference solution defines (e.g. ``sum`` in task 126:
    a declared entry point is the only candidate name allowed to shadow a builtin)."""
    try:
        with warnings.catch_warnings():  # some MBPP solutions have invalid escape sequences
            warnings.simplefilter("ignore")
            defined = {n.name for n in ast.parse(problem["code"]).body
                       if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
            tree = ast.parse(problem["test_list"][0])
    except (SyntaxError, IndexError):
        return None
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                and node.func.id in defined:
            return node.func.id
    return None


def canonical_jobs(problems: list[dict]) -> list[ExecutionJob]:
    return [humaneval_job(p, p["canonical_solution"]) for p in problems]


def mutated_jobs(problems: list[dict], count: int = 100) -> list[tuple[dict, str, ExecutionJob]]:
    """Up to ``count`` deterministic single-point mutants of canonical solutions."""
    out = []
    for problem in problems:
        mutant = mutate(problem["canonical_solution"])
        if mutant is not None:
            job = humaneval_job(problem, mutant, job_id=f"{problem['task_id']}/mutant")
            out.append((problem, mutant, job))
        if len(out) >= count:
            break
    return out


class _Mutator(ast.NodeTransformer):
    """Flip the first comparison, arithmetic operator or integer constant it meets."""

    SWAPS = {ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Eq: ast.NotEq,
             ast.NotEq: ast.Eq, ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Add}

    def __init__(self):
        self.done = False

    def visit_Compare(self, node):
        if not self.done and type(node.ops[0]) in self.SWAPS:
            node.ops[0] = self.SWAPS[type(node.ops[0])]()
            self.done = True
        return self.generic_visit(node)

    def visit_BinOp(self, node):
        if not self.done and type(node.op) in self.SWAPS:
            node.op = self.SWAPS[type(node.op)]()
            self.done = True
        return self.generic_visit(node)

    def visit_Constant(self, node):
        if not self.done and type(node.value) is int:
            self.done = True
            return ast.copy_location(ast.Constant(node.value + 1), node)
        return node


def mutate(solution: str) -> str | None:
    """The solution with one operator/constant changed (indented like a completion), or None."""
    body = "def _f():\n" + solution
    try:
        tree = ast.parse(body)
    except SyntaxError:
        return None
    mutator = _Mutator()
    tree = mutator.visit(tree)
    if not mutator.done:
        return None
    lines = ast.unparse(tree).splitlines()[1:]
    return "\n".join(lines) + "\n"


def iter_jsonl_jobs(rows: list[dict]) -> Iterator[ExecutionJob]:
    for row in rows:
        yield ExecutionJob.from_dict(row)
