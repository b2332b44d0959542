#!/usr/bin/env bash
# Load test of `sealcheck serve` (README, "Kubernetes"): the real `vegeta` load generator
# (github.com/tsenart/vegeta/v12 v12.13.0, built from the Go module proxy and checked with `go
# version -m`) against POST /validate, with 100 images pushed to the real registry
# (distribution v3, tests/parity/build-peers.sh) and signed with the real cosign, the server
# caching tags and evidence (registry.tagTtlSeconds, evidenceTtlSeconds). vegeta sends at a
# constant rate (an open model: a slow answer does not slow the requests after it, so the tail
# is not hidden), from one process, cycling through one-image Pod reviews of the 100 images.
# Asserts nothing about time; prints:
#
# 1. cold: on a fresh server, the first review of each of the 100 images (a Pod with one
#    container), one after another: p50/p99/max from the request sent to the first byte back
#    (curl's time_starttransfer - time_pretransfer: the TLS handshake is not counted);
# 2. rates: warm (every image reviewed once), LOAD_RATES requests/s (default 50 200 1000) for
#    LOAD_SECONDS (default 20) each, twice: with server and load generator sharing both cores,
#    and pinned apart (the server on CPU 0, vegeta on CPU 1, `taskset`); per rate: achieved
#    requests/s, p50/p99/max latency (vegeta's, request written to answer read; the first request
#    on each connection, which opens it, included), non-200 answers, and the allow/deny
#    decisions the server counted (every image is signed: a deny is a failure);
# 3. soak: LOAD_SOAK_SECONDS (default 600) at LOAD_SOAK_RATE (default 200) requests/s, the
#    server's VmRSS (/proc/PID/status) at the start, every minute, at the end, and 10 s after;
# 4. throughput, on another fresh server: as fast as LOAD_CONCURRENCY (default 16) connections
#    go for LOAD_SECONDS, a Pod with one container (one decision a review) and a Pod with the 100
#    containers (cold once, then 100 decisions a review); then the server's /metrics counters.
#
#   SEALCHECK_PEERS=target/peers SEALCHECK_BIN=target/release/sealcheck admission/benches/load.sh
#
# LOAD_IMAGES (default 100) images, for a quick try; LOAD_PARTS (default "cold rates soak
# throughput") the parts to run.
# Not run by .ci/run (about 17 minutes on two cores; the webhook tests show the behaviour).
set -euo pipefail

