// The wasm-bindgen package verifies with Node's crypto by default and RustCrypto when forced:
// both must give the same answers, on the conformance cases, tampered bundles and generated
// keys of every kind (a backend that always said "ok" would fail the rejections here).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const top = join(here, '..', '..');
const vectors = join(top, '..', 'shared', 'vectors');
const require = createRequire(import.meta.url);
const sc = require(join(top, 'wasm/pkg/nodejs/sealcheck.js'));
const dir = join(vectors, 'sigstore-conformance/test/assets/bundle-verify');
const BEACON = 'https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main';
const GHA = 'https://token.actions.githubusercontent.com';
const NOW = 1800000000;

// The outcome of `f` under each backend: the whole result, or the error's class and kind.
function both(f) {
  const run = (force) => {
    sc.useRustCrypto(force);
    try {
      return { ok: true, out: JSON.stringify(f()) };
    } catch (e) {
      assert.equal(e.name, 'SealcheckError', String(e));
      return { ok: false, out: `${e.code} ${e.kind}: ${e.message}` };
    } finally {
      sc.useRustCrypto(false);
    }
  };
  const node = run(false), rust = run(true);
  assert.deepEqual(node, rust, 'node and rustcrypto disagree');
  return node;
}

const flipLast = (b) => { const c = Buffer.from(b); c[c.length - 1] ^= 1; return c; };
const flipLastB64 = (s) => flipLast(Buffer.from(s, 'base64')).toString('base64');

test('Node is chosen in Node, and RustCrypto can be forced', () => {
  assert.equal(sc.cryptoBackend(), 'node');
  assert.equal(sc.useRustCrypto(true), 'rustcrypto');
  assert.equal(sc.cryptoBackend(), 'rustcrypto');
  assert.equal(sc.useRustCrypto(false), 'node');
});

test('every conformance case, both artifact forms: the same answer on both backends', () => {
  assert.ok(existsSync(dir), `${dir} is missing: these tests read the shared vectors`);
  const publicGood = sc.TrustRoot.publicGood();
  let passed = 0, failed = 0;
  for (const name of readdirSync(dir).filter((n) => existsSync(join(dir, n, 'bundle.sigstore.json')))) {
    const c = join(dir, name);
    const read = (n) => (existsSync(join(c, n)) ? readFileSync(join(c, n), 'utf8').trim() : undefined);
    const artifact = readFileSync(existsSync(join(c, 'artifact')) ? join(c, 'artifact') : join(dir, 'a.txt'));
    for (const form of ['artifact', 'artifactDigest']) {
      const r = both(() => {
        const root = existsSync(join(c, 'trusted_root.json')) ? sc.TrustRoot.fromJson(readFileSync(join(c, 'trusted_root.json'))) : publicGood;
        const req = { bundle: readFileSync(join(c, 'bundle.sigstore.json')), now: NOW };
        req[form] = form === 'artifact' ? artifact : `sha256:${createHash('sha256').update(artifact).digest('hex')}`;
        if (read('key.pub')) req.key = read('key.pub');
        else { req.certificateIdentity = read('identity') ?? BEACON; req.certificateOidcIssuer = read('issuer') ?? GHA; }
        return sc.verifyBundle(root, req);
      });
      if (r.ok) passed++; else failed++;
    }
  }
  assert.ok(passed >= 20 && failed >= 80, `${passed} verified, ${failed} rejected`);
});

test('tampered signatures and certificates are rejected on both backends', () => {
  const artifact = readFileSync(join(dir, 'a.txt'));
  const keyless = (name, mutate) => {
    const b = JSON.parse(readFileSync(join(dir, name, 'bundle.sigstore.json')));
    mutate(b);
    const rootFile = join(dir, name, 'trusted_root.json');
    const root = existsSync(rootFile) ? sc.TrustRoot.fromJson(readFileSync(rootFile)) : sc.TrustRoot.publicGood();
    return both(() => sc.verifyBundle(root, { bundle: Buffer.from(JSON.stringify(b)), artifact, certificateIdentity: BEACON, certificateOidcIssuer: GHA, now: NOW }));
  };
  for (const name of ['happy-path-v0.3', 'happy-path-intoto-in-dsse-v3', 'rekor2-happy-path']) {
    assert.ok(keyless(name, () => {}).ok, `${name} verifies`);
    const cert = (b) => b.verificationMaterial.certificate;
    const r = keyless(name, (b) => { cert(b).rawBytes = flipLastB64(cert(b).rawBytes); });
    assert.equal(r.ok, false, `${name} with a tampered certificate signature: ${r.out}`);
  }
  const dsse = keyless('happy-path-intoto-in-dsse-v3', (b) => { const s = b.dsseEnvelope.signatures[0]; s.sig = flipLastB64(s.sig); });
  assert.match(dsse.out, /^1 BadSignature/);
  const sig = keyless('happy-path-v0.3', (b) => { b.messageSignature.signature = flipLastB64(b.messageSignature.signature); });
  assert.match(sig.out, /^1 BadSignature/);
});

