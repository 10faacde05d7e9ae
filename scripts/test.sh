#!/usr/bin/env bash
# Sets up a fresh machine, then builds the test bundle and runs every test (see README).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cargo xtask test "$@"
