#!/usr/bin/env bash
# What can be checked of the Containerfile without an image builder (the base images are on
# registries this machine cannot reach): the build stage's COPY lines bring every file the
# workspace's manifests name, so `cargo metadata --locked --offline` resolves the workspace in a
# tree holding only those paths (a member added to Cargo.toml but not copied fails here), and
# the builder image's Rust release is not below the workspace's `rust-version`.
#
# Usage: bash admission/tests/containerfile.sh   (from the repository root)
set -euo pipefail

tree=$(mktemp -d /tmp/sealcheck-containerfile.XXXXXX)
trap 'rm -rf "$tree"' EXIT
# The build stage: from the first FROM to the next FROM.
stage=$(awk '/^FROM / { n++ } n == 1' Containerfile)
while read -r _ args; do
  # COPY SRC... DEST (sources relative to the context; a trailing / is a directory)
  read -r -a words <<<"$args"
  dest=${words[-1]}
  for src in "${words[@]:0:${#words[@]}-1}"; do
    [[ $src == --* ]] && { echo "unexpected COPY flag $src in the build stage" >&2; exit 1; }
    [ -e "$src" ] || { echo "Containerfile copies $src, which does not exist" >&2; exit 1; }
    if [ "$dest" = ./ ]; then cp -a "$src" "$tree/"; else mkdir -p "$tree/$dest" && cp -a "$src/." "$tree/$dest"; fi
  done
done < <(grep '^COPY ' <<<"$stage")
(cd "$tree" && cargo metadata --locked --offline --format-version 1 >/dev/null) \
  || { echo "the Containerfile's build stage does not copy everything the workspace names" >&2; exit 1; }

builder=$(sed -n 's|^FROM docker.io/library/rust:\([0-9.]*\)-.* AS build$|\1|p' Containerfile)
minimum=$(sed -n 's/^rust-version = "\(.*\)"/\1/p' Cargo.toml | head -1)
[ -n "$builder" ] && [ -n "$minimum" ] || { echo "could not read the builder's Rust release ($builder) or rust-version ($minimum)" >&2; exit 1; }
[ "$(printf '%s\n%s\n' "$minimum" "$builder" | sort -V | head -1)" = "$minimum" ] \
  || { echo "the builder's Rust $builder is below the workspace's rust-version $minimum" >&2; exit 1; }
echo "Containerfile: the build stage's $(grep -c '^COPY ' <<<"$stage") COPY lines resolve the workspace; Rust $builder >= $minimum"
