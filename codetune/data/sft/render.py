"""Templates → (prompt, completion) samples, then the task mixture and per-source caps."""

from __future__ import annotations

import random
from collections import Counter, defaultdict

from codetune.data.dedup import ExactDedup
from codetune.data.sft.config import TASKS, SFTRecipe
from codetune.data.sft.report import SFTReport
from codetune.data.sft.templates import LANGUAGE_NAMES, choose_template, load_templates
from codetune.errors import CodetuneError


def _values(item: dict, cfg: SFTRecipe, rng: random.Random) -> tuple[dict, str | None]:
    lang = item["language"]
    values = {**item["values"], "code": item["code"], "lang_tag": lang,
              "language": LANGUAGE_NAMES.get(lang, lang)}
    prefer = None
    if item["task"] == "translate":
        src = values.pop("source_lang")
        values.update(source_language=LANGUAGE_NAMES.get(src, src), source_tag=src,
                      target_language=LANGUAGE_NAMES.get(lang, lang))
    if item["task"] == "fix":
        if values.get("failure") and rng.random() < cfg.fix.include_failure:
            prefer = "failure"
        else:
            values["failure"] = ""
    return values, prefer


def render_samples(items: list[dict], cfg: SFTRecipe, rng: random.Random,
                   report: SFTReport) -> list[dict]:
    """One sample per item, phrased by a random applicable template."""
    templates = load_templates(cfg.template_dirs)
    samples = []
    for item in items:
        values, prefer = _values(item, cfg, rng)
        template = choose_template(templates.get(item["task"], []), values,
                                   cfg.template_languages, rng, prefer)
        if template is None:
            report.drop("templates", f"{item['task']}:no_applicable_template")
            continue
        prompt, completion = template.render(values)
        samples.append({"prompt": prompt, "completion": completion, "task": item["task"],
                        "template": template.name, "template_language": template.lang,
                        "source": item["source"], "source_id": item["source_id"],
                        "language": item["language"], "augmentations": item["augmentations"],
                        "mutation": item.get("mutation", "")})
    dedup = ExactDedup(text_key=["prompt", "completion"])
    samples = list(dedup.run(samples))
    report.steps.append({"step": "sample_exact_dedup", **dict(dedup.stats)})
    return samples


def _spread(samples: list[dict], rng: random.Random) -> list[dict]:
    """Shuffled so that each source record's first sample comes before any second one."""
    rng.shuffle(samples)
    rank: Counter = Counter()
    keyed = []
    for s in samples:
        key = (s["source"], s["source_id"])
        keyed.append((rank[key], len(keyed), s))
        rank[key] += 1
    return [s for _, _, s in sorted(keyed, key=lambda t: (t[0], t[1]))]


def _cap_sources(samples: list[dict], cap: int, rng: random.Random,
                 report: SFTReport) -> list[dict]:
    by_source: dict[str, list[dict]] = defaultdict(list)
    for s in _spread(samples, rng):
        by_source[s["source"]].append(s)
    out = []
    for source, rows in by_source.items():
        if len(rows) > cap:
            report.drop("mixture", f"max_per_source:{source}", len(rows) - cap)
        out += rows[:cap]
    return out


def water_fill(avail: dict[str, int], shares: dict[str, float], total: int) -> dict[str, int]:
    """Counts summing to at most ``total`` in ``shares``; a task short of its share gives all
    it has and the rest of the total is split among the others in their ratios."""
    counts = {t: 0 for t in shares}
    active, remaining = set(shares), total
    while active and remaining > 0:
        weight = sum(shares[t] for t in active)
        alloc = {t: remaining * shares[t] / weight for t in active}
        short = {t for t in active if avail[t] <= alloc[t]}
        if not short:
            counts.update({t: int(alloc[t]) for t in active})
            break
        for t in short:
            counts[t] = avail[t]
            remaining -= avail[t]
        active -= short
    return counts


def mix(samples: list[dict], cfg: SFTRecipe, rng: random.Random,
        report: SFTReport) -> list[dict]:
    """The largest selection whose task shares match ``mixture.ratios`` (and ``total``)."""
    bad = set(cfg.mixture.ratios) - set(TASKS)
    if bad:
        raise CodetuneError(f"mixture.ratios: unknown task(s) {sorted(bad)}; use {TASKS}")
    if cfg.mixture.max_per_source > 0:
        samples = _cap_sources(samples, cfg.mixture.max_per_source, rng, report)
    by_task: dict[str, list[dict]] = defaultdict(list)
    for s in _spread(samples, rng):
        by_task[s["task"]].append(s)
    ratios = {t: float(r) for t, r in cfg.mixture.ratios.items()
              if t in cfg.tasks and float(r) > 0 and by_task.get(t)}
    if not ratios:
        return []
    norm = {t: r / sum(ratios.values()) for t, r in ratios.items()}
    avail = {t: len(by_task[t]) for t in norm}
    scale = min(avail[t] / r for t, r in norm.items())
    if cfg.mixture.total > 0 and not cfg.mixture.strict:
        counts = water_fill(avail, norm, cfg.mixture.total)
    else:
        if cfg.mixture.total > 0:
            scale = min(scale, float(cfg.mixture.total))
        counts = {t: min(avail[t], round(scale * r)) for t, r in norm.items()}
    for task, rows in by_task.items():
        if len(rows) > counts.get(task, 0):
            report.drop("mixture", f"ratio:{task}", len(rows) - counts.get(task, 0))
    report.mixture = {"ratios": norm, "available": {t: len(v) for t, v in by_task.items()},
                      "selected": counts,
                      "exhausted": sorted(t for t in counts if counts[t] == avail[t]),
                      "missing_tasks": sorted(set(cfg.tasks) - set(ratios))}
    selected = [s for t, n in counts.items() for s in by_task[t][:n]]
    rng.shuffle(selected)
    return selected
