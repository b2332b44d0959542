package sealcheck

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

type conformanceCase struct {
	name string
	pass bool
}

func readExpected(t *testing.T, vectors string) []conformanceCase {
	t.Helper()
	lines := strings.Split(strings.TrimRight(string(readFile(t, filepath.Join(vectors, "sigstore-conformance", "EXPECTED.tsv"))), "\n"), "\n")
	header := strings.Split(lines[0], "\t")
	col := func(name string) int {
		for i, h := range header {
			if h == name {
				return i
			}
		}
		t.Fatalf("EXPECTED.tsv has no column %q", name)
		return -1
	}
	cCase, cExp := col("case"), col("expected")
	var cases []conformanceCase
	for _, l := range lines[1:] {
		if l == "" {
			continue
		}
		f := strings.Split(l, "\t")
		if f[cExp] != "pass" && f[cExp] != "fail" {
			t.Fatalf("%s: expected %q", f[cCase], f[cExp])
		}
		cases = append(cases, conformanceCase{name: f[cCase], pass: f[cExp] == "pass"})
	}
	return cases
}

// runConformance runs one case the way the suite drives a client: the case's trusted root (or
// the embedded production root), its key or its identity, its artifact (or a.txt) as bytes or
// as sha256:HEX, at the current time. Any error (a root or key that does not load included)
// is a failed verification.
func runConformance(t *testing.T, dir, name string, digest bool, production *Verifier) error {
	t.Helper()
	c := filepath.Join(dir, name)
	exists := func(f string) bool { _, err := os.Stat(filepath.Join(c, f)); return err == nil }
	v := production
	if exists("trusted_root.json") {
		root, err := NewTrustedRoot(readFile(t, filepath.Join(c, "trusted_root.json")))
		if err != nil {
			return err
		}
		defer root.Close()
		if v, err = NewVerifier(root); err != nil {
			return err
		}
		defer v.Close()
	}
	artifactPath := filepath.Join(dir, "a.txt")
	if exists("artifact") {
		artifactPath = filepath.Join(c, "artifact")
	}
	data := readFile(t, artifactPath)
	artifact := ArtifactBytes(data)
	if digest {
		sum := sha256.Sum256(data)
		artifact = ArtifactDigest("sha256:" + hex.EncodeToString(sum[:]))
	}
	bundle, err := os.ReadFile(filepath.Join(c, "bundle.sigstore.json"))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	if exists("key.pub") {
		_, err = v.VerifyBundleWithKey(bundle, artifact, readFile(t, filepath.Join(c, "key.pub")), now)
		return err
	}
	read := func(f, def string) string {
		if b, err := os.ReadFile(filepath.Join(c, f)); err == nil {
			return strings.TrimSpace(string(b))
		}
		return def
	}
	_, err = v.VerifyBundle(bundle, artifact, Identity{SAN: read("identity", beaconSAN), Issuer: read("issuer", ghaIssuer)}, now)
	return err
}

// TestConformance: every sigstore-conformance bundle-verify case, twice (artifact bytes and
// sha256 digest), agrees with EXPECTED.tsv.
func TestConformance(t *testing.T) {
	vectors := vectorsDir(t)
	dir := bundleDir(vectors)
	cases := readExpected(t, vectors)
	production := publicGoodVerifier(t)
	runs, agree := 0, 0
	for _, c := range cases {
		for _, digest := range []bool{false, true} {
			form := "bytes"
			if digest {
				form = "digest"
			}
			runs++
			err := runConformance(t, dir, c.name, digest, production)
			switch {
			case c.pass && err != nil:
				t.Errorf("%s (%s): expected pass, got %v", c.name, form, err)
			case !c.pass && err == nil:
				t.Errorf("%s (%s): expected fail, verified", c.name, form)
			case !c.pass && !hasReason(err, c.name):
				t.Errorf("%s (%s): rejected for another reason: %v, want %s", c.name, form, err, CodeName(failReasons[c.name]))
			default:
				agree++
				if err != nil && testing.Verbose() {
					t.Logf("%s (%s): rejected: %v", c.name, form, err)
				}
			}
		}
	}
	t.Logf("%d/%d conformance runs agree with EXPECTED.tsv (%d cases)", agree, runs, len(cases))
	if runs != 140 {
		t.Errorf("expected 140 runs (70 cases x 2), got %d: EXPECTED.tsv changed or is truncated", runs)
	}
}

