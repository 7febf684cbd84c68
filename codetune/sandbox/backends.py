"""How a runner is launched: a hardened ``docker run -i`` container, or a host subprocess."""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from codetune.artifacts import pid_alive
from codetune.errors import CodetuneError
from codetune.paths import sandbox_dir
from codetune.sandbox.config import BACKENDS, DOCKER_IO, PROCESS_ISOLATIONS, SandboxConfig

# The in-container runner: sandbox/runner in a checkout, codetune/_sandbox/runner in a wheel.
RUNNER_DIR = sandbox_dir() / "runner"
IMAGE_RUNNER = "/opt/codetune/runner/main.py"  # where the image and bubblewrap mount it
BUILD_DIR = "/build"  # compiled artifacts of the running job (other languages)
IO_DIR = "/run/codetune-io"  # where a container sees its job/result pipes (docker_io fifo)
DOCKER_HINT = ("start it with `bash scripts/ensure_docker.sh` (or `sudo dockerd &`), or pass "
               "`--backend process` for weaker rlimit-only isolation")
PROCESS_WARNING = ("backend 'process': candidate code runs as host subprocesses with rlimits "
                   "only - NO network, filesystem or user isolation. Use docker for untrusted "
                   "code.")
BWRAP_WARNING = ("backend 'process' with bubblewrap: candidate code runs in host namespaces "
                 "(no network, private /tmp, read-only system dirs) with rlimits, but WEAKER "
                 "than docker: no memory/pids cgroup caps, the host kernel's user namespaces. "
                 "Use docker for untrusted code.")


def docker_binary() -> str:
    path = shutil.which("docker")
    if path is None:
        raise CodetuneError(f"the docker command is not installed; {DOCKER_HINT}")
    return path


def check_docker() -> str:
    """Return the server version, or raise a one-line error saying how to start Docker."""
    try:
        proc = subprocess.run([docker_binary(), "version", "--format", "{{.Server.Version}}"],
                              capture_output=True, text=True, timeout=20)
    except subprocess.TimeoutExpired:
        raise CodetuneError(f"the Docker engine does not answer (20 s); {DOCKER_HINT}") from None
    if proc.returncode != 0 or not proc.stdout.strip():
        detail = (proc.stderr.strip().splitlines() or ["no answer"])[-1][:160]
        raise CodetuneError(f"no Docker engine answers ({detail}); {DOCKER_HINT}")
    return proc.stdout.strip()


def image_exists(image: str) -> bool:
    proc = subprocess.run([docker_binary(), "image", "inspect", "--format", "{{.Id}}", image],
                          capture_output=True, text=True)
    return proc.returncode == 0


def docker_command(config: SandboxConfig, name: str, io_dir: str | None = None) -> list[str]:
    """The ``docker run`` line of one pool container (every flag is a hardening measure).

    ``io_dir``: a host folder holding the job and result pipes (``channel.FifoChannel``),
    bind-mounted read-only at ``IO_DIR`` (root-only: 0700, so no candidate uid can open them);
    without it jobs go through the attached stdin/stdout.
    """
    mem = f"{config.container_memory_mb}m"
    io = (["--volume", f"{io_dir}:{IO_DIR}:ro"], ["--io", IO_DIR]) if io_dir else (["-i"], [])
    return [
        docker_binary(), "run", *io[0], "--rm", "--name", name,
        "--label", "codetune.sandbox=1",
        "--label", f"codetune.owner_pid={owner_token(os.getpid())}",
        "--network", "none", "--memory", mem, "--memory-swap", mem,
        "--pids-limit", str(config.pids_limit), "--cpus", str(config.cpus),
        "--read-only", "--tmpfs", f"/tmp:rw,nosuid,nodev,noexec,size={config.tmpfs_mb}m",
        # compiled programs run from here (exec allowed; wiped after every job)
        "--tmpfs", f"{BUILD_DIR}:rw,nosuid,nodev,exec,mode=1777,size={config.build_tmpfs_mb}m",
        "--shm-size", "16m", "--ipc", "private", "--security-opt", "no-new-privileges",
        # PID 1 and the templates are root with five capabilities and nothing else; judges and
        # candidates drop to their own uids with none (sandbox/runner/isolation.py), so a
        # candidate can signal neither its judge nor the runner.
        "--user", "0:0", "--cap-drop", "ALL", *_cap_add(RUNNER_CAPABILITIES),
        "--ulimit", "nofile=256:256", "--ulimit", "core=0",
        "--log-driver", "none", "--stop-signal", "SIGKILL", "--workdir", "/tmp",
        "--env", "PYTHONDONTWRITEBYTECODE=1", "--env", "HOME=/tmp",
        config.image, "python3", "-I", "-S", IMAGE_RUNNER, "--scratch", "/tmp,/dev/shm",
        "--build", BUILD_DIR, "--isolated", *io[1],
    ]


