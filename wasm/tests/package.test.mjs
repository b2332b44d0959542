// The wasm-bindgen package (wasm/pkg/nodejs): all 140 sigstore-conformance runs agree with
// EXPECTED.tsv, and container-libs fixture decisions match the CLI's. Run: node --test wasm/tests/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));
const top = join(here, '..', '..');
const vectors = join(top, '..', 'shared', 'vectors');
const require = createRequire(import.meta.url);
const sc = require(join(top, 'wasm/pkg/nodejs/sealcheck.js'));
const BEACON = 'https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main';
const GHA = 'https://token.actions.githubusercontent.com';

function assertVectors() {
  assert.ok(existsSync(vectors), `${vectors} is missing: these tests read the shared vectors`);
}

test('all 140 sigstore-conformance runs agree', () => {
  assertVectors();
  const dir = join(vectors, 'sigstore-conformance/test/assets/bundle-verify');
  const rows = readFileSync(join(vectors, 'sigstore-conformance/EXPECTED.tsv'), 'utf8').trim().split('\n');
  const header = rows.shift().split('\t');
  const [ci, ei] = [header.indexOf('case'), header.indexOf('expected')];
  const publicGood = sc.TrustRoot.publicGood();
  const now = Math.floor(Date.now() / 1000);
  let runs = 0;
  const bad = [];
  for (const row of rows) {
    const f = row.split('\t');
    const name = f[ci], want = f[ei];
    const c = join(dir, name);
    const artifact = readFileSync(existsSync(join(c, 'artifact')) ? join(c, 'artifact') : join(dir, 'a.txt'));
    const read = (n) => (existsSync(join(c, n)) ? readFileSync(join(c, n), 'utf8').trim() : undefined);
    for (const form of ['PATH', 'DIGEST']) {
      runs++;
      let got = 'pass', why = '';
      try {
        const root = existsSync(join(c, 'trusted_root.json')) ? sc.TrustRoot.fromJson(readFileSync(join(c, 'trusted_root.json'))) : publicGood;
        const req = { bundle: readFileSync(join(c, 'bundle.sigstore.json')), now };
        if (form === 'PATH') req.artifact = artifact;
        else req.artifactDigest = 'sha256:' + createHash('sha256').update(artifact).digest('hex');
        if (existsSync(join(c, 'key.pub'))) req.key = read('key.pub');
        else { req.certificateIdentity = read('identity') ?? BEACON; req.certificateOidcIssuer = read('issuer') ?? GHA; }
        sc.verifyBundle(root, req);
      } catch (e) {
        got = 'fail';
        why = `${e.name} ${e.code} ${e.kind}`;
        assert.equal(e.name, 'SealcheckError', `${name}: ${e}`);
        assert.ok(e.code === 1 || e.code === 2, `${name}: code ${e.code}`);
      }
      if (got !== want) bad.push(`${form}-${name}: want ${want}, got ${got} ${why}`);
    }
  }
  assert.equal(runs, 140);
  assert.deepEqual(bad, []);
});

test('container-libs fixture decisions match the CLI', () => {
  assertVectors();
  const fx = join(vectors, 'container-libs/image/signature/fixtures');
  const cli = join(top, 'target/release/sealcheck');
  assert.ok(existsSync(cli), `${cli} is missing: build it with cargo build --release`);
  const keyData = readFileSync(join(fx, 'cosign.pub')).toString('base64');
  const policyFor = (identity) => JSON.stringify({ default: [{ type: 'sigstoreSigned', keyData, signedIdentity: { type: identity } }] });
  const signature = readFileSync(join(fx, 'dir-img-cosign-valid/signature-1'));
  const cases = [
    ['dir-img-cosign-valid', '192.168.64.2:5000/cosign-signed-single-sample', 'matchRepository', true],
    ['dir-img-cosign-valid', '192.168.64.2:5000/cosign-signed-single-sample:latest', 'matchExact', false],
    ['dir-img-cosign-valid', '192.168.64.2:5000/other', 'matchRepository', false],
    ['dir-img-cosign-pki-valid', '192.168.64.2:5000/cosign-signed-single-sample', 'matchRepository', false],
  ];
  for (const [dir, reference, identity, want] of cases) {
    const policyJson = policyFor(identity);
    const manifest = readFileSync(join(fx, dir, 'manifest.json'));
    const out = sc.decideImage(sc.Policy.fromContainersPolicyJson(policyJson), { reference, manifest, signatures: [signature], now: Math.floor(Date.now() / 1000) });
    assert.equal(out.allowed, want, `${dir} ${reference} ${identity}: ${out.decision.reason}`);
    // The CLI decides the same evidence laid out as a dir: image.
    const tmp = execFileSync('mktemp', ['-d']).toString().trim();
    execFileSync('cp', [join(fx, dir, 'manifest.json'), join(tmp, 'manifest.json')]);
    execFileSync('cp', [join(fx, 'dir-img-cosign-valid/signature-1'), join(tmp, 'signature-1')]);
    const p = join(tmp, 'policy.json');
    require('node:fs').writeFileSync(p, policyJson);
    let allowed = true;
    try { execFileSync(cli, ['verify', '--policy', p, '--reference', reference, `dir:${tmp}`], { stdio: 'pipe' }); } catch { allowed = false; }
    execFileSync('rm', ['-rf', tmp]);
    assert.equal(allowed, out.allowed, `CLI and WASM disagree on ${dir} ${reference} ${identity}`);
  }
  assert.throws(() => sc.decideImage(sc.Policy.fromContainersPolicyJson(policyFor('matchRepository')), { reference: 'a//b', manifest: 'AA==', now: 0 }),
    (e) => e.name === 'SealcheckError' && e.code === 2);
  assert.throws(() => sc.Policy.fromContainersPolicyJson('{"default":[]}'), (e) => e.name === 'SealcheckError' && e.code === 2);
});
