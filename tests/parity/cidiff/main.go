// Command cidiff asks the containers/image library (go.podman.io/image/v5)
// for its signature-policy decisions, so that sealcheck's parity tests can
// compare their own decisions against it case by case.
//
//	cidiff decide                             JSON cases on stdin, JSON outcomes on stdout
//	cidiff copy [--registries.d DIR] SRC DST  copy.Image with signatures, accepting anything
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"go.podman.io/image/v5/copy"
	"go.podman.io/image/v5/directory"
	"go.podman.io/image/v5/docker"
	"go.podman.io/image/v5/docker/reference"
	"go.podman.io/image/v5/image"
	"go.podman.io/image/v5/manifest"
	"go.podman.io/image/v5/signature"
	"go.podman.io/image/v5/transports/alltransports"
	"go.podman.io/image/v5/types"
)

func main() {
	var err error
	switch {
	case len(os.Args) == 2 && os.Args[1] == "decide":
		err = runDecide(os.Stdin, os.Stdout)
	case len(os.Args) >= 2 && os.Args[1] == "copy":
		err = runCopy(os.Args[2:])
	default:
		err = errors.New("usage: cidiff decide | cidiff copy [--registries.d DIR] SRC DST")
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "cidiff:", err)
		os.Exit(1)
	}
}

// decideCase is one input line of `cidiff decide`.
type decideCase struct {
	ID          string `json:"id"`
	Policy      string `json:"policy"`      // path of a policy.json
	Reference   string `json:"reference"`   // docker identity of a dir: source; unused for docker:// sources
	Source      string `json:"source"`      // "dir:/path" or "docker://host/repo:tag|@digest"
	RegistriesD string `json:"registriesd"` // registries.d directory for docker:// sources
}

// decision is one output line of `cidiff decide`.
type decision struct {
	ID      string `json:"id"`
	Outcome string `json:"outcome"` // "allow", "deny", "invalid" or "unsupported"
	Detail  string `json:"detail"`
}

// errTagAndDigest marks a reference that the docker transport refuses
// (docker.NewReference, docker.ParseReference).
var errTagAndDigest = errors.New("reference with tag and digest: the docker transport cannot express it")

// runDecide answers each case in input order. os.Stdout is unbuffered, so each
// Encode is written out (one line, one write) before the next case is read.
func runDecide(in io.Reader, out io.Writer) error {
	dec := json.NewDecoder(in)
	dec.DisallowUnknownFields()
	enc := json.NewEncoder(out)
	for {
		var c decideCase
		if err := dec.Decode(&c); err == io.EOF {
			return nil
		} else if err != nil {
			return fmt.Errorf("reading a case: %w", err)
		}
		if err := enc.Encode(decide(context.Background(), c)); err != nil {
			return err
		}
	}
}

func decide(ctx context.Context, c decideCase) decision {
	d := func(outcome string, err error) decision {
		res := decision{ID: c.ID, Outcome: outcome}
		if err != nil {
			res.Detail = err.Error()
		}
		return res
	}
	policyJSON, err := os.ReadFile(c.Policy)
	if err != nil {
		return d("invalid", err)
	}
	policy, err := signature.NewPolicyFromBytes(policyJSON)
	if err != nil {
		return d("invalid", err)
	}
	pc, err := signature.NewPolicyContext(policy)
	if err != nil {
		return d("invalid", err)
	}
	defer pc.Destroy()

	img, src, err := openImage(ctx, c)
	if errors.Is(err, errTagAndDigest) {
		return d("unsupported", err)
	}
	if err != nil {
		return d("deny", err)
	}
	defer src.Close()
	// PolicyContext.IsRunningImageAllowed: false always comes with an error.
	if allowed, err := pc.IsRunningImageAllowed(ctx, img); !allowed {
		return d("deny", err)
	}
	return d("allow", nil)
}

// sourceContext is the SystemContext for docker:// sources. With
// DockerInsecureSkipTLSVerify the docker client falls back to plain HTTP
// when the HTTPS ping fails (docker/docker_client.go detectProperties).
func sourceContext(registriesD string) *types.SystemContext {
	return &types.SystemContext{
		RegistriesDirPath:           registriesD,
		DockerInsecureSkipTLSVerify: types.OptionalBoolTrue,
	}
}

