// Package sealcheckwasm runs the import-free sealcheck core module (wasm/ABI.md) under wazero,
// without cgo. The module is compiled once by New; a Module owns exactly one instance of it.
//
// Concurrency: a WebAssembly instance is single-threaded, so every call on a Module takes its
// mutex and calls are serialised. For parallel verification create several Modules (New is
// cheap after the first compile thanks to the shared compilation cache) and pool them.
//
// Handles (trusted roots, policies) belong to the instance that loaded them and are only
// valid on the Module that returned them.
package sealcheckwasm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// ABIVersion is the ABI version this host speaks (major 1, minor 1). It works with any 1.x
// module; what a later minor version added is refused on a module without it.
const ABIVersion = 0x00010001

// Result codes (wasm/ABI.md).
const (
	CodeOK       = 0 // verified / allowed
	CodeRejected = 1 // the bundle does not verify, or the image is denied
	CodeInvalid  = 2 // malformed request, trusted root or policy; unknown handle
)

// Exports lists the functions the ABI requires (1.0).
var Exports = []string{
	"sealcheck_abi_version", "sealcheck_alloc", "sealcheck_free",
	"sealcheck_root_load", "sealcheck_policy_load", "sealcheck_handle_free",
	"sealcheck_verify_bundle", "sealcheck_decide_image",
}

// OptionalExports lists the functions a 1.x module may lack: sealcheck_notation_policy_load
// (1.1), which only the Notary module (sealcheck_core_notary.wasm) has; the Sigstore/cosign-only
// sealcheck_core.wasm and 1.0 modules do not. A module without one is accepted; calling it
// returns an error wrapping ErrNotSupported (see HasNotary).
var OptionalExports = []string{"sealcheck_notation_policy_load"}

// ErrNotSupported is wrapped by the error of a call the module has no export for: Notary trust
// policies on a module built without Notary support (sealcheck_core.wasm) or speaking ABI 1.0.
var ErrNotSupported = errors.New("not supported by this module")

// DefaultWasmPath returns $SEALCHECK_CORE_WASM, or the cargo output (the Sigstore/cosign-only
// module; the Notary module is built with --features notation, wasm/build.sh)
// target/wasm32-unknown-unknown/wasm/sealcheck_wasm.wasm of the workspace this package lives in
// (../../target/… relative to this package's directory).
func DefaultWasmPath() string {
	if p := os.Getenv("SEALCHECK_CORE_WASM"); p != "" {
		return p
	}
	rel := filepath.Join("..", "..", "target", "wasm32-unknown-unknown", "wasm", "sealcheck_wasm.wasm")
	if _, file, _, ok := runtime.Caller(0); ok {
		return filepath.Join(filepath.Dir(file), rel)
	}
	return rel
}

// Error is a non-zero result from the module: Code (1 rejected, 2 invalid input) with the
// error kind (the sealcheck::Error variant, or Request / Handle), message and ErrorCode, the
// core's error code (the number the C ABI returns: 7011 a policy that does not load, …; 0 for a
// malformed request or unknown handle).
type Error struct {
	Code      int    `json:"-"`
	ErrorCode uint32 `json:"code"`
	Kind      string `json:"kind"`
	Message   string `json:"message"`
}

func (e *Error) Error() string {
	return fmt.Sprintf("sealcheck: code %d: %s: %s", e.Code, e.Kind, e.Message)
}

// ErrBroken is returned after the instance trapped: the Module must be closed and replaced.
var ErrBroken = errors.New("sealcheck: the wasm instance trapped earlier and is unusable")

// Handle identifies a loaded trusted root or policy inside one Module.
type Handle uint32

// VerifyRequest is the sealcheck_verify_bundle request. []byte fields are sent as standard
// base64, as the ABI wants. Give Artifact or ArtifactDigest ("sha256:HEX"), and either Key (PEM)
// or an identity and issuer (exact or regexp).
type VerifyRequest struct {
	Bundle                      []byte `json:"bundle"`
	Artifact                    []byte `json:"artifact,omitempty"`
	ArtifactDigest              string `json:"artifactDigest,omitempty"`
	CertificateIdentity         string `json:"certificateIdentity,omitempty"`
	CertificateIdentityRegexp   string `json:"certificateIdentityRegexp,omitempty"`
	CertificateOidcIssuer       string `json:"certificateOidcIssuer,omitempty"`
	CertificateOidcIssuerRegexp string `json:"certificateOidcIssuerRegexp,omitempty"`
	Key                         string `json:"key,omitempty"`
	Now                         int64  `json:"now"`
}

