"""``codetune eval run|samples|codebleu|report|benchmarks``: thin wrappers over codetune.eval."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from codetune.commands import ConfigOpt, SetOpt, group

Opt = typer.Option


def _print_summary(summary: dict) -> None:
    keys = ("label", "benchmark", "pass_at_k", "base_pass_at_k", "plus_pass_at_k",
            "pass_at_k_not_computed", "tasks_evaluated",
            "samples", "samples_skipped", "status_counts", "finish_reasons",
            "truncated_tails_dropped", "codebleu", "execution", "generation")
    print(json.dumps({k: summary[k] for k in keys if k in summary}, indent=2))


def _benchmark_values(benchmark: str | None, tasks: str | None) -> dict:
    if not tasks:
        return {"benchmark": benchmark}
    return {"benchmark": benchmark or "jsonl", "benchmark_options": {"path": tasks}}


def eval_run(
    model: Annotated[str | None, Opt(help="Model dir (or LoRA adapter dir).")] = None,
    benchmark: Annotated[str | None, Opt(
        help="humaneval(+), mbpp(+), jsonl or module:function.")] = None,
    tasks: Annotated[str | None, Opt(help="Your task JSONL (benchmark jsonl).")] = None,
    n: Annotated[int | None, Opt(help="Samples per task (1 = greedy).")] = None,
    k: Annotated[str | None, Opt(help="pass@k values, e.g. 1,10.")] = None,
    temperature: Annotated[float | None, Opt(help="Sampling temperature (n > 1).")] = None,
    top_p: Annotated[float | None, Opt(help="Nucleus sampling mass.")] = None,
    max_new_tokens: Annotated[int | None, Opt(help="Tokens generated per sample.")] = None,
    batch_size: Annotated[int | None, Opt(help="Sequences per generate() call.")] = None,
    backend: Annotated[str | None, Opt(
        help="hf (transformers, on the GPU when there is one) or vllm (the vllm extra).")] = None,
    prompt_format: Annotated[str | None, Opt(help="base (continue) or chat (template).")] = None,
    limit: Annotated[int | None, Opt(help="Only the first N tasks.")] = None,
    output_dir: Annotated[str | None, Opt("--output-dir", "-o", help="Run dir to write.")] = None,
    label: Annotated[str | None, Opt(help="Name of this run in reports.")] = None,
    config: ConfigOpt = None,
    set_: SetOpt = None,
) -> None:
    """Generate samples with MODEL, run them in the sandbox, write pass@k and CodeBLEU."""
    from codetune.config import load_config
    from codetune.eval.config import EvalConfig
    from codetune.eval.run import evaluate_model

    cfg = load_config(EvalConfig, config, set_, model=model, n=n, k=k, temperature=temperature,
                      top_p=top_p, max_new_tokens=max_new_tokens, batch_size=batch_size,
                      backend=backend, prompt_format=prompt_format, limit=limit,
                      output_dir=output_dir,
                      label=label, **_benchmark_values(benchmark, tasks))
    _print_summary(evaluate_model(cfg))


def eval_samples(
    samples: Annotated[str | None, Opt(
        help="JSONL: task_id + solution, completion or raw (a model's whole answer).")] = None,
    benchmark: Annotated[str | None, Opt(
        help="humaneval(+), mbpp(+), jsonl or module:function.")] = None,
    tasks: Annotated[str | None, Opt(help="Your task JSONL (benchmark jsonl).")] = None,
    k: Annotated[str | None, Opt(help="pass@k values, e.g. 1,10,100.")] = None,
    timeout_s: Annotated[float | None, Opt("--timeout", help="Seconds per program.")] = None,
    sanitize: Annotated[bool | None, Opt("--sanitize/--no-sanitize",
                                         help="Sanitise programs first.")] = None,
    source: Annotated[str | None, Opt(help="auto (solution, else completion, else raw) or raw "
                                           "(re-grade an eval run from its raw answers).")] = None,
    raw_format: Annotated[str | None, Opt(help="Raw answers are chat (default) or base.")] = None,
    skip_bad_samples: Annotated[bool, Opt(help="Count and skip rows with unknown task ids or "
                                               "no completion instead of failing.")] = False,
    output_dir: Annotated[str | None, Opt("--output-dir", "-o", help="Where results go.")] = None,
    label: Annotated[str | None, Opt(help="Name of this run in reports.")] = None,
    config: ConfigOpt = None,
    set_: SetOpt = None,
) -> None:
    """Evaluate an existing sample file (any model or harness) on a benchmark."""
    from codetune.config import load_config
    from codetune.eval.config import SamplesEvalConfig
    from codetune.eval.run import evaluate_samples

    cfg = load_config(SamplesEvalConfig, config, set_, samples=samples, source=source,
                      raw_format=raw_format, k=k, timeout_s=timeout_s,
                      sanitize=sanitize, output_dir=output_dir, label=label,
                      on_bad_sample="skip" if skip_bad_samples else None,
                      **_benchmark_values(benchmark, tasks))
    _print_summary(evaluate_samples(cfg))


def eval_codebleu(
    predictions: Annotated[str, Opt(help="Predictions: .jsonl, .json list or one per line.")],
    references: Annotated[str, Opt(help="References, same formats, paired by position.")],
    lang: Annotated[str, Opt(help="python, javascript, java or cpp.")] = "python",
    weights: Annotated[str, Opt(help="n-gram,weighted,syntax,dataflow.")] = "0.25,0.25,0.25,0.25",
    output: Annotated[str | None, Opt("--output", "-o", help="Also write the scores here.")] = None,
) -> None:
    """CodeBLEU (Ren et al. 2020) of PREDICTIONS against REFERENCES, deterministic."""
    from codetune.artifacts import atomic_write_json
    from codetune.eval.codebleu import codebleu_score, parse_weights, read_code_list

    scores = codebleu_score(read_code_list(predictions, "prediction"),
                            read_code_list(references, "reference"), lang, parse_weights(weights))
    if output:
        atomic_write_json(output, scores)
    print(json.dumps(scores, indent=2))


def eval_report(
    run_dirs: Annotated[list[str], typer.Argument(help="Eval output dirs to compare.")],
    output_dir: Annotated[str, Opt("--output-dir", "-o", help="Report dir.")] = "eval_report",
) -> None:
    """Write report.md + PNG plots comparing eval runs side by side."""
    from codetune.eval.report import write_report

    print(write_report(run_dirs, output_dir))


def eval_benchmarks() -> None:
    """List the registered benchmarks."""
    from codetune.eval.benchmark_catalog import benchmark_names

    print("\n".join(benchmark_names()))


def register(app: typer.Typer) -> None:
    g = group("eval", "pass@k on HumanEval/MBPP/your tasks, CodeBLEU, reports.")
    g.command("run")(eval_run)
    g.command("samples")(eval_samples)
    g.command("codebleu")(eval_codebleu)
    g.command("report")(eval_report)
    g.command("benchmarks")(eval_benchmarks)
