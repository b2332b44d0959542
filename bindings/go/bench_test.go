package sealcheck

import (
	"path/filepath"
	"testing"
)

// BenchmarkVerifyKeylessBundle: happy-path-v0.3 against the embedded production root, one
// verifier made once; each op is one full verification through cgo (JSON report decoded).
func BenchmarkVerifyKeylessBundle(b *testing.B) {
	vectors := vectorsDir(b)
	dir := bundleDir(vectors)
	bundle := readFile(b, filepath.Join(dir, "happy-path-v0.3", "bundle.sigstore.json"))
	artifact := readFile(b, filepath.Join(dir, "a.txt"))
	v := publicGoodVerifier(b)
	id := beacon()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := v.VerifyBundle(bundle, ArtifactBytes(artifact), id, fixedNow); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyKeylessBundleParallel: the same from GOMAXPROCS goroutines sharing the verifier.
func BenchmarkVerifyKeylessBundleParallel(b *testing.B) {
	vectors := vectorsDir(b)
	dir := bundleDir(vectors)
	bundle := readFile(b, filepath.Join(dir, "happy-path-v0.3", "bundle.sigstore.json"))
	artifact := readFile(b, filepath.Join(dir, "a.txt"))
	v := publicGoodVerifier(b)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := v.VerifyBundle(bundle, ArtifactBytes(artifact), beacon(), fixedNow); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkDecide: the container-libs fixture image allowed by a keyPath policy.
func BenchmarkDecide(b *testing.B) {
	vectors := vectorsDir(b)
	p := fixturePolicy(b, vectors)
	manifest := readFile(b, filepath.Join(vectors, fixtures, "dir-img-cosign-valid", "manifest.json"))
	sig := readFile(b, filepath.Join(vectors, fixtures, "dir-img-cosign-valid", "signature-1"))
	img := ImageEvidence{Reference: imageRef, Manifest: manifest, Signatures: [][]byte{sig}}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		d, err := p.Decide(img, fixedNow)
		if err != nil || !d.Allowed {
			b.Fatal(d, err)
		}
	}
}
