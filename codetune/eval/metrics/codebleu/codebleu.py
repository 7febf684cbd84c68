# Loads offline: evaluate.load("<codetune checkout>/codetune/eval/metrics/codebleu").
# `evaluate` scans this file's imports line by line: keep one import per line.
import datasets
import evaluate

from codetune.eval.codebleu import DEFAULT_WEIGHTS, codebleu_score

_DESCRIPTION = (
    "CodeBLEU (Ren et al. 2020): BLEU, keyword-weighted BLEU, AST match and data-flow match, "
    "computed by the codebleu package on tree-sitter grammars, always with PYTHONHASHSEED=0 so "
    "the data-flow part is reproducible."
)
_CITATION = (
    "@article{ren2020codebleu, title={CodeBLEU: a Method for Automatic Evaluation of Code "
    "Synthesis}, author={Ren, Shuo and others}, journal={arXiv:2009.10297}, year={2020}}"
)
_KWARGS = (
    "predictions: list of code strings; references: list of reference lists (or strings); "
    "lang: python, javascript, java or cpp; weights: 4 floats. Returns codebleu and the four "
    "component scores."
)


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS)
class CodeBLEU(evaluate.Metric):
    def _info(self):
        return evaluate.MetricInfo(
            description=_DESCRIPTION, citation=_CITATION, inputs_description=_KWARGS,
            features=[
                datasets.Features({"predictions": datasets.Value("string"),
                                   "references": datasets.Sequence(datasets.Value("string"))}),
                datasets.Features({"predictions": datasets.Value("string"),
                                   "references": datasets.Value("string")}),
            ],
            homepage="https://arxiv.org/abs/2009.10297",
            codebase_urls=["https://github.com/k4black/codebleu"], reference_urls=[])

    def _compute(self, predictions, references, lang="python", weights=DEFAULT_WEIGHTS):
        return codebleu_score(predictions, references, lang, weights)
