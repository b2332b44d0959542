#!/usr/bin/env bash
# Load test of `sealcheck serve` (README, "Kubernetes"): the real `hey` load generator
# (github.com/rakyll/hey v0.1.5, built from the Go module proxy) against POST /validate, with 100
# images pushed to the real registry (distribution v3, tests/parity/build-peers.sh) and signed with
# the real cosign, the server caching tags and evidence (registry.tagTtlSeconds,
# evidenceTtlSeconds). Asserts nothing about time; prints:
#
# 1. cold: on a fresh server, the first review of each of the 100 images (a Pod with one
#    container), one after another: p50/p99/max from the request sent to the first byte back
#    (curl's time_starttransfer - time_pretransfer: the TLS handshake is not counted);
# 2. rates: warm (every image reviewed once), one-image Pod reviews spread over the 100 images
#    at LOAD_RATES requests/s (default 50 200 1000) for LOAD_SECONDS (default 20) each: one hey
#    process per image (-c 1 -q RATE/100: hey's -q is per worker, so the rate is q × c × 100),
#    their per-request CSVs merged: achieved requests/s, p50/p99/max (the first request of each
#    client, which opens its connection, is left out and counted apart), non-200 answers, and
#    the allow/deny decisions the server counted (every image is signed: a deny is a failure);
# 3. soak: LOAD_SOAK_SECONDS (default 600) at LOAD_SOAK_RATE (default 200) requests/s, the
#    server's VmRSS (/proc/PID/status) at the start, every minute and at the end;
# 4. shapes, on another fresh server: a Pod with 100 containers (one review decides the 100
#    images: cold once, then LOAD_REQUESTS reviews, LOAD_CONCURRENCY at once) and a Pod with one
#    container, hey's summaries; then the server's /metrics counters.
#
#   SEALCHECK_PEERS=target/peers SEALCHECK_BIN=target/release/sealcheck admission/benches/load.sh
#
# LOAD_IMAGES (default 100) images, for a quick try.
# Not run by .ci/run (about 15 minutes on two cores; the webhook tests show the behaviour).
# Client and server share the machine: the hey processes' CPU is taken from the server's.
set -euo pipefail

peers=${SEALCHECK_PEERS:?the directory tests/parity/build-peers.sh built the peers into}
bin=${SEALCHECK_BIN:?the sealcheck binary (cargo build --release -p sealcheck-cli)}
requests=${LOAD_REQUESTS:-2000}
concurrency=${LOAD_CONCURRENCY:-16}
rates=${LOAD_RATES:-50 200 1000}
seconds=${LOAD_SECONDS:-20}
soak_seconds=${LOAD_SOAK_SECONDS:-600}
soak_rate=${LOAD_SOAK_RATE:-200}
count=${LOAD_IMAGES:-100}
hey_version=v0.1.5
work=$(mktemp -d /tmp/sealcheck-load.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

GOBIN="$work/bin" go install "github.com/rakyll/hey@$hey_version"
hey="$work/bin/hey"

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
start_server() { # a fresh server: empty caches
  "$bin" serve --config "$work/serve.json" 2>>"$work/serve.log" & server=$!; pids+=("$server")
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
for i in "${!images[@]}"; do
  containers+="${containers:+,}{\"name\":\"c$i\",\"image\":\"${images[$i]}\"}"
  review "load-1-$i" "[{\"name\":\"c\",\"image\":\"${images[$i]}\"}]" >"$work/review-image-$i.json"
done
review load-100 "[$containers]" >"$work/review-100.json"
review load-1 "[{\"name\":\"c\",\"image\":\"${images[0]}\"}]" >"$work/review-1.json"

url="https://127.0.0.1:$srv_port/validate?timeout=10s"
# hey sends the request's Host (with its port) as the TLS server name, which is no DNS name
# (RFC 6066 §3) and rustls refuses; -host gives it one (hey skips certificate checks anyway).
sni=(-host sealcheck.sealcheck-system.svc)

# One table line from hey CSVs: $1 the rate asked, $2 the seconds run, then the files.
summarize() {
  python3 - "$@" <<'PY'
import csv, sys
label, secs, files = sys.argv[1], float(sys.argv[2]), sys.argv[3:]
lat, opened, bad, total = [], 0, 0, 0
for f in files:
    for r in csv.DictReader(open(f)):
        total += 1
        bad += int(r["status-code"]) != 200
        # A request that opened its connection (DNS+dialup) is its client's first: apart.
        if float(r["DNS+dialup"]) > 0:
            opened += 1
        else:
            lat.append(float(r["response-time"]) * 1000)
if not lat or secs <= 0:
    sys.exit(f"{label} r/s for {secs:g} s: nothing timed ({total} requests, {opened} opening a connection)")
lat.sort()
q = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))]
print(f"{label:>9} | {total / secs:12.1f} | {q(0.50):6.2f} | {q(0.99):6.2f} | {lat[-1]:7.2f} | {total:8d} | {opened:5d} | {bad:7d}")
PY
}
header() { echo "asked r/s | achieved r/s | p50 ms | p99 ms |  max ms | requests | conns | non-200"; }

