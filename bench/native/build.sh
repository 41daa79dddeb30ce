#!/usr/bin/env bash
# Builds the C anchors of the benchmarks into $1 (default: bench/native/out). Called by the benchmarks' setup.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out=${1:-$here/out}
mkdir -p "$out"
command -v gcc >/dev/null || { echo "build.sh: gcc is required (apt-get install gcc)" >&2; exit 1; }
gcc -O2 -fPIC -shared -o "$out/libioctl_anchor.so" "$here/ioctl_anchor.c"
echo "$out/libioctl_anchor.so"
