package sealcheck

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// The notation e2e suite (notation-suite/notation/test/e2e/testdata): the e2e trust policy
// (scope "*", strict, trust store ca:e2e) and the layouts signed by the e2e key, as the C tests.
const (
	e2eData   = "notation-suite/notation/test/e2e/testdata"
	e2eDigest = "sha256:b8479de3f88fb259a0a9ea82a5b2a052a1ef3c4ebbcfc61482d5ae4c831f8af9"
	e2eRef    = "localhost:5000/e2e@" + e2eDigest
)

func e2ePath(vectors string, parts ...string) string {
	return filepath.Join(append([]string{vectors, e2eData}, parts...)...)
}

func e2eBlob(tb testing.TB, vectors, layout, digest string) []byte {
	tb.Helper()
	return readFile(tb, e2ePath(vectors, "registry", "oci_layout", layout, "blobs", "sha256", digest))
}

func e2ePolicy(tb testing.TB, vectors string) []byte {
	tb.Helper()
	return readFile(tb, e2ePath(vectors, "config", "trustpolicies", "trustpolicy.json"))
}

func e2eStore(tb testing.TB, vectors, cert string) []TrustStoreEntry {
	tb.Helper()
	return []TrustStoreEntry{{Store: "ca:e2e", Certificates: readFile(tb, e2ePath(vectors, "config", "localkeys", cert))}}
}

func notationPolicy(tb testing.TB, vectors string) *Policy {
	tb.Helper()
	p, err := NewNotationPolicy(e2ePolicy(tb, vectors), e2eStore(tb, vectors, "e2e.crt"), nil)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { p.Close() })
	return p
}

// e2eLayout is an e2e layout at its tag v1.
func e2eLayout(vectors, layout string) string {
	return e2ePath(vectors, "registry", "oci_layout", layout) + ":v1"
}

func decideLayout(t *testing.T, p *Policy, vectors, layout string) *Decision {
	t.Helper()
	d, err := p.DecideOCILayout(e2eRef, e2eLayout(vectors, layout), fixedNow)
	if err != nil {
		t.Fatalf("%s: %v", layout, err)
	}
	return d
}

// notarySignature is the one signature record of a Notary decision.
func notarySignature(t *testing.T, what string, d *Decision) SignatureRecord {
	t.Helper()
	if len(d.Requirements) != 1 || len(d.Requirements[0].Signatures) != 1 {
		t.Fatalf("%s: want one requirement with one signature: %s", what, d.Raw)
	}
	s := d.Requirements[0].Signatures[0]
	if s.Format != "notary" {
		t.Errorf("%s: format %q", what, s.Format)
	}
	return s
}

// validation is the named validation of a Notary signature record.
func validation(s SignatureRecord, name string) Validation {
	for _, v := range s.Validations {
		if v.Validation == name {
			return v
		}
	}
	return Validation{}
}

func TestNotationPolicyLayouts(t *testing.T) {
	vectors := vectorsDir(t)
	p := notationPolicy(t, vectors)

	d := decideLayout(t, p, vectors, "e2e-valid-signature")
	t.Logf("record: %s", d.Raw)
	s := notarySignature(t, "e2e-valid-signature", d)
	if !d.Allowed || !s.Accepted || s.Matched != "manifest" || d.ManifestDigest != e2eDigest {
		t.Errorf("e2e-valid-signature: %s", d.Raw)
	}
	if v := validation(s, "integrity"); v.Outcome != "passed" || v.Action != "enforce" {
		t.Errorf("integrity validation %+v", v)
	}

	d = decideLayout(t, p, vectors, "e2e-invalid-signature")
	s = notarySignature(t, "e2e-invalid-signature", d)
	if d.Allowed || s.Accepted || validation(s, "integrity").Outcome != "failed" {
		t.Errorf("e2e-invalid-signature: %s", d.Raw)
	}

	d = decideLayout(t, p, vectors, "e2e")
	if d.Allowed || len(d.Requirements) != 1 || len(d.Requirements[0].Signatures) != 0 || !strings.Contains(d.Reason, "no Notary signatures") {
		t.Errorf("unsigned e2e: %s", d.Raw)
	}
}

