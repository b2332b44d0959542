#!/usr/bin/env bash
# sealcheck against two peers, sigstore-rust (crate sigstore-verify 0.15.1) and sigstore-go
# (v1.3.0), on the sigstore-conformance keyless happy-path bundles: one run, one table of
# in-process and whole-process times and peer/sealcheck ratios.
# usage: bash benches/peers/run.sh [OUT_DIR]     (default target/peers-bench)
# Builds from crates.io and the Go module proxy only; reads the vectors in place from
# ../shared/vectors. PEER_ITERS (default 1000) rounds per in-process peer figure;
# PERF_RUNS (default 50) processes per whole-process figure.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
out=${1:-target/peers-bench}
mkdir -p "$out" && out=$(cd "$out" && pwd)
here=$root/benches/peers
export CARGO_TERM_COLOR=never
step() { printf '\n==> %s\n' "$*" >&2; }
start=$(date +%s)

step "build sigstore-rust harness (crates.io, --locked) into $out/rust"
CARGO_TARGET_DIR=$out/rust cargo build --release --locked --manifest-path "$here/sigstore-rust/Cargo.toml"

step "build sigstore-go harness (Go module proxy, go.sum checked) into $out/go"
(cd "$here/sigstore-go" && GOFLAGS=-mod=readonly go build -trimpath -o "$out/go/peer-sigstore-go" .)

step "build the sealcheck CLI (release; its default backend is aws-lc, --crypto rustcrypto selects the other)"
cargo build --release --locked -p sealcheck-cli

# sealcheck in-process: criterion's verify/<case> (RustCrypto) and verify-aws-lc/<case> (AWS-LC):
# Bundle::from_json + Verifier::verify with the trusted root loaded once. The marker (holding the
# load average, which the table prints) lets the table ignore estimates left by earlier runs.
step "sealcheck in-process: cargo bench --bench verify --features aws-lc (verify, verify-aws-lc groups)"
cat /proc/loadavg > "$out/bench-start"
cargo bench --locked --bench verify --features aws-lc -- --warm-up-time 1 --measurement-time 3 '^verify(-aws-lc)?/' >&2

step "peers in-process and every whole-process figure; the table"
python3 "$here/measure.py" \
  --out "$out" \
  --sealcheck "${CARGO_TARGET_DIR:-$root/target}/release/sealcheck" \
  --criterion "${CARGO_TARGET_DIR:-$root/target}/criterion" \
  --sigstore-rust "$out/rust/release/peer-sigstore-rust" \
  --sigstore-rust-lock "$here/sigstore-rust/Cargo.lock" \
  --sigstore-go "$out/go/peer-sigstore-go" \
  --vectors "$root/../shared/vectors" \
  --iters "${PEER_ITERS:-1000}" --runs "${PERF_RUNS:-50}" | tee "$out/table.txt"
echo "run took $(( $(date +%s) - start )) s; table in $out/table.txt" >&2
