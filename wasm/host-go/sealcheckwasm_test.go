package sealcheckwasm

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	beaconID     = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main"
	beaconIssuer = "https://token.actions.githubusercontent.com"
)

var (
	wasmOnce  sync.Once
	wasmBytes []byte
	wasmErr   error

	notaryOnce  sync.Once
	notaryBytes []byte
	notaryErr   error
)

func loadWasm(tb testing.TB) []byte {
	tb.Helper()
	wasmOnce.Do(func() { wasmBytes, wasmErr = os.ReadFile(DefaultWasmPath()) })
	if wasmErr != nil {
		tb.Fatalf("core module (build it with cargo build -p sealcheck-wasm --target wasm32-unknown-unknown --profile wasm, or set SEALCHECK_CORE_WASM): %v", wasmErr)
	}
	return wasmBytes
}

// loadNotaryWasm reads the Notary module (sealcheck_core_notary.wasm) from
// $SEALCHECK_CORE_NOTARY_WASM, which the caller must set: the test fails without it.
func loadNotaryWasm(tb testing.TB) []byte {
	tb.Helper()
	notaryOnce.Do(func() {
		p := os.Getenv("SEALCHECK_CORE_NOTARY_WASM")
		if p == "" {
			notaryErr = errors.New("SEALCHECK_CORE_NOTARY_WASM is not set: set it to wasm/dist/sealcheck_core_notary.wasm (bash wasm/build.sh builds it)")
			return
		}
		notaryBytes, notaryErr = os.ReadFile(p)
	})
	if notaryErr != nil {
		tb.Fatalf("Notary core module: %v", notaryErr)
	}
	return notaryBytes
}

func instantiate(tb testing.TB, wasm []byte) *Module {
	tb.Helper()
	ctx := context.Background()
	m, err := New(ctx, wasm)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { m.Close(ctx) })
	return m
}

// newModule instantiates the Sigstore/cosign-only module ($SEALCHECK_CORE_WASM).
func newModule(tb testing.TB) *Module {
	tb.Helper()
	return instantiate(tb, loadWasm(tb))
}

// newNotaryModule instantiates the Notary module ($SEALCHECK_CORE_NOTARY_WASM).
func newNotaryModule(tb testing.TB) *Module {
	tb.Helper()
	return instantiate(tb, loadNotaryWasm(tb))
}

// vectors returns ../shared/vectors beside the repository; the test fails when it is missing.
func vectors(tb testing.TB) string {
	tb.Helper()
	p, _ := filepath.Abs(filepath.Join("..", "..", "..", "shared", "vectors"))
	if st, err := os.Stat(p); err == nil && st.IsDir() {
		return p
	}
	tb.Fatalf("the test vectors are missing: %s", p)
	return ""
}

