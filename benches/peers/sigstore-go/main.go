// Peer harness: sigstore-go on one keyless bundle, two ways (the same as ../sigstore-rust):
//
//   - one shot: peer-sigstore-go --bundle B --certificate-identity ID
//     --certificate-oidc-issuer ISS --trusted-root FILE ARTIFACT verifies once and exits
//     0 (verified) or 1 (rejected), for whole-process timing;
//   - -bench N: loads the trusted root once, then times N rounds of bundle parse + verify
//     and prints mean_ns=<mean per verification> on stdout.
//
// sigstore-go embeds no trusted_root.json (it fetches one by TUF), so --trusted-root is required.
// Verifier options are the public-good ones: one SCT, one tlog entry, one observer timestamp
// (the entry's integrated time or an RFC 3161 timestamp).
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/sigstore/sigstore-go/pkg/bundle"
	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/verify"
)

func main() {
	bench := flag.Int("bench", 0, "time N verifications and print the mean")
	bundlePath := flag.String("bundle", "", "bundle (.sigstore.json)")
	identity := flag.String("certificate-identity", "", "expected certificate SAN, exactly")
	issuer := flag.String("certificate-oidc-issuer", "", "expected OIDC issuer, exactly")
	rootPath := flag.String("trusted-root", "", "trusted_root.json")
	flag.Parse()
	if flag.NArg() != 1 || *bundlePath == "" || *identity == "" || *issuer == "" || *rootPath == "" {
		flag.Usage()
		os.Exit(2)
	}

	// Trusted root, verifier and policy: built once (outside the timed loop).
	trustedRoot, err := root.NewTrustedRootFromPath(*rootPath)
	exitIf(err, 2)
	verifier, err := verify.NewVerifier(trustedRoot,
		verify.WithSignedCertificateTimestamps(1),
		verify.WithTransparencyLog(1),
		verify.WithObserverTimestamps(1))
	exitIf(err, 2)
	certID, err := verify.NewShortCertificateIdentity(*issuer, "", *identity, "")
	exitIf(err, 2)
	bundleJSON, err := os.ReadFile(*bundlePath)
	exitIf(err, 2)
	artifact, err := os.ReadFile(flag.Arg(0))
	exitIf(err, 2)

	// One verification as a caller does it: parse the bundle JSON, then verify it.
	verifyOnce := func() error {
		var b bundle.Bundle
		if err := b.UnmarshalJSON(bundleJSON); err != nil {
			return fmt.Errorf("bundle: %w", err)
		}
		policy := verify.NewPolicy(verify.WithArtifact(bytes.NewReader(artifact)), verify.WithCertificateIdentity(certID))
		_, err := verifier.Verify(&b, policy)
		return err
	}

	exitIf(verifyOnce(), 1)
	if *bench <= 0 {
		return
	}
	// Warm-up (a tenth of the rounds), then the timed rounds.
	for i := 0; i < (*bench+9)/10; i++ {
		_ = verifyOnce()
	}
	start := time.Now()
	for i := 0; i < *bench; i++ {
		_ = verifyOnce()
	}
	fmt.Printf("mean_ns=%d\n", time.Since(start).Nanoseconds()/int64(*bench))
}

func exitIf(err error, code int) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "rejected:", err)
		os.Exit(code)
	}
}
