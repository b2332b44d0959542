//go:build !sealcheck_pkgconfig

package sealcheck

import (
	"os"
	"path/filepath"
	"testing"
)

// TestLinkedLibraryTracked makes the go test result cache depend on the Rust library.
//
// cmd/go keys cached test results on the Go sources, the #cgo flag strings and the files the
// tests open, but not on the contents of libraries named in LDFLAGS, and it ignores opened
// files outside the module (bindings/go). Without this, after the Rust code changes and
// `cargo build` rewrites target/release/libsealcheck_ffi.a, `go test` could print a cached
// "ok" without ever running against the new library. testdata/libsealcheck_ffi.a is a
// committed symlink to that library: lexically inside the module, so opening it records the
// library's size and mtime in the cache key.
//
// (-tags sealcheck_pkgconfig links an installed library outside the module, which cannot be
// tracked this way: use go test -count=1 after reinstalling.)
func TestLinkedLibraryTracked(t *testing.T) {
	link := filepath.Join("testdata", "libsealcheck_ffi.a")
	f, err := os.Open(link)
	if err != nil {
		t.Fatalf("%s (symlink to the library link_static.go links): %v", link, err)
	}
	defer f.Close()
	want, err := filepath.Abs(filepath.Join("..", "..", "target", "release", "libsealcheck_ffi.a"))
	if err != nil {
		t.Fatal(err)
	}
	a, errA := os.Stat(want)
	b, errB := f.Stat()
	if errA != nil || errB != nil || !os.SameFile(a, b) {
		t.Fatalf("%s does not point at %s", link, want)
	}
}
