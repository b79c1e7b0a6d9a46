#!/usr/bin/env bash
# Installs the Debian packages Phenoscope builds against (DESIGN.md, Dependencies).
# Idempotent and quick when everything is already there; needs root or sudo otherwise.
set -euo pipefail
packages=(libdnnl-dev libopenblas-dev libtiff-dev libpng-dev libsqlite3-dev zlib1g-dev
          libzstd-dev libblosc-dev
          libopenmpi-dev openmpi-bin pkg-config)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "bootstrap: installing ${missing[*]}" >&2
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi
command -v swift >/dev/null || { echo "bootstrap: the Swift toolchain (6.x) must be on PATH" >&2; exit 1; }