// Evidence in the containers storage form, signed by `signer` (bytes to signature): a cosign
// simple-signing signature over the payload (the core verifies its hash: RustCrypto on both
// backends), or a DSSE in-toto attestation (over the PAE itself: Node's crypto where exact).
const PREDICATE = 'https://sealcheck.example/backends';
function stored(form, signer, reference, manifest) {
  const digest = `sha256:${createHash('sha256').update(manifest).digest('hex')}`;
  const signed = (m) => signer(m).toString('base64');
  let body;
  if (form === 'signature') {
    const payload = Buffer.from(JSON.stringify({
      critical: { identity: { 'docker-reference': reference }, image: { 'docker-manifest-digest': digest }, type: 'cosign container image signature' },
      optional: null,
    }));
    body = { mimeType: 'application/vnd.dev.cosign.simplesigning.v1+json', payload: payload.toString('base64'), annotations: { 'dev.cosignproject.cosign/signature': signed(payload) } };
  } else {
    const type = 'application/vnd.in-toto+json';
    const statement = Buffer.from(JSON.stringify({ _type: 'https://in-toto.io/Statement/v1', subject: [{ name: reference, digest: { sha256: digest.slice(7) } }], predicateType: PREDICATE, predicate: {} }));
    const pae = Buffer.concat([Buffer.from(`DSSEv1 ${type.length} ${type} ${statement.length} `), statement]);
    const envelope = { payloadType: type, payload: statement.toString('base64'), signatures: [{ keyid: '', sig: signed(pae) }] };
    body = { mimeType: 'application/vnd.dsse.envelope.v1+json', payload: Buffer.from(JSON.stringify(envelope)).toString('base64'), annotations: { 'dev.cosignproject.cosign/signature': '' } };
  }
  return Buffer.concat([Buffer.from('\0sigstore-json\n'), Buffer.from(JSON.stringify(body))]);
}

// P-256 public key as a compressed SEC1 point in a SubjectPublicKeyInfo (RFC 5480).
function compressedP256Pem(publicKey) {
  const { x, y } = publicKey.export({ format: 'jwk' });
  const point = Buffer.concat([Buffer.from([Buffer.from(y, 'base64url').at(-1) & 1 ? 3 : 2]), Buffer.from(x, 'base64url')]);
  const der = Buffer.concat([Buffer.from('3039301306072a8648ce3d020106082a8648ce3d030107032200', 'hex'), point]);
  return `-----BEGIN PUBLIC KEY-----\n${der.toString('base64')}\n-----END PUBLIC KEY-----\n`;
}

// Whether a policy trusting `pem` allows the image of `evidence`, the same on both backends.
const REFERENCE = 'registry.example/app';
function allowed(form, pem, evidence) {
  const manifest = readFileSync(join(vectors, 'container-libs/image/signature/fixtures/dir-img-cosign-valid/manifest.json'));
  const r = both(() => {
    const requirement = { type: 'sigstoreSigned', keyData: Buffer.from(pem).toString('base64'), signedIdentity: { type: 'matchRepository' } };
    if (form === 'attestation') requirement.sealcheckPredicateType = PREDICATE;
    const policy = sc.Policy.fromContainersPolicyJson(JSON.stringify({ default: [requirement] }));
    return sc.decideImage(policy, { reference: REFERENCE, manifest, signatures: [evidence], now: NOW });
  });
  return r.ok && JSON.parse(r.out).allowed;
}

test('generated keys of every kind: signatures, tampered signatures and wrong keys agree', () => {
  const manifest = readFileSync(join(vectors, 'container-libs/image/signature/fixtures/dir-img-cosign-valid/manifest.json'));
  const kinds = [
    ['P-256', () => generateKeyPairSync('ec', { namedCurve: 'P-256' }), 'sha256'],
    ['P-256 compressed', () => generateKeyPairSync('ec', { namedCurve: 'P-256' }), 'sha256', compressedP256Pem],
    ['P-384', () => generateKeyPairSync('ec', { namedCurve: 'P-384' }), 'sha384'],
    ['Ed25519', () => generateKeyPairSync('ed25519'), null],
    ['RSA-2048 e=65537', () => generateKeyPairSync('rsa', { modulusLength: 2048 }), 'sha256'],
    ['RSA-2048 e=3', () => generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 3 }), 'sha256'],
  ];
  for (const [kind, generate, hash, pem = (k) => k.export({ format: 'pem', type: 'spki' })] of kinds) {
    const key = generate(), other = generate();
    const signer = (m) => sign(hash, m, key.privateKey);
    for (const form of ['signature', 'attestation']) {
      const what = `${kind} ${form}`;
      const decide = (publicKey, s) => allowed(form, pem(publicKey), stored(form, s, REFERENCE, manifest));
      assert.ok(decide(key.publicKey, signer), `${what}: signed`);
      assert.ok(!decide(key.publicKey, (m) => flipLast(signer(m))), `${what}: tampered signature`);
      assert.ok(!decide(other.publicKey, signer), `${what}: wrong key`);
    }
  }
});

