// Issue 11 bench: one keyless verification per conformance bundle with the wasm-bindgen package
// (Node's crypto, and RustCrypto forced), the import-free module through its ABI, and
// @sigstore/verify, timed in the same Node process. Prints ms per verification (mean of the
// best of ROUNDS rounds of N, after WARMUP) and sigstore-js ÷ sealcheck.
// Setup: bash wasm/build.sh && (cd wasm/bench && npm ci). Run: node wasm/bench/run.mjs [N]
// Env: ROUNDS (3), WARMUP (30). Vectors are read in place from ../shared/vectors.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const top = join(here, '..', '..');
const vectors = join(top, '..', 'shared', 'vectors');
const dir = join(vectors, 'sigstore-conformance/test/assets/bundle-verify');
const N = Number(process.argv[2] ?? 200), ROUNDS = Number(process.env.ROUNDS ?? 3), WARMUP = Number(process.env.WARMUP ?? 30);
const CASES = ['happy-path-v0.3', 'happy-path-intoto-in-dsse-v3', 'rekor2-happy-path'];
const BEACON = 'https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main';
const GHA = 'https://token.actions.githubusercontent.com';
const NOW = 1800000000;

const require = createRequire(import.meta.url);
const sc = require(join(top, 'wasm/pkg/nodejs/sealcheck.js'));
if (!existsSync(join(here, 'node_modules/@sigstore/verify'))) throw new Error('@sigstore/verify is missing: run (cd wasm/bench && npm ci)');
const { Verifier, toSignedEntity, toTrustMaterial } = require('@sigstore/verify');
const { bundleFromJSON } = require('@sigstore/bundle');
const { TrustedRoot } = require('@sigstore/protobuf-specs');
const sigstoreJsVersion = require('@sigstore/verify/package.json').version;
const coreModule = new WebAssembly.Module(readFileSync(join(top, 'wasm/dist/sealcheck_core.wasm')));

// A case as the package tests read it: its own trusted root or public-good, identity or BEACON.
function readCase(name) {
  const c = join(dir, name);
  const read = (f) => (existsSync(join(c, f)) ? readFileSync(join(c, f)) : undefined);
  const rootJson = read('trusted_root.json');
  return {
    name,
    bundle: readFileSync(join(c, 'bundle.sigstore.json')),
    artifact: read('artifact') ?? readFileSync(join(dir, 'a.txt')),
    rootJson,
    // The embedded public-good root is byte-identical to root-signing's (a core test checks).
    rootJsonOrPublicGood: rootJson ?? readFileSync(join(vectors, 'root-signing/targets/trusted_root.json')),
    identity: read('identity')?.toString().trim() ?? BEACON,
    issuer: read('issuer')?.toString().trim() ?? GHA,
  };
}

// Each loads what is loaded once (trusted root, policy) and returns a function doing one whole
// verification: bundle bytes in, verdict checked (a failure throws).
function bindgen(c) {
  const root = c.rootJson ? sc.TrustRoot.fromJson(c.rootJson) : sc.TrustRoot.publicGood();
  const req = { bundle: c.bundle, artifact: c.artifact, certificateIdentity: c.identity, certificateOidcIssuer: c.issuer, now: NOW };
  return () => sc.verifyBundle(root, req);
}

function importFree(c) {
  const x = new WebAssembly.Instance(coreModule, {}).exports;
  const call = (fn, bytes, ...pre) => {
    const p = x.sealcheck_alloc(bytes.length);
    new Uint8Array(x.memory.buffer, p, bytes.length).set(bytes);
    const packed = fn(...pre, p, bytes.length);
    x.sealcheck_free(p, bytes.length);
    if (packed === 0n) throw new Error('module allocation failed');
    const ptr = Number(packed >> 32n), len = Number(packed & 0xffffffffn);
    const out = JSON.parse(Buffer.from(new Uint8Array(x.memory.buffer, ptr, len)).toString('utf8'));
    x.sealcheck_free(ptr, len);
    return out;
  };
  const root = call(x.sealcheck_root_load, c.rootJson ?? Buffer.from('public-good'));
  if (root.code !== 0) throw new Error(JSON.stringify(root));
  return () => {
    // The request is built per verification: that is what a caller of the ABI pays.
    const req = Buffer.from(JSON.stringify({
      bundle: c.bundle.toString('base64'), artifact: c.artifact.toString('base64'),
      certificateIdentity: c.identity, certificateOidcIssuer: c.issuer, now: NOW,
    }));
    const out = call(x.sealcheck_verify_bundle, req, root.handle);
    if (out.code !== 0) throw new Error(JSON.stringify(out.error));
  };
}