func TestNotationPolicyInMemoryEvidence(t *testing.T) {
	vectors := vectorsDir(t)
	p := notationPolicy(t, vectors)
	manifest := e2eBlob(t, vectors, "e2e-valid-signature", strings.TrimPrefix(e2eDigest, "sha256:"))
	envelope := e2eBlob(t, vectors, "e2e-valid-signature", "c9af07e038b2b1a463e648986ad7273157511ffeba0b689f33e5472bae471f50")
	invalid := e2eBlob(t, vectors, "e2e-invalid-signature", "9a8decdf3775708f4eed16859f19561d730cad40b1af0dcfc37ac1e5f879a934")
	other := readFile(t, filepath.Join(vectors, fixtures, "dir-img-cosign-valid", "manifest.json"))
	jws := NotarySignature{MediaType: "application/jose+json", Envelope: envelope}

	decide := func(what string, image ImageEvidence, want bool) *Decision {
		t.Helper()
		d, err := p.Decide(image, fixedNow)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if d.Allowed != want {
			t.Errorf("%s: allowed=%v, want %v: %s", what, d.Allowed, want, d.Raw)
		}
		return d
	}
	d := decide("valid envelope", ImageEvidence{Reference: e2eRef, Manifest: manifest, NotarySignatures: []NotarySignature{jws}}, true)
	if s := notarySignature(t, "valid envelope", d); s.Origin != "notary signature 0" || !s.Accepted {
		t.Errorf("signature record %+v", s)
	}
	decide("invalid signature", ImageEvidence{Reference: e2eRef, Manifest: manifest,
		NotarySignatures: []NotarySignature{{MediaType: "application/vnd.oci.image.layer.v1.tar", Envelope: invalid}}}, false)
	decide("JWS labelled COSE", ImageEvidence{Reference: e2eRef, Manifest: manifest,
		NotarySignatures: []NotarySignature{{MediaType: "application/cose", Envelope: envelope}}}, false)
	decide("envelope for another manifest", ImageEvidence{Reference: e2eRef, Manifest: other, NotarySignatures: []NotarySignature{jws}}, false)
	decide("no Notary signature", ImageEvidence{Reference: e2eRef, Manifest: manifest}, false)
	// An invalid signature before a valid one: the valid one is accepted.
	decide("invalid then valid", ImageEvidence{Reference: e2eRef, Manifest: manifest,
		NotarySignatures: []NotarySignature{{MediaType: "application/jose+json", Envelope: invalid}, jws}}, true)

	// Evidence of one kind never satisfies a policy of the other.
	cosign := fixturePolicy(t, vectors)
	d, err := cosign.Decide(ImageEvidence{Reference: e2eRef, Manifest: manifest, NotarySignatures: []NotarySignature{jws}}, fixedNow)
	if err != nil || d.Allowed {
		t.Errorf("a containers policy with Notary evidence: %+v %v", d, err)
	}
	sig := readFile(t, filepath.Join(vectors, fixtures, "dir-img-cosign-valid", "signature-1"))
	d, err = p.Decide(ImageEvidence{Reference: imageRef, Manifest: other, Signatures: [][]byte{sig}}, fixedNow)
	if err != nil || d.Allowed {
		t.Errorf("a Notary policy with cosign evidence: %+v %v", d, err)
	}

	// Inputs that cannot be examined.
	_, err = p.Decide(ImageEvidence{Reference: e2eRef, Manifest: manifest, NotarySignatures: []NotarySignature{{MediaType: "\xff", Envelope: envelope}}}, fixedNow)
	wantCode(t, "non-UTF-8 media type", err, CodeInvalidUTF8)
	many := make([]NotarySignature, 1001)
	for i := range many {
		many[i] = jws
	}
	_, err = p.Decide(ImageEvidence{Reference: e2eRef, Manifest: manifest, NotarySignatures: many}, fixedNow)
	wantCode(t, "1001 Notary signatures", err, CodeLimitExceeded)
}

