#!/bin/sh
# The Fargate rehearsal and the port bridge's namespace tests rebuild the
# images from Debian's packages: BusyBox (the Alpine images' shell), HAProxy,
# curl and tini (the plugin image's), iproute2 and util-linux (namespaces).
# Installs what is missing when run as root. Otherwise it says what is missing:
# those tests then skip with the reason, except under CI=1, where they fail.
set -eu
need=""
command -v haproxy >/dev/null 2>&1 || need="$need haproxy"
command -v busybox >/dev/null 2>&1 || need="$need busybox"
command -v tini-static >/dev/null 2>&1 || need="$need tini"
command -v curl >/dev/null 2>&1 || need="$need curl"
command -v ip >/dev/null 2>&1 || need="$need iproute2"
command -v nsenter >/dev/null 2>&1 || need="$need util-linux"
[ -z "$need" ] && exit 0
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing Debian packages for the rehearsal and bridge tests:$need" >&2
  apt-get update -qq
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need >/dev/null
elif [ -n "${CI:-}" ]; then
  echo "CI needs the Debian packages$need and cannot install them (not root, or no apt-get)" >&2
  exit 1
else
  echo "missing Debian packages$need: the rehearsal and bridge tests will skip (run as root, or apt-get install$need)" >&2
fi
