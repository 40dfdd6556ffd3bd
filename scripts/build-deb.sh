#!/bin/sh
# Builds out/deb/supervise_VERSION_ARCH.deb with dpkg-deb from the npm tarball, so that the .deb
# holds exactly what `npm pack` ships (dist/, bundled node_modules, man pages). Usage:
#   npm run deb                  pack this work tree first (runs prepack: build and man pages)
#   npm run deb -- FILE.tgz      use a tarball made by npm pack
# Environment: DEB_OUT (output directory, default out/deb), DEB_MAINTAINER.
set -eu
umask 022

root=$(cd "$(dirname "$0")/.." && pwd)
out=${DEB_OUT:-$root/out/deb}
maintainer=${DEB_MAINTAINER:-supervise maintainers <supervise@example.invalid>}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM

fail() {
  echo "build-deb: fatal: $*" >&2
  exit 1
}
command -v dpkg-deb >/dev/null || fail "unable to find dpkg-deb: install the dpkg package"

if [ $# -ge 1 ]; then
  tarball=$1
  [ -f "$tarball" ] || fail "unable to read tarball $tarball: no such file"
else
  (cd "$root" && npm pack --silent --pack-destination "$work" >/dev/null)
  tarball=$(ls "$work"/*.tgz)
fi
tar -xzf "$tarball" -C "$work"
pkg=$work/package
version=$(node -p 'require(process.argv[1]).version' "$pkg/package.json")
# The Node the code needs, as package.json's engines says it (">=20.17" gives "nodejs (>= 20.17)").
node_min=$(node -p 'require(process.argv[1]).engines.node.replace(/^>=\s*/, "")' "$pkg/package.json")
case $node_min in
  ''|*[!0-9.]*) fail "unable to turn engines.node of package.json into a Debian version: $node_min" ;;
esac

# The keeper (dist/supervise-keeper) is a C program compiled by the build: the package is for
# the architecture it was built on.
arch=$(dpkg --print-architecture)
[ -x "$pkg/dist/supervise-keeper" ] || fail "unable to find dist/supervise-keeper in the tarball: build first (npm run build needs a C compiler)"

stage=$work/stage
lib=$stage/usr/lib/supervise
doc=$stage/usr/share/doc/supervise
mkdir -p "$lib" "$stage/usr/bin" "$stage/usr/share/man/man5" "$stage/usr/share/man/man8" \
  "$stage/usr/lib/systemd/system" "$stage/usr/share/bash-completion/completions" \
  "$doc/examples" "$stage/etc/supervise" "$stage/DEBIAN"

# The launchers find dist/ beside their own real location, so /usr/bin holds symbolic links.
cp -R "$pkg/bin" "$pkg/dist" "$pkg/package.json" "$lib/"
[ -d "$pkg/node_modules" ] && cp -R "$pkg/node_modules" "$lib/"
ln -s ../lib/supervise/bin/supervise "$stage/usr/bin/supervise"
ln -s ../lib/supervise/bin/svc "$stage/usr/bin/svc"

for page in "$pkg"/man/*.[0-9]; do
  section=${page##*.}
  gzip -9n -c "$page" >"$stage/usr/share/man/man$section/$(basename "$page").gz"
done
cp "$pkg/packaging/supervise@.service" "$pkg/packaging/supervise-host.service" "$stage/usr/lib/systemd/system/"
cp "$pkg/packaging/svc.bash-completion" "$stage/usr/share/bash-completion/completions/svc"
cp -R "$pkg/docs" "$doc/"
cp "$pkg/README.md" "$doc/"
cp "$pkg/supervise.conf" "$doc/examples/"
cat >"$doc/copyright" <<'EOF'
supervise: MIT license (package.json "license").
The bundled Node.js packages under /usr/lib/supervise/node_modules carry their own licenses
in their directories.
EOF

# The systemd unit's default config file: an empty [global] gives the defaults without the
# "missing config file" warning at every start. A conffile: dpkg keeps the admin's edits.
cat >"$stage/etc/supervise/supervise.conf" <<'EOF'
# supervise.conf for the supervise@NAME systemd units: one [NAME] section per service.
# Keys and section rules: man 5 supervise.conf; an annotated example:
# /usr/share/doc/supervise/examples/supervise.conf
[global]
EOF
# The host's file (supervise-host.service): no service until the admin adds one.
cat >"$stage/etc/supervise/host.conf" <<'EOF'
# host.conf for supervise-host.service: every section with a `command` key is a service,
# supervised in /var/lib/supervise/NAME. Keys: man 5 supervise.conf; the model:
# /usr/share/doc/supervise/docs/host.md. Apply changes with: svc --host /var/lib/supervise reload
[global]
# include : conf.d/*.conf
#
# [web]
# command : python3 -m http.server 8080
EOF
printf '%s\n' /etc/supervise/supervise.conf /etc/supervise/host.conf >"$stage/DEBIAN/conffiles"

(cd "$stage" && find usr -type f -exec md5sum {} + | sort -k 2) >"$stage/DEBIAN/md5sums"
size=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)
cat >"$stage/DEBIAN/control" <<EOF
Package: supervise
Version: $version
Architecture: $arch
Maintainer: $maintainer
Installed-Size: $size
Depends: nodejs (>= $node_min), util-linux, libc6
Conflicts: daemontools
Section: admin
Priority: optional
Description: per-service process watchdog, a replacement for meetbill/supervise
 supervise keeps one command running in its own status directory, restarts it
 when it dies, raises alarms (mail, SMS program, command, webhook) and gives up
 when the service keeps crashing. svc starts, stops and inspects it. Same flags,
 config file, control letters and status file as meetbill/supervise.
 .
 Ships the systemd template unit supervise@.service, the unit supervise-host.service
 (every service of /etc/supervise/host.conf in one process) and bash completion for svc.
 .
 Conflicts with daemontools, which installs different programs under the same
 names: /usr/bin/supervise and /usr/bin/svc.
EOF

mkdir -p "$out"
deb=$out/supervise_${version}_${arch}.deb
dpkg-deb --root-owner-group --build "$stage" "$deb" >/dev/null
echo "$deb"
