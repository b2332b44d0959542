package sealcheck

import (
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

const (
	beaconSAN = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main"
	ghaIssuer = "https://token.actions.githubusercontent.com"
	imageRef  = "192.168.64.2:5000/cosign-signed-single-sample"
	fixtures  = "container-libs/image/signature/fixtures"
)

// fixedNow is the verification time of the fixed-input tests (2027-01-15, as in the C tests).
var fixedNow = time.Unix(1800000000, 0)

// vectorsDir is ../shared/vectors beside the repository (SEALCHECK_VECTORS overrides). When it
// is missing the test fails.
func vectorsDir(tb testing.TB) string {
	tb.Helper()
	dir := os.Getenv("SEALCHECK_VECTORS")
	if dir == "" {
		_, self, _, _ := runtime.Caller(0)
		dir = filepath.Join(filepath.Dir(self), "..", "..", "..", "shared", "vectors")
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		tb.Fatalf("the test vectors are missing: %s", dir)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		tb.Fatal(err)
	}
	return abs
}

func readFile(tb testing.TB, path string) []byte {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func bundleDir(vectors string) string {
	return filepath.Join(vectors, "sigstore-conformance", "test", "assets", "bundle-verify")
}

func beacon() Identity { return Identity{SAN: beaconSAN, Issuer: ghaIssuer} }

func publicGoodVerifier(tb testing.TB) *Verifier {
	tb.Helper()
	root, err := PublicGoodRoot()
	if err != nil {
		tb.Fatal(err)
	}
	defer root.Close() // the verifier keeps its own reference
	v, err := NewVerifier(root)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { v.Close() })
	return v
}

func fixturePolicy(tb testing.TB, vectors string) *Policy {
	tb.Helper()
	key := filepath.Join(vectors, fixtures, "cosign.pub")
	policy := `{"default":[{"type":"sigstoreSigned","keyPath":` + quote(key) + `,"signedIdentity":{"type":"matchRepository"}}]}`
	p, err := NewContainersPolicy([]byte(policy))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { p.Close() })
	return p
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// wantCode fails unless err is an *Error with code.
func wantCode(t *testing.T, what string, err error, code uint32) {
	t.Helper()
	e, ok := err.(*Error)
	if !ok || e.Code != code {
		t.Errorf("%s: got %v, want code %d (%s)", what, err, code, CodeName(code))
	}
}
