package sealcheck

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

func TestVersionAndMessages(t *testing.T) {
	if v := Version(); !strings.HasPrefix(v, "sealcheck/") {
		t.Errorf("Version() = %q", v)
	}
	e := &Error{Code: CodeBadSignature, Message: errorMessage(CodeBadSignature)}
	if e.Message != "rejected: bad signature" || !e.Rejected() {
		t.Errorf("message %q rejected=%v", e.Message, e.Rejected())
	}
	if !errors.Is(error(e), &Error{Code: CodeBadSignature}) || errors.Is(error(e), &Error{Code: CodeJSON}) {
		t.Error("errors.Is by code")
	}
	if got := errorMessage(1); got != "unknown result code" {
		t.Errorf("errorMessage(1) = %q", got)
	}
}

// TestCodesMatchHeader guards codes.go (go generate) against drift from include/sealcheck.h.
func TestCodesMatchHeader(t *testing.T) {
	hdr := readFile(t, filepath.Join("..", "..", "include", "sealcheck.h"))
	n := 0
	for _, line := range strings.Split(string(hdr), "\n") {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "SEALCHECK_RESULT_") {
			continue
		}
		var name string
		var value uint32
		fields := strings.Fields(strings.TrimSuffix(line, ","))
		if len(fields) != 3 || fields[1] != "=" {
			t.Fatalf("unexpected enum line %q", line)
		}
		name = fields[0]
		if _, err := fmt.Sscan(fields[2], &value); err != nil {
			t.Fatal(err)
		}
		n++
		if got, ok := codeNames[value]; !ok {
			t.Errorf("%s = %d has no Go constant (run go generate)", name, value)
		} else if want := strings.TrimPrefix(goNameForTest(name), "Code"); got != want {
			t.Errorf("%s = %d is named %q in Go, want %q", name, value, got, want)
		}
		if msg := errorMessage(value); msg == "unknown result code" {
			t.Errorf("%s: the library has no message for it", name)
		}
	}
	if n != len(codeNames) || n == 0 {
		t.Errorf("header has %d codes, codes.go %d", n, len(codeNames))
	}
}