# What the runner keeps: switch judges and candidates to their uids, kill their leftovers,
# wipe what they wrote. Both lose all of them when they change uid.
RUNNER_CAPABILITIES = ("SETUID", "SETGID", "KILL", "DAC_OVERRIDE", "FOWNER")


def _cap_add(caps) -> list[str]:
    return [arg for cap in caps for arg in ("--cap-add", cap)]


def process_command(scratch: str, config: SandboxConfig | None = None) -> list[str]:
    """The runner as a host subprocess (the ``process`` backend), inside bubblewrap when
    ``config.process_isolation`` resolves to bwrap (then ``scratch`` is unused)."""
    if config is not None and resolve_process_isolation(config) == "bwrap":
        return bwrap_command(config)
    return [sys.executable, "-I", "-S", str(RUNNER_DIR / "main.py"), "--scratch", scratch]


def bwrap_command(config: SandboxConfig) -> list[str]:
    """The runner inside bubblewrap (see ``bwrap_prefix``)."""
    return [*bwrap_prefix(config), os.path.realpath(sys.executable), "-I", "-S",
            IMAGE_RUNNER, "--scratch", "/tmp,/dev/shm", "--build", BUILD_DIR, "--isolated"]


def bwrap_prefix(config: SandboxConfig) -> list[str]:
    """``bwrap`` options: every namespace unshared (no network, own pid space), only the system
    dirs, the interpreter and the runner visible (read-only), size-capped tmpfs for /tmp and
    /dev/shm, a clean environment; started as root, the runner keeps five capabilities and
    candidates run as nobody with none.

    The runner is mounted at the image's path (``IMAGE_RUNNER``), never at its host path: a
    checkout or venv under ``/tmp`` would otherwise be hidden by the ``/tmp`` tmpfs."""
    python = os.path.realpath(sys.executable)
    root = os.geteuid() == 0
    # As root: no user namespace (candidates switch to nobody themselves, which needs the real
    # setuid); otherwise bwrap needs one and candidates run as the invoking user.
    unshare = (["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts",
                "--unshare-cgroup-try"] if root else ["--unshare-all"])
    cmd = [shutil.which("bwrap") or "bwrap", *unshare, "--die-with-parent", "--new-session",
           "--hostname", "codetune-sandbox", "--ro-bind", "/usr", "/usr"]
    for top in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        if os.path.islink(top):
            cmd += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            cmd += ["--ro-bind", top, top]
    cmd += ["--proc", "/proc", "--dev", "/dev", "--mqueue", "/dev/mqueue",
            "--perms", "1777", "--size", str(config.tmpfs_mb << 20), "--tmpfs", "/tmp",
            "--perms", "1777", "--size", str(16 << 20), "--tmpfs", "/dev/shm",
            "--perms", "1777", "--size", str(config.build_tmpfs_mb << 20), "--tmpfs", BUILD_DIR]
    # After the tmpfs mounts, so an interpreter installed under /tmp stays visible.
    interpreter_dirs = {os.path.realpath(sys.base_prefix), os.path.dirname(os.path.dirname(python))}
    for path in sorted(interpreter_dirs):
        if not path.startswith("/usr/") and path != "/usr":
            cmd += ["--ro-bind", path, path]
    cmd += ["--ro-bind", str(RUNNER_DIR), os.path.dirname(IMAGE_RUNNER),
            "--chdir", "/tmp", "--clearenv", "--setenv", "HOME", "/tmp",
            "--setenv", "PATH", "/usr/bin:/bin", "--setenv", "PYTHONDONTWRITEBYTECODE", "1"]
    if root:  # the runner keeps only what it needs to switch candidates to nobody (which
        # drops every capability), kill their leftovers and wipe what they wrote
        cmd += ["--cap-drop", "ALL"]
        for cap in RUNNER_CAPABILITIES:
            cmd += ["--cap-add", f"CAP_{cap}"]
    return cmd


