#!/usr/bin/env bash
# Makes the release tarball greet-<version>.tar.gz from a greet source tree, byte for byte the same on every run
# (sorted names, fixed mtimes and owners, gzip without a name or timestamp), so its sha256 can live in melange.yaml.
#   make-dist.sh [SOURCE_DIR (default ./greet)] [OUT_DIR (default ./dist)]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "${1:-$here/greet}" && pwd)
out=${2:-$here/dist}
version=$(sed -n 's/^PACKAGE_VERSION=//p' "$src/configure")
name=greet-$version
mkdir -p "$out"
tar -C "$src" --sort=name --mtime=@1700000000 --owner=0 --group=0 --numeric-owner --mode='a+rX,u+w,go-w' --format=ustar \
  --transform "s,^\.,$name," -cf - . | gzip -n -9 > "$out/$name.tar.gz"
echo "$out/$name.tar.gz $(sha256sum "$out/$name.tar.gz" | cut -d' ' -f1)"
