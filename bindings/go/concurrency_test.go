package sealcheck

import (
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
)

// TestConcurrentUse shares one policy and one verifier among 64 goroutines.
func TestConcurrentUse(t *testing.T) {
	vectors := vectorsDir(t)
	dir := bundleDir(vectors)
	p := fixturePolicy(t, vectors)
	v := publicGoodVerifier(t)
	manifest := readFile(t, filepath.Join(vectors, fixtures, "dir-img-cosign-valid", "manifest.json"))
	sig := readFile(t, filepath.Join(vectors, fixtures, "dir-img-cosign-valid", "signature-1"))
	other := readFile(t, filepath.Join(vectors, fixtures, "dir-img-cosign-pki-valid", "manifest.json"))
	bundle := readFile(t, filepath.Join(dir, "happy-path-v0.3", "bundle.sigstore.json"))
	bad := readFile(t, filepath.Join(dir, "signature-mismatch_fail", "bundle.sigstore.json"))
	artifact := readFile(t, filepath.Join(dir, "a.txt"))

	const goroutines, rounds = 64, 10
	var wg sync.WaitGroup
	errs := make(chan error, goroutines)
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			fail := func(format string, a ...any) { errs <- fmt.Errorf("goroutine %d: "+format, append([]any{g}, a...)...) }
			for i := 0; i < rounds; i++ {
				d, err := p.Decide(ImageEvidence{Reference: imageRef, Manifest: manifest, Signatures: [][]byte{sig}}, fixedNow)
				if err != nil || !d.Allowed {
					fail("allowed image: %+v %v", d, err)
					return
				}
				d, err = p.Decide(ImageEvidence{Reference: imageRef, Manifest: other, Signatures: [][]byte{sig}}, fixedNow)
				if err != nil || d.Allowed {
					fail("denied image: %+v %v", d, err)
					return
				}
				r, err := v.VerifyBundle(bundle, ArtifactBytes(artifact), beacon(), fixedNow)
				if err != nil || r.Signer.SAN[0].Value != beaconSAN {
					fail("keyless bundle: %v", err)
					return
				}
				_, err = v.VerifyBundle(bad, ArtifactBytes(artifact), beacon(), fixedNow)
				if !errors.Is(err, &Error{Code: CodeBadSignature}) {
					fail("bad bundle: %v", err)
					return
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestCloseWhileInUse closes a verifier that other goroutines are using: every call either
// completes or returns ErrClosed, and nothing is freed under a call.
func TestCloseWhileInUse(t *testing.T) {
	vectors := vectorsDir(t)
	dir := bundleDir(vectors)
	bundle := readFile(t, filepath.Join(dir, "happy-path-v0.3", "bundle.sigstore.json"))
	artifact := readFile(t, filepath.Join(dir, "a.txt"))
	root, err := PublicGoodRoot()
	if err != nil {
		t.Fatal(err)
	}
	v, err := NewVerifier(root)
	root.Close()
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for i := 0; i < 20; i++ {
				if _, err := v.VerifyBundle(bundle, ArtifactBytes(artifact), beacon(), fixedNow); err != nil && err != ErrClosed {
					t.Errorf("unexpected error: %v", err)
					return
				}
			}
		}()
	}
	close(start)
	v.Close()
	wg.Wait()
	if _, err := v.VerifyBundle(bundle, ArtifactBytes(artifact), beacon(), fixedNow); err != ErrClosed {
		t.Errorf("after Close: %v", err)
	}
}

// TestFinalizers drops handles without closing them; the finalizers free them.
func TestFinalizers(t *testing.T) {
	for i := 0; i < 50; i++ {
		root, err := PublicGoodRoot()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := NewVerifier(root); err != nil {
			t.Fatal(err)
		}
		if _, err := NewContainersPolicy([]byte(`{"default":[{"type":"insecureAcceptAnything"}]}`)); err != nil {
			t.Fatal(err)
		}
		if i%10 == 0 {
			runtime.GC()
		}
	}
	runtime.GC()
	runtime.GC()
}
