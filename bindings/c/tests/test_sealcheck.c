/*
 * C tests of the sealcheck ABI, compiled against the committed include/sealcheck.h and linked
 * once against the shared and once against the static library (see run.sh).
 * Usage: test_sealcheck VECTORS_DIR   (../shared/vectors)
 */
#define _GNU_SOURCE /* memmem */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sealcheck.h"

#define BEACON "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main"
#define GHA "https://token.actions.githubusercontent.com"
#define NOW 1800000000LL

static int failures = 0, checks = 0;
#define CHECK(cond, ...)                                   \
  do {                                                     \
    checks++;                                              \
    if (!(cond)) {                                         \
      fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
      fprintf(stderr, __VA_ARGS__);                        \
      fprintf(stderr, "\n");                               \
      failures++;                                          \
    }                                                      \
  } while (0)

typedef struct {
  uint8_t *data;
  size_t len;
} file_t;

static file_t slurp(const char *dir, const char *rel) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, rel);
  file_t f = {NULL, 0};
  FILE *fp = fopen(path, "rb");
  if (!fp) {
    fprintf(stderr, "cannot open %s\n", path);
    exit(2);
  }
  fseek(fp, 0, SEEK_END);
  long n = ftell(fp);
  fseek(fp, 0, SEEK_SET);
  f.data = malloc((size_t)n + 1);
  f.len = fread(f.data, 1, (size_t)n, fp);
  fclose(fp);
  return f;
}

static const char *msg(sealcheck_result r) {
  static char buf[256];
  size_t n = 0;
  if (sealcheck_error_message(r, buf, sizeof buf, &n) != SEALCHECK_RESULT_OK) return "?";
  return buf;
}

static const char *vectors;
static sealcheck_policy *shared_policy;
static file_t img_manifest, img_signature, other_manifest;