// DecideRequest is the sealcheck_decide_image request.
type DecideRequest struct {
	Reference  string   `json:"reference"`
	Manifest   []byte   `json:"manifest"`
	Signatures [][]byte `json:"signatures,omitempty"`
	Bundles    [][]byte `json:"bundles,omitempty"`
	// NotarySignatures (ABI 1.1) are Notary Project signatures found as referrers. A module
	// without Notary support (HasNotary false) refuses a request that has them (*Error, Code 2).
	NotarySignatures []NotarySignature `json:"notarySignatures,omitempty"`
	Now              int64             `json:"now"`
}

// NotarySignature is the one layer of a Notary signature manifest: its media type
// ("application/jose+json" or "application/cose") and bytes.
type NotarySignature struct {
	MediaType string `json:"mediaType"`
	Envelope  []byte `json:"envelope"`
}

// NotationPolicyRequest is the sealcheck_notation_policy_load request (ABI 1.1): a trust policy
// document (trustpolicy.json bytes), its trust store and CRLs (DER or PEM).
type NotationPolicyRequest struct {
	Policy     []byte            `json:"policy"`
	TrustStore []TrustStoreEntry `json:"trustStore"`
	CRLs       [][]byte          `json:"crls,omitempty"`
}

// TrustStoreEntry is one file's worth of a Notary trust store: Store is "type:name" ("ca:acme",
// "signingAuthority:acme", "tsa:acme"), Certificates one or more PEM or DER certificates.
type TrustStoreEntry struct {
	Store        string `json:"store"`
	Certificates []byte `json:"certificates"`
}

// VerifyResult is a successful verification: the verified result (signer, verified times,
// log entries, statement) as the module reports it.
type VerifyResult struct {
	Code     int             `json:"code"`
	Verified bool            `json:"verified"`
	Result   json.RawMessage `json:"result"`
}

// Decision is an image decision: Code 0 allowed, 1 denied, with the decision record.
type Decision struct {
	Code     int             `json:"code"`
	Allowed  bool            `json:"allowed"`
	Decision json.RawMessage `json:"decision"`
}

// Module is one compiled core module with one instance. Safe for concurrent use (calls are
// serialised by a mutex).
type Module struct {
	mu       sync.Mutex
	rt       wazero.Runtime
	compiled wazero.CompiledModule
	inst     api.Module
	mem      api.Memory
	fn       map[string]api.Function
	broken   bool
}

var (
	cacheOnce sync.Once
	cache     wazero.CompilationCache
)

// New compiles wasmBytes (cached in-process across Modules), checks it is import-free and
// speaks ABI 1.x, and instantiates it with no imports at all.
func New(ctx context.Context, wasmBytes []byte) (*Module, error) {
	cacheOnce.Do(func() { cache = wazero.NewCompilationCache() })
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfig().WithCompilationCache(cache))
	compiled, err := rt.CompileModule(ctx, wasmBytes)
	if err != nil {
		rt.Close(ctx)
		return nil, fmt.Errorf("sealcheck: compile: %w", err)
	}
	if n := len(compiled.ImportedFunctions()) + len(compiled.ImportedMemories()); n != 0 {
		rt.Close(ctx)
		return nil, fmt.Errorf("sealcheck: module has %d imports; the core module must be import-free", n)
	}
	inst, err := rt.InstantiateModule(ctx, compiled, wazero.NewModuleConfig().WithName(""))
	if err != nil {
		rt.Close(ctx)
		return nil, fmt.Errorf("sealcheck: instantiate: %w", err)
	}
	m := &Module{rt: rt, compiled: compiled, inst: inst, mem: inst.ExportedMemory("memory"), fn: map[string]api.Function{}}
	if m.mem == nil {
		rt.Close(ctx)
		return nil, errors.New("sealcheck: module exports no memory")
	}
	for _, name := range Exports {
		f := inst.ExportedFunction(name)
		if f == nil {
			rt.Close(ctx)
			return nil, fmt.Errorf("sealcheck: module does not export %s", name)
		}
		m.fn[name] = f
	}
	for _, name := range OptionalExports {
		if f := inst.ExportedFunction(name); f != nil {
			m.fn[name] = f
		}
	}
	v, err := m.fn["sealcheck_abi_version"].Call(ctx)
	if err != nil {
		rt.Close(ctx)
		return nil, fmt.Errorf("sealcheck: abi version: %w", err)
	}
	if got := uint32(v[0]); got>>16 != ABIVersion>>16 {
		rt.Close(ctx)
		return nil, fmt.Errorf("sealcheck: ABI version %#x, want major %d", got, ABIVersion>>16)
	}
	return m, nil
}

