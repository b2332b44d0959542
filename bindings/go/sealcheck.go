// Package sealcheck verifies Sigstore bundles and decides container image policies offline,
// through the sealcheck C ABI (include/sealcheck.h).
//
// Handles (TrustedRoot, Verifier, Policy) wrap immutable Rust objects: one handle may be used
// by many goroutines at once. Close frees a handle; it is idempotent, waits for calls in
// flight on that handle, and later calls return ErrClosed. A finalizer frees a handle that
// was never closed, but Close it when done: the Go GC does not see the C memory behind it.
//
// Every verification takes the verification time explicitly (pass time.Now() for "now").
package sealcheck

//go:generate go run gen_codes.go

/*
#include <stdlib.h>
#include "sealcheck.h"
*/
import "C"

import (
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"time"
	"unsafe"
)

// Error is a non-OK result of the C ABI.
type Error struct {
	// Code is the sealcheck_result value (one of the Code* constants): the core's error code.
	Code uint32
	// Message is the library's description of Code (sealcheck_error_message).
	Message string
	// Detail says what failed on which input ("tlog entry 0: signed entry timestamp does not
	// verify"), when the library gave it.
	Detail string
	// Kind is the error kind ("BadSignature"), when the library gave it.
	Kind string
}

func (e *Error) Error() string {
	if e.Detail != "" {
		return fmt.Sprintf("sealcheck: %s (code %d)", e.Detail, e.Code)
	}
	return fmt.Sprintf("sealcheck: %s (code %d)", e.Message, e.Code)
}

// Is reports whether target is an *Error with the same code, so that
// errors.Is(err, &sealcheck.Error{Code: sealcheck.CodeBadSignature}) works.
func (e *Error) Is(target error) bool {
	var t *Error
	return errors.As(target, &t) && t.Code == e.Code
}

// Rejected reports whether the error is a verification verdict (71xx: the evidence was
// examined and refused) rather than misuse or input that does not load (70xx, and an identity
// regexp that does not compile).
func (e *Error) Rejected() bool { return e.Code >= 7100 && e.Code < 7200 && e.Code != CodeInvalidRegex }

// CodeName is the short name of a result code ("BadSignature"), or "Unknown".
func CodeName(code uint32) string {
	if n, ok := codeNames[code]; ok {
		return n
	}
	return "Unknown"
}

// ErrClosed is returned by methods of a handle after Close.
var ErrClosed = errors.New("sealcheck: use of closed handle")

// errorMessage asks the library to describe code.
func errorMessage(code uint32) string {
	var buf [256]C.char
	var n C.size_t
	if C.sealcheck_error_message(C.uint32_t(code), &buf[0], C.size_t(len(buf)), &n) != CodeOK {
		return "unknown result code"
	}
	return C.GoStringN(&buf[0], C.int(n))
}

// check turns a sealcheck_result into nil or an *Error.
func check(r C.sealcheck_result) error {
	return checkDetail(r, nil)
}

// checkDetail is check, with the detail the library wrote into *detail (which it frees).
func checkDetail(r C.sealcheck_result, detail *C.sealcheck_buffer) error {
	raw := takeBuffer(detail)
	if r == CodeOK {
		return nil
	}
	e := &Error{Code: uint32(r), Message: errorMessage(uint32(r))}
	var d struct {
		Kind    string `json:"kind"`
		Message string `json:"message"`
	}
	if len(raw) > 0 && json.Unmarshal(raw, &d) == nil {
		e.Detail, e.Kind = d.Message, d.Kind
	}
	return e
}

// Version is the library version ("sealcheck/X.Y.Z").
func Version() string { return C.GoString(C.sealcheck_version()) }

// bytesArg borrows b for one C call: a pointer to its first element (no copy; a []byte holds
// no Go pointers, so cgo allows it) or NULL for an empty slice, which the ABI accepts only with
// length 0.
func bytesArg(b []byte) (*C.uint8_t, C.size_t) {
	if len(b) == 0 {
		return nil, 0
	}
	return (*C.uint8_t)(unsafe.Pointer(&b[0])), C.size_t(len(b))
}

