"""Code problems and how they are judged: one job model for rewards, evaluation and benchmarks.

``Problem`` (program prefix + assert tests, or stdin/stdout / call cases + a checker),
``program_for`` (a completion -> the program judged, shared by rewards and evaluation),
``job_for`` (problem + program -> ``ExecutionJob``), ``load_problems`` (CodeContests, APPS/TACO,
LiveCodeBench, plain JSONL) and calibrated time limits. See docs/sandbox.md, "Cases".
"""

from codetune.problems.loaders import load_problems
from codetune.problems.model import Problem, job_for
from codetune.problems.program import program_for
from codetune.problems.timing import TimeLimitConfig, with_time_limits

__all__ = ["Problem", "job_for", "program_for", "load_problems", "TimeLimitConfig",
           "with_time_limits"]