static void test_bundles(void) {
  sealcheck_trusted_root *root = NULL;
  sealcheck_verifier *v = NULL;
  CHECK(sealcheck_trusted_root_embedded(true, &root) == SEALCHECK_RESULT_OK, "embedded root");
  CHECK(sealcheck_verifier_new(root, &v) == SEALCHECK_RESULT_OK, "verifier");
  sealcheck_trusted_root_free(root); /* the verifier keeps its own reference */

  file_t bundle = slurp(vectors, "sigstore-conformance/test/assets/bundle-verify/happy-path-v0.3/bundle.sigstore.json");
  file_t artifact = slurp(vectors, "sigstore-conformance/test/assets/bundle-verify/a.txt");
  sealcheck_buffer *report = NULL;
  sealcheck_result r = sealcheck_verifier_verify_bundle(v, bundle.data, bundle.len, artifact.data, artifact.len, SEALCHECK_ARTIFACT_BYTES,
                                                        (const uint8_t *)BEACON, strlen(BEACON), (const uint8_t *)GHA, strlen(GHA), 0, NOW, &report, NULL);
  CHECK(r == SEALCHECK_RESULT_OK, "keyless happy path: %u %s", r, msg(r));
  CHECK(report != NULL && sealcheck_buffer_len(report) > 0 && memchr(sealcheck_buffer_data(report), '{', 1) != NULL, "report JSON");
  sealcheck_buffer_free(report);

  /* The same by digest, and with an anchored regexp identity. */
  const char *digest = "sha256:a0cfc71271d6e278e57cd332ff957c3f7043fdda354c4cbb190a30d56efa01bf";
  const char *re = "https://github.com/sigstore-conformance/.*";
  r = sealcheck_verifier_verify_bundle(v, bundle.data, bundle.len, (const uint8_t *)digest, strlen(digest), SEALCHECK_ARTIFACT_DIGEST,
                                       (const uint8_t *)re, strlen(re), (const uint8_t *)GHA, strlen(GHA), SEALCHECK_SAN_REGEXP, NOW, NULL, NULL);
  CHECK(r == SEALCHECK_RESULT_OK, "digest + regexp: %u %s", r, msg(r));

  /* A failing conformance case is rejected with its own code. */
  file_t bad = slurp(vectors, "sigstore-conformance/test/assets/bundle-verify/signature-mismatch_fail/bundle.sigstore.json");
  report = NULL;
  r = sealcheck_verifier_verify_bundle(v, bad.data, bad.len, artifact.data, artifact.len, SEALCHECK_ARTIFACT_BYTES, (const uint8_t *)BEACON,
                                       strlen(BEACON), (const uint8_t *)GHA, strlen(GHA), 0, NOW, &report, NULL);
  CHECK(r == SEALCHECK_RESULT_BAD_SIGNATURE, "signature-mismatch_fail: %u %s", r, msg(r));
  CHECK(report == NULL, "no output on failure");
  /* The same, asking for the detail. */
  sealcheck_buffer *detail = NULL;
  r = sealcheck_verifier_verify_bundle(v, bad.data, bad.len, artifact.data, artifact.len, SEALCHECK_ARTIFACT_BYTES, (const uint8_t *)BEACON,
                                       strlen(BEACON), (const uint8_t *)GHA, strlen(GHA), 0, NOW, &report, &detail);
  CHECK(r == SEALCHECK_RESULT_BAD_SIGNATURE && report == NULL && detail != NULL, "detail on failure");
  CHECK(detail != NULL && memmem(sealcheck_buffer_data(detail), sealcheck_buffer_len(detail), "\"kind\":\"BadSignature\"", strlen("\"kind\":\"BadSignature\"")) != NULL &&
            memmem(sealcheck_buffer_data(detail), sealcheck_buffer_len(detail), "\"class\":\"rejection\"", strlen("\"class\":\"rejection\"")) != NULL,
        "detail names the kind and class");
  sealcheck_buffer_free(detail);

  /* Wrong identity. */
  r = sealcheck_verifier_verify_bundle(v, bundle.data, bundle.len, artifact.data, artifact.len, SEALCHECK_ARTIFACT_BYTES,
                                       (const uint8_t *)"https://x", 9, (const uint8_t *)GHA, strlen(GHA), 0, NOW, NULL, NULL);
  CHECK(r == SEALCHECK_RESULT_IDENTITY_MISMATCH, "wrong SAN: %u %s", r, msg(r));

  /* NULL and garbage. */
  CHECK(sealcheck_verifier_verify_bundle(NULL, bundle.data, bundle.len, artifact.data, artifact.len, 0, (const uint8_t *)BEACON, strlen(BEACON),
                                         (const uint8_t *)GHA, strlen(GHA), 0, NOW, NULL, NULL) == SEALCHECK_RESULT_NULL_PARAMETER,
        "NULL verifier");
  CHECK(sealcheck_verifier_verify_bundle(v, NULL, 5, artifact.data, artifact.len, 0, (const uint8_t *)BEACON, strlen(BEACON), (const uint8_t *)GHA,
                                         strlen(GHA), 0, NOW, NULL, NULL) == SEALCHECK_RESULT_NULL_PARAMETER,
        "NULL bundle with a length");
  r = sealcheck_verifier_verify_bundle(v, (const uint8_t *)"{garbage", 8, artifact.data, artifact.len, 0, (const uint8_t *)BEACON, strlen(BEACON),
                                       (const uint8_t *)GHA, strlen(GHA), 0, NOW, NULL, NULL);
  CHECK(r == SEALCHECK_RESULT_JSON, "garbage bundle: %u %s", r, msg(r));
  CHECK(sealcheck_verifier_verify_bundle(v, bundle.data, bundle.len, artifact.data, artifact.len, 7, (const uint8_t *)BEACON, strlen(BEACON),
                                         (const uint8_t *)GHA, strlen(GHA), 0, NOW, NULL, NULL) == SEALCHECK_RESULT_INVALID_PARAMETER,
        "unknown artifact kind");
  CHECK(sealcheck_verifier_verify_bundle(v, bundle.data, bundle.len, artifact.data, artifact.len, 0, (const uint8_t *)"\xff", 1,
                                         (const uint8_t *)GHA, strlen(GHA), 0, NOW, NULL, NULL) == SEALCHECK_RESULT_INVALID_UTF8,
        "non-UTF-8 SAN");
  sealcheck_trusted_root *bad_root = NULL;
  CHECK(sealcheck_trusted_root_new((const uint8_t *)"{}", 2, &bad_root, NULL) == SEALCHECK_RESULT_TRUSTED_ROOT_INVALID && bad_root == NULL, "bad root");
  CHECK(sealcheck_trusted_root_new((const uint8_t *)"{}", 2, NULL, NULL) == SEALCHECK_RESULT_NULL_PARAMETER, "NULL out");
  sealcheck_trusted_root_free(NULL);
  sealcheck_verifier_free(NULL);
  sealcheck_buffer_free(NULL);
  sealcheck_policy_free(NULL);
  CHECK(sealcheck_buffer_len(NULL) == 0 && sealcheck_buffer_data(NULL) == NULL, "NULL buffer accessors");
  char small[4];
  size_t n;
  CHECK(sealcheck_error_message(SEALCHECK_RESULT_BAD_SIGNATURE, small, sizeof small, &n) == SEALCHECK_RESULT_BUFFER_TOO_SMALL, "small buffer");
  CHECK(strncmp(sealcheck_version(), "sealcheck/", 10) == 0, "version");

  sealcheck_verifier_free(v);
  free(bundle.data);
  free(artifact.data);
  free(bad.data);
}

static sealcheck_result decide(const file_t *manifest, bool *allowed, sealcheck_buffer **record) {
  const char *ref = "192.168.64.2:5000/cosign-signed-single-sample";
  sealcheck_bytes sig = {img_signature.data, img_signature.len};
  return sealcheck_policy_decide(shared_policy, (const uint8_t *)ref, strlen(ref), manifest->data, manifest->len, &sig, 1, NULL, 0, NOW, allowed,
                                 record, NULL);
}

