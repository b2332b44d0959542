package sealcheck

/*
#include "sealcheck.h"
*/
import "C"

import "runtime"

// AuditLog is an audit log file held open for appending: JSON Lines of decision records, each
// carrying the SHA-256 of the one before it (src/audit.rs), so that deleting, inserting or
// editing records is detected. Appends from many goroutines (and, through the file's lock,
// from other processes) are serialized. Close it when done.
type AuditLog struct {
	h handle[*C.sealcheck_audit_log]
}

// AuditTail is where a log ends: its record count and the SHA-256 of its last line, as text
// "RECORDS:HEX" (what `sealcheck audit verify` prints and its --expect reads). Kept apart
// from the log, it detects records removed from, or edited at, its end.
type AuditTail string

// OpenAuditLog opens the log at path (created when missing) and verifies its whole chain. A log
// whose chain is broken, or that is not a regular file, is refused: CodeIo, with the first
// broken record in the error's Detail.
func OpenAuditLog(path string) (*AuditLog, error) {
	var out *C.sealcheck_audit_log
	var detail *C.sealcheck_buffer
	p, n := stringArg(path)
	err := checkDetail(C.sealcheck_audit_log_open(p, n, &out, &detail), detail)
	runtime.KeepAlive(path)
	if err != nil {
		return nil, err
	}
	l := &AuditLog{}
	l.h.ptr = out
	runtime.SetFinalizer(l, (*AuditLog).Close)
	return l, nil
}

// Append appends d (its record exactly as the library returned it, Decision.Raw) and returns
// the log's new tail. The line is written and synced before Append returns. A Decision that
// does not hold a library record is CodeInvalidParameter; a log changed since it was checked
// is CodeIo, and is not extended.
func (l *AuditLog) Append(d *Decision) (AuditTail, error) {
	if d == nil {
		return "", check(CodeNullParameter)
	}
	var tail *C.sealcheck_buffer
	err := l.h.use(func(ptr *C.sealcheck_audit_log) error {
		p, n := bytesArg(d.Raw)
		var detail *C.sealcheck_buffer
		return checkDetail(C.sealcheck_audit_log_append(ptr, p, n, &tail, &detail), detail)
	})
	runtime.KeepAlive(l)
	runtime.KeepAlive(d)
	if err != nil {
		return "", err
	}
	return AuditTail(takeBuffer(tail)), nil
}

// Tail is the log's tail as of its open or the last Append through this handle.
func (l *AuditLog) Tail() (AuditTail, error) {
	var tail *C.sealcheck_buffer
	err := l.h.use(func(ptr *C.sealcheck_audit_log) error {
		return check(C.sealcheck_audit_log_tail(ptr, &tail))
	})
	runtime.KeepAlive(l)
	if err != nil {
		return "", err
	}
	return AuditTail(takeBuffer(tail)), nil
}

// Close closes the log. Idempotent.
func (l *AuditLog) Close() error {
	l.h.close(func(p *C.sealcheck_audit_log) { C.sealcheck_audit_log_free(p) })
	runtime.SetFinalizer(l, nil)
	return nil
}