func mustRead(tb testing.TB, p string) []byte {
	tb.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// Both modules are import-free and speak ABI 1.1; only the Notary module has the Notary export.
func TestImportFreeAndExports(t *testing.T) {
	for _, c := range []struct {
		name   string
		m      func(testing.TB) *Module
		notary bool
	}{{"sealcheck_core.wasm", newModule, false}, {"sealcheck_core_notary.wasm", newNotaryModule, true}} {
		t.Run(c.name, func(t *testing.T) {
			m := c.m(t)
			cm := m.CompiledModule()
			if n := len(cm.ImportedFunctions()); n != 0 {
				t.Errorf("%d imported functions", n)
			}
			if n := len(cm.ImportedMemories()); n != 0 {
				t.Errorf("%d imported memories", n)
			}
			if _, ok := cm.ExportedMemories()["memory"]; !ok {
				t.Error("no exported memory")
			}
			fns := cm.ExportedFunctions()
			for _, name := range Exports {
				if _, ok := fns[name]; !ok {
					t.Errorf("missing export %s", name)
				}
			}
			for _, name := range OptionalExports {
				if _, ok := fns[name]; ok != c.notary {
					t.Errorf("export %s: present %v, want %v", name, ok, c.notary)
				}
			}
			if m.HasNotary() != c.notary {
				t.Errorf("HasNotary() = %v, want %v", m.HasNotary(), c.notary)
			}
			v, err := m.inst.ExportedFunction("sealcheck_abi_version").Call(context.Background())
			if err != nil || uint32(v[0]) != ABIVersion {
				t.Errorf("abi version %v %v", v, err)
			}
		})
	}
}

// The Sigstore/cosign-only module has no Notary: LoadNotationPolicy says so (ErrNotSupported),
// and a decide request with Notary signatures is refused, not decided without them.
func TestSigstoreOnlyModuleRefusesNotary(t *testing.T) {
	ctx := context.Background()
	m := newModule(t)
	_, err := m.LoadNotationPolicy(ctx, NotationPolicyRequest{Policy: []byte("{}"), TrustStore: []TrustStoreEntry{{Store: "ca:acme", Certificates: []byte("x")}}})
	if !errors.Is(err, ErrNotSupported) || !strings.Contains(err.Error(), "without Notary support") {
		t.Errorf("LoadNotationPolicy: want ErrNotSupported naming Notary support, got %v", err)
	}
	ph, err := m.LoadPolicy(ctx, []byte(`{"default":[{"type":"insecureAcceptAnything"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	req := DecideRequest{Reference: "registry.example.com/app:1", Manifest: []byte(`{"schemaVersion":2}`), Now: 1800000000}
	if d, err := m.DecideImage(ctx, ph, req); err != nil || !d.Allowed {
		t.Fatalf("without notarySignatures: want allowed, got %v %v", d, err)
	}
	req.NotarySignatures = []NotarySignature{{MediaType: "application/jose+json", Envelope: []byte("{}")}}
	for name, r := range map[string]any{"typed": req, "empty list": []byte(`{"reference":"r/a:1","manifest":"e30=","notarySignatures":[],"now":1800000000}`)} {
		d, err := m.DecideImage(ctx, ph, r)
		var se *Error
		if !errors.As(err, &se) || se.Code != CodeInvalid || !strings.Contains(se.Message, "built without Notary support") {
			t.Errorf("%s: want *Error code 2 (without Notary support), got %v %v", name, d, err)
		}
	}
}

type conformanceCase struct {
	name string
	pass bool
}

func expectedCases(t *testing.T, v string) []conformanceCase {
	lines := strings.Split(strings.TrimRight(string(mustRead(t, filepath.Join(v, "sigstore-conformance", "EXPECTED.tsv"))), "\n"), "\n")
	header := strings.Split(lines[0], "\t")
	col := func(n string) int {
		for i, h := range header {
			if h == n {
				return i
			}
		}
		t.Fatalf("EXPECTED.tsv: no column %s", n)
		return -1
	}
	cc, ce := col("case"), col("expected")
	var out []conformanceCase
	for _, l := range lines[1:] {
		if l == "" {
			continue
		}
		f := strings.Split(l, "\t")
		out = append(out, conformanceCase{name: f[cc], pass: f[ce] == "pass"})
	}
	return out
}

func TestConformance(t *testing.T) {
	v := vectors(t)
	ctx := context.Background()
	m := newModule(t)
	dir := filepath.Join(v, "sigstore-conformance", "test", "assets", "bundle-verify")
	now := time.Now().Unix()

	publicGood, err := m.LoadRoot(ctx, []byte("public-good"))
	if err != nil {
		t.Fatal(err)
	}
	cases := expectedCases(t, v)
	mem := []uint32{m.MemorySize()}
	for pass := 1; pass <= 3; pass++ {
		runs, agree := conformancePass(t, m, dir, cases, publicGood, now)
		mem = append(mem, m.MemorySize())
		t.Logf("pass %d: %d/%d conformance runs agree with EXPECTED.tsv; linear memory %d bytes", pass, agree, runs, mem[pass])
		if runs != 140 {
			t.Errorf("%d runs, want 140", runs)
		}
	}
	t.Logf("linear memory before the first pass: %d bytes", mem[0])
	// Whatever the first pass needed, repeating the 140 calls must not grow memory (no leak per call).
	if mem[3] != mem[1] {
		t.Errorf("linear memory grew across repeated passes: %v", mem)
	}
}

func conformancePass(t *testing.T, m *Module, dir string, cases []conformanceCase, publicGood Handle, now int64) (runs, agree int) {
	ctx := context.Background()
	for _, c := range cases {
		cd := filepath.Join(dir, c.name)
		root := publicGood
		var rootErr error
		if b, err := os.ReadFile(filepath.Join(cd, "trusted_root.json")); err == nil {
			root, rootErr = m.LoadRoot(ctx, b)
		}
		artifactPath := filepath.Join(cd, "artifact")
		if _, err := os.Stat(artifactPath); err != nil {
			artifactPath = filepath.Join(dir, "a.txt")
		}
		artifact := mustRead(t, artifactPath)
		sum := sha256.Sum256(artifact)
		base := VerifyRequest{Bundle: mustRead(t, filepath.Join(cd, "bundle.sigstore.json")), Now: now}
		if k, err := os.ReadFile(filepath.Join(cd, "key.pub")); err == nil {
			base.Key = string(k)
		} else {
			read := func(f, d string) string {
				if b, err := os.ReadFile(filepath.Join(cd, f)); err == nil {
					return strings.TrimSpace(string(b))
				}
				return d
			}
			base.CertificateIdentity = read("identity", beaconID)
			base.CertificateOidcIssuer = read("issuer", beaconIssuer)
		}
		for _, form := range []string{"artifact", "artifactDigest"} {
			runs++
			req := base
			if form == "artifact" {
				req.Artifact = artifact
			} else {
				req.ArtifactDigest = "sha256:" + hex.EncodeToString(sum[:])
			}
			var got string
			passed := false
			if rootErr != nil {
				got = "root: " + rootErr.Error()
			} else {
				res, err := m.VerifyBundle(ctx, root, req)
				var se *Error
				switch {
				case err == nil && res.Code == CodeOK && res.Verified:
					passed, got = true, "verified"
				case errors.As(err, &se) && se.Code != CodeOK:
					got = se.Error()
				default:
					t.Fatalf("%s/%s: unexpected %v %v", c.name, form, res, err)
				}
			}
			if passed == c.pass {
				agree++
			} else {
				t.Errorf("%s/%s: expected %v, got %s", c.name, form, map[bool]string{true: "pass", false: "fail"}[c.pass], got)
			}
		}
		if root != publicGood && rootErr == nil {
			if err := m.FreeHandle(ctx, root); err != nil {
				t.Fatal(err)
			}
		}
	}
	return runs, agree
}

func TestImageDecisions(t *testing.T) {
	v := vectors(t)
	ctx := context.Background()
	m := newModule(t)
	fx := filepath.Join(v, "container-libs", "image", "signature", "fixtures")
	policy, _ := json.Marshal(map[string]any{"default": []any{map[string]any{
		"type":           "sigstoreSigned",
		"keyData":        base64.StdEncoding.EncodeToString(mustRead(t, filepath.Join(fx, "cosign.pub"))),
		"signedIdentity": map[string]any{"type": "matchRepository"},
	}}})
	ph, err := m.LoadPolicy(ctx, policy)
	if err != nil {
		t.Fatal(err)
	}
	sig := mustRead(t, filepath.Join(fx, "dir-img-cosign-valid", "signature-1"))
	const ref = "192.168.64.2:5000/cosign-signed-single-sample"
	now := time.Now().Unix()

	ok, err := m.DecideImage(ctx, ph, DecideRequest{Reference: ref, Manifest: mustRead(t, filepath.Join(fx, "dir-img-cosign-valid", "manifest.json")), Signatures: [][]byte{sig}, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if ok.Code != CodeOK || !ok.Allowed {
		t.Errorf("dir-img-cosign-valid: want allowed, got code %d: %s", ok.Code, ok.Decision)
	}

	denied, err := m.DecideImage(ctx, ph, DecideRequest{Reference: ref, Manifest: mustRead(t, filepath.Join(fx, "dir-img-cosign-pki-valid", "manifest.json")), Signatures: [][]byte{sig}, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	var record struct {
		Allowed      bool `json:"allowed"`
		Requirements []struct {
			Satisfied  bool `json:"satisfied"`
			Signatures []struct {
				Accepted  bool   `json:"accepted"`
				ErrorKind string `json:"error_kind"`
			} `json:"signatures"`
		} `json:"requirements"`
	}
	if err := json.Unmarshal(denied.Decision, &record); err != nil {
		t.Fatal(err)
	}
	if denied.Code != CodeRejected || denied.Allowed {
		t.Errorf("pki manifest: want denied (code 1), got code %d", denied.Code)
	}
	if record.Allowed || len(record.Requirements) != 1 || len(record.Requirements[0].Signatures) != 1 ||
		record.Requirements[0].Signatures[0].Accepted || record.Requirements[0].Signatures[0].ErrorKind != "ArtifactMismatch" {
		t.Errorf("pki manifest: no signature error_kind ArtifactMismatch in %s", denied.Decision)
	}

	_, err = m.DecideImage(ctx, ph, []byte(`{"garbage":true}`))
	var se *Error
	if !errors.As(err, &se) || se.Code != CodeInvalid {
		t.Errorf("garbage request: want *Error code 2, got %v", err)
	}
	if _, err := m.VerifyBundle(ctx, ph, VerifyRequest{Bundle: []byte("{}"), Artifact: []byte("x"), Key: "k", Now: now}); !errors.As(err, &se) || se.Code != CodeInvalid || se.Kind != "Handle" {
		t.Errorf("policy handle used as a root: want *Error code 2 kind Handle, got %v", err)
	}
	if err := m.FreeHandle(ctx, ph); err != nil {
		t.Fatal(err)
	}
	if _, err := m.DecideImage(ctx, ph, DecideRequest{Reference: ref, Manifest: []byte("{}"), Now: now}); !errors.As(err, &se) || se.Code != CodeInvalid {
		t.Errorf("freed handle: want *Error code 2, got %v", err)
	}
	_, err = m.DecideImage(ctx, ph, []byte(`not json`))
	if !errors.As(err, &se) || se.Code != CodeInvalid {
		t.Errorf("non-JSON request: want *Error code 2, got %v", err)
	}
}

// A Notary trust policy (ABI 1.1) decides notation's e2e evidence, as the C and Go bindings do,
// in the Notary module ($SEALCHECK_CORE_NOTARY_WASM).
func TestNotationPolicy(t *testing.T) {
	v := vectors(t)
	ctx := context.Background()
	m := newNotaryModule(t)
	e2e := filepath.Join(v, "notation-suite", "notation", "test", "e2e", "testdata")
	const digest = "b8479de3f88fb259a0a9ea82a5b2a052a1ef3c4ebbcfc61482d5ae4c831f8af9"
	const ref = "localhost:5000/e2e@sha256:" + digest
	blob := func(layout, d string) []byte {
		return mustRead(t, filepath.Join(e2e, "registry", "oci_layout", layout, "blobs", "sha256", d))
	}
	policy := mustRead(t, filepath.Join(e2e, "config", "trustpolicies", "trustpolicy.json"))
	cert := mustRead(t, filepath.Join(e2e, "config", "localkeys", "e2e.crt"))
	manifest := blob("e2e-valid-signature", digest)
	valid := NotarySignature{MediaType: "application/jose+json", Envelope: blob("e2e-valid-signature", "c9af07e038b2b1a463e648986ad7273157511ffeba0b689f33e5472bae471f50")}
	invalid := NotarySignature{MediaType: "application/vnd.oci.image.layer.v1.tar", Envelope: blob("e2e-invalid-signature", "9a8decdf3775708f4eed16859f19561d730cad40b1af0dcfc37ac1e5f879a934")}

	ph, err := m.LoadNotationPolicy(ctx, NotationPolicyRequest{Policy: policy, TrustStore: []TrustStoreEntry{{Store: "ca:e2e", Certificates: cert}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		sigs []NotarySignature
		want bool
	}{
		{"e2e-valid-signature", []NotarySignature{valid}, true},
		{"e2e-invalid-signature", []NotarySignature{invalid}, false},
		{"unsigned", nil, false},
	} {
		d, err := m.DecideImage(ctx, ph, DecideRequest{Reference: ref, Manifest: manifest, NotarySignatures: c.sigs, Now: 1800000000})
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if d.Allowed != c.want || (d.Code == CodeOK) != c.want {
			t.Errorf("%s: want allowed=%v, got code %d: %s", c.name, c.want, d.Code, d.Decision)
		}
	}
	for _, c := range []struct {
		name string
		req  any
		code uint32
	}{
		{"bad policy JSON", NotationPolicyRequest{Policy: []byte("{"), TrustStore: []TrustStoreEntry{{Store: "ca:e2e", Certificates: cert}}}, 7011},
		{"unknown store type", NotationPolicyRequest{Policy: policy, TrustStore: []TrustStoreEntry{{Store: "xyz:e2e", Certificates: cert}}}, 7005},
		{"garbage certificate", NotationPolicyRequest{Policy: policy, TrustStore: []TrustStoreEntry{{Store: "ca:e2e", Certificates: []byte("junk")}}}, 7011},
		{"garbage CRL", NotationPolicyRequest{Policy: policy, TrustStore: []TrustStoreEntry{{Store: "ca:e2e", Certificates: cert}}, CRLs: [][]byte{[]byte("junk")}}, 7011},
		{"malformed request", []byte(`{"policy":"e30="}`), 0},
	} {
		_, err := m.LoadNotationPolicy(ctx, c.req)
		var se *Error
		if !errors.As(err, &se) || se.Code != CodeInvalid || se.ErrorCode != c.code {
			t.Errorf("%s: want *Error code 2, error code %d; got %#v", c.name, c.code, err)
		}
	}
}

// One Module shared by goroutines: calls are serialised by its mutex.
func TestConcurrentCallsShareOneInstance(t *testing.T) {
	v := vectors(t)
	ctx := context.Background()
	m := newModule(t)
	dir := filepath.Join(v, "sigstore-conformance", "test", "assets", "bundle-verify")
	root, err := m.LoadRoot(ctx, []byte("public-good"))
	if err != nil {
		t.Fatal(err)
	}
	req := VerifyRequest{
		Bundle:                mustRead(t, filepath.Join(dir, "happy-path-v0.3", "bundle.sigstore.json")),
		Artifact:              mustRead(t, filepath.Join(dir, "a.txt")),
		CertificateIdentity:   beaconID,
		CertificateOidcIssuer: beaconIssuer,
		Now:                   time.Now().Unix(),
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 4; i++ {
				if _, err := m.VerifyBundle(ctx, root, req); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func BenchmarkVerifyKeylessBundle(b *testing.B) {
	v := vectors(b)
	ctx := context.Background()
	m := newModule(b)
	dir := filepath.Join(v, "sigstore-conformance", "test", "assets", "bundle-verify")
	root, err := m.LoadRoot(ctx, []byte("public-good"))
	if err != nil {
		b.Fatal(err)
	}
	req, _ := json.Marshal(VerifyRequest{
		Bundle:                mustRead(b, filepath.Join(dir, "happy-path-v0.3", "bundle.sigstore.json")),
		Artifact:              mustRead(b, filepath.Join(dir, "a.txt")),
		CertificateIdentity:   beaconID,
		CertificateOidcIssuer: beaconIssuer,
		Now:                   time.Now().Unix(),
	})
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := m.VerifyBundle(ctx, root, req); err != nil {
			b.Fatal(err)
		}
	}
}
