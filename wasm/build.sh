#!/usr/bin/env bash
# Builds both WASM shapes from one source:
#   wasm/dist/sealcheck_core.wasm   import-free core module (wasm/ABI.md)
#   wasm/pkg/nodejs, wasm/pkg/web   wasm-bindgen packages (JS + .d.ts)
# Needs the wasm32-unknown-unknown target and wasm-bindgen-cli at the version of the
# wasm-bindgen crate (.ci/run installs both).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
target="$top/target/wasm32-unknown-unknown"
mkdir -p "$here/dist"
cargo build --manifest-path "$top/Cargo.toml" -p sealcheck-wasm --target wasm32-unknown-unknown --profile wasm
cp "$target/wasm/sealcheck_wasm.wasm" "$here/dist/sealcheck_core.wasm"
cargo build --manifest-path "$top/Cargo.toml" -p sealcheck-wasm --target wasm32-unknown-unknown --profile wasm-js --features bindgen
for t in nodejs web; do
  wasm-bindgen --remove-name-section --remove-producers-section --target "$t" --out-dir "$here/pkg/$t" --out-name sealcheck "$target/wasm-js/sealcheck_wasm.wasm"
done
for f in "$here/dist/sealcheck_core.wasm" "$here/pkg/nodejs/sealcheck_bg.wasm"; do
  printf '%s: %d bytes, %d gzipped\n' "${f#$top/}" "$(wc -c < "$f")" "$(gzip -9c "$f" | wc -c)"
done