// stringArg borrows s the same way (the C side only reads it).
func stringArg(s string) (*C.uint8_t, C.size_t) {
	if len(s) == 0 {
		return nil, 0
	}
	return (*C.uint8_t)(unsafe.Pointer(unsafe.StringData(s))), C.size_t(len(s))
}

// takeBuffer copies an owned sealcheck_buffer into Go memory and frees it.
func takeBuffer(buf *C.sealcheck_buffer) []byte {
	if buf == nil {
		return nil
	}
	defer C.sealcheck_buffer_free(buf)
	n := C.sealcheck_buffer_len(buf)
	if n == 0 {
		return []byte{}
	}
	return C.GoBytes(unsafe.Pointer(C.sealcheck_buffer_data(buf)), C.int(n))
}

func unixSeconds(t time.Time) C.int64_t { return C.int64_t(t.Unix()) }

// handle is the lifecycle shared by every wrapper: calls hold the read lock for the duration of
// the C call, Close takes the write lock, so Close never frees a handle another goroutine is
// using and a call after Close sees nil instead of a dangling pointer.
type handle[P comparable] struct {
	mu  sync.RWMutex
	ptr P // a *C.sealcheck_…; zero (nil) once closed
}

// use runs f with the live pointer, or returns ErrClosed.
func (h *handle[P]) use(f func(P) error) error {
	h.mu.RLock()
	defer h.mu.RUnlock()
	var closed P
	if h.ptr == closed {
		return ErrClosed
	}
	return f(h.ptr)
}

// close frees the pointer once with free.
func (h *handle[P]) close(free func(P)) {
	h.mu.Lock()
	defer h.mu.Unlock()
	var closed P
	if h.ptr != closed {
		free(h.ptr)
		h.ptr = closed
	}
}

// ---- trusted roots ----------------------------------------------------------------------

// TrustedRoot is a loaded, link-verified Sigstore trusted root.
type TrustedRoot struct {
	h handle[*C.sealcheck_trusted_root]
}

func newTrustedRoot(ptr *C.sealcheck_trusted_root) *TrustedRoot {
	r := &TrustedRoot{}
	r.h.ptr = ptr
	runtime.SetFinalizer(r, (*TrustedRoot).Close)
	return r
}

// NewTrustedRoot loads a trusted_root.json.
func NewTrustedRoot(json []byte) (*TrustedRoot, error) {
	var out *C.sealcheck_trusted_root
	p, n := bytesArg(json)
	var detail *C.sealcheck_buffer
	if err := checkDetail(C.sealcheck_trusted_root_new(p, n, &out, &detail), detail); err != nil {
		return nil, err
	}
	return newTrustedRoot(out), nil
}

// PublicGoodRoot is the Sigstore public-good (production) root embedded in the library.
func PublicGoodRoot() (*TrustedRoot, error) { return embeddedRoot(true) }

// StagingRoot is the Sigstore staging root embedded in the library.
func StagingRoot() (*TrustedRoot, error) { return embeddedRoot(false) }

func embeddedRoot(production bool) (*TrustedRoot, error) {
	var out *C.sealcheck_trusted_root
	if err := check(C.sealcheck_trusted_root_embedded(C.bool(production), &out)); err != nil {
		return nil, err
	}
	return newTrustedRoot(out), nil
}

// Close frees the root. Verifiers made from it stay valid. Idempotent.
func (r *TrustedRoot) Close() error {
	r.h.close(func(p *C.sealcheck_trusted_root) { C.sealcheck_trusted_root_free(p) })
	runtime.SetFinalizer(r, nil)
	return nil
}

// ---- bundle verification ----------------------------------------------------------------

// Verifier verifies Sigstore bundles against one trusted root (default thresholds).
type Verifier struct {
	h handle[*C.sealcheck_verifier]
}