// openImage returns the image to judge and its source, which the caller closes.
func openImage(ctx context.Context, c decideCase) (types.UnparsedImage, types.ImageSource, error) {
	srcRef, err := alltransports.ParseImageName(c.Source)
	if err != nil {
		// docker.ParseReference refuses a tag with a digest, as NewReference does.
		if name, ok := strings.CutPrefix(c.Source, "docker://"); ok {
			if named, perr := reference.ParseNormalizedNamed(name); perr == nil && hasTagAndDigest(named) {
				return nil, nil, errTagAndDigest
			}
		}
		return nil, nil, err
	}
	var identity types.ImageReference // nil: the source's own
	switch srcRef.Transport() {
	case docker.Transport:
	case directory.Transport:
		if identity, err = dockerIdentity(c.Reference); err != nil {
			return nil, nil, err
		}
	default:
		return nil, nil, fmt.Errorf("source %q: only dir: and docker:// are supported", c.Source)
	}
	src, err := srcRef.NewImageSource(ctx, sourceContext(c.RegistriesD))
	if err != nil {
		return nil, nil, err
	}
	img := image.UnparsedInstance(src, nil)
	if identity == nil {
		return img, src, nil
	}
	asDocker, err := asDockerImage(ctx, img, identity)
	if err != nil {
		src.Close()
		return nil, nil, err
	}
	return asDocker, src, nil
}

// dockerIdentity is the docker transport reference for ref, built the way
// docker.ParseReference builds it (ParseNormalizedNamed, a bare name defaults
// to :latest, NewReference), so the policy scopes the docker transport
// derives from it (PolicyConfigurationIdentity/Namespaces) apply.
func dockerIdentity(ref string) (types.ImageReference, error) {
	named, err := reference.ParseNormalizedNamed(ref)
	if err != nil {
		return nil, err
	}
	if hasTagAndDigest(named) {
		return nil, errTagAndDigest
	}
	return docker.NewReference(reference.TagNameOnly(named))
}

func hasTagAndDigest(named reference.Named) bool {
	_, tagged := named.(reference.NamedTagged)
	_, digested := named.(reference.Canonical)
	return tagged && digested
}

// asDockerImage presents img (read from a dir: source) as identity.
//
// image.UnparsedInstanceWithReference keeps the dir: source's own signature
// reader, which returns sigstore signatures too; an ImageSource wrapper built
// on the public types.ImageSource would only pass on simple-signing ones
// (types.ImageSource.GetSignatures). UnparsedInstanceWithReference checks the
// manifest only against a digest in the dir: reference, which never has one,
// so a digest in identity is checked here, eagerly, with the test and message
// UnparsedImage.Manifest uses for a docker://repo@digest source
// (manifest.MatchesDigest).
func asDockerImage(ctx context.Context, img types.UnparsedImage, identity types.ImageReference) (types.UnparsedImage, error) {
	if canonical, ok := identity.DockerReference().(reference.Canonical); ok {
		m, _, err := img.Manifest(ctx)
		if err != nil {
			return nil, err
		}
		matches, err := manifest.MatchesDigest(m, canonical.Digest())
		if err != nil {
			return nil, fmt.Errorf("computing manifest digest: %w", err)
		}
		if !matches {
			return nil, fmt.Errorf("Manifest does not match provided manifest digest %s", canonical.Digest())
		}
	}
	return image.UnparsedInstanceWithReference(img, identity), nil
}

// runCopy copies SRC to DST with copy.Image, signatures included, under a
// policy that accepts anything.
func runCopy(args []string) error {
	flags := flag.NewFlagSet("copy", flag.ContinueOnError)
	registriesD := flags.String("registries.d", "", "registries.d directory for the source")
	if err := flags.Parse(args); err != nil {
		return err
	}
	if flags.NArg() != 2 {
		return errors.New("usage: cidiff copy [--registries.d DIR] SRC DST")
	}
	srcRef, err := alltransports.ParseImageName(flags.Arg(0))
	if err != nil {
		return err
	}
	destRef, err := alltransports.ParseImageName(flags.Arg(1))
	if err != nil {
		return err
	}
	pc, err := signature.NewPolicyContext(&signature.Policy{
		Default: signature.PolicyRequirements{signature.NewPRInsecureAcceptAnything()},
	})
	if err != nil {
		return err
	}
	defer pc.Destroy()
	// copy.Image opens its blob info cache (blobinfocache.DefaultCache) in
	// DestinationCtx.BlobInfoCacheDir; keep it out of /var/lib/containers.
	cacheDir, err := os.MkdirTemp("", "cidiff-cache-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(cacheDir)
	_, err = copy.Image(context.Background(), pc, destRef, srcRef, &copy.Options{
		SourceCtx:      sourceContext(*registriesD),
		DestinationCtx: &types.SystemContext{BlobInfoCacheDir: cacheDir},
	})
	return err
}
