#!/usr/bin/env bash
# The HTTP stack, on measured merit (registries issue): the ORAS project's oci-client (reqwest +
# tokio, rustls) against sealcheck-registry (ureq + rustls), each in a tiny program that resolves
# a tag, fetches the manifest and lists the referrers from the real registry on 127.0.0.1.
# Builds both in release (stripped), starts a distribution v3 registry with one image pushed by
# oras and signed by cosign as a v3 bundle (no referrers API there: the bundle is found through
# the `sha256-<hex>` fallback tag), checks what each program finds, and prints the stripped
# binary size, the distinct crates of the normal dependency graph (host platform, the program
# itself not counted) and the cold-start time (median of RUNS whole processes doing one resolve,
# and doing the full read), with the ratios sealcheck / oci-client.
#
# Measurement only: sealcheck does not depend on oci-client; not in .ci/run (two release builds).
# Usage: SEALCHECK_PEERS=target/peers bash registry/benches/oci-client-compare/run.sh [RUNS]
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../../.." && pwd)
runs=${1:-51}
peers=$(cd "${SEALCHECK_PEERS:?SEALCHECK_PEERS: the directory tests/parity/build-peers.sh built registry, cosign and oras into}" && pwd)
for p in registry cosign oras; do [ -x "$peers/$p" ] || { echo "$peers/$p is missing: run tests/parity/build-peers.sh" >&2; exit 2; }; done
target=${CARGO_TARGET_DIR:-$root/target}/oci-client-compare
programs=(oci-client sealcheck)

for p in "${programs[@]}"; do
  CARGO_TARGET_DIR=$target cargo build --release --quiet --manifest-path "$here/$p/Cargo.toml"
done
bin() { echo "$target/release/resolve-$1"; }

work=$(mktemp -d)
registry_pid=
cleanup() { [ -z "$registry_pid" ] || { kill "$registry_pid" 2>/dev/null; wait "$registry_pid" 2>/dev/null || true; }; rm -rf "$work"; }
trap cleanup EXIT
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
host=127.0.0.1:$port
printf 'version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: %s/storage\nhttp:\n  addr: %s\n' "$work" "$host" >"$work/registry.yml"
"$peers/registry" serve "$work/registry.yml" >/dev/null 2>&1 &
registry_pid=$!
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.05; done

(
  cd "$work"
  echo "oci-client-compare layer" >layer.txt
  echo '{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]},"config":{}}' >config.json
  "$peers/oras" push --plain-http --config config.json:application/vnd.oci.image.config.v1+json "$host/compare/app:v1" layer.txt:application/vnd.oci.image.layer.v1.tar >/dev/null
  COSIGN_PASSWORD= "$peers/cosign" generate-key-pair >/dev/null 2>&1
  digest=$("$peers/oras" resolve --plain-http "$host/compare/app:v1")
  COSIGN_PASSWORD= "$peers/cosign" sign --key cosign.key --tlog-upload=false --use-signing-config=false --new-bundle-format=true \
    --allow-insecure-registry --allow-http-registry -y "$host/compare/app@$digest" >/dev/null 2>&1
)
image=$host/compare/app:v1

echo "what each program finds for $image:"
for p in "${programs[@]}"; do
  for mode in resolve full; do printf '  %-10s %-8s %s\n' "$p" "$mode" "$("$(bin "$p")" "$mode" "$image")"; done
done
echo "where one resolve's time goes (one run each, in-process clock):"
for p in "${programs[@]}"; do printf '  %-10s %s\n' "$p" "$(COMPARE_PHASES=1 "$(bin "$p")" resolve "$image" 2>&1 >/dev/null)"; done

python3 - "$runs" "$image" "$(bin oci-client)" "$(bin sealcheck)" \
  "$(cd "$here/oci-client" && cargo tree -e normal --prefix none --quiet | awk 'NR > 1 { print $1, $2 }' | sort -u | wc -l)" \
  "$(cd "$here/sealcheck" && cargo tree -e normal --prefix none --quiet | awk 'NR > 1 { print $1, $2 }' | sort -u | wc -l)" <<'EOF'
import os, statistics, subprocess, sys, time

runs, image, bins, deps = int(sys.argv[1]), sys.argv[2], sys.argv[3:5], [int(d) for d in sys.argv[5:7]]

def median_ms(binary, mode):
    """Median wall time of one whole process, in ms, after two warm-up runs; every run must exit 0."""
    times = []
    for i in range(runs + 2):
        t = time.perf_counter()
        subprocess.run([binary, mode, image], check=True, stdout=subprocess.DEVNULL)
        if i >= 2:
            times.append((time.perf_counter() - t) * 1e3)
    return statistics.median(times)

rows = [("stripped binary size (KiB)", [os.path.getsize(b) / 1024 for b in bins], "{:.0f}"),
        ("crates, normal dependency graph", deps, "{:d}")]
for mode in ("resolve", "full"):
    rows.append((f"cold start, {mode} (ms, median of {runs})", [median_ms(b, mode) for b in bins], "{:.2f}"))
print(f"\n{'':34} {'oci-client':>12} {'sealcheck':>12} {'sealcheck/oci-client':>21}")
for name, (o, s), fmt in rows:
    print(f"{name:34} {fmt.format(o):>12} {fmt.format(s):>12} {s / o:>21.2f}")
EOF
