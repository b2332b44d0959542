//go:build sealcheck_pkgconfig

package sealcheck

// With -tags sealcheck_pkgconfig: link the installed libsealcheck (bindings/c/install.sh PREFIX)
// and use its header, both found through pkg-config (PKG_CONFIG_PATH=PREFIX/lib/pkgconfig).
// -lsealcheck resolves to libsealcheck.so (SONAME libsealcheck.so.0) when present, else to
// libsealcheck.a.

/*
#cgo pkg-config: sealcheck
*/
import "C"
