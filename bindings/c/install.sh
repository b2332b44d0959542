#!/usr/bin/env bash
# Builds and installs libsealcheck (shared with SONAME libsealcheck.so.0, and static), the
# header and a pkg-config file under PREFIX: the equivalent of `cargo cinstall --prefix PREFIX`.
#   bindings/c/install.sh /usr/local
set -euo pipefail
prefix=${1:?usage: install.sh PREFIX}
top=$(cd "$(dirname "$0")/../.." && pwd)
version=$(sed -n 's/^version = "\(.*\)"/\1/p' "$top/Cargo.toml" | head -1)
cargo build --release -p sealcheck-ffi --manifest-path "$top/Cargo.toml"
rel="${CARGO_TARGET_DIR:-$top/target}/release"
install -d "$prefix/lib/pkgconfig" "$prefix/include"
install -m 0755 "$rel/libsealcheck_ffi.so" "$prefix/lib/libsealcheck.so.$version"
ln -sf "libsealcheck.so.$version" "$prefix/lib/libsealcheck.so.0"
ln -sf "libsealcheck.so.0" "$prefix/lib/libsealcheck.so"
install -m 0644 "$rel/libsealcheck_ffi.a" "$prefix/lib/libsealcheck.a"
install -m 0644 "$top/include/sealcheck.h" "$prefix/include/sealcheck.h"
cat > "$prefix/lib/pkgconfig/sealcheck.pc" <<PC
prefix=$prefix
libdir=\${prefix}/lib
includedir=\${prefix}/include

Name: sealcheck
Description: Offline verification of Sigstore bundles and container image signatures
Version: $version
Libs: -L\${libdir} -lsealcheck
Libs.private: -lpthread -ldl -lm
Cflags: -I\${includedir}
PC
echo "installed libsealcheck $version under $prefix"
