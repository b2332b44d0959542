// The audit log through the wasm-bindgen package (wasm/pkg/nodejs): the host owns the file,
// AuditChain makes its lines, auditVerify checks its text (format and what the chain detects:
// src/audit.rs). 100 decisions appended verify, and the CLI's `sealcheck audit verify` agrees;
// an edited, deleted or truncated record breaks the chain at the index src/audit.rs names.
// Run: node --test wasm/tests/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));
const top = join(here, '..', '..');
const vectors = join(top, '..', 'shared', 'vectors');
const require = createRequire(import.meta.url);
const sc = require(join(top, 'wasm/pkg/nodejs/sealcheck.js'));
const NOW = 1800000000;
const N = 100;

/** 100 decisions of the container-libs fixture policy: allowed, and (every third) denied. */
function decisions() {
  const fx = join(vectors, 'container-libs/image/signature/fixtures');
  assert.ok(existsSync(fx), `${fx} is missing: these tests read the shared vectors`);
  const keyData = readFileSync(join(fx, 'cosign.pub')).toString('base64');
  const policy = sc.Policy.fromContainersPolicyJson(JSON.stringify({ default: [{ type: 'sigstoreSigned', keyData, signedIdentity: { type: 'matchRepository' } }] }));
  const signature = readFileSync(join(fx, 'dir-img-cosign-valid/signature-1'));
  const good = readFileSync(join(fx, 'dir-img-cosign-valid/manifest.json'));
  const other = readFileSync(join(fx, 'dir-img-cosign-pki-valid/manifest.json'));
  const reference = '192.168.64.2:5000/cosign-signed-single-sample';
  return Array.from({ length: N }, (_, i) => sc.decideImage(policy, { reference, manifest: i % 3 === 0 ? other : good, signatures: [signature], now: NOW + i }));
}

const broken = (index) => (e) => e.name === 'SealcheckError' && e.code === 1 && e.kind === 'ChainBroken' && e.index === index;

test('100 decisions chain, verify, and break where a record was changed', () => {
  const results = decisions();
  const chain = new sc.AuditChain();
  assert.equal(chain.tail, '0:' + '0'.repeat(64));
  let text = '';
  results.forEach((r, i) => {
    // The decision object decideImage returned, or its JSON text: the same line.
    const line = chain.append(i % 2 ? r.decision : JSON.stringify(r.decision));
    assert.ok(line.endsWith('\n') && line.indexOf('\n') === line.length - 1, `line ${i} is one line`);
    assert.ok(line.startsWith(`{"v":1,"seq":${i},"prev":"`), line.slice(0, 40));
    text += line;
  });
  const s = sc.auditVerify(text);
  assert.equal(s.total, N);
  assert.equal(s.allowed, results.filter((r) => r.allowed).length);
  assert.equal(s.denied, Math.ceil(N / 3));
  assert.equal(`${s.tail.seq}:${s.tail.hash}`, chain.tail);
  assert.ok(chain.tail.startsWith(`${N}:`));
  assert.equal(sc.auditVerify(text, chain.tail).total, N, 'the log reaches its own tail');

  const lines = text.split('\n').slice(0, N);
  const join_ = (ls) => ls.map((l) => l + '\n').join('');
  // Record 37 edited into other valid JSON: record 38's prev no longer is its hash.
  const edited = [...lines];
  edited[37] = edited[37].replace('"reason":"', '"reason":"edited ');
  assert.notEqual(edited[37], lines[37]);
  assert.throws(() => sc.auditVerify(join_(edited)), broken(38));
  // An edit that breaks record 50 itself, a deleted record 10, and the last record removed
  // (seen only against the tail kept apart).
  const bad = [...lines];
  bad[50] = bad[50].replace('"seq":50', '"seq":51');
  assert.throws(() => sc.auditVerify(join_(bad)), broken(50));
  assert.throws(() => sc.auditVerify(join_(lines.filter((_, i) => i !== 10))), broken(10));
  assert.equal(sc.auditVerify(join_(lines.slice(0, N - 1))).total, N - 1);
  assert.throws(() => sc.auditVerify(join_(lines.slice(0, N - 1)), chain.tail), broken(N - 1));

  // The CLI reads the same file the same way.
  const cli = join(process.env.CARGO_TARGET_DIR ?? join(top, 'target'), 'release/sealcheck');
  assert.ok(existsSync(cli), `${cli} is missing: build it with cargo build --release -p sealcheck-cli`);
  const dir = mkdtempSync(join(tmpdir(), 'sealcheck-audit-'));
  try {
    writeFileSync(join(dir, 'audit.jsonl'), text);
    const out = execFileSync(cli, ['audit', 'verify', '--expect', chain.tail, join(dir, 'audit.jsonl')]).toString().trim();
    assert.equal(out, `chain intact: ${N} records, tail ${chain.tail}`);
    writeFileSync(join(dir, 'edited.jsonl'), join_(edited));
    let status = 0, json = '';
    try { execFileSync(cli, ['audit', 'verify', '--json', join(dir, 'edited.jsonl')], { stdio: 'pipe' }); } catch (e) { status = e.status; json = e.stdout.toString(); }
    assert.equal(status, 1);
    assert.equal(JSON.parse(json).index, 38);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  // A chain continued from a tail kept apart: the log grows by one record and still verifies.
  const more = new sc.AuditChain(chain.tail);
  const grown = text + more.append(results[0].decision);
  assert.equal(sc.auditVerify(grown, chain.tail).total, N + 1);
  assert.equal(more.tail, `${N + 1}:${sc.auditVerify(grown).tail.hash}`);
});

test('what is not a decision record, or not a tail, is refused and changes nothing', () => {
  const chain = new sc.AuditChain();
  const input = (e) => e.name === 'SealcheckError' && e.code === 2;
  for (const bad of [{ allowed: true }, '{"allowed":true}', 'not json', undefined, 7, '{\n}']) {
    assert.throws(() => chain.append(bad), input, JSON.stringify(bad));
  }
  assert.equal(chain.tail, '0:' + '0'.repeat(64));
  for (const bad of ['', '1', '1:' + 'A'.repeat(64), '0:' + '1'.repeat(64)]) {
    assert.throws(() => new sc.AuditChain(bad), input, bad);
    assert.throws(() => sc.auditVerify('', bad), input, bad);
  }
  assert.throws(() => sc.auditVerify('{"v":1}\n'), broken(0));
  assert.throws(() => sc.auditVerify('no newline'), broken(0));
  assert.equal(sc.auditVerify('').total, 0);
});
