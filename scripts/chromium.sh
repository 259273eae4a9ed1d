#!/usr/bin/env bash
# Headless Chromium (Debian package `chromium`) for the report's browser tests (tests/Support/Margin.Testing/Browser),
# which start and stop their own instance with a fresh profile; nothing here runs a browser.
#
#   scripts/chromium.sh install  # apt-get install chromium when it is missing (test.sh uses this); needs root then.
#                                # Idempotent. Exit 4: not installed and this script cannot install it (not root, no
#                                # apt-get); 2: the install failed
#   scripts/chromium.sh status   # prints the binary and its version; exit 0 when installed, 3 when not
set -euo pipefail

command_name="${1:-}"
[ $# -gt 0 ] && shift
[ $# -eq 0 ] || { echo "chromium.sh: unexpected argument '$1'" >&2; exit 2; }

say() { echo "chromium.sh: $*"; }
fail() { echo "chromium.sh: $1" >&2; exit "${2:-1}"; }

# The tests look for `chromium` on PATH, which is where the Debian package puts it (/usr/bin/chromium).
installed() {
  command -v chromium >/dev/null 2>&1
}

install() {
  installed && return 0
  local how="install it with 'sudo scripts/chromium.sh install' (apt-get install chromium), or 'sudo apt-get install chromium'"
  command -v apt-get >/dev/null 2>&1 || fail "Chromium is not installed and apt-get is missing: install Chromium by hand so that 'chromium' is on PATH" 4
  [ "$(id -u)" = 0 ] || fail "Chromium ('chromium' on PATH) is not installed: $how" 4
  local log
  log=$(mktemp)
  # Only when the install fails for want of package lists is apt-get update run.
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium >"$log" 2>&1; then
    if grep -q -E "Unable to locate package|has no installation candidate|Failed to fetch|404" "$log"; then
      apt-get update >>"$log" 2>&1 || { cat "$log" >&2; rm -f "$log"; fail "apt-get update failed" 2; }
      DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium >>"$log" 2>&1 \
        || { cat "$log" >&2; rm -f "$log"; fail "apt-get install chromium failed" 2; }
    else
      cat "$log" >&2; rm -f "$log"; fail "apt-get install chromium failed" 2
    fi
  fi
  rm -f "$log"
  installed || fail "apt-get installed chromium but 'chromium' is not on PATH" 2
  say "installed $(dpkg-query -W -f='chromium ${Version}' chromium 2>/dev/null || echo chromium)"
}

case "$command_name" in
  install) install ;;
  status)
    if installed; then
      echo "$(command -v chromium): $(chromium --version 2>/dev/null || echo 'version unknown')"
    else
      echo "not installed"; exit 3
    fi ;;
  *) echo "usage: scripts/chromium.sh install|status" >&2; exit 2 ;;
esac