peers=${SEALCHECK_PEERS:?the directory tests/parity/build-peers.sh built the peers into}
bin=${SEALCHECK_BIN:?the sealcheck binary (cargo build --release -p sealcheck-cli)}
peers=$(cd "$peers" && pwd) bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
concurrency=${LOAD_CONCURRENCY:-16}
rates=${LOAD_RATES:-50 200 1000}
seconds=${LOAD_SECONDS:-20}
soak_seconds=${LOAD_SOAK_SECONDS:-600}
soak_rate=${LOAD_SOAK_RATE:-200}
count=${LOAD_IMAGES:-100}
parts=" ${LOAD_PARTS:-cold rates soak throughput} "
vegeta_module=github.com/tsenart/vegeta/v12 vegeta_version=v12.13.0
work=$(mktemp -d /tmp/sealcheck-load.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
part() { [[ $parts == *" $1 "* ]]; }

GOBIN="$work/bin" go install "$vegeta_module@$vegeta_version"
vegeta="$work/bin/vegeta"
go version -m "$vegeta" | awk -v m="$vegeta_module" -v v="$vegeta_version" '$1 == "mod" && $2 == m && $3 == v { ok = 1 } END { exit !ok }' \
  || { echo "$vegeta is not $vegeta_module $vegeta_version" >&2; exit 1; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
reg_port=$(free_port)
host="127.0.0.1:$reg_port"
cat >"$work/registry.yml" <<EOF
version: 0.1
log: {level: warn}
storage: {filesystem: {rootdirectory: $work/storage}}
http: {addr: $host}
EOF
"$peers/registry" serve "$work/registry.yml" >/dev/null 2>&1 & pids+=($!)
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$reg_port") 2>/dev/null && break; sleep 0.1; done

(cd "$work" && COSIGN_PASSWORD= "$peers/cosign" generate-key-pair >/dev/null 2>&1)
printf '{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]},"config":{}}' >"$work/config.json"
images=()
for i in $(seq 1 "$count"); do
  printf 'load layer %d\n' "$i" >"$work/layer.txt"
  (cd "$work" && "$peers/oras" push --plain-http --config config.json:application/vnd.oci.image.config.v1+json "$host/load/app$i:v1" layer.txt:application/vnd.oci.image.layer.v1.tar >/dev/null)
  digest=$("$peers/oras" resolve --plain-http "$host/load/app$i:v1")
  (cd "$work" && COSIGN_PASSWORD= "$peers/cosign" sign --key cosign.key --tlog-upload=false --use-signing-config=false --new-bundle-format=false \
    --allow-insecure-registry --allow-http-registry -y "$host/load/app$i@$digest" >/dev/null 2>&1)
  images+=("$host/load/app$i:v1")
done

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
  -keyout "$work/tls.key" -out "$work/tls.crt" >/dev/null 2>&1
printf '{"default":[{"type":"sigstoreSigned","keyPath":"%s/cosign.pub","signedIdentity":{"type":"matchRepository"}}]}' "$work" >"$work/policy.json"
srv_port=$(free_port)
cat >"$work/serve.json" <<EOF
{"admission": {"policy": "$work/policy.json", "deadlineMs": 8000, "registry": {"insecure": ["$host"], "tagTtlSeconds": 3600, "evidenceTtlSeconds": 3600, "perHost": 16}},
 "listen": "127.0.0.1:$srv_port", "tls": {"cert": "$work/tls.crt", "key": "$work/tls.key"}, "concurrency": 16}
EOF
server=""
start_server() { # a fresh server, empty caches; $@: a command prefix (taskset)
  "$@" "$bin" serve --config "$work/serve.json" 2>>"$work/serve.log" & server=$!; pids+=("$server")
  for _ in $(seq 100); do curl -skf "https://127.0.0.1:$srv_port/readyz" >/dev/null && return; sleep 0.1; done
  echo "the server did not become ready"; tail -5 "$work/serve.log"; exit 1
}
stop_server() { kill "$server"; wait "$server" 2>/dev/null || true; }
rss() { awk '/^VmRSS/ {print $2 " " $3}' "/proc/$server/status"; }
metric() { curl -sk "https://127.0.0.1:$srv_port/metrics" | awk -v m="$1" '$1 == m {v = $2} END {print v + 0}'; }
decisions() { echo "$(metric 'sealcheck_decisions_total{verdict="allow",namespace="default"}')/$(metric 'sealcheck_decisions_total{verdict="deny",namespace="default"}')"; }

# AdmissionReview bodies (k8s.io/api admission/v1, as the API server sends them).
review() { # $1: uid, $2: containers JSON
  printf '{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"%s","kind":{"group":"","version":"v1","kind":"Pod"},"resource":{"group":"","version":"v1","resource":"pods"},"namespace":"default","operation":"CREATE","userInfo":{"username":"load"},"object":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"load"},"spec":{"containers":%s}},"dryRun":true}}' "$1" "$2"
}
containers=""
spread=()
for i in "${!images[@]}"; do
  containers+="${containers:+,}{\"name\":\"c$i\",\"image\":\"${images[$i]}\"}"
  review "load-1-$i" "[{\"name\":\"c\",\"image\":\"${images[$i]}\"}]" >"$work/review-image-$i.json"
  spread+=("$work/review-image-$i.json")
done
review load-100 "[$containers]" >"$work/review-100.json"

url="https://127.0.0.1:$srv_port/validate?timeout=10s"
# vegeta targets, its JSON format (one target a line, the body base64, cycled through in
# order): $1 the file, then the review bodies.
targets() {
  local out=$1; shift
  python3 -c '
import base64, json, sys
for f in sys.argv[2:]:
    body = base64.b64encode(open(f, "rb").read()).decode()
    print(json.dumps({"method": "POST", "url": sys.argv[1], "body": body, "header": {"Content-Type": ["application/json"]}}))
' "$url" "$@" >"$out"
}
targets "$work/targets-spread.json" "${spread[@]}"
targets "$work/targets-1.json" "$work/review-image-0.json"
targets "$work/targets-100.json" "$work/review-100.json"

# vegeta attack: $1 the targets, $2 the rate (0: as fast as $concurrency connections go), $3 the
# seconds, $4 the results file; then a command prefix for vegeta (taskset). -http2=false: the
# server speaks HTTP/1.1 only (no ALPN); keep-alive is vegeta's default.
attack() {
  local t=$1 rate=$2 secs=$3 out=$4; shift 4
  local workers=()
  if [ "$rate" = 0 ]; then workers=(-workers "$concurrency" -max-workers "$concurrency"); fi
  "$@" "$vegeta" attack -format json -targets "$t" -rate "$rate" -duration "${secs}s" "${workers[@]}" -insecure -http2=false -timeout 15s >"$out"
}

# One table line from a vegeta results file: $1 the label, $2 the seconds run, $3 the file; $4,
# when given, the decisions one review makes (for decisions/s).
summarize() {
  "$vegeta" encode -to csv "$3" | python3 -c '
import csv, sys
label, secs, per = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
lat, bad = [], 0
for r in csv.reader(sys.stdin):
    # vegeta CSV columns: timestamp, status code, latency (ns), bytes out, bytes in, error, ...
    bad += r[1] != "200"
    lat.append(int(r[2]) / 1e6)
if not lat or secs <= 0:
    sys.exit(f"{label} for {secs:g} s: nothing timed")
lat.sort()
q = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))]
rate = len(lat) / secs
print(f"{label:>14} | {rate:12.1f} | {rate * per:11.0f} | {q(0.50):6.2f} | {q(0.99):6.2f} | {lat[-1]:7.2f} | {len(lat):8d} | {bad:7d}")
' "$1" "$2" "${4:-1}"
}
header() { echo "      asked r/s | achieved r/s | decisions/s | p50 ms | p99 ms |  max ms | requests | non-200"; }
# Every image reviewed once, as fast as it goes, so the caches hold them all.
warm() { attack "$work/targets-spread.json" 0 2 "$work/warm.bin"; }

