package sealcheck

import (
	"encoding/json"
	"time"
)

// The JSON the library returns, decoded. Field names follow src/sigstore/verify.rs
// (VerifiedBundle) and src/policy/decision.rs (Decision); Raw keeps the exact bytes for audit.

// UnixTime is a point in time as the library reports it (RFC 3339 in the JSON records).
type UnixTime struct {
	t time.Time
}

// UnmarshalJSON reads an RFC 3339 string (or, outside years 0000–9999, whole seconds).
func (u *UnixTime) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return err
		}
		u.t = t.UTC()
		return nil
	}
	var secs int64
	if err := json.Unmarshal(b, &secs); err != nil {
		return err
	}
	u.t = time.Unix(secs, 0).UTC()
	return nil
}

// Time converts to a time.Time (UTC).
func (u UnixTime) Time() time.Time { return u.t }

// Unix is the time in seconds since the epoch.
func (u UnixTime) Unix() int64 { return u.t.Unix() }

// BundleResult is what a successful bundle verification established.
type BundleResult struct {
	// Format is the evidence format ("sigstore-bundle").
	Format string `json:"format"`
	// Version is the bundle format version: "0.1", "0.2" or "0.3".
	Version string `json:"bundle_version"`
	// Digests are the artifact digests the signature binds ("sha256:…").
	Digests []string `json:"digests"`
	// Signer is who signed.
	Signer Signer `json:"signer"`
	// Times are the verified times, each with the authority that vouched for it.
	Times []VerifiedTime `json:"times"`
	// TlogEntries are the transparency log entries that were checked.
	TlogEntries []LogEntry `json:"tlog_entries"`
	// Statement is, for DSSE in-toto bundles, the in-toto statement (absent otherwise).
	Statement json.RawMessage `json:"statement,omitempty"`
	// MatchedSubject is the index of the statement's subject that is the artifact.
	MatchedSubject *int `json:"matched_subject,omitempty"`
	// VerifiedAt is the verification time the caller gave.
	VerifiedAt UnixTime `json:"verified_at"`
	// Raw is the report as the library produced it.
	Raw []byte `json:"-"`
}

// Signer is the verified signer: a certificate (Type "certificate") or a public key (Type
// "key", only SHA256 set).
type Signer struct {
	Type string `json:"type"`
	// SAN are the certificate's subject alternative names.
	SAN []SubjectAltName `json:"san,omitempty"`
	// Extensions are the Fulcio certificate extensions (OIDC issuer, workflow, …).
	Extensions map[string]*string `json:"extensions,omitempty"`
	// Authority is the URI of the certificate authority that issued the certificate.
	Authority string `json:"authority,omitempty"`
	// NotBefore and NotAfter are the certificate's validity.
	NotBefore *UnixTime `json:"not_before,omitempty"`
	NotAfter  *UnixTime `json:"not_after,omitempty"`
	// SHA256 is, hex, of the certificate DER or of the key's SubjectPublicKeyInfo DER.
	SHA256 string `json:"sha256"`
	// CTLogs are the CT logs whose SCTs verified.
	CTLogs []string `json:"ct_logs,omitempty"`
}

// Issuer is the Fulcio OIDC issuer extension, or "".
func (s Signer) Issuer() string {
	if v := s.Extensions["issuer"]; v != nil {
		return *v
	}
	return ""
}

// SubjectAltName is one subject alternative name; Type is "email", "uri", "dns" or "other-name".
type SubjectAltName struct {
	Type  string `json:"type"`
	Value string `json:"value"`
}

// VerifiedTime is a time vouched for by a trusted authority: Source "transparency-log" (Log,
// Entry) or "timestamp-authority" (Authority, Timestamp).
type VerifiedTime struct {
	Time      UnixTime `json:"time"`
	Source    string   `json:"source"`
	Log       string   `json:"log,omitempty"`
	Entry     int      `json:"entry,omitempty"`
	Authority string   `json:"authority,omitempty"`
	Timestamp int      `json:"timestamp,omitempty"`
}

// LogEntry is a transparency log entry that was checked.
type LogEntry struct {
	Log             string `json:"log"`
	LogID           string `json:"log_id"`
	LogIndex        uint64 `json:"log_index"`
	Kind            string `json:"kind"`
	PromiseVerified bool   `json:"promise_verified"`
	ProofVerified   bool   `json:"proof_verified"`
}

// Decision is the decision record for one image.
type Decision struct {
	// Allowed is true when the image may run.
	Allowed bool `json:"allowed"`
	// Reason is a one-line reason.
	Reason string `json:"reason"`
	// Reference is the reference decided on.
	Reference string `json:"reference"`
	// ManifestDigest is the digest the signatures were checked against ("" when none).
	ManifestDigest string `json:"manifest_digest"`
	// IndexDigest is the image index the manifest was reached through ("" when none).
	IndexDigest string `json:"index_digest"`
	// PolicyDigest is the SHA-256 of the policy document, hex.
	PolicyDigest string `json:"policy_digest"`
	// SignatureChecks is how many signature checks the decision spent.
	SignatureChecks int `json:"signature_checks"`
	// Scope is the policy scope whose rule applied ("default" for the global default).
	Scope string `json:"scope"`
	// Requirements are the requirements of that rule.
	Requirements []RequirementRecord `json:"requirements"`
	// VerificationTime is the time the decision was made for.
	VerificationTime UnixTime `json:"verification_time"`
	// Raw is the record as the library produced it.
	Raw []byte `json:"-"`
}

// RequirementRecord is one requirement of the rule that applied.
type RequirementRecord struct {
	Index     int    `json:"index"`
	Kind      string `json:"kind"`
	Satisfied bool   `json:"satisfied"`
	Reason    string `json:"reason"`
	// Signatures considered, in order, up to the first accepted one.
	Signatures []SignatureRecord `json:"signatures"`
}

// SignatureRecord is one piece of evidence considered by one requirement.
type SignatureRecord struct {
	Index int `json:"index"`
	// Origin is where the source found it ("signature 0", "tag sha256-….sig layer 0", …).
	Origin string `json:"origin"`
	// Format is "cosign-simple-signing", "cosign-attestation", "sigstore-bundle" or "notary".
	Format   string `json:"format"`
	Accepted bool   `json:"accepted"`
	Reason   string `json:"reason"`
	// ErrorKind is the error kind when refused ("ArtifactMismatch", …), else "".
	ErrorKind       string    `json:"error_kind"`
	Signer          string    `json:"signer"`
	SignedReference string    `json:"signed_reference"`
	IntegratedTime  *UnixTime `json:"integrated_time"`
	// Times are every verified time, with its authority, when accepted.
	Times []VerifiedTime `json:"times"`
	// Matched is "manifest" or "index" (which digest the signature binds), when accepted.
	Matched string `json:"matched"`
	// Validations are, for a Notary signature, each validation of its trust policy statement
	// with its action and outcome (a "log" failure is recorded even when accepted).
	Validations []Validation `json:"validations"`
}

// Validation is one Notary verification step: Validation "integrity", "authenticity",
// "authenticTimestamp", "expiry" or "revocation"; Action "enforce", "log" or "skip"; Outcome
// "passed", "failed" or "skipped", with Error saying why it failed.
type Validation struct {
	Validation string `json:"validation"`
	Action     string `json:"action"`
	Outcome    string `json:"outcome"`
	Error      string `json:"error,omitempty"`
}