# One-image reviews at $1 requests/s spread over the images for $2 seconds (one hey an image,
# one worker each); the CSVs into the directory $3.
spread() {
  local q hp=()
  q=$(python3 -c "print($1 / ${#images[@]})")
  mkdir -p "$3"
  for i in "${!images[@]}"; do
    "$hey" "${sni[@]}" -z "${2}s" -c 1 -q "$q" -o csv -m POST -T application/json -D "$work/review-image-$i.json" "$url" >"$3/$i.csv" & hp+=($!)
  done
  for p in "${hp[@]}"; do wait "$p"; done
}

echo "== cold: the first review of each image on a fresh server ($(nproc) cores)"
start_server
: >"$work/cold.txt"
for i in "${!images[@]}"; do
  curl -sk -o "$work/answer.json" -w '%{time_pretransfer} %{time_starttransfer}\n' -H 'Content-Type: application/json' --data-binary "@$work/review-image-$i.json" "$url" >>"$work/cold.txt"
  grep -q '"allowed":true' "$work/answer.json" || { echo "image $i was not allowed: $(cat "$work/answer.json")"; exit 1; }
done
python3 - "$work/cold.txt" <<'PY'
import sys
ms = sorted((float(b) - float(a)) * 1000 for a, b in (l.split() for l in open(sys.argv[1])))
print(f"cold, {len(ms)} images: p50 {ms[len(ms) // 2]:.1f} ms, p99 {ms[min(len(ms) - 1, int(0.99 * len(ms)))]:.1f} ms, max {ms[-1]:.1f} ms")
PY
echo "registry requests for the cold pass: $(metric sealcheck_registry_requests_total)"

echo "== rates: warm, one-image reviews spread over ${#images[@]} images, ${seconds} s each"
header
for rate in $rates; do
  before=$(decisions) sent=$(metric sealcheck_registry_requests_total)
  spread "$rate" "$seconds" "$work/rate-$rate"
  summarize "$rate" "$seconds" "$work/rate-$rate"/*.csv
  echo "          decisions allow/deny $before -> $(decisions); registry requests meanwhile: $(( $(metric sealcheck_registry_requests_total) - sent ))"
done

echo "== soak: $soak_rate requests/s for $soak_seconds s"
echo "VmRSS at start: $(rss)"
spread "$soak_rate" "$soak_seconds" "$work/soak" &
soak=$!
for m in $(seq 60 60 "$soak_seconds"); do
  sleep 60
  if kill -0 "$soak" 2>/dev/null; then echo "VmRSS after $m s: $(rss)"; fi
done
wait "$soak"
echo "VmRSS at end: $(rss)"
header
summarize "$soak_rate" "$soak_seconds" "$work/soak"/*.csv
echo "decisions allow/deny: $(decisions)"
stop_server

echo "== shapes, on a fresh server"
start_server
# The first review is cold (every tag resolved, every signature fetched and verified).
cold_start=$(date +%s.%N)
curl -sk -H 'Content-Type: application/json' --data-binary "@$work/review-100.json" "$url" | grep -q '"allowed":true' || { echo "the ${#images[@]} signed images were not allowed"; tail -5 "$work/serve.log"; exit 1; }
cold_end=$(date +%s.%N)
echo "cold review of ${#images[@]} images: $(echo "$cold_end - $cold_start" | bc) s"
echo "== hey: $requests reviews of a Pod with ${#images[@]} signed images, $concurrency at once"
"$hey" "${sni[@]}" -n "$requests" -c "$concurrency" -m POST -T application/json -D "$work/review-100.json" "$url"
echo "== hey: $requests reviews of a Pod with 1 signed image, $concurrency at once"
"$hey" "${sni[@]}" -n "$requests" -c "$concurrency" -m POST -T application/json -D "$work/review-1.json" "$url"
echo "== /metrics"
curl -sk "https://127.0.0.1:$srv_port/metrics" | grep -E '^sealcheck_(decisions_total|decision_seconds_(sum|count)|busy_total|deadline_exceeded_total|fact_cache_(hits|misses)_total|tag_cache_(hits|misses)_total|evidence_cache_(hits|misses)_total|registry_(requests|errors)_total)'