func TestKeylessBundle(t *testing.T) {
	vectors := vectorsDir(t)
	dir := bundleDir(vectors)
	v := publicGoodVerifier(t)
	bundle := readFile(t, filepath.Join(dir, "happy-path-v0.3", "bundle.sigstore.json"))
	artifact := readFile(t, filepath.Join(dir, "a.txt"))

	res, err := v.VerifyBundle(bundle, ArtifactBytes(artifact), beacon(), fixedNow)
	if err != nil {
		t.Fatalf("happy-path-v0.3: %v", err)
	}
	t.Logf("report: %s", res.Raw)
	if res.Version != "0.3" {
		t.Errorf("version %q", res.Version)
	}
	if res.Signer.Type != "certificate" || len(res.Signer.SAN) == 0 || res.Signer.SAN[0].Value != beaconSAN || res.Signer.Issuer() != ghaIssuer {
		t.Errorf("signer %+v", res.Signer)
	}
	if len(res.Signer.SHA256) != 64 || res.Signer.NotBefore == nil || res.Signer.NotAfter == nil || !res.Signer.NotBefore.Time().Before(res.Signer.NotAfter.Time()) {
		t.Errorf("signer certificate fields %+v", res.Signer)
	}
	if len(res.Times) == 0 || res.Times[0].Source == "" || res.Times[0].Time.Unix() == 0 {
		t.Errorf("times %+v", res.Times)
	}
	if len(res.TlogEntries) == 0 || res.TlogEntries[0].LogID == "" || !res.TlogEntries[0].ProofVerified {
		t.Errorf("tlog entries %+v", res.TlogEntries)
	}
	if res.VerifiedAt.Unix() != fixedNow.Unix() {
		t.Errorf("verified_at %+v", res.VerifiedAt)
	}

	// The same by digest, and with a regexp SAN.
	id := Identity{SAN: "https://github.com/sigstore-conformance/.*", Issuer: ghaIssuer, SANRegexp: true}
	if _, err := v.VerifyBundle(bundle, ArtifactDigest("sha256:a0cfc71271d6e278e57cd332ff957c3f7043fdda354c4cbb190a30d56efa01bf"), id, fixedNow); err != nil {
		t.Errorf("digest + regexp: %v", err)
	}

	// A failing conformance case is rejected with its own code.
	bad := readFile(t, filepath.Join(dir, "signature-mismatch_fail", "bundle.sigstore.json"))
	res, err = v.VerifyBundle(bad, ArtifactBytes(artifact), beacon(), fixedNow)
	wantCode(t, "signature-mismatch_fail", err, CodeBadSignature)
	if res != nil {
		t.Error("a result with an error")
	}
	if !errors.Is(err, &Error{Code: CodeBadSignature}) {
		t.Error("errors.Is(BadSignature)")
	}

	// Wrong identity, wrong issuer, a regexp that does not compile.
	_, err = v.VerifyBundle(bundle, ArtifactBytes(artifact), Identity{SAN: "https://x", Issuer: ghaIssuer}, fixedNow)
	wantCode(t, "wrong SAN", err, CodeIdentityMismatch)
	_, err = v.VerifyBundle(bundle, ArtifactBytes(artifact), Identity{SAN: beaconSAN, Issuer: "https://accounts.google.com"}, fixedNow)
	wantCode(t, "wrong issuer", err, CodeIssuerMismatch)
	_, err = v.VerifyBundle(bundle, ArtifactBytes(artifact), Identity{SAN: "(", Issuer: ghaIssuer, SANRegexp: true}, fixedNow)
	wantCode(t, "bad regexp", err, CodeIdentityInvalid)

	// A keyless bundle checked against a key is a signer mismatch; a garbage key does not load.
	pub := readFile(t, filepath.Join(vectors, fixtures, "cosign.pub"))
	_, err = v.VerifyBundleWithKey(bundle, ArtifactBytes(artifact), pub, fixedNow)
	wantCode(t, "keyless bundle with a key", err, CodeSignerMismatch)
	_, err = v.VerifyBundleWithKey(bundle, ArtifactBytes(artifact), []byte("not a key"), fixedNow)
	wantCode(t, "garbage key", err, CodeKeyInvalid)
}