@functools.cache
def _bwrap_works() -> bool:
    """bubblewrap is installed and can create its namespaces here (it needs user namespaces
    when not started as root)."""
    if shutil.which("bwrap") is None:
        return False
    cmd = [*bwrap_prefix(SandboxConfig(tmpfs_mb=1)), os.path.realpath(sys.executable),
           "-I", "-S", "-c", "pass"]
    try:
        return subprocess.run(cmd, capture_output=True, timeout=20).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def resolve_process_isolation(config: SandboxConfig) -> str:
    """``bwrap`` or ``rlimit`` for the process backend (``auto``: bwrap when it works here)."""
    if config.process_isolation == "rlimit":
        return "rlimit"
    if _bwrap_works():
        return "bwrap"
    if config.process_isolation == "bwrap":
        raise CodetuneError("process_isolation=bwrap: bubblewrap is not installed or cannot "
                            "create namespaces here; install it (apt-get install bubblewrap) "
                            "or set process_isolation=rlimit")
    return "rlimit"


def make_scratch() -> str:
    path = tempfile.mkdtemp(prefix="codetune-sandbox-")
    os.chmod(path, 0o1777)  # candidates run as nobody when the host user is root
    return path


def validate_backend(config: SandboxConfig) -> None:
    if config.backend not in BACKENDS:
        raise CodetuneError(f"sandbox backend {config.backend!r} is not one of "
                            f"{', '.join(BACKENDS)}")
    if config.docker_io not in DOCKER_IO:
        raise CodetuneError(f"docker_io {config.docker_io!r} is not one of {', '.join(DOCKER_IO)}")
    if config.process_isolation not in PROCESS_ISOLATIONS:
        raise CodetuneError(f"process_isolation {config.process_isolation!r} is not one of "
                            f"{', '.join(PROCESS_ISOLATIONS)}")
    if config.backend == "remote":  # runners live on the hosts, never here
        raise CodetuneError("sandbox backend 'remote' runs through "
                            "codetune.sandbox.open_pool(config) (a RemotePool over "
                            "`endpoints`), not a local SandboxPool")
    if config.backend == "process":
        resolve_process_isolation(config)  # a one-line error when bwrap is asked for but absent
    if config.backend == "docker":
        check_docker()
        if not image_exists(config.image):
            raise CodetuneError(f"sandbox image {config.image} not found; build it with "
                                "`codetune sandbox build`")


def remove_stale_containers() -> None:
    """Remove pool containers left by codetune processes that no longer exist."""
    proc = subprocess.run([docker_binary(), "ps", "-a", "--filter", "label=codetune.sandbox=1",
                           "--format", '{{.ID}} {{.Label "codetune.owner_pid"}}'],
                          capture_output=True, text=True)
    stale = []
    for line in proc.stdout.splitlines():
        parts = line.split()
        if len(parts) == 2 and not _owner_alive(parts[1]):
            stale.append(parts[0])
    if stale:
        subprocess.run([docker_binary(), "rm", "-f", *stale], capture_output=True)


def owner_token(pid: int) -> str:
    """``pid:start_time``: a pid alone can be reused by an unrelated process (pid_max is small)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        start = stat.rsplit(")", 1)[1].split()[19]  # field 22: start time in clock ticks
    except (OSError, IndexError):
        return str(pid)
    return f"{pid}:{start}"


def _owner_alive(token: str) -> bool:
    pid, _, _start = token.partition(":")
    if not pid.isdigit():
        return True  # not ours to judge
    if not pid_alive(int(pid)):
        return False
    return not _start or owner_token(int(pid)) == token


