package sealcheck

import (
	"encoding/base64"
	"errors"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The cross-surface table (tests/surfaces/table.tsv, issue 10 acceptance 1) through the Go
// binding, and so through the C ABI it wraps: each case must give the table's verdict, class
// and code, as it does on the Rust facade, the CLI and WASM.

type tableCase struct {
	kind, name, verdict string
	code                uint32
	fields              [][2]string
}

func (c tableCase) get(k string) (string, bool) {
	for _, f := range c.fields {
		if f[0] == k {
			return f[1], true
		}
	}
	return "", false
}

func readTable(t *testing.T) []tableCase {
	_, self, _, _ := runtime.Caller(0)
	text := readFile(t, filepath.Join(filepath.Dir(self), "..", "..", "tests", "surfaces", "table.tsv"))
	var out []tableCase
	for _, line := range strings.Split(string(text), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		cols := strings.Split(line, "\t")
		code, err := strconv.ParseUint(cols[3], 10, 32)
		if err != nil || len(cols) < 4 {
			t.Fatalf("bad line %q", line)
		}
		c := tableCase{kind: cols[0], name: cols[1], verdict: cols[2], code: uint32(code)}
		for _, f := range cols[4:] {
			k, v, ok := strings.Cut(f, "=")
			if !ok {
				t.Fatalf("field %q", f)
			}
			c.fields = append(c.fields, [2]string{k, v})
		}
		out = append(out, c)
	}
	return out
}

// tableValue is @PATH (a vector file) or the text itself.
func tableValue(t *testing.T, vectors, v string) []byte {
	if p, ok := strings.CutPrefix(v, "@"); ok {
		return readFile(t, filepath.Join(vectors, p))
	}
	return []byte(v)
}

// tablePolicy substitutes {{base64:PATH}}.
func tablePolicy(t *testing.T, vectors, v string) []byte {
	var b strings.Builder
	for {
		i := strings.Index(v, "{{base64:")
		if i < 0 {
			b.WriteString(v)
			return []byte(b.String())
		}
		end := strings.Index(v[i:], "}}") + i
		b.WriteString(v[:i])
		b.WriteString(base64.StdEncoding.EncodeToString(readFile(t, filepath.Join(vectors, v[i+len("{{base64:"):end]))))
		v = v[end+2:]
	}
}

func outcome(verdict string, err error) (string, uint32) {
	if err == nil {
		return verdict, 0
	}
	var e *Error
	if !errors.As(err, &e) {
		return "not a sealcheck error: " + err.Error(), 0
	}
	if e.Rejected() {
		return "rejected", e.Code
	}
	return "input", e.Code
}

func runTableCase(t *testing.T, vectors string, c tableCase) (string, uint32) {
	nowText, _ := c.get("now")
	secs, _ := strconv.ParseInt(nowText, 10, 64)
	now := time.Unix(secs, 0)
	if c.kind == "bundle" {
		var root *TrustedRoot
		var err error
		if r, ok := c.get("root"); ok {
			root, err = NewTrustedRoot(tableValue(t, vectors, r))
		} else {
			root, err = PublicGoodRoot()
		}
		if err != nil {
			return outcome("", err)
		}
		defer root.Close()
		v, err := NewVerifier(root)
		if err != nil {
			t.Fatal(err)
		}
		defer v.Close()
		var artifact Artifact
		if d, ok := c.get("artifact_digest"); ok {
			artifact = ArtifactDigest(d)
		} else {
			a, _ := c.get("artifact")
			artifact = ArtifactBytes(tableValue(t, vectors, a))
		}
		b, _ := c.get("bundle")
		bundle := tableValue(t, vectors, b)
		if k, ok := c.get("key"); ok {
			_, err = v.VerifyBundleWithKey(bundle, artifact, tableValue(t, vectors, k), now)
			return outcome("verified", err)
		}
		var id Identity
		if s, ok := c.get("san"); ok {
			id.SAN = s
		} else {
			id.SAN, _ = c.get("san_regexp")
			id.SANRegexp = true
		}
		if s, ok := c.get("issuer"); ok {
			id.Issuer = s
		} else {
			id.Issuer, _ = c.get("issuer_regexp")
			id.IssuerRegexp = true
		}
		_, err = v.VerifyBundle(bundle, artifact, id, now)
		return outcome("verified", err)
	}
	p, _ := c.get("policy")
	policy, err := NewContainersPolicy(tablePolicy(t, vectors, p))
	if err != nil {
		return outcome("", err)
	}
	defer policy.Close()
	ev := ImageEvidence{}
	ev.Reference, _ = c.get("reference")
	m, _ := c.get("manifest")
	ev.Manifest = tableValue(t, vectors, m)
	for _, f := range c.fields {
		if f[0] == "signature" {
			ev.Signatures = append(ev.Signatures, tableValue(t, vectors, f[1]))
		}
	}
	d, err := policy.Decide(ev, now)
	if err != nil {
		return outcome("", err)
	}
	if d.Allowed {
		return "allowed", 0
	}
	return "denied", 0
}

func TestCrossSurfaceTable(t *testing.T) {
	vectors := vectorsDir(t)
	cases := readTable(t)
	if len(cases) < 30 {
		t.Fatalf("%d cases", len(cases))
	}
	for _, c := range cases {
		verdict, code := runTableCase(t, vectors, c)
		if verdict != c.verdict || code != c.code {
			t.Errorf("%s: got %s %d, table says %s %d", c.name, verdict, code, c.verdict, c.code)
		}
	}
}