static void test_images(void) {
  bool allowed = false;
  sealcheck_buffer *record = NULL;
  sealcheck_result r = decide(&img_manifest, &allowed, &record);
  CHECK(r == SEALCHECK_RESULT_OK && allowed, "fixture image allowed: %u %s", r, msg(r));
  CHECK(record != NULL && sealcheck_buffer_len(record) > 0, "decision record");
  sealcheck_buffer_free(record);

  record = NULL;
  r = decide(&other_manifest, &allowed, &record);
  CHECK(r == SEALCHECK_RESULT_OK && !allowed, "signature for another manifest denied: %u", r);
  CHECK(record != NULL && strstr((const char *)sealcheck_buffer_data(record), "ArtifactMismatch") != NULL, "record names the reason");
  sealcheck_buffer_free(record);

  /* Garbage: a policy that does not parse, a reference that does not, a signature blob that does not. */
  sealcheck_policy *p = NULL;
  CHECK(sealcheck_policy_new((const uint8_t *)"{\"default\":[]}", 14, &p, NULL) == SEALCHECK_RESULT_POLICY_INVALID && p == NULL, "bad policy");
  /* A key file that does not exist is a load error naming the file, not a denial later. */
  const char *missing = "{\"default\":[{\"type\":\"sigstoreSigned\",\"keyPath\":\"/nonexistent/cosign.pub\"}]}";
  sealcheck_buffer *detail = NULL;
  CHECK(sealcheck_policy_new((const uint8_t *)missing, strlen(missing), &p, &detail) == SEALCHECK_RESULT_POLICY_INVALID && p == NULL, "missing key file");
  CHECK(detail != NULL && memmem(sealcheck_buffer_data(detail), sealcheck_buffer_len(detail), "/nonexistent/cosign.pub", strlen("/nonexistent/cosign.pub")) != NULL,
        "the detail names the file");
  sealcheck_buffer_free(detail);
  CHECK(sealcheck_policy_decide(shared_policy, (const uint8_t *)"UPPER/Case", 10, img_manifest.data, img_manifest.len, NULL, 0, NULL, 0, NOW, &allowed,
                                &record, NULL) == SEALCHECK_RESULT_REFERENCE_INVALID,
        "bad reference");
  sealcheck_bytes junk = {(const uint8_t *)"junk", 4};
  CHECK(sealcheck_policy_decide(shared_policy, (const uint8_t *)"a/b", 3, img_manifest.data, img_manifest.len, &junk, 1, NULL, 0, NOW, &allowed,
                                &record, NULL) == SEALCHECK_RESULT_IMAGE_SOURCE_INVALID,
        "bad signature blob: an input error");
  CHECK(sealcheck_policy_decide(shared_policy, (const uint8_t *)"a/b", 3, img_manifest.data, img_manifest.len, NULL, 1, NULL, 0, NOW, &allowed,
                                &record, NULL) == SEALCHECK_RESULT_NULL_PARAMETER,
        "NULL signature list with a length");
  CHECK(sealcheck_policy_decide(NULL, (const uint8_t *)"a/b", 3, NULL, 0, NULL, 0, NULL, 0, NOW, &allowed, &record, NULL) == SEALCHECK_RESULT_NULL_PARAMETER,
        "NULL policy");
}

/* ---- Notary: a trust policy and trust store compiled into the same policy handle ---- */

#define E2E "notation-suite/notation/test/e2e/testdata"
#define E2E_LAYOUT E2E "/registry/oci_layout"
#define E2E_DIGEST "sha256:b8479de3f88fb259a0a9ea82a5b2a052a1ef3c4ebbcfc61482d5ae4c831f8af9"
#define E2E_REF "localhost:5000/e2e@" E2E_DIGEST

static sealcheck_policy *notation_policy;

static bool contains(const sealcheck_buffer *b, const char *s) {
  return b != NULL && memmem(sealcheck_buffer_data(b), sealcheck_buffer_len(b), s, strlen(s)) != NULL;
}

static sealcheck_result notation_new(const char *json, size_t json_len, const char *store, const file_t *certs, const sealcheck_bytes *crls,
                                     size_t n_crls, sealcheck_policy **out, sealcheck_buffer **detail) {
  sealcheck_trust_store_entry e = {{(const uint8_t *)store, strlen(store)}, {certs->data, certs->len}};
  return sealcheck_notation_policy_new((const uint8_t *)json, json_len, &e, 1, crls, n_crls, out, detail);
}

/* Decides an e2e layout (by its tag v1) with `p`. */
static sealcheck_result decide_layout(const sealcheck_policy *p, const char *layout, bool *allowed, sealcheck_buffer **record) {
  char path[4096];
  int n = snprintf(path, sizeof path, "%s/%s/%s:v1", vectors, E2E_LAYOUT, layout);
  return sealcheck_policy_decide_oci_layout(p, (const uint8_t *)E2E_REF, strlen(E2E_REF), (const uint8_t *)path, (size_t)n, NOW, allowed, record,
                                            NULL);
}

/* Decides in-memory evidence: the e2e manifest and one Notary signature. */
static sealcheck_result decide_notary(const sealcheck_policy *p, const file_t *manifest, const char *media_type, const file_t *envelope,
                                      bool *allowed, sealcheck_buffer **record) {
  sealcheck_notary_signature sig = {{(const uint8_t *)media_type, strlen(media_type)}, {envelope->data, envelope->len}};
  return sealcheck_policy_decide_with_notary(p, (const uint8_t *)E2E_REF, strlen(E2E_REF), manifest->data, manifest->len, NULL, 0, NULL, 0, &sig,
                                             1, NOW, allowed, record, NULL);
}