// NewVerifier makes a verifier over root. The verifier keeps its own reference to the root,
// which may be closed afterwards.
func NewVerifier(root *TrustedRoot) (*Verifier, error) {
	if root == nil {
		return nil, check(CodeNullParameter)
	}
	var out *C.sealcheck_verifier
	err := root.h.use(func(p *C.sealcheck_trusted_root) error {
		return check(C.sealcheck_verifier_new(p, &out))
	})
	runtime.KeepAlive(root)
	if err != nil {
		return nil, err
	}
	v := &Verifier{}
	v.h.ptr = out
	runtime.SetFinalizer(v, (*Verifier).Close)
	return v, nil
}

// Close frees the verifier. Idempotent.
func (v *Verifier) Close() error {
	v.h.close(func(p *C.sealcheck_verifier) { C.sealcheck_verifier_free(p) })
	runtime.SetFinalizer(v, nil)
	return nil
}

// Artifact is what a bundle is checked against: the artifact's bytes or its digest.
type Artifact struct {
	kind uint32
	data []byte
}

// ArtifactBytes checks the bundle against the artifact's bytes (borrowed during the call).
func ArtifactBytes(b []byte) Artifact { return Artifact{kind: C.SEALCHECK_ARTIFACT_BYTES, data: b} }

// ArtifactDigest checks the bundle against a digest given as "sha256:HEX", "sha384:HEX" or
// "sha512:HEX".
func ArtifactDigest(digest string) Artifact {
	return Artifact{kind: C.SEALCHECK_ARTIFACT_DIGEST, data: []byte(digest)}
}

// Identity is the expected Fulcio certificate identity: the SAN and the OIDC issuer, each an
// exact value or, when flagged, a regular expression matched against the whole value.
type Identity struct {
	SAN          string
	Issuer       string
	SANRegexp    bool
	IssuerRegexp bool
}

func (id Identity) flags() C.uint32_t {
	var f C.uint32_t
	if id.SANRegexp {
		f |= C.SEALCHECK_SAN_REGEXP
	}
	if id.IssuerRegexp {
		f |= C.SEALCHECK_ISSUER_REGEXP
	}
	return f
}

// VerifyBundle verifies a Sigstore bundle signed by a Fulcio certificate for identity, at
// verification time now. A nil error means verified; otherwise the error is an *Error whose
// Code names the reason (e.g. CodeBadSignature, CodeIdentityMismatch).
func (v *Verifier) VerifyBundle(bundle []byte, artifact Artifact, identity Identity, now time.Time) (*BundleResult, error) {
	var out *C.sealcheck_buffer
	err := v.h.use(func(p *C.sealcheck_verifier) error {
		bp, bn := bytesArg(bundle)
		ap, an := bytesArg(artifact.data)
		sp, sn := stringArg(identity.SAN)
		ip, in := stringArg(identity.Issuer)
		var detail *C.sealcheck_buffer
		return checkDetail(C.sealcheck_verifier_verify_bundle(p, bp, bn, ap, an, C.uint32_t(artifact.kind),
			sp, sn, ip, in, identity.flags(), unixSeconds(now), &out, &detail), detail)
	})
	runtime.KeepAlive(v)
	runtime.KeepAlive(bundle)
	runtime.KeepAlive(artifact.data)
	runtime.KeepAlive(identity)
	if err != nil {
		return nil, err
	}
	return decodeBundleResult(takeBuffer(out))
}

// VerifyBundleWithKey verifies a Sigstore bundle signed by the PEM public key keyPEM. A key
// that does not load returns CodeKeyInvalid.
func (v *Verifier) VerifyBundleWithKey(bundle []byte, artifact Artifact, keyPEM []byte, now time.Time) (*BundleResult, error) {
	var out *C.sealcheck_buffer
	err := v.h.use(func(p *C.sealcheck_verifier) error {
		bp, bn := bytesArg(bundle)
		ap, an := bytesArg(artifact.data)
		kp, kn := bytesArg(keyPEM)
		var detail *C.sealcheck_buffer
		return checkDetail(C.sealcheck_verifier_verify_bundle_with_key(p, bp, bn, ap, an, C.uint32_t(artifact.kind),
			kp, kn, unixSeconds(now), &out, &detail), detail)
	})
	runtime.KeepAlive(v)
	runtime.KeepAlive(bundle)
	runtime.KeepAlive(artifact.data)
	runtime.KeepAlive(keyPEM)
	if err != nil {
		return nil, err
	}
	return decodeBundleResult(takeBuffer(out))
}

