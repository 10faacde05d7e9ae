#!/usr/bin/env bash
# Sets up a fresh machine, bundles the release plugin, and runs the engine on the embedded demo.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cargo xtask demo
