package sealcheck

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// The audit log through the C ABI (src/audit.rs format): decisions appended from one and from
// many goroutines chain, the tail survives a reopen, a record the library did not produce is
// refused, and an edited log does not open (the record after the edit is named).
func TestAuditLog(t *testing.T) {
	vectors := vectorsDir(t)
	p := fixturePolicy(t, vectors)
	manifest := readFile(t, filepath.Join(vectors, fixtures, "dir-img-cosign-valid", "manifest.json"))
	other := readFile(t, filepath.Join(vectors, fixtures, "dir-img-cosign-pki-valid", "manifest.json"))
	sig := readFile(t, filepath.Join(vectors, fixtures, "dir-img-cosign-valid", "signature-1"))
	decide := func(i int) *Decision {
		m := manifest
		if i%2 == 1 {
			m = other
		}
		d, err := p.Decide(ImageEvidence{Reference: imageRef, Manifest: m, Signatures: [][]byte{sig}}, fixedNow)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}

	path := filepath.Join(t.TempDir(), "audit.jsonl")
	l, err := OpenAuditLog(path)
	if err != nil {
		t.Fatal(err)
	}
	if tail, err := l.Tail(); err != nil || tail != AuditTail("0:"+strings.Repeat("0", 64)) {
		t.Fatalf("empty log tail %q %v", tail, err)
	}
	var last AuditTail
	for i := 0; i < 20; i++ {
		if last, err = l.Append(decide(i)); err != nil {
			t.Fatal(err)
		}
	}
	if !strings.HasPrefix(string(last), "20:") {
		t.Errorf("tail after 20 appends: %q", last)
	}
	// Four goroutines, five appends each, through the one handle.
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 5; i++ {
				if _, err := l.Append(decide(g + i)); err != nil {
					errs <- err
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	tail, err := l.Tail()
	if err != nil || !strings.HasPrefix(string(tail), "40:") {
		t.Fatalf("tail after 40 appends: %q %v", tail, err)
	}
	// Not a decision record: refused, nothing written.
	_, err = l.Append(&Decision{Raw: []byte(`{"allowed":true}`)})
	wantCode(t, "a record the library did not produce", err, CodeInvalidParameter)
	_, err = l.Append(nil)
	wantCode(t, "no decision", err, CodeNullParameter)
	l.Close()
	l.Close()
	if _, err := l.Append(decide(0)); !errors.Is(err, ErrClosed) {
		t.Errorf("append after Close: %v", err)
	}

	// Reopened: the whole chain verifies again and ends where it did.
	again, err := OpenAuditLog(path)
	if err != nil {
		t.Fatal(err)
	}
	if reopened, _ := again.Tail(); reopened != tail {
		t.Errorf("reopened tail %q, want %q", reopened, tail)
	}
	again.Close()
	log := readFile(t, path)
	lines := bytes.Split(bytes.TrimSuffix(log, []byte("\n")), []byte("\n"))
	if len(lines) != 40 {
		t.Fatalf("%d lines", len(lines))
	}
	for i, line := range lines {
		if !bytes.HasPrefix(line, []byte(fmt.Sprintf(`{"v":1,"seq":%d,"prev":"`, i))) {
			t.Errorf("line %d: %.60s", i, line)
		}
	}

	// Record 7 edited into other valid JSON: record 8's prev no longer matches (src/audit.rs,
	// "What the chain detects"); the log does not open.
	lines[7] = bytes.Replace(lines[7], []byte(`"reason":"`), []byte(`"reason":"edited `), 1)
	tampered := filepath.Join(t.TempDir(), "tampered.jsonl")
	if err := os.WriteFile(tampered, append(bytes.Join(lines, []byte("\n")), '\n'), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = OpenAuditLog(tampered)
	wantCode(t, "an edited log", err, CodeIo)
	if e, ok := err.(*Error); !ok || !strings.Contains(e.Detail, "chain broken at record 8") {
		t.Errorf("the error names the record after the edit: %v", err)
	}
	_, err = OpenAuditLog("")
	wantCode(t, "an empty path", err, CodeInvalidParameter)
}
