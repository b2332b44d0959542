#!/usr/bin/env bash
# Builds the peer tools of sealcheck's parity tests into OUTDIR, from the Go
# module proxy:
#   cidiff    tests/parity/cidiff, which links go.podman.io/image/v5 v5.42.0
#   cosign    github.com/sigstore/cosign/v3 v3.1.3
#   registry  github.com/distribution/distribution/v3 v3.1.2
#   oras      oras.land/oras v1.3.6
#   notation  github.com/notaryproject/notation v1.3.2
# and, from this repository, refregistry and tokenservice (registry/tests).
# A binary already in OUTDIR is kept when `go version -m` shows that it was
# built from the pinned module version (and, for cidiff, from the current
# sources: a hash of them is kept in OUTDIR/cidiff.srchash).
#
# notation cannot be `go install`ed: the proxy serves the module to
# `go mod download` but refuses its version list, which `go install …@v1.3.2`
# reads (for deprecations). So ./cmd/notation is built in a writable copy of
# the downloaded module, with the ldflags of its Makefile's tagged-release
# build (so `notation version` says v1.3.2). A main module built outside VCS
# reports "(devel)" to `go version -m`, so the up-to-date check is its
# notation-go v1.3.2 dependency and the module's go.sum hash ("h1:…"), kept in
# OUTDIR/notation.modsum.
#
# cidiff is built with CGO_ENABLED=0 and these containers/image build tags:
#   containers_image_openpgp             OpenPGP in pure Go, not gpgme (cgo)
#   containers_image_storage_stub        no containers-storage transport
#                                        (its btrfs, devicemapper, ... drivers)
#   containers_image_docker_daemon_stub  no docker-daemon transport
#
# Usage: bash tests/parity/build-peers.sh OUTDIR
set -euo pipefail

