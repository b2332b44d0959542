// The cross-surface table (tests/surfaces/table.tsv, issue 10 acceptance 1) through the
// wasm-bindgen package: each case must give the table's verdict, class and code, as it does on
// the Rust facade, the CLI, the C ABI and Go.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const top = join(here, '..', '..');
const vectors = join(top, '..', 'shared', 'vectors');
const require = createRequire(import.meta.url);
const sc = require(join(top, 'wasm/pkg/nodejs/sealcheck.js'));

function readTable() {
  return readFileSync(join(top, 'tests/surfaces/table.tsv'), 'utf8').split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const [kind, name, verdict, code, ...rest] = l.split('\t');
      const fields = rest.map((f) => { const i = f.indexOf('='); return [f.slice(0, i), f.slice(i + 1)]; });
      return { kind, name, verdict, code: Number(code), fields, get: (k) => fields.find(([n]) => n === k)?.[1] };
    });
}

// @PATH is a vector file; anything else is the text itself.
const value = (v) => (v.startsWith('@') ? readFileSync(join(vectors, v.slice(1))) : Buffer.from(v));
const policyText = (v) => v.replace(/\{\{base64:([^}]*)\}\}/g, (_, p) => readFileSync(join(vectors, p)).toString('base64'));

// A SealcheckError's `code` is the class (1 rejected, 2 input); `errorCode` the core's code.
function outcome(verdict, f) {
  try {
    return { verdict: f() ?? verdict, code: 0 };
  } catch (e) {
    assert.equal(e.name, 'SealcheckError', `not a SealcheckError: ${e}`);
    return { verdict: e.code === 2 ? 'input' : 'rejected', code: e.errorCode };
  }
}

function run(c) {
  const now = Number(c.get('now'));
  if (c.kind === 'bundle') {
    return outcome('verified', () => {
      const root = c.get('root') ? sc.TrustRoot.fromJson(value(c.get('root'))) : sc.TrustRoot.publicGood();
      const req = { bundle: value(c.get('bundle')), now };
      if (c.get('artifact_digest')) req.artifactDigest = c.get('artifact_digest');
      else req.artifact = value(c.get('artifact'));
      if (c.get('key')) req.key = value(c.get('key')).toString();
      for (const [field, name] of [['san', 'certificateIdentity'], ['san_regexp', 'certificateIdentityRegexp'],
        ['issuer', 'certificateOidcIssuer'], ['issuer_regexp', 'certificateOidcIssuerRegexp']]) {
        if (c.get(field) !== undefined) req[name] = c.get(field);
      }
      sc.verifyBundle(root, req);
    });
  }
  return outcome(undefined, () => {
    const policy = sc.Policy.fromContainersPolicyJson(policyText(c.get('policy')));
    const signatures = c.fields.filter(([n]) => n === 'signature').map(([, v]) => value(v));
    const out = sc.decideImage(policy, { reference: c.get('reference'), manifest: value(c.get('manifest')), signatures, now });
    return out.allowed ? 'allowed' : 'denied';
  });
}

test('the wasm-bindgen package gives the table answers', () => {
  assert.ok(existsSync(vectors), `${vectors} is missing: the table reads the shared vectors`);
  const cases = readTable();
  assert.ok(cases.length >= 30, `${cases.length} cases`);
  const bad = [];
  for (const c of cases) {
    const got = run(c);
    if (got.verdict !== c.verdict || got.code !== c.code) bad.push(`${c.name}: got ${got.verdict} ${got.code}, table says ${c.verdict} ${c.code}`);
  }
  assert.deepEqual(bad, []);
});
