"""How tests/test_docs_run.py runs each ``codetune`` command of README.md and docs/*.md.

By default a command runs as written, in a temp working dir, with the flags of ``TINY`` for its
subcommand appended (a repeated option's last value wins, a later ``--set`` overrides an
earlier one), so it takes seconds. ``/tmp/`` paths are moved under the working dir. A
schematic command (a ``...`` argument) runs in the concrete form ``CONCRETE`` gives. Nothing is
silently left out: a command that cannot run here is in ``SKIP`` with the reason (and so is
every later command that reads its output), and tests/test_docs_run.py fails when a doc command
is in neither place or a ``SKIP``/``CONCRETE`` entry no longer matches a doc command.
Keys are the command as ``str(DocCommand)`` prints it after ``codetune ``.
"""

from __future__ import annotations

_RL_TINY = ["--max-steps", "1", "--set", "num_generations=2", "--set", "prompts_per_step=2",
            "--set", "max_completion_length=12", "--set", "save_steps=1",
            "--set", "tasks.limit=4"]
_EVAL_TINY = ["--n", "2", "--k", "1,2", "--limit", "2", "--max-new-tokens", "12"]

_RM_TINY = ["--set", "mine.tasks.limit=3", "--set", "mine.samples_per_task=2",
            "--set", "mine.max_new_tokens=12", "--set", "epochs=1",
            # a random-init tiny model never passes: the references make the pairs
            "--set", "mine.add_references=true"]

# Appended by subcommand prefix (the longest prefix that matches).
TINY: dict[tuple[str, ...], list[str]] = {
    ("data", "pretrain"): ["--set", "sources=[{kind: stdlib, name: stdlib, max_files: 40}]",
                           "--set", "num_proc=1", "--set", "tokenize.vocab_size=600",
                           "--set", "tokenize.block_size=64"],
    ("data", "tokenizer"): ["--set", "sources=[{kind: stdlib, name: stdlib, max_files: 40}]",
                            "--vocab-size", "600"],
    ("data", "sft"): ["--set", "sources=[{kind: code_units, name: stdlib, max_files: 3}, "
                      "{kind: mbpp, name: mbpp, task_ids: '601-974', max_records: 4}, "
                      "{kind: parallel, name: translate_sample, "
                      "paths: [datasets_recipes/translate_sample.jsonl]}]",
                      "--set", "mixture.total=24", "--set", "validation_fraction=0"],
    ("data", "tasks"): ["--set", "sft_train=6", "--set", "rl_train=8", "--set", "sft_eval=3",
                        "--set", "rl_eval=3", "--set", "heldout_eval=3"],
    ("pretrain",): ["--max-steps", "2"],
    ("sft",): ["--max-steps", "2"],
    ("rl",): _RL_TINY,
    ("rl", "--algo", "dpo"): ["--max-steps", "1"],
    ("rm",): _RM_TINY,
    # A task folder's RL parts carry no reference solutions (by design) and a tiny policy
    # passes nothing: mine its SFT part, whose references and their mutants make the pairs.
    ("rm", "--tasks", "runs/tasks"): [*_RM_TINY, "--set", "mine.tasks.split=sft_train"],
    ("eval", "run"): _EVAL_TINY,
    ("sandbox", "run"): ["--workers", "1"],
    ("sandbox", "bench"): ["--mutants", "4", "--docker-sample", "2", "--workers", "1"],
    ("sandbox", "serve"): ["--port", "0", "--workers", "1"],  # + --ready-file, then SIGTERM
}

# Schematic commands (an argument written as ``...``) and the concrete command run for them.
CONCRETE: dict[str, list[str]] = {
    "rl -c --resume": ["rl", "-c", "datasets_recipes/rl_pyfunc.yaml", "--model",
                       "runs/sft/final", "-o", "runs/rl-pyfunc", "--resume"],
    "rl --algo rloo": ["rl", "--algo", "rloo", "--model", "runs/sft/final", "--tasks",
                       "runs/tasks", "-o", "runs/rloo"],
    "rl --algo dpo --pairs runs/rm/pairs.jsonl": [
        "rl", "--algo", "dpo", "--pairs", "runs/rm/pairs.jsonl", "--model", "runs/sft/final",
        "-o", "runs/dpo"],
}

# Commands whose documented outcome is an error: the text it must print.
EXPECT_ERROR: dict[str, str] = {
    "data pretrain -r datasets_recipes/pretrain_python_stdlib.yaml --set dedup.treshold=0.8":
        "error: --set: key 'dedup.treshold': unknown key 'treshold'; did you mean 'threshold'?",
}

_MULTI_GPU = ("several GPUs or nodes (accelerate launch --num_processes 8/16); two CPU ranks "
              "run the same commands in tests/*/test_*multiprocess.py")
_IMAGE = ("rebuilds the shared sandbox image with another recipe (a new Debian rootfs or "
          "downloaded wheels, minutes, network); `sandbox build` itself runs here")

SKIP: dict[str, str] = {
    # README.md
    "rl --algo grpo --model runs/sft --tasks mbpp -o runs/grpo --deepspeed zero2 --set "
    "sandbox.backend=remote --set 'sandbox.endpoints=[local]'": _MULTI_GPU,
    "rm --model runs/sft --tasks mbpp -o runs/rm --deepspeed zero3": _MULTI_GPU,
    "sft --model M --dataset D -o runs/sft --deepspeed zero3": _MULTI_GPU,
    "rl --algo grpo --model runs/sft --tasks mbpp -o runs/grpo --deepspeed zero3 --set "
    "sandbox.backend=remote --set 'sandbox.endpoints=[local]'": _MULTI_GPU,
    "eval run --model runs/sft-merged --benchmark humaneval --n 20 --k 1,10 --backend vllm -o "
    "runs/eval/sft-vllm": "needs the vllm extra and a CUDA GPU (its one-line error without "
                          "vllm: tests/test_device.py)",
    # docs/training.md
    "sft --model M --dataset D -o runs/sft --method full --deepspeed zero3": _MULTI_GPU,
    "pretrain --model M --dataset D -o runs/pt --deepspeed zero2": _MULTI_GPU,
    # docs/sandbox-service.md
    "rl --model runs/sft/final --tasks mbpp -o runs/rl --set sandbox.backend=remote --set "
    "'sandbox.endpoints=[local]'": "two CPU ranks under accelerate launch (~3 min): "
                                   "tests/rl/test_multiprocess.py runs this command",
    # docs/sandbox.md
    "sandbox build --languages python,cpp,js": _IMAGE,
    "sandbox build --pip numpy==2.2.6 --pip sympy==1.14.0": _IMAGE,
    "sandbox build --base-image my-python:3.11": "needs the user's own local base image",
    # docs/demo.md
    "demo --quick": "the whole demo (minutes): tests/newcomer/test_clean_machine.py runs "
                    "`codetune demo --quick` as written from a clean clone",
    "demo --out runs/demo --redo grpo --set grpo_learning_rate=3e-5":
        "reruns a stage of a finished full demo; tests/demo/test_demo.py reruns stages of "
        "the quick demo",
}
