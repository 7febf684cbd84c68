from codetune.data.dedup import ExactDedup
from codetune.data.pipeline import Filter, Pipeline, Step


class ShortFilter(Filter):
    name = "short"

    def reason(self, record):
        return "too_short" if len(record["text"]) < 3 else None


def test_pipeline_report_counts_each_step():
    pipe = Pipeline([ShortFilter(), ExactDedup("text")])
    out = list(pipe.run([{"text": t} for t in ["a", "abc", "abc", "abcd"]]))
    assert [r["text"] for r in out] == ["abc", "abcd"]
    rows = {r["step"]: r for r in pipe.report()}
    assert rows["short"] == {"step": "short", "in": 4, "kept": 3, "dropped": 1,
                             "reasons": {"too_short": 1}}
    assert (rows["exact_dedup"]["in"], rows["exact_dedup"]["dropped"]) == (3, 1)


def test_steps_satisfy_the_step_protocol():
    assert isinstance(ShortFilter(), Step)
    assert isinstance(ExactDedup(), Step)