static void test_notation(void) {
  file_t json = slurp(vectors, E2E "/config/trustpolicies/trustpolicy.json");
  file_t cert = slurp(vectors, E2E "/config/localkeys/e2e.crt");
  file_t other_cert = slurp(vectors, E2E "/config/localkeys/new_e2e.crt");
  file_t manifest = slurp(vectors, E2E_LAYOUT "/e2e-valid-signature/blobs/sha256/b8479de3f88fb259a0a9ea82a5b2a052a1ef3c4ebbcfc61482d5ae4c831f8af9");
  file_t envelope = slurp(vectors, E2E_LAYOUT "/e2e-valid-signature/blobs/sha256/c9af07e038b2b1a463e648986ad7273157511ffeba0b689f33e5472bae471f50");
  file_t bad_envelope = slurp(vectors, E2E_LAYOUT "/e2e-invalid-signature/blobs/sha256/9a8decdf3775708f4eed16859f19561d730cad40b1af0dcfc37ac1e5f879a934");

  sealcheck_result r = notation_new((const char *)json.data, json.len, "ca:e2e", &cert, NULL, 0, &notation_policy, NULL);
  CHECK(r == SEALCHECK_RESULT_OK && notation_policy != NULL, "notation policy: %u %s", r, msg(r));

  /* OCI layouts: the signature is found as a referrer. */
  bool allowed = false;
  sealcheck_buffer *record = NULL;
  r = decide_layout(notation_policy, "e2e-valid-signature", &allowed, &record);
  CHECK(r == SEALCHECK_RESULT_OK && allowed, "e2e-valid-signature allowed: %u %s", r, msg(r));
  CHECK(contains(record, "\"format\":\"notary\""), "the record names the Notary signature");
  sealcheck_buffer_free(record);
  allowed = true;
  record = NULL;
  r = decide_layout(notation_policy, "e2e-invalid-signature", &allowed, &record);
  CHECK(r == SEALCHECK_RESULT_OK && !allowed, "e2e-invalid-signature denied: %u %s", r, msg(r));
  CHECK(contains(record, "integrity"), "the record names the failed validation");
  sealcheck_buffer_free(record);
  allowed = true;
  record = NULL;
  r = decide_layout(notation_policy, "e2e", &allowed, &record);
  CHECK(r == SEALCHECK_RESULT_OK && !allowed, "unsigned e2e denied: %u %s", r, msg(r));
  CHECK(contains(record, "no Notary signatures"), "the record says there is none");
  sealcheck_buffer_free(record);

  /* The same evidence in memory. */
  allowed = false;
  record = NULL;
  r = decide_notary(notation_policy, &manifest, "application/jose+json", &envelope, &allowed, &record);
  CHECK(r == SEALCHECK_RESULT_OK && allowed, "in-memory valid envelope allowed: %u %s", r, msg(r));
  sealcheck_buffer_free(record);
  allowed = true;
  record = NULL;
  r = decide_notary(notation_policy, &manifest, "application/vnd.oci.image.layer.v1.tar", &bad_envelope, &allowed, &record);
  CHECK(r == SEALCHECK_RESULT_OK && !allowed, "in-memory invalid signature denied: %u %s", r, msg(r));
  sealcheck_buffer_free(record);
  allowed = true;
  record = NULL;
  r = decide_notary(notation_policy, &manifest, "application/cose", &envelope, &allowed, &record);
  CHECK(r == SEALCHECK_RESULT_OK && !allowed, "a JWS envelope labelled COSE denied: %u %s", r, msg(r));
  sealcheck_buffer_free(record);
  allowed = true;
  record = NULL;
  r = decide_notary(notation_policy, &other_manifest, "application/jose+json", &envelope, &allowed, &record);
  CHECK(r == SEALCHECK_RESULT_OK && !allowed, "the envelope for another manifest denied: %u %s", r, msg(r));
  sealcheck_buffer_free(record);
  allowed = true;
  record = NULL;
  r = sealcheck_policy_decide(notation_policy, (const uint8_t *)E2E_REF, strlen(E2E_REF), manifest.data, manifest.len, NULL, 0, NULL, 0, NOW,
                              &allowed, &record, NULL);
  CHECK(r == SEALCHECK_RESULT_OK && !allowed, "no Notary signature given: denied: %u %s", r, msg(r));
  sealcheck_buffer_free(record);
  /* Evidence of one kind never satisfies the other's policy. */
  allowed = true;
  record = NULL;
  r = decide_notary(shared_policy, &manifest, "application/jose+json", &envelope, &allowed, &record);
  CHECK(r == SEALCHECK_RESULT_OK && !allowed, "a containers policy ignores Notary signatures: %u %s", r, msg(r));
  sealcheck_buffer_free(record);
  {
    const char *ref = "192.168.64.2:5000/cosign-signed-single-sample";
    sealcheck_bytes sig = {img_signature.data, img_signature.len};
    allowed = true;
    record = NULL;
    r = sealcheck_policy_decide(notation_policy, (const uint8_t *)ref, strlen(ref), img_manifest.data, img_manifest.len, &sig, 1, NULL, 0, NOW, &allowed,
                                &record, NULL);
    CHECK(r == SEALCHECK_RESULT_OK && !allowed, "a Notary policy ignores cosign signatures: %u %s", r, msg(r));
    sealcheck_buffer_free(record);
  }
  /* Another trust anchor: loads, and denies. */
  sealcheck_policy *p = NULL;
  r = notation_new((const char *)json.data, json.len, "ca:e2e", &other_cert, NULL, 0, &p, NULL);
  CHECK(r == SEALCHECK_RESULT_OK, "policy with another anchor: %u %s", r, msg(r));
  allowed = true;
  record = NULL;
  r = decide_layout(p, "e2e-valid-signature", &allowed, &record);
  CHECK(r == SEALCHECK_RESULT_OK && !allowed && contains(record, "authenticity"), "wrong anchor denied (authenticity): %u %s", r, msg(r));
  sealcheck_buffer_free(record);
  sealcheck_policy_free(p);

  /* The trust store as a directory: x509/ca/e2e/e2e.crt. */
  char dir[] = "/tmp/sealcheck-truststore-XXXXXX";
  char path[4096];
  CHECK(mkdtemp(dir) != NULL, "mkdtemp");
  const char *parts[] = {"/x509", "/x509/ca", "/x509/ca/e2e"};
  for (int i = 0; i < 3; i++) {
    snprintf(path, sizeof path, "%s%s", dir, parts[i]);
    CHECK(mkdir(path, 0700) == 0, "mkdir %s", path);
  }
  snprintf(path, sizeof path, "%s/x509/ca/e2e/e2e.crt", dir);
  FILE *fp = fopen(path, "wb");
  CHECK(fp != NULL && fwrite(cert.data, 1, cert.len, fp) == cert.len, "write %s", path);
  if (fp) fclose(fp);
  p = NULL;
  r = sealcheck_notation_policy_new_dir(json.data, json.len, (const uint8_t *)dir, strlen(dir), NULL, 0, &p, NULL);
  CHECK(r == SEALCHECK_RESULT_OK && p != NULL, "notation policy with a trust store directory: %u %s", r, msg(r));
  allowed = false;
  record = NULL;
  r = decide_layout(p, "e2e-valid-signature", &allowed, &record);
  CHECK(r == SEALCHECK_RESULT_OK && allowed, "e2e-valid-signature allowed (directory store): %u %s", r, msg(r));
  sealcheck_buffer_free(record);
  sealcheck_policy_free(p);
  unlink(path);
  for (int i = 2; i >= 0; i--) {
    snprintf(path, sizeof path, "%s%s", dir, parts[i]);
    rmdir(path);
  }
  rmdir(dir);
  p = NULL;
  sealcheck_buffer *detail = NULL;
  r = sealcheck_notation_policy_new_dir(json.data, json.len, (const uint8_t *)dir, strlen(dir), NULL, 0, &p, &detail);
  CHECK(r == SEALCHECK_RESULT_POLICY_INVALID && p == NULL && contains(detail, "\"kind\":\"NotFound\""), "a missing trust store directory: %u %s", r,
        msg(r));
  sealcheck_buffer_free(detail);
  CHECK(sealcheck_notation_policy_new_dir(json.data, json.len, (const uint8_t *)"", 0, NULL, 0, &p, NULL) == SEALCHECK_RESULT_INVALID_PARAMETER,
        "an empty trust store path");

  /* Inputs that do not load. */
  detail = NULL;
  r = notation_new("{", 1, "ca:e2e", &cert, NULL, 0, &p, &detail);
  CHECK(r == SEALCHECK_RESULT_POLICY_INVALID && p == NULL && contains(detail, "trustpolicy.json"), "bad policy JSON: %u %s", r, msg(r));
  sealcheck_buffer_free(detail);
  detail = NULL;
  r = notation_new((const char *)json.data, json.len, "xyz:e2e", &cert, NULL, 0, &p, &detail);
  CHECK(r == SEALCHECK_RESULT_INVALID_PARAMETER && p == NULL && contains(detail, "type:name"), "unknown store type: %u %s", r, msg(r));
  sealcheck_buffer_free(detail);
  r = notation_new((const char *)json.data, json.len, "e2e", &cert, NULL, 0, &p, NULL);
  CHECK(r == SEALCHECK_RESULT_INVALID_PARAMETER && p == NULL, "store without a type: %u %s", r, msg(r));
  r = notation_new((const char *)json.data, json.len, "ca:bad/name", &cert, NULL, 0, &p, NULL);
  CHECK(r == SEALCHECK_RESULT_POLICY_INVALID && p == NULL, "invalid store name: %u %s", r, msg(r));
  /* A store the policy names but the trust store lacks: the policy does not load, or (as
   * notation-go finds it missing when verifying) denies. Either way nothing is allowed. */
  r = notation_new((const char *)json.data, json.len, "ca:other", &cert, NULL, 0, &p, NULL);
  CHECK(r == SEALCHECK_RESULT_OK || (r == SEALCHECK_RESULT_POLICY_INVALID && p == NULL), "policy naming a store not given: %u %s", r, msg(r));
  if (r == SEALCHECK_RESULT_OK) {
    allowed = true;
    record = NULL;
    r = decide_layout(p, "e2e-valid-signature", &allowed, &record);
    CHECK(r == SEALCHECK_RESULT_OK && !allowed, "the store the policy names is missing: denied: %u %s", r, msg(r));
    sealcheck_buffer_free(record);
    sealcheck_policy_free(p);
    p = NULL;
  }
  file_t junk_cert = {(uint8_t *)"not a certificate", 17};
  r = notation_new((const char *)json.data, json.len, "ca:e2e", &junk_cert, NULL, 0, &p, NULL);
  CHECK(r == SEALCHECK_RESULT_POLICY_INVALID && p == NULL, "garbage certificate: %u %s", r, msg(r));
  sealcheck_bytes junk_crl = {(const uint8_t *)"not a CRL", 9};
  detail = NULL;
  r = notation_new((const char *)json.data, json.len, "ca:e2e", &cert, &junk_crl, 1, &p, &detail);
  CHECK(r == SEALCHECK_RESULT_POLICY_INVALID && p == NULL && contains(detail, "crl 0"), "garbage CRL: %u %s", r, msg(r));
  sealcheck_buffer_free(detail);
  r = notation_new((const char *)json.data, json.len, "\xff:e2e", &cert, NULL, 0, &p, NULL);
  CHECK(r == SEALCHECK_RESULT_INVALID_UTF8 && p == NULL, "non-UTF-8 store name: %u %s", r, msg(r));
  CHECK(sealcheck_notation_policy_new(json.data, json.len, NULL, 1, NULL, 0, &p, NULL) == SEALCHECK_RESULT_NULL_PARAMETER, "NULL entries with a count");
  CHECK(sealcheck_notation_policy_new(json.data, json.len, NULL, 0, NULL, 1, &p, NULL) == SEALCHECK_RESULT_NULL_PARAMETER, "NULL CRLs with a count");
  CHECK(notation_new((const char *)json.data, json.len, "ca:e2e", &cert, NULL, 0, NULL, NULL) == SEALCHECK_RESULT_NULL_PARAMETER, "NULL out");
  allowed = true;
  record = NULL;
  r = decide_notary(notation_policy, &manifest, "\xff", &envelope, &allowed, &record);
  CHECK(r == SEALCHECK_RESULT_INVALID_UTF8 && record == NULL, "non-UTF-8 media type: %u %s", r, msg(r));
  CHECK(sealcheck_policy_decide_with_notary(notation_policy, (const uint8_t *)E2E_REF, strlen(E2E_REF), manifest.data, manifest.len, NULL, 0, NULL, 0,
                                            NULL, 1, NOW, &allowed, &record, NULL) == SEALCHECK_RESULT_NULL_PARAMETER,
        "NULL Notary signatures with a count");
  CHECK(sealcheck_policy_decide_with_notary(notation_policy, (const uint8_t *)E2E_REF, strlen(E2E_REF), manifest.data, manifest.len, NULL, 0, NULL, 0,
                                            NULL, 1001, NOW, &allowed, &record, NULL) == SEALCHECK_RESULT_LIMIT_EXCEEDED,
        "too many Notary signatures");

  free(json.data);
  free(cert.data);
  free(other_cert.data);
  free(manifest.data);
  free(envelope.data);
  free(bad_envelope.data);
}

