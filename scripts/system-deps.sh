#!/usr/bin/env bash
# System packages the test suite needs beyond the Python lock file:
#   chromium     - the browser test drives Debian's Chromium (Playwright never
#                  downloads a browser here)
#   fonts-noto-cjk - so Chromium screenshots show Chinese, not empty boxes
#   poppler-utils  - pdftotext, so tests can read the text back out of our PDFs
# (PDFs embed their own font from the lock file and need nothing here.)
# Installs only what is missing; needs root or sudo on Debian/Ubuntu.
set -euo pipefail

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
# grep reads the whole list (no -q): with pipefail, fc-list killed by SIGPIPE when
# grep -q stops early would count as "missing".
fc-list 2>/dev/null | grep -i "Noto Sans CJK" >/dev/null || missing+=(fonts-noto-cjk)
command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)
[ ${#missing[@]} -eq 0 ] && exit 0

echo "system-deps: installing ${missing[*]}" >&2
if [ "$(id -u)" -eq 0 ]; then sudo=""; elif command -v sudo >/dev/null; then sudo="sudo"; else
  echo "system-deps: need root to install ${missing[*]} (apt-get install ${missing[*]})" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null 2>&1 || {
  $sudo apt-get update -q >/dev/null 2>&1
  $sudo apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
}
