#!/usr/bin/env bash
# Create the virtual environment with a Python >= 3.12: the pyenv-pinned python3 if it is
# new enough, else the newest python3.1x on PATH. Says what to install when there is none.
set -euo pipefail
venv=${1:-.venv}
if [[ -x "$venv/bin/python" ]] && "$venv/bin/python" -c 'import sys; sys.exit(sys.version_info < (3, 12))'; then
  exit 0
fi
for candidate in python3 python3.14 python3.13 python3.12; do
  if command -v "$candidate" >/dev/null 2>&1 \
     && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then
    echo "Creating $venv with $("$candidate" --version)"
    rm -rf "$venv"
    "$candidate" -m venv "$venv"
    exit 0
  fi
done
echo "Claimledger needs Python 3.12 or newer. Install it (e.g. 'pyenv install 3.12' or your" >&2
echo "system's python3.12 package) and run make again." >&2
exit 1