func TestNotationPolicyTrustStores(t *testing.T) {
	vectors := vectorsDir(t)
	policy := e2ePolicy(t, vectors)

	// Another trust anchor: the policy loads, the signature is not authentic.
	p, err := NewNotationPolicy(policy, e2eStore(t, vectors, "new_e2e.crt"), nil)
	if err != nil {
		t.Fatal(err)
	}
	d := decideLayout(t, p, vectors, "e2e-valid-signature")
	if s := notarySignature(t, "wrong anchor", d); d.Allowed || validation(s, "authenticity").Outcome != "failed" {
		t.Errorf("wrong anchor: %s", d.Raw)
	}
	p.Close()

	// A store the policy names but the trust store lacks: the policy does not load, or (as
	// notation-go finds it missing when verifying) denies. Either way nothing is allowed.
	p, err = NewNotationPolicy(policy, []TrustStoreEntry{{Store: "ca:other", Certificates: e2eStore(t, vectors, "e2e.crt")[0].Certificates}}, nil)
	if err != nil {
		wantCode(t, "missing store", err, CodePolicyInvalid)
	} else {
		if d := decideLayout(t, p, vectors, "e2e-valid-signature"); d.Allowed {
			t.Errorf("missing store: %s", d.Raw)
		}
		p.Close()
	}

	// The trust store as a directory.
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "x509", "ca", "e2e"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "x509", "ca", "e2e", "e2e.crt"), e2eStore(t, vectors, "e2e.crt")[0].Certificates, 0o600); err != nil {
		t.Fatal(err)
	}
	p, err = NewNotationPolicyDir(policy, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if d := decideLayout(t, p, vectors, "e2e-valid-signature"); !d.Allowed {
		t.Errorf("directory store: %s", d.Raw)
	}
	if d := decideLayout(t, p, vectors, "e2e-invalid-signature"); d.Allowed {
		t.Errorf("directory store, invalid signature: %s", d.Raw)
	}
	p.Close()
	_, err = NewNotationPolicyDir(policy, filepath.Join(dir, "missing"), nil)
	wantCode(t, "missing trust store directory", err, CodePolicyInvalid)
	if e, ok := err.(*Error); !ok || e.Kind != "NotFound" {
		t.Errorf("missing trust store directory detail: %#v", err)
	}
	_, err = NewNotationPolicyDir(policy, "", nil)
	wantCode(t, "empty trust store path", err, CodeInvalidParameter)

	// Inputs that do not load.
	cert := e2eStore(t, vectors, "e2e.crt")[0].Certificates
	for _, c := range []struct {
		what   string
		policy []byte
		store  []TrustStoreEntry
		crls   [][]byte
		code   uint32
	}{
		{"bad policy JSON", []byte("{"), e2eStore(t, vectors, "e2e.crt"), nil, CodePolicyInvalid},
		{"empty policy", nil, e2eStore(t, vectors, "e2e.crt"), nil, CodePolicyInvalid},
		{"containers policy as a trust policy", []byte(`{"default":[{"type":"reject"}]}`), nil, nil, CodePolicyInvalid},
		{"unknown store type", policy, []TrustStoreEntry{{Store: "xyz:e2e", Certificates: cert}}, nil, CodeInvalidParameter},
		{"store without a type", policy, []TrustStoreEntry{{Store: "e2e", Certificates: cert}}, nil, CodeInvalidParameter},
		{"invalid store name", policy, []TrustStoreEntry{{Store: "ca:bad/name", Certificates: cert}}, nil, CodePolicyInvalid},
		{"garbage certificate", policy, []TrustStoreEntry{{Store: "ca:e2e", Certificates: []byte("not a certificate")}}, nil, CodePolicyInvalid},
		{"empty certificate", policy, []TrustStoreEntry{{Store: "ca:e2e"}}, nil, CodePolicyInvalid},
		{"non-UTF-8 store", policy, []TrustStoreEntry{{Store: "\xff:e2e", Certificates: cert}}, nil, CodeInvalidUTF8},
		{"garbage CRL", policy, e2eStore(t, vectors, "e2e.crt"), [][]byte{[]byte("not a CRL")}, CodePolicyInvalid},
	} {
		p, err := NewNotationPolicy(c.policy, c.store, c.crls)
		wantCode(t, c.what, err, c.code)
		if p != nil {
			t.Errorf("%s: a policy with an error", c.what)
		}
		// Misuse of the ABI (not UTF-8) has no detail; a load error does.
		if e, ok := err.(*Error); ok && e.Detail == "" && c.code != CodeInvalidUTF8 {
			t.Errorf("%s: no detail", c.what)
		}
	}
}

// TestNotationPolicyConcurrentUse shares one Notary policy among goroutines, deciding layouts
// and in-memory evidence.
func TestNotationPolicyConcurrentUse(t *testing.T) {
	vectors := vectorsDir(t)
	p := notationPolicy(t, vectors)
	manifest := e2eBlob(t, vectors, "e2e-valid-signature", strings.TrimPrefix(e2eDigest, "sha256:"))
	envelope := e2eBlob(t, vectors, "e2e-valid-signature", "c9af07e038b2b1a463e648986ad7273157511ffeba0b689f33e5472bae471f50")
	var wg sync.WaitGroup
	errs := make(chan string, 16)
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 5; i++ {
				d, err := p.DecideOCILayout(e2eRef, e2eLayout(vectors, "e2e-valid-signature"), fixedNow)
				if err != nil || !d.Allowed {
					errs <- "layout"
					return
				}
				d, err = p.Decide(ImageEvidence{Reference: e2eRef, Manifest: manifest,
					NotarySignatures: []NotarySignature{{MediaType: "application/jose+json", Envelope: envelope}}}, fixedNow)
				if err != nil || !d.Allowed {
					errs <- "in memory"
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}
