// The import-free core module (Sigstore/cosign only, wasm/dist/sealcheck_core.wasm) instantiated
// with an empty import object, verifying one conformance bundle through the raw ABI
// (wasm/ABI.md); it has no Notary support and says so. The Notary module
// (sealcheck_core_notary.wasm) is tested in notation.test.mjs. Run: node --test wasm/tests/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';

const here = dirname(fileURLToPath(import.meta.url));
const top = join(here, '..', '..');
const wasmPath = process.env.SEALCHECK_CORE_WASM ?? join(top, 'wasm/dist/sealcheck_core.wasm');
const vectors = join(top, '..', 'shared', 'vectors');

function assertVectors() {
  assert.ok(existsSync(vectors), `${vectors} is missing: these tests read the shared vectors`);
}

async function instantiate() {
  const { instance, module } = await WebAssembly.instantiate(readFileSync(wasmPath), {});
  return { x: instance.exports, module };
}

function call(x, fn, ...args) {
  const packed = fn(...args);
  assert.notEqual(packed, 0n, 'module allocation failed');
  const ptr = Number(packed >> 32n), len = Number(packed & 0xffffffffn);
  const out = JSON.parse(Buffer.from(new Uint8Array(x.memory.buffer, ptr, len)).toString('utf8'));
  x.sealcheck_free(ptr, len);
  return out;
}

function withInput(x, bytes, f) {
  const ptr = x.sealcheck_alloc(bytes.length);
  new Uint8Array(x.memory.buffer, ptr, bytes.length).set(bytes);
  try { return f(ptr, bytes.length); } finally { x.sealcheck_free(ptr, bytes.length); }
}

test('the core module has no imports and the documented exports', async () => {
  const { x, module } = await instantiate();
  assert.deepEqual(WebAssembly.Module.imports(module), []);
  assert.equal(x.sealcheck_abi_version(), 0x00010001);
});

test('the core module is at most 400 KiB gzipped', () => {
  const gz = gzipSync(readFileSync(wasmPath), { level: 9 }).length;
  console.log(`core module: ${readFileSync(wasmPath).length} bytes, ${gz} gzipped`);
  assert.ok(gz <= 400 * 1024, `${gz} bytes gzipped`);
});

test('the core module has no Notary support: no Notary export, notarySignatures refused', async () => {
  const { x, module } = await instantiate();
  const exports = WebAssembly.Module.exports(module).map((e) => e.name);
  assert.ok(exports.includes('sealcheck_decide_image'), exports.join(' '));
  assert.ok(!exports.includes('sealcheck_notation_policy_load'), 'sealcheck_core.wasm exports sealcheck_notation_policy_load');
  assert.equal(x.sealcheck_notation_policy_load, undefined);
  const json = (v) => Buffer.from(JSON.stringify(v));
  const policy = withInput(x, json({ default: [{ type: 'insecureAcceptAnything' }] }), (p, n) => call(x, x.sealcheck_policy_load, p, n));
  assert.equal(policy.code, 0, JSON.stringify(policy));
  const manifest = Buffer.from('{"schemaVersion":2}').toString('base64');
  const decide = (req) => withInput(x, json(req), (p, n) => call(x, x.sealcheck_decide_image, policy.handle, p, n));
  const base = { reference: 'registry.example.com/app:1', manifest, now: 1800000000 };
  assert.equal(decide(base).code, 0, 'the same request without notarySignatures is decided');
  // Present at all (signatures, an empty list, null): refused, never ignored.
  for (const notarySignatures of [[{ mediaType: 'application/jose+json', envelope: 'e30=' }], [], null]) {
    const out = decide({ ...base, notarySignatures });
    assert.equal(out.code, 2, JSON.stringify(out));
    assert.equal(out.allowed, undefined);
    assert.equal(out.error.kind, 'Request');
    assert.match(out.error.message, /this module is built without Notary support/);
  }
  // A containers policy naming a Notary requirement does not load either.
  const notary = withInput(x, json({ default: [{ type: 'sealcheckNotarySigned', signatureVerification: { level: 'strict' }, trustStores: ['ca:acme'], trustedIdentities: ['*'] }] }),
    (p, n) => call(x, x.sealcheck_policy_load, p, n));
  assert.equal(notary.code, 2, JSON.stringify(notary));
  x.sealcheck_handle_free(policy.handle);
});

test('verifies a keyless bundle with an empty import object', async () => {
  assertVectors();
  const { x } = await instantiate();
  const root = withInput(x, Buffer.from('public-good'), (p, n) => call(x, x.sealcheck_root_load, p, n));
  assert.equal(root.code, 0);
  const dir = join(vectors, 'sigstore-conformance/test/assets/bundle-verify');
  const req = (bundleCase) => Buffer.from(JSON.stringify({
    bundle: readFileSync(join(dir, bundleCase, 'bundle.sigstore.json')).toString('base64'),
    artifact: readFileSync(join(dir, 'a.txt')).toString('base64'),
    certificateIdentity: 'https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main',
    certificateOidcIssuer: 'https://token.actions.githubusercontent.com',
    now: 1800000000,
  }));
  const ok = withInput(x, req('happy-path-v0.3'), (p, n) => call(x, x.sealcheck_verify_bundle, root.handle, p, n));
  assert.equal(ok.code, 0, JSON.stringify(ok));
  assert.equal(ok.verified, true);
  const bad = withInput(x, req('signature-mismatch_fail'), (p, n) => call(x, x.sealcheck_verify_bundle, root.handle, p, n));
  assert.equal(bad.code, 1);
  assert.equal(bad.error.kind, 'BadSignature');
  const garbage = withInput(x, Buffer.from('{"nope":1}'), (p, n) => call(x, x.sealcheck_verify_bundle, root.handle, p, n));
  assert.equal(garbage.code, 2);
  x.sealcheck_handle_free(root.handle);
  const gone = withInput(x, req('happy-path-v0.3'), (p, n) => call(x, x.sealcheck_verify_bundle, root.handle, p, n));
  assert.equal(gone.code, 2);
});