// Keys OpenSSL takes and RustCrypto refuses: Node must not be asked about them.
test('an RSA key with e = 1 and a P-256 key in SEC1 hybrid form verify nothing', () => {
  const der = (tag, body) => {
    const n = body.length;
    return Buffer.concat([Buffer.from([tag, ...(n < 128 ? [n] : n < 256 ? [0x81, n] : [0x82, n >> 8, n & 255])]), body]);
  };
  const pem = (spki) => `-----BEGIN PUBLIC KEY-----\n${spki.toString('base64')}\n-----END PUBLIC KEY-----\n`;
  const integer = (b) => der(0x02, b[0] & 0x80 ? Buffer.concat([Buffer.from([0]), b]) : b);
  const n = Buffer.from(generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'jwk' }).n, 'base64url');
  const rsaPublicKey = der(0x30, Buffer.concat([integer(n), integer(Buffer.from([1]))]));
  const e1 = der(0x30, Buffer.concat([Buffer.from('300d06092a864886f70d0101010500', 'hex'), der(0x03, Buffer.concat([Buffer.from([0]), rsaPublicKey]))]));
  // With e = 1, EMSA-PKCS1-v1_5 (RFC 8017 §9.2) of SHA-256(m) is its own signature for OpenSSL.
  const forge = (m) => {
    const t = Buffer.concat([Buffer.from('3031300d060960864801650304020105000420', 'hex'), createHash('sha256').update(m).digest()]);
    return Buffer.concat([Buffer.from([0, 1]), Buffer.alloc(n.length - t.length - 3, 0xff), Buffer.from([0]), t]);
  };
  // SEC1 §2.3.3 hybrid form: 0x06/0x07 (the parity of y), then x and y.
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const { x, y } = ec.publicKey.export({ format: 'jwk' });
  const yb = Buffer.from(y, 'base64url');
  const hybrid = Buffer.concat([Buffer.from('3059301306072a8648ce3d020106082a8648ce3d030107034200', 'hex'), Buffer.from([yb.at(-1) & 1 ? 7 : 6]), Buffer.from(x, 'base64url'), yb]);
  const manifest = readFileSync(join(vectors, 'container-libs/image/signature/fixtures/dir-img-cosign-valid/manifest.json'));
  for (const form of ['signature', 'attestation']) {
    assert.ok(!allowed(form, pem(e1), stored(form, forge, REFERENCE, manifest)), `e = 1 ${form}`);
    assert.ok(!allowed(form, pem(hybrid), stored(form, (m) => sign('sha256', m, ec.privateKey), REFERENCE, manifest)), `hybrid ${form}`);
  }
});

// A fresh instance of the package (which looks Node's crypto up at its first use), loaded while
// `process.getBuiltinModule` is `lookup`, and used by `f`.
function withFreshPackage(lookup, f) {
  const path = join(top, 'wasm/pkg/nodejs/sealcheck.js');
  const saved = process.getBuiltinModule;
  delete require.cache[require.resolve(path)];
  process.getBuiltinModule = lookup;
  try {
    return f(require(path));
  } finally {
    process.getBuiltinModule = saved;
    delete require.cache[require.resolve(path)];
  }
}

const dsseRequest = () => ({
  bundle: readFileSync(join(dir, 'happy-path-intoto-in-dsse-v3', 'bundle.sigstore.json')),
  artifact: readFileSync(join(dir, 'a.txt')), certificateIdentity: BEACON, certificateOidcIssuer: GHA, now: NOW,
});

test('a host that throws, or answers anything but true, fails verification', () => {
  const real = process.getBuiltinModule('node:crypto');
  let answer;
  const fake = { ...real, verify: () => { if (answer === 'throw') throw new Error('host failure'); return answer; } };
  withFreshPackage((name) => (name === 'node:crypto' ? fake : real), (fresh) => {
    assert.equal(fresh.cryptoBackend(), 'node');
    for (answer of ['throw', 1, 'true', {}, undefined]) {
      assert.throws(() => fresh.verifyBundle(fresh.TrustRoot.publicGood(), dsseRequest()), (e) => e.name === 'SealcheckError' && e.code === 1, `host answering ${String(answer)}`);
    }
    answer = true;
    assert.ok(fresh.verifyBundle(fresh.TrustRoot.publicGood(), dsseRequest()));
  });
});

test('without Node\'s crypto (as in a browser) the package verifies with RustCrypto', () => {
  withFreshPackage(undefined, (fresh) => {
    assert.equal(fresh.cryptoBackend(), 'rustcrypto');
    assert.equal(fresh.useRustCrypto(false), 'rustcrypto');
    assert.ok(fresh.verifyBundle(fresh.TrustRoot.publicGood(), dsseRequest()));
  });
});
