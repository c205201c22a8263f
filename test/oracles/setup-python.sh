#!/usr/bin/env bash
# Creates (once) the Python venv the Jinja2 oracle runs in and prints its python path.
# Re-creates it when test/oracles/requirements.txt changed since it was built.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="${KLUCTL_TEST_CACHE:-$HOME/.cache/kluctl-vscode}/jinja2-venv"
requirements="$here/requirements.txt"
stamp="$venv/.requirements"

if [[ ! -x "$venv/bin/python" ]] || ! cmp -s "$requirements" "$stamp"; then
  rm -rf "$venv"
  mkdir -p "$(dirname "$venv")"
  python3 -m venv "$venv" >&2
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements" >&2
  cp "$requirements" "$stamp"
fi

echo "$venv/bin/python"