if part cold; then
  echo "== cold: the first review of each image on a fresh server ($(nproc) cores)"
  start_server
  : >"$work/cold.txt"
  for i in "${!images[@]}"; do
    curl -sk -o "$work/answer.json" -w '%{time_pretransfer} %{time_starttransfer}\n' -H 'Content-Type: application/json' --data-binary "@$work/review-image-$i.json" "$url" >>"$work/cold.txt"
    grep -q '"allowed":true' "$work/answer.json" || { echo "image $i was not allowed: $(cat "$work/answer.json")"; exit 1; }
  done
  python3 -c '
import sys
ms = sorted((float(b) - float(a)) * 1000 for a, b in (l.split() for l in open(sys.argv[1])))
print(f"cold, {len(ms)} images: p50 {ms[len(ms) // 2]:.1f} ms, p99 {ms[min(len(ms) - 1, int(0.99 * len(ms)))]:.1f} ms, max {ms[-1]:.1f} ms")
' "$work/cold.txt"
  echo "registry requests for the cold pass: $(metric sealcheck_registry_requests_total)"
  stop_server
fi

if part rates; then
  for placement in shared pinned; do
    if [ "$placement" = shared ]; then server_on=() load_on=(); else server_on=(taskset -c 0) load_on=(taskset -c 1); fi
    echo "== rates, $placement cores: warm, one-image reviews cycling through ${#images[@]} images, $seconds s each"
    start_server "${server_on[@]}"
    warm
    header
    for rate in $rates; do
      before=$(decisions) sent=$(metric sealcheck_registry_requests_total)
      attack "$work/targets-spread.json" "$rate" "$seconds" "$work/rate-$rate.bin" "${load_on[@]}"
      summarize "$rate" "$seconds" "$work/rate-$rate.bin"
      echo "                decisions allow/deny $before -> $(decisions); registry requests meanwhile: $(( $(metric sealcheck_registry_requests_total) - sent ))"
    done
    stop_server
  done
fi

if part soak; then
  echo "== soak: $soak_rate requests/s for $soak_seconds s"
  start_server
  warm
  echo "VmRSS at start: $(rss)"
  attack "$work/targets-spread.json" "$soak_rate" "$soak_seconds" "$work/soak.bin" &
  soak=$!
  for m in $(seq 60 60 "$soak_seconds"); do
    sleep 60
    if kill -0 "$soak" 2>/dev/null; then echo "VmRSS after $m s: $(rss)"; fi
  done
  wait "$soak"
  echo "VmRSS at end: $(rss)"
  sleep 10
  echo "VmRSS 10 s after the load: $(rss)"
  header
  summarize "$soak_rate" "$soak_seconds" "$work/soak.bin"
  echo "decisions allow/deny: $(decisions)"
  stop_server
fi

if part throughput; then
  echo "== throughput, on a fresh server: $concurrency connections as fast as they go, $seconds s each"
  start_server
  # The first review of the 100-image Pod is cold (every tag resolved, every signature fetched and verified).
  cold_start=$(date +%s.%N)
  curl -sk -H 'Content-Type: application/json' --data-binary "@$work/review-100.json" "$url" | grep -q '"allowed":true' || { echo "the ${#images[@]} signed images were not allowed"; tail -5 "$work/serve.log"; exit 1; }
  cold_end=$(date +%s.%N)
  echo "cold review of ${#images[@]} images: $(echo "$cold_end - $cold_start" | bc) s"
  header
  attack "$work/targets-1.json" 0 "$seconds" "$work/max-1.bin"
  summarize "1 image" "$seconds" "$work/max-1.bin"
  attack "$work/targets-100.json" 0 "$seconds" "$work/max-100.bin"
  summarize "${#images[@]} images" "$seconds" "$work/max-100.bin" "${#images[@]}"
  echo "== /metrics"
  curl -sk "https://127.0.0.1:$srv_port/metrics" | grep -E '^sealcheck_(decisions_total|decision_seconds_(sum|count)|busy_total|deadline_exceeded_total|fact_cache_(hits|misses)_total|tag_cache_(hits|misses)_total|evidence_cache_(hits|misses)_total|registry_(requests|errors)_total)'
  stop_server
fi