// CompiledModule exposes the compiled module (imports/exports inspection).
func (m *Module) CompiledModule() wazero.CompiledModule { return m.compiled }

// MemorySize is the current size of the instance's linear memory in bytes.
func (m *Module) MemorySize() uint32 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.mem.Size()
}

// Close releases the instance and the runtime.
func (m *Module) Close(ctx context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.broken = true
	return m.rt.Close(ctx)
}

// call writes each input into module memory, calls fn(args..., ptr, len) and returns a copy of
// the JSON result. The caller holds m.mu.
func (m *Module) call(ctx context.Context, name string, input []byte, args ...uint64) ([]byte, error) {
	if m.broken {
		return nil, ErrBroken
	}
	trap := func(err error) ([]byte, error) {
		m.broken = true
		return nil, fmt.Errorf("sealcheck: %s trapped (instance discarded): %w", name, err)
	}
	r, err := m.fn["sealcheck_alloc"].Call(ctx, uint64(len(input)))
	if err != nil {
		return trap(err)
	}
	ptr := uint32(r[0])
	if ptr == 0 {
		return nil, fmt.Errorf("sealcheck: module could not allocate %d input bytes", len(input))
	}
	if !m.mem.Write(ptr, input) {
		return trap(fmt.Errorf("input write out of range"))
	}
	packed, err := m.fn[name].Call(ctx, append(args, uint64(ptr), uint64(len(input)))...)
	if err != nil {
		return trap(err)
	}
	if _, err := m.fn["sealcheck_free"].Call(ctx, uint64(ptr), uint64(len(input))); err != nil {
		return trap(err)
	}
	if packed[0] == 0 {
		return nil, errors.New("sealcheck: module could not allocate its result")
	}
	rptr, rlen := uint32(packed[0]>>32), uint32(packed[0])
	view, ok := m.mem.Read(rptr, rlen)
	if !ok {
		return trap(fmt.Errorf("result %#x+%d out of range", rptr, rlen))
	}
	out := append([]byte(nil), view...)
	if _, err := m.fn["sealcheck_free"].Call(ctx, uint64(rptr), uint64(rlen)); err != nil {
		return trap(err)
	}
	return out, nil
}

// envelope is the shared result shape.
type envelope struct {
	Code   int    `json:"code"`
	Handle Handle `json:"handle"`
	Error  *Error `json:"error"`
}

func parse(out []byte, v any) (envelope, error) {
	var e envelope
	if err := json.Unmarshal(out, &e); err != nil {
		return e, fmt.Errorf("sealcheck: unparseable result %q: %w", out, err)
	}
	if v != nil {
		if err := json.Unmarshal(out, v); err != nil {
			return e, fmt.Errorf("sealcheck: unparseable result: %w", err)
		}
	}
	return e, nil
}

func (e envelope) err() *Error {
	if e.Error == nil {
		return &Error{Code: e.Code, Kind: "Unknown", Message: "no error in result"}
	}
	x := *e.Error
	x.Code = e.Code
	return &x
}