/* ---- audit log: decisions appended to a hash-chained JSON Lines file (src/audit.rs) ---- */

#define AUDIT_N 24

static bool buffer_is(const sealcheck_buffer *b, const char *s) {
  return b != NULL && sealcheck_buffer_len(b) == strlen(s) && memcmp(sealcheck_buffer_data(b), s, strlen(s)) == 0;
}

static bool same_buffer(const sealcheck_buffer *a, const sealcheck_buffer *b) {
  return a != NULL && b != NULL && sealcheck_buffer_len(a) == sealcheck_buffer_len(b) &&
         memcmp(sealcheck_buffer_data(a), sealcheck_buffer_data(b), sealcheck_buffer_len(a)) == 0;
}

static void write_file(const char *path, const uint8_t *data, size_t len) {
  FILE *fp = fopen(path, "wb");
  if (!fp || fwrite(data, 1, len, fp) != len || fclose(fp) != 0) {
    fprintf(stderr, "cannot write %s\n", path);
    exit(2);
  }
}

static sealcheck_audit_log *audit_shared;

static void *audit_worker(void *arg) {
  (void)arg;
  for (int i = 0; i < 4; i++) {
    bool allowed = false;
    sealcheck_buffer *record = NULL;
    if (decide(&img_manifest, &allowed, &record) != SEALCHECK_RESULT_OK) return (void *)1;
    sealcheck_result r = sealcheck_audit_log_append(audit_shared, sealcheck_buffer_data(record), sealcheck_buffer_len(record), NULL, NULL);
    sealcheck_buffer_free(record);
    if (r != SEALCHECK_RESULT_OK) return (void *)2;
  }
  return NULL;
}

