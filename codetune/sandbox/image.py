"""Build the sandbox image offline: a Debian rootfs from mmdebstrap piped into ``docker import``,
then a layer with the runner (and optional pip packages). Content-hash labels make a rebuild a
no-op when nothing changed.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from codetune.console import log
from codetune.errors import CodetuneError
from codetune.languages import LANGUAGES, image_packages
from codetune.sandbox import warm
from codetune.sandbox.backends import RUNNER_DIR, check_docker, docker_binary
from codetune.sandbox.config import IMAGE_REPO, SandboxConfig

RECIPE_VERSION = "1"
LABEL_BASE = "codetune.base_recipe"
LABEL_LAYER = "codetune.layer_hash"
LABEL_LANGUAGES = "codetune.languages"


@dataclass
class ImageRecipe:
    """What goes into the image (all of it hashed into labels)."""

    suite: str = field(default="bookworm", metadata={
        "help": "Debian suite (bookworm = Python 3.11)"})
    mirror: str = field(default="http://deb.debian.org/debian", metadata={"help": "Debian mirror"})
    packages: tuple[str, ...] = field(default=("python3", "libstdc++6"), metadata={
        "help": "Debian packages (full python3: python3-minimal lacks json/resource/ctypes)"})
    pip_packages: tuple[str, ...] = field(default=(), metadata={
        "help": "extra wheels installed on the host for the image's Python and copied in"})
    base_image: str | None = field(default=None, metadata={
        "help": "use this existing image (with python3 >= 3.10 on PATH) instead of mmdebstrap"})
    python_version: str = field(default="3.11", metadata={"help": "the image's Python (wheels)"})
    languages: tuple[str, ...] = field(default=tuple(LANGUAGES), metadata={
        "help": "languages whose toolchains go into the image (codetune/languages.py names; "
                "their Debian packages join `packages`); default all (~1.7 GB; python alone "
                "is ~100 MB)"})

    def all_packages(self) -> tuple[str, ...]:
        return tuple(sorted(set(self.packages) | set(image_packages(self.languages))))

    def base_hash(self) -> str:
        packages = list(self.all_packages())
        key = json.dumps([RECIPE_VERSION, self.suite, self.mirror, packages])
        return hashlib.sha256(key.encode()).hexdigest()[:16]


def build_image(config: SandboxConfig, recipe: ImageRecipe, force: bool = False) -> str:
    """Build ``config.image`` if missing or stale; return one line saying what happened."""
    check_docker()
    base = recipe.base_image or f"{IMAGE_REPO}-base:{recipe.base_hash()}"
    if recipe.base_image is None and (force or _label(base, LABEL_BASE) != recipe.base_hash()):
        _build_base(base, recipe)
    elif recipe.base_image is not None and _label(base, None) is None:
        raise CodetuneError(f"base image {base} not found locally (no registry pulls: load it "
                            "with `docker load` first)")
    with tempfile.TemporaryDirectory(prefix="codetune-layer-") as tmp:
        layer = _stage_layer(Path(tmp), recipe)
        digest = _layer_hash(layer, _image_id(base) + ",".join(recipe.languages))
        if not force and _label(config.image, LABEL_LAYER) == digest:
            return f"{config.image} is up to date ({digest})"
        _commit_layer(base, layer, config.image, digest, recipe.languages)
    return f"built {config.image} ({digest}) on {base}; languages: {', '.join(recipe.languages)}"


def image_languages(image: str) -> tuple[str, ...] | None:
    """The languages an image was built with (None: no such image; images built before the
    language label carry python only)."""
    value = _label(image, LABEL_LANGUAGES)
    if value is None:
        return None
    return tuple(value.split(",")) if value else ("python",)


def _build_base(tag: str, recipe: ImageRecipe) -> None:
    if shutil.which("mmdebstrap") is None:
        raise CodetuneError("mmdebstrap is not installed: `apt-get install -y mmdebstrap` (or pass "
                            "--base-image with an image that has python3)")
    log.info("building base rootfs %s with mmdebstrap (one-off, ~1-3 min)", tag)
    cmd = ["mmdebstrap", "--variant=essential", f"--include={','.join(recipe.all_packages())}",
           "--hook-dir=/usr/share/mmdebstrap/hooks/merged-usr"]
    for path in ("doc", "man", "locale", "info"):
        cmd.append(f"--dpkgopt=path-exclude=/usr/share/{path}/*")
    # openjdk's postinst links its man page into man1 and fails when the folder is excluded
    cmd.append('--essential-hook=mkdir -p "$1/usr/share/man/man1"')
    cmd += [recipe.suite, "-", recipe.mirror]
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1700000000"}
    debstrap = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    imported = subprocess.run([docker_binary(), "import", "--change",
                               f"LABEL {LABEL_BASE}={recipe.base_hash()}", "-", tag],
                              stdin=debstrap.stdout, capture_output=True, text=True)
    debstrap.stdout.close()
    err = debstrap.stderr.read().decode(errors="replace")
    if debstrap.wait() != 0 or imported.returncode != 0:
        # docker import already tagged what it got of a failed rootfs: never keep that
        subprocess.run([docker_binary(), "rmi", "-f", tag], capture_output=True)
        errors = [ln for ln in err.splitlines() if ln.startswith(("E:", "dpkg: error"))]
        last = (errors or err.strip().splitlines() or [imported.stderr.strip()])[0]
        raise CodetuneError(f"base image build failed: {last[:300]}")


def _stage_layer(root: Path, recipe: ImageRecipe) -> Path:
    layer = root / "codetune"
    shutil.copytree(RUNNER_DIR, layer / "runner",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    (layer / "site-packages").mkdir()
    if recipe.pip_packages:
        _pip_target(layer / "site-packages", recipe)
    warm.stage(layer, recipe.languages)
    return layer


def _pip_target(target: Path, recipe: ImageRecipe) -> None:
    cmd = [shutil.which("pip3") or "pip", "install", "--quiet", "--no-compile", "--target",
           str(target), "--python-version", recipe.python_version, "--only-binary=:all:",
           "--platform", "manylinux2014_x86_64", *recipe.pip_packages]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise CodetuneError(f"pip could not fetch {', '.join(recipe.pip_packages)}: "
                            f"{(proc.stderr.strip().splitlines() or ['?'])[-1][:300]}")


def _layer_hash(layer: Path, base_id: str) -> str:
    digest = hashlib.sha256(base_id.encode())
    for path in sorted(p for p in layer.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(layer)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def _commit_layer(base: str, layer: Path, image: str, digest: str,
                  languages: tuple[str, ...] = ("python",)) -> None:
    docker = docker_binary()
    # Go's build cache and Node's startup snapshot are made in this container (offline)
    warm_up = warm.warm_command(languages)
    cid = _run([docker, "create", "--network", "none", base,
                *(warm_up or ["python3", "-c", "pass"])]).strip()
    try:
        _run([docker, "cp", str(layer), f"{cid}:/opt/codetune"])
        if warm_up:
            log.info("warming the image: %s", ", ".join(
                n for n in ("go", "javascript", "typescript") if n in languages))
            _run([docker, "start", "-a", cid])
        changes = [f"LABEL {LABEL_LAYER}={digest}",
                   f"LABEL {LABEL_LANGUAGES}={','.join(languages)}",
                   "USER 65534:65534", "WORKDIR /tmp",
                   "ENV PYTHONDONTWRITEBYTECODE=1",
                   'CMD ["python3", "-I", "-S", "/opt/codetune/runner/main.py"]']
        args = [docker, "commit"]
        for change in changes:
            args += ["--change", change]
        _run([*args, cid, image])
    finally:
        subprocess.run([docker, "rm", "-f", cid], capture_output=True)


def _run(cmd: list[str]) -> str:
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise CodetuneError(f"`{' '.join(cmd[:3])} ...` failed: {proc.stderr.strip()[:300]}")
    return proc.stdout


def _image_id(image: str) -> str:
    return _run([docker_binary(), "image", "inspect", "--format", "{{.Id}}", image]).strip()


def _label(image: str, label: str | None) -> str | None:
    """The image's ``label`` value ('' if unset), its id when label is None, None if absent."""
    fmt = "{{json .Config.Labels}}" if label else "{{.Id}}"
    proc = subprocess.run([docker_binary(), "image", "inspect", "--format", fmt, image],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        return None
    if label is None:
        return proc.stdout.strip()
    labels = json.loads(proc.stdout or "null") or {}
    return labels.get(label, "")