func decodeBundleResult(raw []byte) (*BundleResult, error) {
	r := &BundleResult{Raw: raw}
	if err := json.Unmarshal(raw, r); err != nil {
		return nil, fmt.Errorf("sealcheck: decoding the verification report: %w", err)
	}
	return r, nil
}

// ---- image policy -----------------------------------------------------------------------

// Policy is a compiled image policy: a containers-policy.json(5) (NewContainersPolicy) or a
// Notary trust policy with its trust store and CRLs (NewNotationPolicy, NewNotationPolicyDir).
// Files a policy names are read when it is compiled: one that does not load is a
// CodePolicyInvalid error naming it. Both kinds decide images the same way (Decide,
// DecideOCILayout).
type Policy struct {
	h handle[*C.sealcheck_policy]
}

func newPolicy(out *C.sealcheck_policy) *Policy {
	pol := &Policy{}
	pol.h.ptr = out
	runtime.SetFinalizer(pol, (*Policy).Close)
	return pol
}

// NewContainersPolicy parses a containers-policy.json(5).
func NewContainersPolicy(json []byte) (*Policy, error) {
	var out *C.sealcheck_policy
	var detail *C.sealcheck_buffer
	p, n := bytesArg(json)
	if err := checkDetail(C.sealcheck_policy_new(p, n, &out, &detail), detail); err != nil {
		return nil, err
	}
	return newPolicy(out), nil
}

// TrustStoreEntry is one file's worth of a Notary trust store: certificates of one named store
// (several entries may name the same store).
type TrustStoreEntry struct {
	// Store is "type:name": "ca:acme", "signingAuthority:acme" or "tsa:acme".
	Store string
	// Certificates are one or more certificates, PEM or DER.
	Certificates []byte
}

// NewNotationPolicy compiles a Notary trust policy (trustpolicy.json, OCI document v1.0) with
// the trust store given in memory and CRLs (DER or PEM "X509 CRL"; may be nil). A policy,
// certificate or CRL that does not load is CodePolicyInvalid; a store not named "type:name"
// with a known type is CodeInvalidParameter.
func NewNotationPolicy(trustPolicy []byte, trustStore []TrustStoreEntry, crls [][]byte) (*Policy, error) {
	var out *C.sealcheck_policy
	var detail *C.sealcheck_buffer
	var pin runtime.Pinner
	defer pin.Unpin()
	entries, n, freeEntries := cArray[C.sealcheck_trust_store_entry](len(trustStore))
	defer freeEntries()
	for i, e := range trustStore {
		entries[i] = C.sealcheck_trust_store_entry{store: stringView(e.Store, &pin), certificates: bytesView(e.Certificates, &pin)}
	}
	list, nlist, freeList := bytesList(crls, &pin)
	defer freeList()
	p, pn := bytesArg(trustPolicy)
	err := checkDetail(C.sealcheck_notation_policy_new(p, pn, arrayPtr(entries), n, list, nlist, &out, &detail), detail)
	runtime.KeepAlive(trustPolicy)
	runtime.KeepAlive(trustStore)
	runtime.KeepAlive(crls)
	if err != nil {
		return nil, err
	}
	return newPolicy(out), nil
}