/* Appends AUDIT_N decision records (allowed and denied, as sealcheck_policy_decide gives them),
 * then 4 threads x 4 more through the same handle; re-opens the log and compares tails; checks
 * that records the library did not produce are refused and write nothing; and that a copy
 * with one record edited does not open (SEALCHECK_RESULT_IO, naming the next record). The log
 * is kept in `dir` as audit.jsonl with its tail in audit.tail and the edited copy as
 * tampered.jsonl, for run.sh to check with `sealcheck audit verify`. */
static void test_audit(const char *dir) {
  char path[4096], tampered[4096], tail_path[4096];
  snprintf(path, sizeof path, "%s/audit.jsonl", dir);
  snprintf(tampered, sizeof tampered, "%s/tampered.jsonl", dir);
  snprintf(tail_path, sizeof tail_path, "%s/audit.tail", dir);
  unlink(path);
  sealcheck_audit_log *log = NULL;
  sealcheck_buffer *detail = NULL;
  sealcheck_result r = sealcheck_audit_log_open((const uint8_t *)path, strlen(path), &log, &detail);
  CHECK(r == SEALCHECK_RESULT_OK && log != NULL, "open a new audit log: %u %s", r, msg(r));
  sealcheck_buffer *tail = NULL;
  CHECK(sealcheck_audit_log_tail(log, &tail) == SEALCHECK_RESULT_OK &&
            buffer_is(tail, "0:0000000000000000000000000000000000000000000000000000000000000000"),
        "an empty log's tail");
  sealcheck_buffer_free(tail);
  int allowed_n = 0;
  for (int i = 0; i < AUDIT_N; i++) {
    bool allowed = false;
    sealcheck_buffer *record = NULL;
    r = decide(i % 3 == 0 ? &other_manifest : &img_manifest, &allowed, &record);
    CHECK(r == SEALCHECK_RESULT_OK, "decision %d", i);
    allowed_n += allowed;
    tail = NULL;
    r = sealcheck_audit_log_append(log, sealcheck_buffer_data(record), sealcheck_buffer_len(record), &tail, NULL);
    char want[16];
    snprintf(want, sizeof want, "%d:", i + 1);
    CHECK(r == SEALCHECK_RESULT_OK && tail != NULL && memcmp(sealcheck_buffer_data(tail), want, strlen(want)) == 0, "append %d: %u %s", i, r, msg(r));
    sealcheck_buffer_free(tail);
    sealcheck_buffer_free(record);
  }
  CHECK(allowed_n == AUDIT_N - AUDIT_N / 3, "allowed and denied decisions recorded: %d allowed", allowed_n);
  audit_shared = log;
  pthread_t t[4];
  for (int i = 0; i < 4; i++) pthread_create(&t[i], NULL, audit_worker, NULL);
  for (int i = 0; i < 4; i++) {
    void *res = NULL;
    pthread_join(t[i], &res);
    CHECK(res == NULL, "audit thread %d", i);
  }

  /* Not a decision record: refused, nothing written. */
  struct stat before, after;
  stat(path, &before);
  const char *not_a_record[] = {"{\"allowed\":true}", "not json", "{\"allowed\":true,\n\"reason\":\"x\"}", ""};
  for (size_t i = 0; i < sizeof not_a_record / sizeof *not_a_record; i++) {
    detail = NULL;
    r = sealcheck_audit_log_append(log, (const uint8_t *)not_a_record[i], strlen(not_a_record[i]), NULL, &detail);
    CHECK(r == SEALCHECK_RESULT_INVALID_PARAMETER && contains(detail, "decision record"), "not a record (%zu): %u", i, r);
    sealcheck_buffer_free(detail);
  }
  stat(path, &after);
  CHECK(before.st_size == after.st_size && before.st_size > 0, "nothing written: %lld then %lld bytes", (long long)before.st_size, (long long)after.st_size);
  CHECK(sealcheck_audit_log_append(log, NULL, 3, NULL, NULL) == SEALCHECK_RESULT_NULL_PARAMETER, "NULL record with a length");
  CHECK(sealcheck_audit_log_tail(log, NULL) == SEALCHECK_RESULT_NULL_PARAMETER, "NULL out_tail");
  CHECK(sealcheck_audit_log_append((const sealcheck_audit_log *)shared_policy, (const uint8_t *)"{}", 2, NULL, NULL) == SEALCHECK_RESULT_INVALID_HANDLE,
        "a policy passed as an audit log");
  sealcheck_buffer *final_tail = NULL;
  CHECK(sealcheck_audit_log_tail(log, &final_tail) == SEALCHECK_RESULT_OK && final_tail != NULL &&
            memcmp(sealcheck_buffer_data(final_tail), "40:", 3) == 0 && sealcheck_buffer_len(final_tail) == 3 + 64,
        "tail after 40 appends");
  sealcheck_audit_log_free(log);
  sealcheck_audit_log_free(NULL);

  /* Re-opened: the whole chain is verified again and ends where it did. */
  log = NULL;
  CHECK(sealcheck_audit_log_open((const uint8_t *)path, strlen(path), &log, NULL) == SEALCHECK_RESULT_OK, "re-open");
  tail = NULL;
  CHECK(sealcheck_audit_log_tail(log, &tail) == SEALCHECK_RESULT_OK && same_buffer(tail, final_tail), "the re-opened log has the same tail");
  sealcheck_buffer_free(tail);
  sealcheck_audit_log_free(log);
  write_file(tail_path, sealcheck_buffer_data(final_tail), sealcheck_buffer_len(final_tail));
  sealcheck_buffer_free(final_tail);

  /* Record 5 edited into other valid JSON: record 6's prev no longer is its hash. */
  file_t f = slurp(dir, "audit.jsonl");
  uint8_t *line = f.data;
  for (int i = 0; i < 5; i++) line = (uint8_t *)memchr(line, '\n', f.len - (size_t)(line - f.data)) + 1;
  uint8_t *reason = memmem(line, f.len - (size_t)(line - f.data), "\"reason\":\"", 10);
  CHECK(reason != NULL && reason[10] != 'X', "record 5 has a reason");
  if (reason != NULL) reason[10] = 'X';
  write_file(tampered, f.data, f.len);
  free(f.data);
  log = NULL;
  detail = NULL;
  r = sealcheck_audit_log_open((const uint8_t *)tampered, strlen(tampered), &log, &detail);
  CHECK(r == SEALCHECK_RESULT_IO && log == NULL && contains(detail, "chain broken at record 6"), "an edited log does not open: %u", r);
  sealcheck_buffer_free(detail);
  CHECK(sealcheck_audit_log_open((const uint8_t *)dir, strlen(dir), &log, NULL) == SEALCHECK_RESULT_IO && log == NULL, "a directory is not a log");
  CHECK(sealcheck_audit_log_open((const uint8_t *)"", 0, &log, NULL) == SEALCHECK_RESULT_INVALID_PARAMETER, "an empty path");
}

