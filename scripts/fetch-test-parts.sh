#!/usr/bin/env bash
# Fetches the real programs the tests run (Debian's node_exporter and Alertmanager for the fleet
# tests, Debian's headless Chromium for the dashboard's browser test) with `apt-get download` and
# unpacks them with `dpkg -x` into a cache directory. Nothing is installed and no service is
# started. Idempotent: a package already unpacked is not fetched again.
#
# Cache: $SUPERVISE_TEST_PARTS, default ${XDG_CACHE_HOME:-$HOME/.cache}/supervise-test/debian.
set -euo pipefail

cache="${SUPERVISE_TEST_PARTS:-${XDG_CACHE_HOME:-$HOME/.cache}/supervise-test/debian}"
packages=(prometheus-node-exporter prometheus-alertmanager chromium-headless-shell)
# The file each package must leave behind; its presence means the package is unpacked.
declare -A marker=(
  [prometheus-node-exporter]=usr/bin/prometheus-node-exporter
  [prometheus-alertmanager]=usr/bin/prometheus-alertmanager
  [chromium-headless-shell]=usr/lib/chromium/chromium-headless-shell
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

# The packages a package depends on that this system lacks (virtual names and alternatives after
# the first are left out: a library's real package is always named first).
missing_depends() {
  apt-cache depends "$@" | awk '$1 == "Depends:" && $2 !~ /^</ { print $2 }' | sort -u |
    while read -r dependency; do
      dpkg-query -W -f='${Status}\n' "$dependency" 2>/dev/null | grep -q ' installed$' || echo "$dependency"
    done
}

# Chromium's libraries this system lacks (codecs, sound: the headless shell links them all though
# it plays nothing) are fetched and unpacked into its tree, until the closure is complete; the test
# helper puts the tree's library directories on LD_LIBRARY_PATH. chromium-common holds the ICU data
# and V8 snapshots the shell needs; its own dependencies (desktop tools) are not followed.
with_libraries() {
  echo chromium-common
  local fetched=("$1") round
  local -A seen=([$1]=1 [chromium-common]=1)
  for round in 1 2 3 4 5 6 7 8; do
    local next=()
    for dependency in $(missing_depends "${fetched[@]}"); do
      [[ -n ${seen[$dependency]:-} ]] && continue
      seen[$dependency]=1
      next+=("$dependency")
    done
    ((${#next[@]} == 0)) && break
    printf '%s\n' "${next[@]}"
    fetched=("${next[@]}")
  done
}

for package in "${missing[@]}"; do
  extra=()
  [[ $package == chromium-headless-shell ]] && mapfile -t extra < <(with_libraries "$package")
  for deb_package in "$package" "${extra[@]}"; do
    rm -f "${deb_package}"_*.deb
    apt-get download -qq "${sandbox[@]}" "$deb_package"
  done
  # Unpacked beside, then renamed: an interrupted run never leaves a half-unpacked tree behind.
  rm -rf "$cache/$package.partial" "$cache/$package"
  for deb_package in "$package" "${extra[@]}"; do
    deb=$(ls "${deb_package}"_*.deb)
    dpkg -x "$deb" "$cache/$package.partial"
    rm -f "$deb"
  done
  mv "$cache/$package.partial" "$cache/$package"
  echo "fetch-test-parts: $package${extra:+ (with ${extra[*]})} unpacked into $cache/$package"
done
