//go:build !sealcheck_pkgconfig

package sealcheck

// Default: link the static library freshly built in this checkout by
//   cargo build --release -p sealcheck-ffi
// against the committed header. Nothing has to be installed.

/*
#cgo CFLAGS: -I${SRCDIR}/../../include
#cgo LDFLAGS: ${SRCDIR}/../../target/release/libsealcheck_ffi.a -ldl -lpthread -lm
*/
import "C"