// NewNotationPolicyDir is NewNotationPolicy with the trust store read from a directory in
// notation's layout (x509/{ca,signingAuthority,tsa}/<name>/*). A directory that does not exist
// or cannot be read is CodePolicyInvalid (Kind "NotFound", "Io", …); an empty path
// CodeInvalidParameter.
func NewNotationPolicyDir(trustPolicy []byte, trustStoreDir string, crls [][]byte) (*Policy, error) {
	var out *C.sealcheck_policy
	var detail *C.sealcheck_buffer
	var pin runtime.Pinner
	defer pin.Unpin()
	list, nlist, freeList := bytesList(crls, &pin)
	defer freeList()
	p, pn := bytesArg(trustPolicy)
	dp, dn := stringArg(trustStoreDir)
	err := checkDetail(C.sealcheck_notation_policy_new_dir(p, pn, dp, dn, list, nlist, &out, &detail), detail)
	runtime.KeepAlive(trustPolicy)
	runtime.KeepAlive(trustStoreDir)
	runtime.KeepAlive(crls)
	if err != nil {
		return nil, err
	}
	return newPolicy(out), nil
}

// Close frees the policy. Idempotent.
func (p *Policy) Close() error {
	p.h.close(func(ptr *C.sealcheck_policy) { C.sealcheck_policy_free(ptr) })
	runtime.SetFinalizer(p, nil)
	return nil
}

// ImageEvidence is what the caller fetched for one image.
type ImageEvidence struct {
	// Reference is the image reference asked about ("registry/repo:tag" or "…@sha256:…").
	Reference string
	// Manifest is the manifest bytes (nil if not fetched).
	Manifest []byte
	// Signatures are cosign signatures (and attestations) in the containers storage form
	// ("\x00sigstore-json\n{…}"); one whose mimeType is a DSSE envelope is an attestation.
	Signatures [][]byte
	// Bundles are Sigstore bundles found as OCI referrers.
	Bundles [][]byte
	// NotarySignatures are Notary Project signatures found as OCI referrers of the manifest.
	NotarySignatures []NotarySignature
}

// NotarySignature is a Notary Project signature: the one layer of a signature manifest
// (artifactType application/vnd.cncf.notary.signature) whose subject is the image manifest.
type NotarySignature struct {
	// MediaType is the layer's media type: "application/jose+json" or "application/cose".
	MediaType string
	// Envelope is the layer's bytes.
	Envelope []byte
}

// cArray allocates n zeroed Ts in C memory, as a Go slice over it, with the function that frees
// it (nil and a no-op for n == 0).
//
// Arrays handed to C live in C memory (C.malloc): they hold pointers to Go memory, and cgo does
// not let Go memory that contains Go pointers cross into C unpinned. The bytes those pointers
// point to are not copied but pinned with runtime.Pinner for the call (Go >= 1.21 allows pinned
// Go pointers to be stored in C memory): signatures, bundles and certificates can be large,
// pinning is cheap, and the C side only reads them during the call. The caller must unpin and
// free afterwards.
func cArray[T any](n int) ([]T, C.size_t, func()) {
	if n == 0 {
		return nil, 0, func() {}
	}
	var zero T
	arr := C.calloc(C.size_t(n), C.size_t(unsafe.Sizeof(zero)))
	if arr == nil {
		panic("sealcheck: out of memory")
	}
	return unsafe.Slice((*T)(arr), n), C.size_t(n), func() { C.free(arr) }
}

// arrayPtr is the C pointer to a cArray's first element, or NULL for an empty one.
func arrayPtr[T any](items []T) *T {
	if len(items) == 0 {
		return nil
	}
	return &items[0]
}

// bytesView borrows b as a sealcheck_bytes (pinned; see cArray), or (NULL, 0) when empty.
func bytesView(b []byte, pin *runtime.Pinner) C.sealcheck_bytes {
	if len(b) == 0 {
		return C.sealcheck_bytes{data: nil, len: 0}
	}
	pin.Pin(&b[0])
	return C.sealcheck_bytes{data: (*C.uint8_t)(unsafe.Pointer(&b[0])), len: C.size_t(len(b))}
}

// stringView borrows s the same way (pinning a string's static data is a no-op).
func stringView(s string, pin *runtime.Pinner) C.sealcheck_bytes {
	if len(s) == 0 {
		return C.sealcheck_bytes{data: nil, len: 0}
	}
	p := unsafe.StringData(s)
	pin.Pin(p)
	return C.sealcheck_bytes{data: (*C.uint8_t)(unsafe.Pointer(p)), len: C.size_t(len(s))}
}

