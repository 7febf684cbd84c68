"""Baselines for benchmarks/languages.py: the same compile + run commands the pool runs, as bare
sequential subprocesses, with the wall clock and the CPU seconds they used.

* ``host``: the host's own toolchain (g++, javac/java, node, rustc where installed);
* ``image``: the image's toolchain (the pool's very binaries: Debian's Node 18, Go 1.19...) in
  one plain ``docker run`` of the sandbox image, timed inside it: no pool, no runner, no
  hardening beyond the container. The pool against it is the cost of the pool's machinery alone.

And the pool's own CPU: its containers' cgroup CPU time plus this process's.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

# Runs in the container (and on the host): {"programs": [...]} in, {"wall_s", "cpu_s", "rc"}.
LOOP = r'''
import json, os, resource, subprocess, sys, time
spec = json.load(open(sys.argv[1]))
build = sys.argv[2]
def cpu():
    s, c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime
rcs, c0, t0 = [], cpu(), time.monotonic()
for i, prog in enumerate(spec["programs"]):
    root = os.path.join(build, f"p{i}")
    fill = lambda v: v.replace("{build}", root)
    for name, text in prog["sources"].items():
        path = os.path.join(root, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
    env = {**os.environ, **{k: fill(v) for k, v in prog["env"].items() if k != "PATH"}}
    rc = 0
    if prog["compile"]:
        rc = subprocess.run([fill(a) for a in prog["compile"]], capture_output=True, env=env,
                            timeout=120).returncode
    if rc == 0:
        rc = subprocess.run([fill(a) for a in prog["run"]], capture_output=True, env=env,
                            stdin=subprocess.DEVNULL, timeout=60).returncode
    rcs.append(rc)
print(json.dumps({"wall_s": time.monotonic() - t0, "cpu_s": cpu() - c0, "rc": rcs}))
'''


def _spec(programs: list[dict], host: bool) -> dict:
    out = []
    for prog in programs:
        run = list(prog["run"])
        if host:  # the image's Node snapshot does not exist on the host
            for flag in ("--snapshot-blob",):
                if flag in run:
                    at = run.index(flag)
                    del run[at:at + 2]
        env = dict(prog.get("env") or {})
        if host:  # the host's own HOME (rustup finds its toolchains there) and Go cache
            env.pop("HOME", None)
            if "GOCACHE" in env:
                env["GOCACHE"] = "{build}/gocache"
        out.append({"sources": prog["sources"], "compile": prog["compile"], "run": run,
                    "env": env})
    return {"programs": out}


def host_has(programs: list[dict]) -> bool:
    """Whether every program's compiler and runner exist on the host."""
    tools = {(p["compile"] or p["run"])[0] for p in programs} | {p["run"][0] for p in programs}
    return all(t.startswith("{") or shutil.which(t) for t in tools)


def run_host(programs: list[dict]) -> dict:
    """The programs compiled and run with the host's toolchain, sequentially."""
    with tempfile.TemporaryDirectory(prefix="codetune-bare-") as tmp:
        spec = Path(tmp) / "spec.json"
        spec.write_text(json.dumps(_spec(programs, host=True)))
        build = Path(tmp) / "build"
        build.mkdir()
        proc = subprocess.run([sys.executable, "-c", LOOP, str(spec), str(build)],
                              capture_output=True, text=True, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run_image(programs: list[dict], image: str, memory_mb: int = 2048) -> dict:
    """The programs compiled and run with the image's toolchain, sequentially, in one plain
    container (timed inside it, so the container's start is not counted)."""
    with tempfile.TemporaryDirectory(prefix="codetune-bare-") as tmp:
        (Path(tmp) / "spec.json").write_text(json.dumps(_spec(programs, host=False)))
        (Path(tmp) / "loop.py").write_text(LOOP)
        os.chmod(tmp, 0o755)
        proc = subprocess.run(
            ["docker", "run", "--rm", "--network", "none", "--memory", f"{memory_mb}m",
             "--tmpfs", "/build:rw,exec,size=1024m", "--tmpfs", "/tmp:rw,exec",
             "-v", f"{tmp}:/spec:ro", "--user", "65534:65534", "--env", "HOME=/tmp", image,
             "python3", "/spec/loop.py", "/spec/spec.json", "/build"],
            capture_output=True, text=True, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def pool_cpu_s() -> float | None:
    """CPU seconds used so far by this process's pool containers (cgroup v1 or v2) plus this
    process; None when the cgroup files cannot be read."""
    from codetune.sandbox.backends import owner_token

    ids = subprocess.run(["docker", "ps", "-q", "--no-trunc", "--filter",
                          f"label=codetune.owner_pid={owner_token(os.getpid())}"],
                         capture_output=True, text=True).stdout.split()
    total = 0.0
    for cid in ids:
        v1 = Path(f"/sys/fs/cgroup/cpuacct/docker/{cid}/cpuacct.usage")
        v2 = Path(f"/sys/fs/cgroup/system.slice/docker-{cid}.scope/cpu.stat")
        if v1.exists():
            total += int(v1.read_text()) / 1e9
        elif v2.exists():
            stat = dict(line.split() for line in v2.read_text().splitlines())
            total += int(stat["usage_usec"]) / 1e6
        else:
            return None
    me = resource.getrusage(resource.RUSAGE_SELF)
    return total + me.ru_utime + me.ru_stime