func (m *Module) load(ctx context.Context, name string, data []byte) (Handle, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fn[name] == nil {
		return 0, fmt.Errorf("sealcheck: %s: %w: the module does not export it (built without Notary support, as sealcheck_core.wasm is: use sealcheck_core_notary.wasm; or ABI 1.0)", name, ErrNotSupported)
	}
	out, err := m.call(ctx, name, data)
	if err != nil {
		return 0, err
	}
	e, err := parse(out, nil)
	if err != nil {
		return 0, err
	}
	if e.Code != CodeOK {
		return 0, e.err()
	}
	return e.Handle, nil
}

// LoadRoot loads a trusted root: trusted_root.json bytes, or the text "public-good" / "staging".
func (m *Module) LoadRoot(ctx context.Context, root []byte) (Handle, error) {
	return m.load(ctx, "sealcheck_root_load", root)
}

// LoadPolicy loads a containers-policy.json with inline key material (keyData, caData, …).
func (m *Module) LoadPolicy(ctx context.Context, policy []byte) (Handle, error) {
	return m.load(ctx, "sealcheck_policy_load", policy)
}

// HasNotary reports whether the module has Notary support (sealcheck_core_notary.wasm):
// LoadNotationPolicy, and DecideRequest.NotarySignatures. A module without it returns an error
// wrapping ErrNotSupported from LoadNotationPolicy and refuses a decide request with
// NotarySignatures (an *Error, Code 2): Notary signatures are never silently ignored.
func (m *Module) HasNotary() bool {
	return m.fn["sealcheck_notation_policy_load"] != nil
}

// LoadNotationPolicy (ABI 1.1) loads a Notary trust policy with its trust store and CRLs as a
// policy handle, used with DecideImage as one from LoadPolicy. request is a
// NotationPolicyRequest, any JSON-marshalable value, or raw JSON bytes. On a module without
// Notary support (HasNotary false) it returns an error wrapping ErrNotSupported.
func (m *Module) LoadNotationPolicy(ctx context.Context, request any) (Handle, error) {
	in, err := requestBytes(request)
	if err != nil {
		return 0, err
	}
	return m.load(ctx, "sealcheck_notation_policy_load", in)
}

// FreeHandle releases a root or policy handle.
func (m *Module) FreeHandle(ctx context.Context, h Handle) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.broken {
		return ErrBroken
	}
	if _, err := m.fn["sealcheck_handle_free"].Call(ctx, uint64(h)); err != nil {
		m.broken = true
		return err
	}
	return nil
}

// requestBytes passes []byte / json.RawMessage through and marshals anything else.
func requestBytes(req any) ([]byte, error) {
	switch r := req.(type) {
	case []byte:
		return r, nil
	case json.RawMessage:
		return r, nil
	case string:
		return []byte(r), nil
	default:
		return json.Marshal(req)
	}
}

// VerifyBundle verifies a bundle against the trusted root handle. request is a VerifyRequest,
// any JSON-marshalable value, or raw JSON bytes. A bundle that does not verify returns an
// *Error with Code 1; a malformed request or unknown handle an *Error with Code 2.
func (m *Module) VerifyBundle(ctx context.Context, root Handle, request any) (*VerifyResult, error) {
	in, err := requestBytes(request)
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	out, err := m.call(ctx, "sealcheck_verify_bundle", in, uint64(root))
	if err != nil {
		return nil, err
	}
	var r VerifyResult
	e, err := parse(out, &r)
	if err != nil {
		return nil, err
	}
	if e.Code != CodeOK {
		return nil, e.err()
	}
	return &r, nil
}

// DecideImage decides whether an image may run under the policy handle. A denial is a
// decision (Code 1, Allowed false, nil error); an invalid request returns an *Error (Code 2).
func (m *Module) DecideImage(ctx context.Context, policy Handle, request any) (*Decision, error) {
	in, err := requestBytes(request)
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	out, err := m.call(ctx, "sealcheck_decide_image", in, uint64(policy))
	if err != nil {
		return nil, err
	}
	var d Decision
	e, err := parse(out, &d)
	if err != nil {
		return nil, err
	}
	if e.Code != CodeOK && e.Code != CodeRejected || e.Error != nil {
		return nil, e.err()
	}
	return &d, nil
}
