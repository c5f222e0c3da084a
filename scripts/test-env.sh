#!/usr/bin/env bash
# Creates (once) the git-ignored virtualenv .venv-test/ with the Python tools the tests drive
# (moto's S3 server, boto3, runware-sdk, selenium, schemathesis, standardwebhooks) and prints its
# path. Re-installs only when scripts/test-requirements.txt changed since the last install.
set -euo pipefail
cd "$(dirname "$0")/.."
venv="$PWD/.venv-test"
requirements=scripts/test-requirements.txt
stamp="$venv/.requirements.sha256"
want=$(sha256sum "$requirements" | cut -d' ' -f1)
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv" >&2
fi
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "test-env: installing $(grep -v '^#' "$requirements" | tr '\n' ' ')" >&2
  "$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$requirements" >&2
  echo "$want" > "$stamp"
fi
echo "$venv"
