#!/usr/bin/env bash
# Makes sure promtool (Prometheus' rule checker, used by tests/integration/alert-rules.test.ts)
# is installed: nothing to do when it is; else Debian's `prometheus` package, which ships it.
set -euo pipefail
command -v promtool >/dev/null 2>&1 && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
  echo "promtool is missing and this is not a Debian-like system: install Prometheus' promtool" >&2
  exit 0
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "installing promtool (Debian package prometheus)" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends prometheus >/dev/null
