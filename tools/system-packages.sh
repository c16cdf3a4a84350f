#!/bin/sh
# Usage: tools/system-packages.sh PYTHON (the project's environment's python)
# Installs, when run as root, the Debian packages of the host programs the
# tests need: the Fargate rehearsal and the port bridge's namespace tests,
# and Chromium for the guide's browser example (tests/browser). The list is
# finfocus_ecs.rehearsal.network.HOST_TOOLS. Otherwise it says what is
# missing: those tests then skip with the reason, except under CI=1, where
# they fail. `make test` and `make bench` run it; `make up` never does.
set -eu
need=$("$1" -c 'from finfocus_ecs.rehearsal.network import missing_tools; print(" ".join(sorted(set(missing_tools().values()))))')
[ -z "$need" ] && exit 0
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing Debian packages for the rehearsal, bridge and browser tests: $need" >&2
  apt-get update -qq
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need >/dev/null
elif [ -n "${CI:-}" ]; then
  echo "CI needs the Debian packages $need and cannot install them (not root, or no apt-get)" >&2
  exit 1
else
  echo "missing Debian packages $need: the rehearsal, bridge and browser tests will skip (run as root, or apt-get install $need)" >&2
fi
