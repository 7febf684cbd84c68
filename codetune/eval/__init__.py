"""Evaluation: pass@k (unbiased estimator) on HumanEval, MBPP or your own JSONL tasks, executed in
the sandbox; CodeBLEU against reference solutions; reports comparing runs.

Python API (the CLI calls the same functions)::

    from codetune.eval import EvalConfig, evaluate_model, evaluate_samples, pass_at_k
    summary = evaluate_model(EvalConfig(model="out/sft", benchmark="humaneval", n=10, k=[1, 10]))
"""

from codetune.code.assemble import assemble
from codetune.code.extraction import extract_code
from codetune.code.sanitize import sanitize, truncate_at_stop
from codetune.eval.benchmark_catalog import benchmark_names, get_benchmark, load_tasks
from codetune.eval.benchmark_registry import Task, register_benchmark
from codetune.eval.codebleu import codebleu_score
from codetune.eval.config import EvalConfig, SamplesEvalConfig
from codetune.eval.passk import overall_pass_at_k, pass_at_k, per_task_pass_at_k
from codetune.eval.run import evaluate_model, evaluate_samples, generate_samples

__all__ = [
    "EvalConfig", "SamplesEvalConfig", "Task", "assemble", "benchmark_names", "codebleu_score",
    "evaluate_model", "evaluate_samples", "extract_code", "generate_samples", "get_benchmark",
    "load_tasks", "overall_pass_at_k", "pass_at_k", "per_task_pass_at_k", "register_benchmark",
    "sanitize", "truncate_at_stop",
]
