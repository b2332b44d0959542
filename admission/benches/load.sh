#!/usr/bin/env bash
# Load test of `sealcheck serve` (README, "Kubernetes"): the real `hey` load generator
# (github.com/rakyll/hey v0.1.5, built from the Go module proxy) against POST /validate, with 100
# images pushed to the real registry (distribution v3, tests/parity/build-peers.sh) and signed with
# the real cosign. Two shapes: a Pod with 100 containers (one review decides the 100 images), and a
# Pod with one container (one image a review). Prints hey's summaries (requests/s, latency
# percentiles) and the server's /metrics counters; asserts nothing about time.
#
#   SEALCHECK_PEERS=target/peers SEALCHECK_BIN=target/release/sealcheck admission/benches/load.sh
#
# Not run by .ci/run (it takes minutes on two cores; the webhook tests show the behaviour).
set -euo pipefail

peers=${SEALCHECK_PEERS:?the directory tests/parity/build-peers.sh built the peers into}
bin=${SEALCHECK_BIN:?the sealcheck binary (cargo build --release -p sealcheck-cli)}
requests=${LOAD_REQUESTS:-2000}
concurrency=${LOAD_CONCURRENCY:-16}
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
for i in $(seq 1 100); do
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
{"admission": {"policy": "$work/policy.json", "deadlineMs": 8000, "registry": {"insecure": ["$host"], "tagTtlSeconds": 600, "perHost": 16}},
 "listen": "127.0.0.1:$srv_port", "tls": {"cert": "$work/tls.crt", "key": "$work/tls.key"}, "concurrency": 16}
EOF
"$bin" serve --config "$work/serve.json" 2>"$work/serve.log" & pids+=($!)
for _ in $(seq 100); do curl -skf "https://127.0.0.1:$srv_port/readyz" >/dev/null && break; sleep 0.1; done

# AdmissionReview bodies (k8s.io/api admission/v1, as the API server sends them).
review() { # $1: uid, $2: containers JSON
  printf '{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"%s","kind":{"group":"","version":"v1","kind":"Pod"},"resource":{"group":"","version":"v1","resource":"pods"},"namespace":"default","operation":"CREATE","userInfo":{"username":"load"},"object":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"load"},"spec":{"containers":%s}},"dryRun":true}}' "$1" "$2"
}
containers=""
for i in "${!images[@]}"; do containers+="${containers:+,}{\"name\":\"c$i\",\"image\":\"${images[$i]}\"}"; done
review load-100 "[$containers]" >"$work/review-100.json"
review load-1 "[{\"name\":\"c\",\"image\":\"${images[0]}\"}]" >"$work/review-1.json"

url="https://127.0.0.1:$srv_port/validate?timeout=10s"
# hey sends the request's Host (with its port) as the TLS server name, which is no DNS name
# (RFC 6066 §3) and rustls refuses; -host gives it one (hey skips certificate checks anyway).
sni=(-host sealcheck.sealcheck-system.svc)
# The first review is cold (every tag resolved, every signature fetched and verified).
cold_start=$(date +%s.%N)
curl -sk -H 'Content-Type: application/json' --data-binary "@$work/review-100.json" "$url" | grep -q '"allowed":true' || { echo "the 100 signed images were not allowed"; cat "$work/serve.log" | tail -5; exit 1; }
cold_end=$(date +%s.%N)
echo "cold review of 100 images: $(echo "$cold_end - $cold_start" | bc) s"
echo "== hey: $requests reviews of a Pod with 100 signed images, $concurrency at once"
"$hey" "${sni[@]}" -n "$requests" -c "$concurrency" -m POST -T application/json -D "$work/review-100.json" "$url"
echo "== hey: $requests reviews of a Pod with 1 signed image, $concurrency at once"
"$hey" "${sni[@]}" -n "$requests" -c "$concurrency" -m POST -T application/json -D "$work/review-1.json" "$url"
echo "== /metrics"
curl -sk "https://127.0.0.1:$srv_port/metrics" | grep -E '^sealcheck_(decisions_total|decision_seconds_(sum|count)|busy_total|deadline_exceeded_total|fact_cache_(hits|misses)_total|tag_cache_(hits|misses)_total|registry_(requests|errors)_total)'
