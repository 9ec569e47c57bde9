#!/usr/bin/env bash
# Builds upkeep's Debian package from its npm package (docs/install.md, "The Debian package"):
#   bash scripts/build-deb.sh [--arch amd64|arm64] [--tarball upkeep-X.Y.Z.tgz] [--out DIR]
# Without --tarball it runs `npm pack` (which builds the bundle and the prebuilds). Prints the
# path of the .deb on its last line.
#
#   /usr/bin/upkeep              launcher: finds Node.js >= 20 (packaging/deb/upkeep)
#   /usr/lib/upkeep/             the npm package, with the prebuilt binaries of this arch only
#   /etc/upkeep/upkeep.yaml      conffile: a commented example that starts nothing
#   /var/lib/upkeep              state dir, 0700, made by postinst (kept on purge when not empty)
#   /usr/lib/systemd/system/upkeep.service       from `upkeep systemd-unit`
#   /usr/share/man/man{1,5}/                      from `node scripts/build-man.mjs OUTDIR`
#   bash, zsh and fish completion                 from `upkeep completion bash|zsh|fish`
set -euo pipefail
cd "$(dirname "$0")/.."

arch=$(dpkg --print-architecture)
tarball=""
out=$PWD
while [ $# -gt 0 ]; do
  case "$1" in
    --arch) arch=$2; shift 2 ;;
    --tarball) tarball=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    *) echo "build-deb: unknown argument $1" >&2; echo "  usage: $0 [--arch amd64|arm64] [--tarball FILE] [--out DIR]" >&2; exit 2 ;;
  esac
done
case "$arch" in
  amd64) node_arch=x64; elf_tool=readelf ;;
  arm64) node_arch=arm64; elf_tool=readelf ;;
  *) echo "build-deb: no prebuilt binaries for Debian architecture $arch" >&2; echo "  hint: use --arch amd64 or --arch arm64" >&2; exit 2 ;;
esac
die() { echo "build-deb: $*" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [ -z "$tarball" ]; then
  npm pack --pack-destination "$work" >&2
  tarball=$(ls "$work"/upkeep-*.tgz)
fi
version=$(tar -xzOf "$tarball" package/package.json | node -e 'let t="";process.stdin.on("data",d=>t+=d).on("end",()=>console.log(JSON.parse(t).version))')

root="$work/root"
lib="$root/usr/lib/upkeep"
mkdir -p "$lib" "$root/usr/bin" "$root/etc/upkeep" "$root/DEBIAN"
tar -xzf "$tarball" -C "$lib" --strip-components=1
# dpkg installs no compiler and runs no install script: the source-build fallback goes.
rm -rf "$lib/native" "$lib/binding.gyp" "$lib/scripts"
if [ ! -f "$lib/prebuilds/linux-$node_arch/upkeep_native.node" ]; then
  echo "build-deb: $tarball has no prebuilds/linux-$node_arch/" >&2
  echo "  hint: pack on a machine with that tool chain (scripts/build-prebuilds.mjs)" >&2
  exit 1
fi
find "$lib/prebuilds" -mindepth 1 -maxdepth 1 ! -name "linux-$node_arch" -exec rm -rf {} +
install -m 755 packaging/deb/upkeep "$root/usr/bin/upkeep"
install -m 644 packaging/deb/upkeep.yaml "$root/etc/upkeep/upkeep.yaml"
mkdir -p "$root/usr/share/doc/upkeep"
cp README.md docs/upgrade.md docs/systemd.md docs/install.md "$root/usr/share/doc/upkeep/"
printf 'upkeep\nLicense: MIT (see /usr/lib/upkeep/package.json)\n' >"$root/usr/share/doc/upkeep/copyright"

# The generators run through the staged launcher and config (this machine's Node), with their
# paths mapped back to the installed ones.
staged() { UPKEEP_LIB="$lib" "$root/usr/bin/upkeep" --config "$root/etc/upkeep/upkeep.yaml" "$@"; }
unstage() { sed "s|$lib|/usr/lib/upkeep|g; s|$root||g"; }

if unit=$(staged systemd-unit --exec /usr/bin/upkeep 2>"$work/err"); then
  mkdir -p "$root/usr/lib/systemd/system"
  printf '%s\n' "$unit" | unstage >"$root/usr/lib/systemd/system/upkeep.service"
else
  die "\`upkeep systemd-unit\` failed: $(head -n 1 "$work/err")"
fi

node scripts/build-man.mjs "$work/man" >&2
for page in "$work"/man/*.[1-8]; do
  [ -e "$page" ] || die "scripts/build-man.mjs wrote no man page"
  section=${page##*.}
  mkdir -p "$root/usr/share/man/man$section"
  gzip -9n <"$page" >"$root/usr/share/man/man$section/${page##*/}.gz"
done

declare -A completion_paths=(
  [bash]=usr/share/bash-completion/completions/upkeep
  [zsh]=usr/share/zsh/vendor-completions/_upkeep
  [fish]=usr/share/fish/vendor_completions.d/upkeep.fish
)
for shell in bash zsh fish; do
  if script=$(staged completion "$shell" 2>"$work/err"); then
    mkdir -p "$(dirname "$root/${completion_paths[$shell]}")"
    printf '%s\n' "$script" | unstage >"$root/${completion_paths[$shell]}"
  else
    die "\`upkeep completion $shell\` failed: $(head -n 1 "$work/err")"
  fi
done

# The highest glibc symbol version the binaries need is the package's libc6 dependency.
glibc=$(find "$lib/prebuilds" -type f -exec "$elf_tool" --dyn-syms -W {} \; 2>/dev/null |
  grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -n 1)
size=$(du -sk "$root" | cut -f1)
cat >"$root/DEBIAN/control" <<CONTROL
Package: upkeep
Version: $version
Architecture: $arch
Maintainer: upkeep maintainers <upkeep@localhost>
Installed-Size: $size
Depends: libc6 (>= ${glibc:-2.17})
Section: admin
Priority: optional
Homepage: https://www.npmjs.com/package/upkeep
Description: process supervisor for Linux
 Keeps daemons running, knows at every moment which process is which
 service, restarts what dies with backoff and limits, never starts a
 duplicate, and survives its own crash without losing a service or a line
 of output.
 .
 Needs Node.js 20 or later on PATH (or UPKEEP_NODE): not a dependency,
 since Debian's own nodejs is older.
CONTROL
echo /etc/upkeep/upkeep.yaml >"$root/DEBIAN/conffiles"
install -m 755 packaging/deb/postinst packaging/deb/prerm packaging/deb/postrm "$root/DEBIAN/"

mkdir -p "$out"
deb="$out/upkeep_${version}_${arch}.deb"
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >&2
echo "$deb"
