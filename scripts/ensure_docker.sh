#!/usr/bin/env bash
# Make sure a Docker engine answers: install docker.io and start dockerd when root and none runs.
# Also installs mmdebstrap (used offline by `codetune sandbox build`) and bubblewrap (the
# process backend's namespaces) when root and missing.
set -euo pipefail
missing=""
command -v mmdebstrap >/dev/null 2>&1 || missing="$missing mmdebstrap"
command -v bwrap >/dev/null 2>&1 || missing="$missing bubblewrap"
if [ "$(id -u)" = 0 ] && [ -n "$missing" ]; then
  echo "installing$missing ..." >&2
  export DEBIAN_FRONTEND=noninteractive
  # shellcheck disable=SC2086
  apt-get update -qq && apt-get install -y -qq $missing >/dev/null \
    || echo "warning: could not install$missing; codetune will say what to do" >&2
fi
if docker info >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "error: no Docker engine answers and this user cannot start one; start dockerd (or ask an admin) and rerun" >&2
  exit 1
fi
if ! command -v dockerd >/dev/null 2>&1; then
  echo "installing docker.io ..." >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq docker.io >/dev/null
fi
# Never start a second dockerd: it deletes the first one's docker0 bridge.
if pgrep -x dockerd >/dev/null 2>&1; then
  echo "dockerd is running but not answering yet; waiting" >&2
else
  mkdir -p /var/log
  nohup dockerd >/var/log/codetune-dockerd.log 2>&1 &
fi
for _ in $(seq 1 60); do
  if docker info >/dev/null 2>&1; then
    exit 0
  fi
  sleep 0.5
done
echo "error: dockerd did not come up; see /var/log/codetune-dockerd.log" >&2
exit 1
