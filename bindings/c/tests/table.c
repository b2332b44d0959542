/*
 * The cross-surface table (tests/surfaces/table.tsv, issue 10 acceptance 1) through the C ABI:
 * each case must give the table's verdict, class and code, as it does on the Rust facade, the
 * CLI, Go and WASM. The class of a failure is the one the error detail JSON reports.
 *
 * Usage: table TABLE.tsv VECTORS_DIR
 */
#define _POSIX_C_SOURCE 200809L /* strdup, strtok_r */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sealcheck.h"

#define MAX_FIELDS 16

struct bytes {
    uint8_t *data;
    size_t len;
};

struct field {
    const char *key;
    const char *value;
};

static const char *vectors;

static void die(const char *what, const char *detail) {
    fprintf(stderr, "table: %s: %s\n", what, detail);
    exit(2);
}

static struct bytes read_path(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) die("cannot open", path);
    struct bytes b = {NULL, 0};
    size_t cap = 0;
    for (;;) {
        if (b.len == cap) {
            cap = cap ? 2 * cap : 4096;
            b.data = realloc(b.data, cap + 1);
            if (!b.data) die("out of memory", path);
        }
        size_t n = fread(b.data + b.len, 1, cap - b.len, f);
        if (n == 0) break;
        b.len += n;
    }
    fclose(f);
    b.data[b.len] = 0;
    return b;
}

static struct bytes vector_file(const char *rel, size_t rel_len) {
    char path[4096];
    if ((size_t)snprintf(path, sizeof path, "%s/%.*s", vectors, (int)rel_len, rel) >= sizeof path) die("path too long", rel);
    return read_path(path);
}

/* A table value: @PATH is a vector file, anything else the text itself (NUL-terminated). */
static struct bytes value(const char *v) {
    if (v[0] == '@') return vector_file(v + 1, strlen(v + 1));
    struct bytes b = {(uint8_t *)strdup(v), strlen(v)};
    if (!b.data) die("out of memory", v);
    return b;
}

static char *base64(const struct bytes *in) {
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char *out = malloc(4 * ((in->len + 2) / 3) + 1), *o = out;
    if (!out) die("out of memory", "base64");
    for (size_t i = 0; i < in->len; i += 3) {
        uint32_t n = (uint32_t)in->data[i] << 16;
        if (i + 1 < in->len) n |= (uint32_t)in->data[i + 1] << 8;
        if (i + 2 < in->len) n |= in->data[i + 2];
        *o++ = alphabet[(n >> 18) & 63];
        *o++ = alphabet[(n >> 12) & 63];
        *o++ = i + 1 < in->len ? alphabet[(n >> 6) & 63] : '=';
        *o++ = i + 2 < in->len ? alphabet[n & 63] : '=';
    }
    *o = 0;
    return out;
}

/* A policy: {{base64:PATH}} is the base64 of a vector file. */
static struct bytes policy_text(const char *v) {
    size_t cap = strlen(v) + 1, len = 0;
    char *out = malloc(cap);
    if (!out) die("out of memory", "policy");
    while (*v) {
        const char *open = strstr(v, "{{base64:");
        size_t plain = open ? (size_t)(open - v) : strlen(v);
        char *piece = NULL;
        size_t piece_len = 0;
        if (open) {
            const char *close = strstr(open, "}}");
            if (!close) die("unclosed {{base64:", v);
            const char *rel = open + strlen("{{base64:");
            struct bytes file = vector_file(rel, (size_t)(close - rel));
            piece = base64(&file);
            piece_len = strlen(piece);
            free(file.data);
        }
        if (len + plain + piece_len + 1 > cap) {
            cap = 2 * (len + plain + piece_len + 1);
            out = realloc(out, cap);
            if (!out) die("out of memory", "policy");
        }
        memcpy(out + len, v, plain);
        len += plain;
        if (piece) memcpy(out + len, piece, piece_len);
        len += piece_len;
        free(piece);
        v = open ? strstr(open, "}}") + 2 : v + plain;
    }
    out[len] = 0;
    return (struct bytes){(uint8_t *)out, len};
}

static const char *get(const struct field *f, int n, const char *key) {
    for (int i = 0; i < n; i++)
        if (strcmp(f[i].key, key) == 0) return f[i].value;
    return NULL;
}

/* The outcome of a call: the verdict (or "rejected"/"input" from the detail's class) and code. */
static const char *outcome(sealcheck_result r, sealcheck_buffer *err, const char *ok_verdict, uint32_t *code) {
    if (r == SEALCHECK_RESULT_OK) {
        *code = 0;
        return ok_verdict;
    }
    *code = r;
    /* The detail is JSON bytes, not NUL-terminated. */
    size_t len = sealcheck_buffer_len(err);
    char *detail = malloc(len + 1);
    if (!detail) die("out of memory", "detail");
    if (len) memcpy(detail, sealcheck_buffer_data(err), len);
    detail[len] = 0;
    sealcheck_buffer_free(err);
    const char *verdict = strstr(detail, "\"class\":\"input\"") ? "input" : strstr(detail, "\"class\":\"rejection\"") ? "rejected" : "no detail";
    free(detail);
    return verdict;
}

