#!/usr/bin/env bash
# Installs the Debian packages kontextd builds and tests against, only those missing (idempotent).
set -euo pipefail
packages=(pkg-config libcurl4-openssl-dev libsqlite3-dev libssl-dev libturbojpeg0-dev libpng-dev libwebp-dev
          imagemagick wrk systemd chromium chromium-driver python3-venv)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing: ${missing[*]}" >&2
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
