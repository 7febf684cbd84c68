# Loads offline: evaluate.load("<codetune checkout>/codetune/eval/metrics/pass_at_k").
# `evaluate` scans this file's imports line by line: keep one import per line.
import datasets
import evaluate

from codetune.eval.passk import parse_ks, pass_at_k

_DESCRIPTION = (
    "pass@k with the unbiased estimator of Chen et al. (2021). Config 'execute' (default) is a "
    "drop-in for the hub's code_eval: candidates run in codetune's Docker sandbox against test "
    "programs. Config 'counts' takes per-task sample and correct counts and executes nothing."
)
_CITATION = (
    "@article{chen2021codex, title={Evaluating Large Language Models Trained on Code}, "
    "author={Chen, Mark and others}, journal={arXiv:2107.03374}, year={2021}}"
)
_KWARGS = (
    "execute: predictions (list of candidate lists per task), references (test program per "
    "task), k (list of int), timeout (seconds per candidate). Returns (pass_at_k, results) like "
    "code_eval. counts: num_samples, num_correct (ints per task), k. Returns pass_at_k."
)


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS)
class PassAtK(evaluate.Metric):
    def _info(self):
        if self.config_name == "counts":
            features = datasets.Features({"num_samples": datasets.Value("int64"),
                                          "num_correct": datasets.Value("int64")})
        else:
            features = datasets.Features({
                "predictions": datasets.Sequence(datasets.Value("string")),
                "references": datasets.Value("string")})
        return evaluate.MetricInfo(
            description=_DESCRIPTION, citation=_CITATION, inputs_description=_KWARGS,
            features=features, homepage="https://arxiv.org/abs/2107.03374",
            codebase_urls=["https://github.com/openai/human-eval"], reference_urls=[])

    def _compute(self, predictions=None, references=None, num_samples=None, num_correct=None,
                 k=(1, 10, 100), timeout=3.0):
        ks = parse_ks(k)
        if self.config_name == "counts":
            counts = list(zip(num_samples, num_correct, strict=True))
            return _mean_pass_at_k(counts, ks)
        return _execute(predictions, references, ks, float(timeout))


def _mean_pass_at_k(counts, ks):
    """Mean over tasks; None for a k some task has fewer than k samples for (undefined)."""
    out = {}
    for k in ks:
        if counts and all(n >= k for n, _ in counts):
            out[f"pass@{k}"] = sum(pass_at_k(n, c, k) for n, c in counts) / len(counts)
        else:
            out[f"pass@{k}"] = None
    return out


def _execute(predictions, references, ks, timeout):
    from codetune.eval.execution import sandbox_pool
    from codetune.problems import Problem, job_for

    jobs = []
    for task_id, (candidates, test) in enumerate(zip(predictions, references, strict=True)):
        problem = Problem(id=str(task_id), tests=test)  # code_eval: a test program per task
        for cid, candidate in enumerate(candidates):
            jobs.append(job_for(problem, candidate, f"{task_id}#{cid}", timeout))
    with sandbox_pool() as pool:
        verdicts = pool.run_many(jobs)
    results = {}
    for job, verdict in zip(jobs, verdicts, strict=True):
        task_id, cid = (int(x) for x in job.id.split("#"))
        results.setdefault(task_id, []).append(
            (cid, {"task_id": task_id, "passed": verdict.passed, "result": verdict.status,
                   "completion_id": cid}))
    counts = [(len(results.get(t, [])), sum(r["passed"] for _, r in results.get(t, [])))
              for t in range(len(predictions))]
    return _mean_pass_at_k(counts, ks), results