[ $# -eq 1 ] || { echo "usage: $0 OUTDIR" >&2; exit 2; }
mkdir -p "$1"
out=$(cd "$1" && pwd)
src=$(cd "$(dirname "${BASH_SOURCE[0]}")/cidiff" && pwd)
tags=containers_image_openpgp,containers_image_storage_stub,containers_image_docker_daemon_stub

# has_module BIN KIND MODULE VERSION: `go version -m BIN` has the line
# "KIND MODULE VERSION" (KIND is mod for the main module, dep for a dependency).
has_module() {
  [ -x "$1" ] || return 1
  go version -m "$1" | awk -v k="$2" -v m="$3" -v v="$4" \
    '$1 == k && $2 == m && $3 == v { found = 1 } END { exit !found }'
}

# peer NAME PACKAGE MODULE VERSION: go install PACKAGE@VERSION unless OUTDIR/NAME
# already reports MODULE VERSION.
peer() {
  if has_module "$out/$1" mod "$3" "$4"; then
    echo "$1 $4: up to date"
    return
  fi
  echo "$1 $4: building"
  GOBIN=$out CGO_ENABLED=0 go install "$2@$4"
  has_module "$out/$1" mod "$3" "$4" || { echo "$1: built binary does not report $3 $4" >&2; exit 1; }
}

hash=$(cd "$src" && { echo "tags=$tags"; sha256sum go.mod go.sum ./*.go; } | sha256sum | cut -d' ' -f1)
if has_module "$out/cidiff" dep go.podman.io/image/v5 v5.42.0 &&
  [ "$(cat "$out/cidiff.srchash" 2>/dev/null)" = "$hash" ]; then
  echo "cidiff: up to date"
else
  echo "cidiff: building"
  (cd "$src" && CGO_ENABLED=0 go build -tags "$tags" -o "$out/cidiff" .)
  has_module "$out/cidiff" dep go.podman.io/image/v5 v5.42.0 ||
    { echo "cidiff: built binary does not link go.podman.io/image/v5 v5.42.0" >&2; exit 1; }
  echo "$hash" >"$out/cidiff.srchash"
fi

peer cosign github.com/sigstore/cosign/v3/cmd/cosign github.com/sigstore/cosign/v3 v3.1.3
peer registry github.com/distribution/distribution/v3/cmd/registry github.com/distribution/distribution/v3 v3.1.2
peer oras oras.land/oras/cmd/oras oras.land/oras v1.3.6

# notation: the module's Dir, Sum and tagged commit from `go mod download -json`.
notation_mod=github.com/notaryproject/notation
notation_ver=v1.3.2
json=$(go mod download -json "$notation_mod@$notation_ver")
field() { printf '%s\n' "$json" | sed -n "s/^[[:space:]]*\"$1\": \"\(.*\)\",\{0,1\}\$/\1/p" | head -n 1; }
notation_dir=$(field Dir)
notation_sum=$(field Sum)
notation_commit=$(field Hash)
[ -d "$notation_dir" ] && [ -n "$notation_sum" ] || { echo "notation: go mod download gave no Dir or Sum" >&2; exit 1; }
if has_module "$out/notation" dep github.com/notaryproject/notation-go v1.3.2 &&
  [ "$(cat "$out/notation.modsum" 2>/dev/null)" = "$notation_mod $notation_ver $notation_sum" ]; then
  echo "notation $notation_ver: up to date"
else
  echo "notation $notation_ver: building"
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  cp -r "$notation_dir" "$work/notation"
  chmod -R u+w "$work/notation"
  (cd "$work/notation" && CGO_ENABLED=0 go build \
    -ldflags "-X $notation_mod/internal/version.GitCommit=$notation_commit -X $notation_mod/internal/version.BuildMetadata=" \
    -o "$out/notation" ./cmd/notation)
  has_module "$out/notation" mod "$notation_mod" "(devel)" &&
    has_module "$out/notation" dep github.com/notaryproject/notation-go v1.3.2 ||
    { echo "notation: built binary is not $notation_mod with notation-go v1.3.2" >&2; exit 1; }
  echo "$notation_mod $notation_ver $notation_sum" >"$out/notation.modsum"
fi

# refregistry: go-containerregistry v0.22.1's registry (pkg/registry) with its referrers API
# turned on, for the registry source's tests (registry/tests/refregistry). `crane registry
# serve` from the same module builds the handler without registry.WithReferrersSupport, so it
# answers the referrers API with 404 as distribution does. Rebuilt when the hash of its
# sources (kept in OUTDIR/refregistry.srchash) changes.
ref_src=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../registry/tests/refregistry" && pwd)
ref_hash=$(cd "$ref_src" && sha256sum go.mod go.sum ./*.go | sha256sum | cut -d' ' -f1)
if has_module "$out/refregistry" dep github.com/google/go-containerregistry v0.22.1 &&
  [ "$(cat "$out/refregistry.srchash" 2>/dev/null)" = "$ref_hash" ]; then
  echo "refregistry: up to date"
else
  echo "refregistry: building"
  (cd "$ref_src" && CGO_ENABLED=0 go build -o "$out/refregistry" .)
  has_module "$out/refregistry" dep github.com/google/go-containerregistry v0.22.1 ||
    { echo "refregistry: built binary does not link github.com/google/go-containerregistry v0.22.1" >&2; exit 1; }
  echo "$ref_hash" >"$out/refregistry.srchash"
fi

# tokenservice: the token service of the distribution token flow (registry/tests/tokenservice,
# Go standard library only) that the registry source's token tests put distribution behind.
# Rebuilt when the hash of its sources (kept in OUTDIR/tokenservice.srchash) changes.
tok_src=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../registry/tests/tokenservice" && pwd)
tok_hash=$(cd "$tok_src" && sha256sum go.mod ./*.go | sha256sum | cut -d' ' -f1)
is_tokenservice() { [ -x "$1" ] && go version -m "$1" | awk '$1 == "path" && $2 == "sealcheck.test/tokenservice" { f = 1 } END { exit !f }'; }
if is_tokenservice "$out/tokenservice" &&
  [ "$(cat "$out/tokenservice.srchash" 2>/dev/null)" = "$tok_hash" ]; then
  echo "tokenservice: up to date"
else
  echo "tokenservice: building"
  (cd "$tok_src" && CGO_ENABLED=0 go build -o "$out/tokenservice" .)
  is_tokenservice "$out/tokenservice" ||
    { echo "tokenservice: built binary is not sealcheck.test/tokenservice" >&2; exit 1; }
  echo "$tok_hash" >"$out/tokenservice.srchash"
fi