static void *worker(void *arg) {
  (void)arg;
  for (int i = 0; i < 20; i++) {
    bool allowed = false;
    sealcheck_buffer *record = NULL;
    if (decide(&img_manifest, &allowed, &record) != SEALCHECK_RESULT_OK || !allowed) return (void *)1;
    sealcheck_buffer_free(record);
    record = NULL;
    if (decide_layout(notation_policy, "e2e-valid-signature", &allowed, &record) != SEALCHECK_RESULT_OK || !allowed) return (void *)2;
    sealcheck_buffer_free(record);
  }
  return NULL;
}

static void test_threads(void) {
  pthread_t t[8];
  for (int i = 0; i < 8; i++) pthread_create(&t[i], NULL, worker, NULL);
  for (int i = 0; i < 8; i++) {
    void *res = NULL;
    pthread_join(t[i], &res);
    CHECK(res == NULL, "thread %d", i);
  }
}

/* Handles of the wrong type are refused on every call (their magic word differs). */
static void test_wrong_handles(void) {
  sealcheck_trusted_root *root = NULL;
  CHECK(sealcheck_trusted_root_embedded(true, &root) == SEALCHECK_RESULT_OK, "embedded root");
  sealcheck_verifier *v = NULL;
  CHECK(sealcheck_verifier_new((const sealcheck_trusted_root *)shared_policy, &v) == SEALCHECK_RESULT_INVALID_HANDLE && v == NULL,
        "a policy passed as a trusted root");
  bool allowed = false;
  sealcheck_buffer *record = NULL;
  const char *ref = "quay.io/a/b:c";
  CHECK(sealcheck_policy_decide((const sealcheck_policy *)root, (const uint8_t *)ref, strlen(ref), img_manifest.data, img_manifest.len, NULL, 0,
                                NULL, 0, NOW, &allowed, &record, NULL) == SEALCHECK_RESULT_INVALID_HANDLE && record == NULL,
        "a trusted root passed as a policy");
  CHECK(sealcheck_buffer_len((const sealcheck_buffer *)root) == 0, "a trusted root passed as a buffer");
  sealcheck_buffer_free((sealcheck_buffer *)root); /* ignored: not a buffer */
  CHECK(sealcheck_policy_decide_oci_layout(shared_policy, (const uint8_t *)ref, strlen(ref), (const uint8_t *)"", 0, NOW, &allowed, &record, NULL) ==
            SEALCHECK_RESULT_INVALID_PARAMETER,
        "an empty layout path");
  sealcheck_trusted_root_free(root);
}