// failReasons pins why each failing case is rejected: the error kinds of cli/tests/conformance.rs,
// as C ABI codes (a key.pub or trusted_root.json that does not load is KeyInvalid /
// TrustedRootInvalid here, where the CLI reports an input error).
var failReasons = map[string]uint32{
	"bundle-empty-certificate-chain_fail":                       CodeBundleStructure,
	"bundle-from-wrong-instance_fail":                           CodeUnknownLog,
	"bundle-invalid-base64-signature_fail":                      CodeJSON,
	"bundle-malformed-json_fail":                                CodeJSON,
	"bundle-negative-log-index_fail":                            CodeBundleStructure,
	"bundle-unknown-version_fail":                               CodeUnsupportedMediaType,
	"bundle-with-root-cert_fail":                                CodeChainContainsRoot,
	"checkpoint-bad-keyhint_fail":                               CodeCheckpointSignature,
	"checkpoint-wrong-roothash_fail":                            CodeCheckpoint,
	"dsse-invalid-sig_fail":                                     CodeBadSignature,
	"dsse-mismatch-envelope_fail":                               CodeTlogBodyMismatch,
	"dsse-mismatch-sig_fail":                                    CodeTlogBodyMismatch,
	"inclusion-proof-corrupted-hash_fail":                       CodeInclusionProof,
	"incorrect-public-key_fail":                                 CodeTlogBodyMismatch,
	"integrated-time-in-future_fail":                            CodeSigningTimeOutsideCertificate,
	"intoto-expired-certificate_fail":                           CodeSigningTimeOutsideCertificate,
	"intoto-log-entry-mismatch_fail":                            CodeTlogBodyMismatch,
	"intoto-missing-inclusion-proof_fail":                       CodeMissingEvidence,
	"intoto-set-outside-signing-cert-validity_fail":             CodeSigningTimeOutsideCertificate,
	"intoto-tsa-timestamp-outside-cert-validity_fail":           CodeSigningTimeOutsideCertificate,
	"invalid-checkpoint-signature_fail":                         CodeCheckpointSignature,
	"invalid-ct-key_fail":                                       CodeUnknownCTLog,
	"invalid-inclusion-proof_fail":                              CodeInclusionProof,
	"managed-key-no-key_fail":                                   CodeSignerMismatch,
	"managed-key-wrong-key_fail":                                CodeKeyInvalid,
	"message-digest-mismatch_fail":                              CodeArtifactMismatch,
	"rekor2-checkpoint-missing-log-signature_fail":              CodeCheckpointSignature,
	"rekor2-checkpoint-missing-origin_fail":                     CodeCheckpoint,
	"rekor2-checkpoint-missing-root-hash_fail":                  CodeCheckpoint,
	"rekor2-checkpoint-missing-size_fail":                       CodeCheckpoint,
	"rekor2-checkpoint-no-matching-signature_fail":              CodeCheckpoint,
	"rekor2-dsse-invalid-sig_fail":                              CodeBadSignature,
	"rekor2-dsse-mismatch-envelope_fail":                        CodeTlogBodyMismatch,
	"rekor2-dsse-mismatch-sig_fail":                             CodeTlogBodyMismatch,
	"rekor2-no-inclusion-proof_fail":                            CodeMissingEvidence,
	"rekor2-no-timestamp_fail":                                  CodeThreshold,
	"rekor2-timestamp-outside-trust-root-tsa-validity_fail":     CodeAuthorityOutsideValidity,
	"rekor2-timestamp-outside-tsa-cert-validity_fail":           CodeCertificateNotValidAt,
	"rekor2-timestamp-payload-mismatch_fail":                    CodeTimestampImprint,
	"rekor2-timestamp-untrusted-tsa-with-embedded-cert_fail":    CodeUnknownTimestampAuthority,
	"rekor2-timestamp-untrusted-tsa-without-embedded-cert_fail": CodeUnknownTimestampAuthority,
	"rekor2-timestamp-with-incorrect-time_fail":                 CodeSigningTimeOutsideCertificate,
	"set-invalid-signature_fail":                                CodeInvalidSignedEntryTimestamp,
	"signature-mismatch_fail":                                   CodeBadSignature,
	"trust-root-tlog-missing-validity-start_fail":               CodeTrustedRootInvalid,
	"wrong-hashedrekord-artifact_fail":                          CodeTlogBodyMismatch,
	"wrong-hashedrekord-cert-and-sig_fail":                      CodeTlogBodyMismatch,
	"wrong-hashedrekord-entry_fail":                             CodeTlogBodyMismatch,
	"wrong-material_fail":                                       CodeArtifactMismatch,
}

// hasReason: err carries the pinned code of a failing case (any error when none is pinned).
func hasReason(err error, name string) bool {
	want, ok := failReasons[name]
	if !ok {
		return true
	}
	e, isErr := err.(*Error)
	return isErr && e.Code == want
}
