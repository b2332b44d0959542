#!/usr/bin/env bash
# Builds containerd and ctr v2.4.2 (github.com/containerd/containerd/v2, from the Go module
# proxy) into OUTDIR for the containerd image verifier test (admission/tests/containerd_verifier.rs,
# SEALCHECK_CONTAINERD=OUTDIR). `go install pkg@v2.4.2` works: the module's go.mod has no
# replace directives. CGO_ENABLED=0: the test needs neither btrfs nor the CRI plugin's cgo parts.
# A binary already in OUTDIR is kept when `go version -m` shows that it was built from the
# pinned module version.
#
# Usage: bash admission/tests/build-containerd.sh OUTDIR
set -euo pipefail

[ $# -eq 1 ] || { echo "usage: $0 OUTDIR" >&2; exit 2; }
mkdir -p "$1"
out=$(cd "$1" && pwd)
module=github.com/containerd/containerd/v2
version=v2.4.2

built() {
  [ -x "$out/$1" ] || return 1
  go version -m "$out/$1" | awk -v m="$module" -v v="$version" '$1 == "mod" && $2 == m && $3 == v { found = 1 } END { exit !found }'
}

for bin in containerd ctr; do
  if built "$bin"; then
    echo "$bin $version: up to date"
    continue
  fi
  echo "$bin $version: building"
  GOBIN=$out CGO_ENABLED=0 go install "$module/cmd/$bin@$version"
  built "$bin" || { echo "$bin: built binary does not report $module $version" >&2; exit 1; }
done
"$out/containerd" --version
"$out/ctr" --version
