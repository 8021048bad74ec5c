#!/usr/bin/env sh
# The browser tests drive Debian's Chromium (tests/browser). Installs it when it is missing;
# does nothing when it is there. Without root or apt-get it says what to do, and the browser
# tests then fail with the same message.
set -eu
CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium}"
[ -x "$CHROMIUM" ] && exit 0
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  echo "ensure-chromium: installing chromium with apt-get"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=600 chromium >/dev/null
  exit 0
fi
echo "ensure-chromium: $CHROMIUM is missing; install Debian's chromium (apt-get install chromium) or set CHROMIUM_PATH" >&2
exit 0