/* Use after free and double free are detected while the memory is not reused. This reads freed
 * memory on purpose, so run.sh runs it outside valgrind. */
static void test_freed_handles(void) {
  sealcheck_trusted_root *root = NULL;
  CHECK(sealcheck_trusted_root_embedded(true, &root) == SEALCHECK_RESULT_OK, "embedded root");
  sealcheck_trusted_root_free(root);
  sealcheck_verifier *v = NULL;
  CHECK(sealcheck_verifier_new(root, &v) == SEALCHECK_RESULT_INVALID_HANDLE && v == NULL, "a freed trusted root");
  sealcheck_trusted_root_free(root); /* a double free is ignored */
}

int main(int argc, char **argv) {
  if (argc != 2 && !(argc == 3 && strcmp(argv[2], "--misuse") == 0)) {
    fprintf(stderr, "usage: %s VECTORS_DIR [--misuse]\n", argv[0]);
    return 2;
  }
  vectors = argv[1];
  const char *fx = "container-libs/image/signature/fixtures";
  char rel[512];
  snprintf(rel, sizeof rel, "%s/dir-img-cosign-valid/manifest.json", fx);
  img_manifest = slurp(vectors, rel);
  snprintf(rel, sizeof rel, "%s/dir-img-cosign-valid/signature-1", fx);
  img_signature = slurp(vectors, rel);
  snprintf(rel, sizeof rel, "%s/dir-img-cosign-pki-valid/manifest.json", fx);
  other_manifest = slurp(vectors, rel);
  char policy[8192];
  int n = snprintf(policy, sizeof policy,
                   "{\"default\":[{\"type\":\"sigstoreSigned\",\"keyPath\":\"%s/%s/cosign.pub\",\"signedIdentity\":{\"type\":\"matchRepository\"}}]}",
                   vectors, fx);
  CHECK(sealcheck_policy_new((const uint8_t *)policy, (size_t)n, &shared_policy, NULL) == SEALCHECK_RESULT_OK, "policy");

  if (argc == 3) {
    test_freed_handles();
  } else {
    test_bundles();
    test_images();
    test_notation();
    test_threads();
    test_wrong_handles();
    /* SEALCHECK_AUDIT_DIR: where run.sh wants the log kept; else a temporary directory. */
    const char *audit_dir = getenv("SEALCHECK_AUDIT_DIR");
    char tmp[] = "/tmp/sealcheck-audit-XXXXXX";
    if (audit_dir == NULL && (audit_dir = mkdtemp(tmp)) == NULL) {
      fprintf(stderr, "mkdtemp failed\n");
      return 2;
    }
    test_audit(audit_dir);
    if (audit_dir == tmp) {
      const char *names[] = {"audit.jsonl", "audit.tail", "tampered.jsonl"};
      char p[4096];
      for (size_t i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s/%s", tmp, names[i]);
        unlink(p);
      }
      rmdir(tmp);
    }
  }

  sealcheck_policy_free(shared_policy);
  sealcheck_policy_free(notation_policy);
  free(img_manifest.data);
  free(img_signature.data);
  free(other_manifest.data);
  printf("%d passed, %d failed\n", checks - failures, failures);
  return failures == 0 ? 0 : 1;
}