function sigstoreJs(c) {
  const verifier = new Verifier(toTrustMaterial(TrustedRoot.fromJSON(JSON.parse(c.rootJsonOrPublicGood))), { tlogThreshold: 1, ctlogThreshold: 1 });
  const policy = { subjectAlternativeName: c.identity, extensions: { issuer: c.issuer } };
  return () => verifier.verify(toSignedEntity(bundleFromJSON(JSON.parse(c.bundle)), c.artifact), policy);
}

// Mean ms per call for each implementation (name → setup), of its least disturbed round (the
// machine is shared); rounds alternate between implementations so that a busy spell hits
// them alike.
function timeAll(setups) {
  const best = {}, fns = {};
  for (const [k, setup] of Object.entries(setups)) {
    try {
      const f = (fns[k] = setup());
      f(); // the first call must verify: a failure is reported, not timed
      for (let i = 0; i < WARMUP; i++) f();
      best[k] = Infinity;
    } catch (e) {
      best[k] = `n/a (${String(e.message ?? e).split('\n')[0].slice(0, 60)})`;
    }
  }
  for (let r = 0; r < ROUNDS; r++) {
    for (const [k, f] of Object.entries(fns)) {
      if (typeof best[k] !== 'number') continue;
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < N; i++) f();
      best[k] = Math.min(best[k], Number(process.hrtime.bigint() - t0) / 1e6 / N);
    }
  }
  return best;
}

// The last `cargo bench --bench verify` figure, if there is one (optional).
function native(name) {
  const f = join(top, 'target/criterion/verify', name, 'new/estimates.json');
  return existsSync(f) ? JSON.parse(readFileSync(f, 'utf8')).mean.point_estimate / 1e6 : 'n/a (no cargo bench run)';
}

if (!existsSync(dir)) throw new Error(`${dir} is missing: the bench reads the shared vectors`);
const auto = sc.useRustCrypto(false);
if (auto !== 'node') console.log(`note: the package chose ${auto}, not node`);
console.log(`Node ${process.version}, @sigstore/verify ${sigstoreJsVersion}; ms per verification, best of ${ROUNDS} rounds of ${N} (warm-up ${WARMUP})\n`);
const cols = ['bindgen+node', 'bindgen+rustcrypto', 'import-free', 'sigstore-js', 'native rustcrypto*'];
const fmt = (v) => (typeof v === 'number' ? v.toFixed(3) : v);
const rows = [];
// The package's choice is global: each of its two runs sets it before every call.
const withCrypto = (forceRust, f) => () => { sc.useRustCrypto(forceRust); return f(); };
for (const name of CASES) {
  const c = readCase(name);
  const setups = {
    'bindgen+node': () => withCrypto(false, bindgen(c)),
    'bindgen+rustcrypto': () => withCrypto(true, bindgen(c)),
    'import-free': () => importFree(c),
    'sigstore-js': () => sigstoreJs(c),
  };
  rows.push([name, { ...timeAll(setups), 'native rustcrypto*': native(name) }]);
}
sc.useRustCrypto(false);
const w = Math.max(...CASES.map((n) => n.length));
console.log(['case'.padEnd(w), ...cols.map((k) => k.padStart(20))].join(' '));
for (const [name, r] of rows) console.log([name.padEnd(w), ...cols.map((k) => fmt(r[k]).padStart(20))].join(' '));
console.log('\nsigstore-js ÷ sealcheck (> 1: sealcheck faster; goal ≥ 1.5 for bindgen+node)');
const ratioCols = cols.slice(0, 3);
console.log(['case'.padEnd(w), ...ratioCols.map((k) => k.padStart(20))].join(' '));
for (const [name, r] of rows) {
  const js = r['sigstore-js'];
  console.log([name.padEnd(w), ...ratioCols.map((k) => (typeof js === 'number' && typeof r[k] === 'number' ? `${(js / r[k]).toFixed(2)}x` : 'n/a').padStart(20))].join(' '));
}
console.log('\n* native: the last `cargo bench --bench verify` run (target/criterion), not run by this script.');
