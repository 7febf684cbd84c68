"""codetune's in-sandbox runner (stdlib only). Runs as PID 1 of a pool container.

Reads one JSON job per line on stdin and writes one JSON result per line on stdout (``--io DIR``:
on the named pipes DIR/in and DIR/out instead, which the host shares with the container so no
docker process copies the lines; codetune/sandbox/channel.py). Per job:
two pristine *template* processes (exec'd once, never see a job) fork the candidate process and
a fresh *judge* that receives only that job's tests; the runner enforces the wall clock and
output cap, classifies the outcome from the judge's report, then kills every leftover process
and wipes the scratch directories and the kernel's IPC objects. ``--isolated``: the runner has
private PID and IPC namespaces (docker, bubblewrap), so every IPC object in sight is a job's.
"""

from __future__ import annotations

import os
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.set_int_max_str_digits(0)

import json  # noqa: E402

import supervise  # noqa: E402
import template  # noqa: E402

VERSION = "1"


def main(argv: list[str]) -> None:
    if "--template" in argv:
        at = argv.index("--template")
        template.serve(argv[at + 1], int(argv[at + 2]), argv[-1])
        return
    scratch = argv[argv.index("--scratch") + 1].split(",") if "--scratch" in argv else ["/tmp"]
    signal.signal(signal.SIGINT, signal.SIG_DFL)  # PID 1 must not have catchable handlers
    template.harden(subreaper=True)
    template.preimport()
    build = argv[argv.index("--build") + 1] if "--build" in argv else ""
    runner = supervise.Supervisor(scratch, isolated="--isolated" in argv, build=build)
    runner.slot = runner.prepare()
    jobs, out = sys.stdin.buffer, sys.stdout.buffer
    if "--io" in argv:  # the host's pipes; it opened both ends already, so neither open blocks
        folder = argv[argv.index("--io") + 1]
        jobs = open(os.path.join(folder, "in"), "rb")  # noqa: SIM115 (lives as long as we do)
        out = open(os.path.join(folder, "out"), "wb")  # noqa: SIM115
    out.write(json.dumps({"ready": VERSION, "pid": os.getpid()}).encode() + b"\n")
    out.flush()
    for line in jobs:
        if not line.strip():
            continue
        try:
            job = json.loads(line)
            result = runner.run_job(job)
        except Exception as exc:  # a malformed job line still gets an answer
            result = {"id": "", "status": "sandbox_error", "passed": False,
                      "reason": f"runner: {type(exc).__name__}: {exc}"[:500]}
        out.write(json.dumps(result).encode() + b"\n")
        out.flush()
        runner.between_jobs()


if __name__ == "__main__":
    main(sys.argv[1:])