func TestGarbageInputs(t *testing.T) {
	vectors := vectorsDir(t)
	dir := bundleDir(vectors)
	v := publicGoodVerifier(t)
	bundle := readFile(t, filepath.Join(dir, "happy-path-v0.3", "bundle.sigstore.json"))
	artifact := readFile(t, filepath.Join(dir, "a.txt"))

	// Empty and nil inputs cross as (NULL, 0).
	_, err := v.VerifyBundle(nil, ArtifactBytes(artifact), beacon(), fixedNow)
	wantCode(t, "nil bundle", err, CodeJSON)
	_, err = v.VerifyBundle([]byte{}, ArtifactBytes(artifact), beacon(), fixedNow)
	wantCode(t, "empty bundle", err, CodeJSON)
	_, err = v.VerifyBundle([]byte("{garbage"), ArtifactBytes(artifact), beacon(), fixedNow)
	wantCode(t, "garbage bundle", err, CodeJSON)
	// Identities and digests that do not load are input errors of their own kind.
	_, err = v.VerifyBundle(bundle, ArtifactBytes(artifact), Identity{}, fixedNow)
	wantCode(t, "empty identity", err, CodeIdentityInvalid)
	_, err = v.VerifyBundle(bundle, ArtifactBytes(artifact), Identity{SAN: "\xff", Issuer: ghaIssuer}, fixedNow)
	wantCode(t, "non-UTF-8 SAN", err, CodeInvalidUTF8)
	_, err = v.VerifyBundle(bundle, ArtifactDigest("md5:00"), beacon(), fixedNow)
	wantCode(t, "bad digest", err, CodeArtifactInvalid)
	_, err = v.VerifyBundle(bundle, ArtifactBytes(artifact), Identity{SAN: "nomatch)|(.*", SANRegexp: true, Issuer: ghaIssuer}, fixedNow)
	wantCode(t, "unbalanced regexp", err, CodeIdentityInvalid)
	if e, ok := err.(*Error); !ok || e.Rejected() || e.Kind != "InvalidRegex" || !strings.Contains(e.Detail, "nomatch)|(.*") {
		t.Errorf("unbalanced regexp detail: %#v", err)
	}
	_, err = v.VerifyBundle(bundle, ArtifactBytes([]byte("other")), beacon(), fixedNow)
	wantCode(t, "other artifact", err, CodeArtifactMismatch)

	// Roots.
	for _, in := range [][]byte{nil, {}, []byte("{}"), []byte("garbage")} {
		r, err := NewTrustedRoot(in)
		wantCode(t, "bad root "+string(in), err, CodeTrustedRootInvalid)
		if r != nil {
			t.Error("a root with an error")
		}
	}
	if _, err := NewVerifier(nil); err == nil {
		t.Error("NewVerifier(nil)")
	}
	staging, err := StagingRoot()
	if err != nil {
		t.Fatal(err)
	}
	sv, err := NewVerifier(staging)
	if err != nil {
		t.Fatal(err)
	}
	_, err = sv.VerifyBundle(bundle, ArtifactBytes(artifact), beacon(), fixedNow)
	if err == nil {
		t.Error("a production bundle verified against the staging root")
	}

	// Policies and references.
	for _, in := range []string{"", "garbage", `{"default":[]}`, `{"default":[{"type":"nope"}]}`} {
		p, err := NewContainersPolicy([]byte(in))
		wantCode(t, "bad policy "+in, err, CodePolicyInvalid)
		if p != nil {
			t.Error("a policy with an error")
		}
	}
	p := fixturePolicy(t, vectors)
	manifest := readFile(t, filepath.Join(vectors, fixtures, "dir-img-cosign-valid", "manifest.json"))
	for _, ref := range []string{"", "UPPER/Case", "a/b:", "\xff"} {
		_, err := p.Decide(ImageEvidence{Reference: ref, Manifest: manifest}, fixedNow)
		if e, ok := err.(*Error); !ok || (e.Code != CodeReferenceInvalid && e.Code != CodeInvalidUTF8) {
			t.Errorf("bad reference %q: %v", ref, err)
		}
	}
	_, err = p.Decide(ImageEvidence{Reference: "a/b", Manifest: manifest, Signatures: [][]byte{[]byte("junk")}}, fixedNow)
	wantCode(t, "junk signature", err, CodeImageSourceInvalid)
	_, err = p.Decide(ImageEvidence{Reference: "a/b", Manifest: manifest, Signatures: [][]byte{nil}}, fixedNow)
	if err == nil {
		t.Error("empty signature blob accepted")
	}
	// No evidence at all: a decision (deny), not an error.
	d, err := p.Decide(ImageEvidence{Reference: "a/b"}, fixedNow)
	if err != nil || d.Allowed {
		t.Errorf("no evidence: %+v %v", d, err)
	}
	// A missing layout is an input error, not a rejection (fail-closed issue, finding 8).
	_, err = p.DecideOCILayout(imageRef, filepath.Join(t.TempDir(), "missing"), fixedNow)
	wantCode(t, "missing layout", err, CodeImageSourceInvalid)
	if e, ok := err.(*Error); !ok || e.Kind != "NotFound" {
		t.Errorf("missing layout detail: %#v", err)
	}
	_, err = p.DecideOCILayout("UPPER/Case", t.TempDir(), fixedNow)
	wantCode(t, "layout with a bad reference", err, CodeReferenceInvalid)
}

