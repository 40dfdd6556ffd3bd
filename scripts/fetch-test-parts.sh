#!/usr/bin/env bash
# Fetches the real programs the fleet tests run (Debian's node_exporter and Alertmanager) with
# `apt-get download` and unpacks them with `dpkg -x` into a cache directory. Nothing is
# installed and no service is started. Idempotent: a package already unpacked is not fetched again.
#
# Cache: $SUPERVISE_TEST_PARTS, default ${XDG_CACHE_HOME:-$HOME/.cache}/supervise-test/debian.
set -euo pipefail

cache="${SUPERVISE_TEST_PARTS:-${XDG_CACHE_HOME:-$HOME/.cache}/supervise-test/debian}"
packages=(prometheus-node-exporter prometheus-alertmanager)
# The file each package must leave behind; its presence means the package is unpacked.
declare -A marker=(
  [prometheus-node-exporter]=usr/bin/prometheus-node-exporter
  [prometheus-alertmanager]=usr/bin/prometheus-alertmanager
)

missing=()
for package in "${packages[@]}"; do
  [[ -x "$cache/$package/${marker[$package]}" ]] || missing+=("$package")
done
if ((${#missing[@]} == 0)); then
  echo "fetch-test-parts: all parts present in $cache"
  exit 0
fi

for tool in apt-get dpkg; do
  command -v "$tool" >/dev/null || { echo "fetch-test-parts: fatal: $tool is needed (Debian or Ubuntu)" >&2; exit 1; }
done

mkdir -p "$cache/downloads"
cd "$cache/downloads"
# Package lists are refreshed only when apt does not know a package yet (a fresh container).
for package in "${missing[@]}"; do
  if ! apt-cache show "$package" >/dev/null 2>&1; then
    apt-get update -qq
    break
  fi
done
# apt drops to its _apt user for downloads, which cannot write into root's cache directory.
sandbox=()
[[ $(id -u) == 0 ]] && sandbox=(-o APT::Sandbox::User=root)
for package in "${missing[@]}"; do
  rm -f "${package}"_*.deb
  apt-get download -qq "${sandbox[@]}" "$package"
  deb=$(ls "${package}"_*.deb)
  # Unpacked beside, then renamed: an interrupted run never leaves a half-unpacked tree behind.
  rm -rf "$cache/$package.partial" "$cache/$package"
  dpkg -x "$deb" "$cache/$package.partial"
  mv "$cache/$package.partial" "$cache/$package"
  rm -f "$deb"
  echo "fetch-test-parts: $package unpacked into $cache/$package"
done
