#!/usr/bin/env bash
# Set up everything the project needs on a fresh Debian/Ubuntu machine: system packages
# (Chromium + CJK fonts for chart images, antiword/catdoc for .doc files) and a pinned venv.
#   scripts/setup.sh        runtime packages
#   scripts/setup.sh --dev  runtime + test packages
set -euo pipefail
cd "$(dirname "$0")/.."

SYSTEM_PACKAGES=(chromium fonts-noto-cjk antiword catdoc)
# Tests also write a real Word 97 .doc with LibreOffice to check the antiword path.
[ "${1:-}" = "--dev" ] && SYSTEM_PACKAGES+=(libreoffice-writer-nogui)
missing=()
for pkg in "${SYSTEM_PACKAGES[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "installing system packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  elif command -v apt-get >/dev/null 2>&1 && command -v sudo >/dev/null 2>&1; then
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "warning: cannot install ${missing[*]} (needs apt-get as root); PNG/SVG export and .doc reading stay off" >&2
  fi
fi

PYTHON=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
reqs=(-r requirements.txt)
[ "${1:-}" = "--dev" ] && reqs+=(-r requirements-dev.txt)
stamp=.venv/.installed-$(cat requirements*.txt | sha256sum | cut -c1-16)${1:-}
if [ ! -f "$stamp" ]; then
  .venv/bin/python -m pip install -q --disable-pip-version-check "${reqs[@]}"
  touch "$stamp"
fi
