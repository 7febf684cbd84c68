"""What the image build precomputes so that a job pays only for its own program.

* **Go**: a warm build cache. HumanEval-X's Go tests import testify
  (``github.com/stretchr/testify/assert`` and its deps: go-spew, go-difflib, objx, yaml.v3),
  which a fresh cache compiles from source in every job (5-15 s). At image build
  (codetune/sandbox/image.py) the layer's container compiles two programs that import testify
  and the standard packages solutions use, with the job's own Go environment
  (codetune/languages.py), into ``GO_CACHE``; jobs read that cache read-only (never written:
  the candidate's own package is compiled each time, and no job can plant an artifact another
  job would trust).
* **JavaScript/TypeScript**: a V8 startup snapshot of a freshly bootstrapped Node (Debian's
  Node 18 is built without its own snapshot and compiles its internal modules at every start:
  ~40% of a short program's CPU). The snapshot's entry script is empty, so every program starts
  from the same pristine heap, deserialized fresh in its own process: nothing is shared between
  programs. V8 accepts a snapshot only under the V8 flags it was made with, so there is one
  per heap size (``NODE_SNAPSHOT_MB``); the runner drops ``--snapshot-blob`` where the file is
  missing (another heap size, an older image, the process backend).
"""

from __future__ import annotations

from pathlib import Path

from codetune.languages import GO_CACHE, LANGUAGES, NODE_FLAGS, NODE_SNAPSHOT, NODE_SNAPSHOT_MB

WARM_DIR = "/opt/codetune/warm"
# Standard packages HumanEval-X / MultiPL-E Go solutions and stdin programs import.
STD = ("bufio", "bytes", "container/heap", "container/list", "crypto/md5", "crypto/sha256",
       "encoding/hex", "encoding/json", "errors", "fmt", "io", "math", "math/big", "math/bits",
       "math/rand", "os", "reflect", "regexp", "sort", "strconv", "strings", "time", "unicode",
       "unicode/utf8")
TESTIFY = ("github.com/stretchr/testify/assert", "github.com/stretchr/testify/require")


def _imports(names) -> str:
    return "import (\n" + "".join(f'\t_ "{n}"\n' for n in names) + ")\n"


def warm_sources(languages) -> dict[str, str]:
    """File name (under ``WARM_DIR``) -> text of what the warm-up builds from."""
    sources = {}
    if "go" in languages:
        sources["go-test/main_test.go"] = (f"package main\n\n{_imports(STD + TESTIFY)}\n"
                                           "import \"testing\"\n\nfunc TestWarm(t *testing.T) {}\n")
        sources["go-main/main.go"] = f"package main\n\n{_imports(STD)}\nfunc main() {{}}\n"
    if "javascript" in languages or "typescript" in languages:
        sources["node/empty.js"] = ""
    return sources


def stage(layer: Path, languages) -> None:
    """Write the warm-up sources and script into the image layer (hashed with it: a change
    rebuilds the layer)."""
    script = warm_script(languages)
    if script is None:
        return
    for name, text in {**warm_sources(languages), "warm.sh": script}.items():
        path = layer / "warm" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def warm_command(languages) -> list[str] | None:
    """What the layer's container runs to warm the image (None: nothing to warm)."""
    return ["sh", f"{WARM_DIR}/warm.sh"] if warm_script(languages) else None


def warm_script(languages) -> str | None:
    """The script that fills the image's caches inside the layer's container (root, offline;
    Go and Node with the jobs' own settings so the caches match), leaving them world-readable;
    a toolchain missing from the base (``--base-image``) is skipped; None when these languages
    need none."""
    steps = []
    if "go" in languages:
        env = {k: v for k, v in LANGUAGES["go"].env.items() if "{" not in v}
        exports = " ".join(f"{k}={v}" for k, v in sorted(env.items()))
        steps.append(f"if command -v go >/dev/null; then (export {exports} HOME=/tmp; "
                     f"mkdir -p {GO_CACHE}; "
                     f"cd {WARM_DIR}/go-test && go test -c -vet=off -o /tmp/warm_test "
                     f"main_test.go && cd {WARM_DIR}/go-main && go build -o /tmp/warm main.go "
                     f"&& rm -f /tmp/warm /tmp/warm_test && chmod -R a+rX {GO_CACHE}); fi")
    if "javascript" in languages or "typescript" in languages:
        for mb in NODE_SNAPSHOT_MB:  # the run's own V8 flags: V8 checks them
            blob = NODE_SNAPSHOT.replace("{memory}", str(mb))
            flags = " ".join(f.replace("{memory}", str(mb)) for f in NODE_FLAGS)
            steps.append(f"if command -v node >/dev/null; then (cd /tmp && node "
                         f"--snapshot-blob {blob} {flags} --build-snapshot "
                         f"{WARM_DIR}/node/empty.js && chmod a+r {blob}); fi")
    return "set -e\n" + "\n".join(steps) + "\n" if steps else None
