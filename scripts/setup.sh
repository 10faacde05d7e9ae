#!/usr/bin/env bash
# Installs everything Synesthete needs on a fresh Debian/Ubuntu machine that has Rust and
# Python 3 (with pip): system packages, then ONNX Runtime (from the PyPI wheel, via xtask).
# Idempotent and quick when everything is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  pkg-config
  # Editor (nice-plug-egui / baseview): X11, XCB and OpenGL headers.
  libx11-dev libx11-xcb-dev libxcursor-dev libxrandr-dev libxi-dev libgl-dev libgl1-mesa-dev
  libxcb1-dev libxcb-icccm4-dev libxcb-dri2-0-dev
  # wgpu on the CPU: Mesa's lavapipe Vulkan driver, and EGL for the GL backend.
  libvulkan1 mesa-vulkan-drivers libegl1 libegl-mesa0
  # Headless display for editor tests and screenshots, and Mesa's software OpenGL for the
  # editor's GL context on it.
  xvfb libgl1-mesa-dri libglx-mesa0
  # Fonts for the trainer's plots.
  fonts-dejavu-core
  # The unrelated program that receives the network stream output in engine/tests/stream_output.rs
  # (also ffplay, to watch the stream), and the video encoder `synesthete render` uses.
  ffmpeg
)

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

command -v cargo >/dev/null || { echo "setup: cargo not found; install Rust (rustup) first" >&2; exit 1; }
python3 -m pip --version >/dev/null || { echo "setup: python3 with pip is needed to fetch ONNX Runtime" >&2; exit 1; }

cargo xtask fetch-ort
