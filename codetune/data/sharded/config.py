"""The recipe's ``executor:`` section: where and how the sharded pretraining build runs."""

from __future__ import annotations

from dataclasses import dataclass, field

EXECUTOR_KINDS = ("memory", "local", "slurm", "ray")


@dataclass
class ExecutorConfig:
    """``memory`` runs the one-process build; ``local``/``slurm``/``ray`` run it as datatrove
    pipelines (sharded, resumable, memory bounded per task)."""

    kind: str = field(default="memory", metadata={
        "help": "memory (one process, small corpora) | local | slurm | ray (datatrove)."})
    tasks: int = field(default=8, metadata={
        "help": "Shards of the corpus: tasks of every per-shard stage."})
    workers: int = field(default=0, metadata={
        "help": "Tasks run at once (local/ray); 0: min(tasks, CPU count)."})
    work_dir: str = field(default="", metadata={
        "help": "Stage outputs, datatrove logs and completions (resume state); empty: "
                "<output_dir>.work beside the output. Must be shared by all nodes on a cluster."})
    keep_work: bool = field(default=False, metadata={
        "help": "Keep work_dir after a successful build (it holds the sharded stage outputs)."})
    cpus_per_task: int = field(default=1, metadata={"help": "CPUs per task (slurm/ray)."})
    mem_per_cpu_gb: float = field(default=2.0, metadata={"help": "Memory per CPU, GB (slurm/ray)."})
    partition: str = field(default="", metadata={"help": "Slurm partition (required for slurm)."})
    time: str = field(default="24:00:00", metadata={"help": "Slurm time limit per job."})
    qos: str = field(default="normal", metadata={"help": "Slurm QOS."})
    venv_path: str = field(default="", metadata={
        "help": "Slurm: virtualenv activated in each job (default: the running one)."})
    sbatch_args: dict[str, str] = field(default_factory=dict, metadata={
        "help": "Slurm: extra #SBATCH options, e.g. {account: myacct}."})
    ray_address: str = field(default="", metadata={
        "help": "Ray: cluster address for ray.init (empty: start a local Ray instance; "
                "'auto': the cluster this machine belongs to)."})

    def resolved_workers(self) -> int:
        import os

        return self.workers if self.workers > 0 else max(1, min(self.tasks, os.cpu_count() or 1))