// bytesList lays out a [][]byte as a C array of sealcheck_bytes (see cArray).
func bytesList(list [][]byte, pin *runtime.Pinner) (*C.sealcheck_bytes, C.size_t, func()) {
	items, n, free := cArray[C.sealcheck_bytes](len(list))
	for i, b := range list {
		items[i] = bytesView(b, pin)
	}
	return arrayPtr(items), n, free
}

// notaryList lays out Notary signatures as a C array of sealcheck_notary_signature (see cArray).
func notaryList(list []NotarySignature, pin *runtime.Pinner) (*C.sealcheck_notary_signature, C.size_t, func()) {
	items, n, free := cArray[C.sealcheck_notary_signature](len(list))
	for i, s := range list {
		items[i] = C.sealcheck_notary_signature{media_type: stringView(s.MediaType, pin), envelope: bytesView(s.Envelope, pin)}
	}
	return arrayPtr(items), n, free
}

// Decide decides whether an image may run, from evidence the caller fetched (cosign
// signatures, Sigstore bundles, Notary signatures), at time now. A nil error means a decision
// was made: Decision.Allowed says which, and the record explains it. An error means the
// evidence could not be examined (bad reference: CodeReferenceInvalid; a signature blob that
// does not parse: CodeImageSourceInvalid).
func (p *Policy) Decide(image ImageEvidence, now time.Time) (*Decision, error) {
	var allowed C.bool
	var out *C.sealcheck_buffer
	err := p.h.use(func(ptr *C.sealcheck_policy) error {
		var pin runtime.Pinner
		defer pin.Unpin()
		sigs, nsigs, freeSigs := bytesList(image.Signatures, &pin)
		defer freeSigs()
		bundles, nbundles, freeBundles := bytesList(image.Bundles, &pin)
		defer freeBundles()
		notary, nnotary, freeNotary := notaryList(image.NotarySignatures, &pin)
		defer freeNotary()
		rp, rn := stringArg(image.Reference)
		mp, mn := bytesArg(image.Manifest)
		var detail *C.sealcheck_buffer
		return checkDetail(C.sealcheck_policy_decide_with_notary(ptr, rp, rn, mp, mn, sigs, nsigs, bundles, nbundles,
			notary, nnotary, unixSeconds(now), &allowed, &out, &detail), detail)
	})
	runtime.KeepAlive(p)
	runtime.KeepAlive(image)
	if err != nil {
		return nil, err
	}
	return decodeDecision(takeBuffer(out), bool(allowed))
}

// DecideOCILayout decides for an image in an OCI layout directory: layout is the directory,
// optionally followed by ":TAG" or "@DIGEST" (as for `sealcheck verify oci:…`); reference is
// the name the policy is matched against.
func (p *Policy) DecideOCILayout(reference, layout string, now time.Time) (*Decision, error) {
	var allowed C.bool
	var out *C.sealcheck_buffer
	err := p.h.use(func(ptr *C.sealcheck_policy) error {
		rp, rn := stringArg(reference)
		lp, ln := stringArg(layout)
		var detail *C.sealcheck_buffer
		return checkDetail(C.sealcheck_policy_decide_oci_layout(ptr, rp, rn, lp, ln, unixSeconds(now), &allowed, &out, &detail), detail)
	})
	runtime.KeepAlive(p)
	runtime.KeepAlive(reference)
	runtime.KeepAlive(layout)
	if err != nil {
		return nil, err
	}
	return decodeDecision(takeBuffer(out), bool(allowed))
}

func decodeDecision(raw []byte, allowed bool) (*Decision, error) {
	d := &Decision{Raw: raw}
	if err := json.Unmarshal(raw, d); err != nil {
		return nil, fmt.Errorf("sealcheck: decoding the decision record: %w", err)
	}
	if d.Allowed != allowed {
		// Fail closed if the record and the returned flag ever disagree.
		return nil, fmt.Errorf("sealcheck: decision record says allowed=%v but the call returned %v", d.Allowed, allowed)
	}
	return d, nil
}