static const char *run_bundle(const struct field *f, int n, int64_t now, uint32_t *code) {
    sealcheck_trusted_root *root = NULL;
    sealcheck_buffer *err = NULL;
    const char *root_v = get(f, n, "root");
    sealcheck_result r;
    if (root_v) {
        struct bytes json = value(root_v);
        r = sealcheck_trusted_root_new(json.data, json.len, &root, &err);
        free(json.data);
        if (r != SEALCHECK_RESULT_OK) return outcome(r, err, NULL, code);
    } else if (sealcheck_trusted_root_embedded(true, &root) != SEALCHECK_RESULT_OK) {
        die("embedded root", "does not load");
    }
    sealcheck_verifier *v = NULL;
    if (sealcheck_verifier_new(root, &v) != SEALCHECK_RESULT_OK) die("verifier", "not made");
    sealcheck_trusted_root_free(root);
    struct bytes bundle = value(get(f, n, "bundle"));
    const char *digest = get(f, n, "artifact_digest");
    struct bytes artifact = digest ? value(digest) : value(get(f, n, "artifact"));
    uint32_t kind = digest ? SEALCHECK_ARTIFACT_DIGEST : SEALCHECK_ARTIFACT_BYTES;
    const char *key = get(f, n, "key");
    if (key) {
        struct bytes pem = value(key);
        r = sealcheck_verifier_verify_bundle_with_key(v, bundle.data, bundle.len, artifact.data, artifact.len, kind, pem.data, pem.len, now, NULL, &err);
        free(pem.data);
    } else {
        uint32_t flags = 0;
        const char *san = get(f, n, "san"), *issuer = get(f, n, "issuer");
        if (!san) san = get(f, n, "san_regexp"), flags |= SEALCHECK_SAN_REGEXP;
        if (!issuer) issuer = get(f, n, "issuer_regexp"), flags |= SEALCHECK_ISSUER_REGEXP;
        r = sealcheck_verifier_verify_bundle(v, bundle.data, bundle.len, artifact.data, artifact.len, kind, (const uint8_t *)san, strlen(san),
                                             (const uint8_t *)issuer, strlen(issuer), flags, now, NULL, &err);
    }
    free(bundle.data);
    free(artifact.data);
    sealcheck_verifier_free(v);
    return outcome(r, err, "verified", code);
}

static const char *run_image(const struct field *f, int n, int64_t now, uint32_t *code) {
    struct bytes json = policy_text(get(f, n, "policy"));
    sealcheck_policy *p = NULL;
    sealcheck_buffer *err = NULL;
    sealcheck_result r = sealcheck_policy_new(json.data, json.len, &p, &err);
    free(json.data);
    if (r != SEALCHECK_RESULT_OK) return outcome(r, err, NULL, code);
    struct bytes sig_bytes[MAX_FIELDS];
    sealcheck_bytes sigs[MAX_FIELDS];
    size_t nsigs = 0;
    for (int i = 0; i < n; i++) {
        if (strcmp(f[i].key, "signature") != 0) continue;
        sig_bytes[nsigs] = value(f[i].value);
        sigs[nsigs] = (sealcheck_bytes){sig_bytes[nsigs].data, sig_bytes[nsigs].len};
        nsigs++;
    }
    const char *reference = get(f, n, "reference");
    struct bytes manifest = value(get(f, n, "manifest"));
    bool allowed = false;
    sealcheck_buffer *record = NULL;
    r = sealcheck_policy_decide(p, (const uint8_t *)reference, strlen(reference), manifest.data, manifest.len, sigs, nsigs, NULL, 0, now, &allowed, &record, &err);
    sealcheck_buffer_free(record);
    for (size_t i = 0; i < nsigs; i++) free(sig_bytes[i].data);
    free(manifest.data);
    sealcheck_policy_free(p);
    return outcome(r, err, allowed ? "allowed" : "denied", code);
}

int main(int argc, char **argv) {
    if (argc != 3) die("usage", "table TABLE.tsv VECTORS_DIR");
    vectors = argv[2];
    struct bytes table = read_path(argv[1]);
    int cases = 0, failures = 0;
    char *save = NULL;
    for (char *line = strtok_r((char *)table.data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (line[0] == '#' || line[0] == 0) continue;
        char *cols[4 + MAX_FIELDS];
        int ncols = 0;
        char *s2 = NULL;
        for (char *c = strtok_r(line, "\t", &s2); c && ncols < 4 + MAX_FIELDS; c = strtok_r(NULL, "\t", &s2)) cols[ncols++] = c;
        if (ncols < 4) die("short line", line);
        struct field fields[MAX_FIELDS];
        int n = 0;
        for (int i = 4; i < ncols; i++) {
            char *eq = strchr(cols[i], '=');
            if (!eq) die("field without =", cols[i]);
            *eq = 0;
            fields[n++] = (struct field){cols[i], eq + 1};
        }
        const char *now_v = get(fields, n, "now");
        if (!now_v) die("no now", cols[1]);
        int64_t now = strtoll(now_v, NULL, 10);
        uint32_t code = 0;
        const char *verdict = strcmp(cols[0], "bundle") == 0 ? run_bundle(fields, n, now, &code) : run_image(fields, n, now, &code);
        uint32_t want = (uint32_t)strtoul(cols[3], NULL, 10);
        cases++;
        if (strcmp(verdict, cols[2]) != 0 || code != want) {
            failures++;
            fprintf(stderr, "FAIL %s: got %s %u, table says %s %u\n", cols[1], verdict, code, cols[2], want);
        }
    }
    free(table.data);
    printf("cross-surface table: %d cases, %d failed\n", cases, failures);
    return failures || cases < 30 ? 1 : 0;
}
