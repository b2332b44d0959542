#!/usr/bin/env bash
# Builds the WASM shapes from one source:
#   wasm/dist/sealcheck_core.wasm         import-free core module, Sigstore/cosign only
#                                         (wasm/ABI.md; at most 400 KiB gzipped)
#   wasm/dist/sealcheck_core_notary.wasm  the same with Notary Project signatures
#                                         (--features notation; its own size budget)
#   wasm/pkg/nodejs, wasm/pkg/web         wasm-bindgen packages (JS + .d.ts), with Notary
# Needs the wasm32-unknown-unknown target and wasm-bindgen-cli at the version of the
# wasm-bindgen crate (.ci/run installs both).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
target="${CARGO_TARGET_DIR:-$top/target}/wasm32-unknown-unknown"
core() {
  cargo build --manifest-path "$top/Cargo.toml" -p sealcheck-wasm --target wasm32-unknown-unknown --profile wasm "$@"
}
mkdir -p "$here/dist"
# The Notary module first, so that cargo's own output (target/…/wasm/sealcheck_wasm.wasm, the
# default of wasm/host-go) is the Sigstore-only module, as a plain cargo build makes it.
core --features notation
cp "$target/wasm/sealcheck_wasm.wasm" "$here/dist/sealcheck_core_notary.wasm"
core
cp "$target/wasm/sealcheck_wasm.wasm" "$here/dist/sealcheck_core.wasm"
cargo build --manifest-path "$top/Cargo.toml" -p sealcheck-wasm --target wasm32-unknown-unknown --profile wasm-js --features bindgen
for t in nodejs web; do
  wasm-bindgen --remove-name-section --remove-producers-section --target "$t" --out-dir "$here/pkg/$t" --out-name sealcheck "$target/wasm-js/sealcheck_wasm.wasm"
done
for f in "$here/dist/sealcheck_core.wasm" "$here/dist/sealcheck_core_notary.wasm" "$here/pkg/nodejs/sealcheck_bg.wasm"; do
  printf '%s: %d bytes, %d gzipped\n' "${f#$top/}" "$(wc -c < "$f")" "$(gzip -9nc < "$f" | wc -c)"
done
