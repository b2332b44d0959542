package sealcheck

import (
	"encoding/json"
	"time"
)

// The JSON the library returns, decoded. Field names follow src/sigstore/verify.rs
// (VerifiedBundle) and src/policy/decision.rs (Decision); Raw keeps the exact bytes for audit.

// UnixTime is a point in time as the library reports it.
type UnixTime struct {
	Secs  int64  `json:"secs"`
	Nanos uint32 `json:"nanos"`
}

// Time converts to a time.Time (UTC).
func (t UnixTime) Time() time.Time { return time.Unix(t.Secs, int64(t.Nanos)).UTC() }

// BundleResult is what a successful bundle verification established.
type BundleResult struct {
	// Version is the bundle format version: "V0_1", "V0_2" or "V0_3".
	Version string `json:"version"`
	// Signer is who signed.
	Signer Signer `json:"signer"`
	// Times are the verified times, each with the authority that vouched for it.
	Times []VerifiedTime `json:"times"`
	// TlogEntries are the transparency log entries that were checked.
	TlogEntries []LogEntry `json:"tlog_entries"`
	// Statement is, for DSSE in-toto bundles, [statement, index of the artifact's subject];
	// null otherwise.
	Statement json.RawMessage `json:"statement"`
	// VerifiedAt is the verification time the caller gave.
	VerifiedAt UnixTime `json:"verified_at"`
	// Raw is the report as the library produced it.
	Raw []byte `json:"-"`
}

// Signer is the verified signer: a Fulcio certificate (Type "Certificate") or a public key
// (Type "Key", only SHA256 set).
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

// SubjectAltName is one subject alternative name; Type is "Email", "Uri", "Dns" or "OtherName".
type SubjectAltName struct {
	Type  string `json:"type"`
	Value string `json:"value"`
}

// VerifiedTime is a time vouched for by a trusted authority: Source "TransparencyLog" (Log,
// Entry) or "TimestampAuthority" (Authority, Timestamp).
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

// SignatureRecord is one signature considered by one requirement.
type SignatureRecord struct {
	Index    int    `json:"index"`
	Accepted bool   `json:"accepted"`
	Reason   string `json:"reason"`
	// ErrorKind is the error kind when refused ("ArtifactMismatch", …), else "".
	ErrorKind       string    `json:"error_kind"`
	Signer          string    `json:"signer"`
	SignedReference string    `json:"signed_reference"`
	IntegratedTime  *UnixTime `json:"integrated_time"`
}