func TestImageDecisions(t *testing.T) {
	vectors := vectorsDir(t)
	p := fixturePolicy(t, vectors)
	manifest := readFile(t, filepath.Join(vectors, fixtures, "dir-img-cosign-valid", "manifest.json"))
	sig := readFile(t, filepath.Join(vectors, fixtures, "dir-img-cosign-valid", "signature-1"))
	other := readFile(t, filepath.Join(vectors, fixtures, "dir-img-cosign-pki-valid", "manifest.json"))

	d, err := p.Decide(ImageEvidence{Reference: imageRef, Manifest: manifest, Signatures: [][]byte{sig}}, fixedNow)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("record: %s", d.Raw)
	if !d.Allowed || d.Scope != "default" || !strings.HasPrefix(d.ManifestDigest, "sha256:") || !strings.Contains(d.Reference, "cosign-signed-single-sample") {
		t.Errorf("allowed decision %+v", d)
	}
	if len(d.Requirements) != 1 || !d.Requirements[0].Satisfied || d.Requirements[0].Kind == "" ||
		len(d.Requirements[0].Signatures) != 1 || !d.Requirements[0].Signatures[0].Accepted {
		t.Errorf("requirements %+v", d.Requirements)
	}
	if d.VerificationTime.Time() != fixedNow.UTC() {
		t.Errorf("verification time %v", d.VerificationTime.Time())
	}

	// The same signature for another manifest: a decision, denied, and the record says why.
	d, err = p.Decide(ImageEvidence{Reference: imageRef, Manifest: other, Signatures: [][]byte{sig}}, fixedNow)
	if err != nil {
		t.Fatal(err)
	}
	if d.Allowed || d.Reason == "" {
		t.Errorf("denied decision %+v", d)
	}
	if len(d.Requirements) != 1 || d.Requirements[0].Satisfied || len(d.Requirements[0].Signatures) != 1 ||
		d.Requirements[0].Signatures[0].ErrorKind != "ArtifactMismatch" {
		t.Errorf("denied requirements %+v", d.Requirements)
	}

	// Two signatures and an empty (non-nil) bundle list cross correctly.
	d, err = p.Decide(ImageEvidence{Reference: imageRef, Manifest: manifest, Signatures: [][]byte{sig, sig}, Bundles: [][]byte{}}, fixedNow)
	if err != nil || !d.Allowed {
		t.Errorf("two signatures: %+v %v", d, err)
	}
}

func TestCloseIsIdempotent(t *testing.T) {
	root, err := PublicGoodRoot()
	if err != nil {
		t.Fatal(err)
	}
	v, err := NewVerifier(root)
	if err != nil {
		t.Fatal(err)
	}
	root.Close()
	root.Close()
	if _, err := NewVerifier(root); err != ErrClosed {
		t.Errorf("NewVerifier(closed root) = %v", err)
	}
	// The verifier outlives its root.
	if _, err := v.VerifyBundle([]byte("{}"), ArtifactBytes(nil), beacon(), fixedNow); err == nil || err == ErrClosed {
		t.Errorf("verifier after root close: %v", err)
	}
	v.Close()
	v.Close()
	if _, err := v.VerifyBundle(nil, ArtifactBytes(nil), beacon(), fixedNow); err != ErrClosed {
		t.Errorf("closed verifier: %v", err)
	}
	p, err := NewContainersPolicy([]byte(`{"default":[{"type":"reject"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	p.Close()
	p.Close()
	if _, err := p.Decide(ImageEvidence{Reference: "a/b"}, fixedNow); err != ErrClosed {
		t.Errorf("closed policy: %v", err)
	}
	if _, err := p.DecideOCILayout("a/b", "x", fixedNow); err != ErrClosed {
		t.Errorf("closed policy (layout): %v", err)
	}
}

// goNameForTest mirrors gen_codes.go's naming: SEALCHECK_RESULT_BAD_SIGNATURE -> CodeBadSignature.
func goNameForTest(c string) string {
	initialisms := map[string]bool{"OK": true, "UTF8": true, "JSON": true, "DER": true, "DSSE": true, "CT": true}
	var b strings.Builder
	b.WriteString("Code")
	for _, w := range strings.Split(strings.TrimPrefix(c, "SEALCHECK_RESULT_"), "_") {
		if initialisms[w] {
			b.WriteString(w)
		} else {
			b.WriteString(w[:1] + strings.ToLower(w[1:]))
		}
	}
	return b.String()
}
