#!/usr/bin/env bash
# Builds the seed corpora fuzz/corpus/<target>/ from the test vectors (read in place, default
# ../shared/vectors beside the repository). The corpus directory is not committed.
#
#   fuzz/seed.sh [VECTORS_DIR]
#
# bundle_json      every Sigstore bundle (*.json whose mediaType is a sigstore.bundle type)
# trusted_root     every trusted root (*.json whose mediaType is a trustedroot type)
# certificate_der  certificates from bundles, trusted roots, Rekor entry bodies, and PEM/DER files
# checkpoint_note  inclusionProof.checkpoint.envelope of every bundle tlog entry
# rfc3161_token    base64-decoded rfc3161Timestamps[].signedTimestamp of every bundle, and CMS
#                  timestamp tokens (*.p7s) wrapped into a granted TimeStampResp
# sct_list         the SCT list extension value (1.3.6.1.4.1.11129.2.4.2) of every certificate
# image_reference  docker-reference values of cosign payloads, policy scopes and identities
# oci_manifest     manifest.json / index.json files and OCI manifests (schemaVersion 2)
# simple_signing   containers storage-form signatures (\0sigstore-json) and their payloads
# containers_policy  containers-policy.json files
# notation_crl     CRL files (*.crl: DER or PEM)
# notation_jws     JWS envelopes (JSON objects with protected, payload, signature)
# notation_cose    COSE_Sign1 envelopes (CBOR tag 18: files starting with 0xd2)
# notation_trustpolicy  trust policy documents (JSON with trustPolicies)
# audit_log        short audit logs, hash-chained as sealcheck writes them (generated here), and
#                  broken copies of them
# native_policy    the README's native policy example, revocation lists, and generated variants
# cluster_image_policy  generated ClusterImagePolicy streams (no vector has one): every field the
#                  adapter reads or refuses, YAML and JSON, and glob/name pairs for the matcher
# admission_review  generated AdmissionReviews (no vector has one): every workload kind, each
#                  container list, the ephemeralcontainers subresource, dryRun, refused shapes,
#                  and bare objects (read as the object of a request of each kind)
# gatekeeper_request  generated external data ProviderRequests, and refused ones
# admission_config  the README's containerd and Kubernetes configuration examples, and generated
#                  admission and serve configurations (admission/tests' shapes) and refused ones
# containerd_input  a count byte, that many NUL-separated verifier arguments, then the descriptor
#                  on stdin: generated ones, and the manifests[] descriptors of OCI index.json files
# http_request     generated request heads as the server reads them: each route (POST bodies a
#                  small AdmissionReview or ProviderRequest), pipelined keep-alive pairs,
#                  Connection: close, Expect: 100-continue, HTTP/1.0, and refused ones (chunked,
#                  conflicting or over-limit Content-Length, a head over the limit, non-UTF-8 values)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
vectors="${1:-$here/../../shared/vectors}"
[ -d "$vectors" ] || { echo "seed.sh: no vectors at $vectors" >&2; exit 1; }
exec python3 - "$vectors" "$here/corpus" <<'PY'
import base64, binascii, hashlib, json, os, re, sys

vectors, out = sys.argv[1], sys.argv[2]
TARGETS = ["bundle_json", "trusted_root", "certificate_der", "checkpoint_note", "rfc3161_token", "sct_list",
           "image_reference", "oci_manifest", "simple_signing", "containers_policy", "notation_crl",
           "notation_jws", "notation_cose", "notation_trustpolicy", "audit_log", "cluster_image_policy", "native_policy",
           "admission_review", "gatekeeper_request", "admission_config", "containerd_input", "http_request"]
seen = {t: set() for t in TARGETS}

def add(target, data):
    if isinstance(data, str):
        data = data.encode()
    if not data:
        return
    h = hashlib.sha1(data).hexdigest()
    if h in seen[target]:
        return
    seen[target].add(h)
    with open(os.path.join(out, target, h), "wb") as f:
        f.write(data)

def b64(s):
    try:
        return base64.b64decode(s, validate=True)
    except (binascii.Error, ValueError, TypeError):
        return None

def der_header(b, i):
    """(tag, value start, value length) of the DER element at b[i], or None."""
    if i + 2 > len(b):
        return None
    tag, n = b[i], b[i + 1]
    i += 2
    if n & 0x80:
        k = n & 0x7F
        if k == 0 or k > 4 or i + k > len(b):
            return None
        n = int.from_bytes(b[i:i + k], "big")
        i += k
    return tag, i, n

def is_whole_der(b):
    h = der_header(b, 0)
    return h is not None and h[0] == 0x30 and h[1] + h[2] == len(b)

PEM_CERT = re.compile(rb"-----BEGIN CERTIFICATE-----(.*?)-----END CERTIFICATE-----", re.S)

def pem_certs(b):
    return [d for d in (b64(re.sub(rb"\s+", b"", m)) for m in PEM_CERT.findall(b)) if d]

SCT_OID = bytes.fromhex("060a2b06010401d679020402")

def add_cert(der):
    add("certificate_der", der)
    i = der.find(SCT_OID)
    if i < 0:
        return
    h = der_header(der, i + len(SCT_OID))
    if h and h[0] == 0x01:  # critical BOOLEAN
        h = der_header(der, h[1] + h[2])
    if not h or h[0] != 0x04:
        return
    inner = der_header(der, h[1])  # extnValue OCTET STRING holds an OCTET STRING
    if inner and inner[0] == 0x04:
        add("sct_list", der[inner[1]:inner[1] + inner[2]])

def walk(v, key=None):
    """Finds certificates anywhere in a JSON value: rawBytes DER, base64 PEM, nested base64 JSON."""
    if isinstance(v, dict):
        for k, x in v.items():
            walk(x, k)
    elif isinstance(v, list):
        for x in v:
            walk(x, key)
    elif isinstance(v, str) and len(v) > 16:
        d = b64(v)
        if d is None:
            return
        if key == "rawBytes" and is_whole_der(d):
            add_cert(d)
        for c in pem_certs(d):
            add_cert(c)
        if d[:1] == b"{":
            try:
                walk(json.loads(d))
            except ValueError:
                pass

def wrap_token(token):
    """TimeStampResp { PKIStatusInfo { granted }, token } around a CMS ContentInfo."""
    def enc(tag, body):
        n = len(body)
        if n < 0x80:
            head = bytes([tag, n])
        else:
            nb = n.to_bytes((n.bit_length() + 7) // 8, "big")
            head = bytes([tag, 0x80 | len(nb)]) + nb
        return head + body
    return enc(0x30, enc(0x30, bytes([0x02, 0x01, 0x00])) + token)

for t in TARGETS:
    os.makedirs(os.path.join(out, t), exist_ok=True)

for dirpath, _, files in os.walk(vectors):
    for name in sorted(files):
        path = os.path.join(dirpath, name)
        with open(path, "rb") as f:
            data = f.read()
        low = name.lower()
        if low.endswith(".json"):
            try:
                doc = json.loads(data)
            except ValueError:
                continue
            mt = doc.get("mediaType", "") if isinstance(doc, dict) else ""
            if "sigstore.bundle" in mt:
                add("bundle_json", data)
                vm = doc.get("verificationMaterial") or {}
                for e in vm.get("tlogEntries") or []:
                    cp = ((e.get("inclusionProof") or {}).get("checkpoint") or {}).get("envelope")
                    if cp:
                        add("checkpoint_note", cp)
                for ts in (vm.get("timestampVerificationData") or {}).get("rfc3161Timestamps") or []:
                    d = b64(ts.get("signedTimestamp", ""))
                    if d:
                        add("rfc3161_token", d)
                walk(doc)
            elif "trustedroot" in mt:
                add("trusted_root", data)
                walk(doc)
        elif low.endswith((".pem", ".crt", ".cer", ".der")):
            certs = pem_certs(data)
            if not certs and is_whole_der(data):
                certs = [data]
            for c in certs:
                add_cert(c)
        elif low.endswith(".p7s") and is_whole_der(data):
            add("rfc3161_token", wrap_token(data))
        elif low.endswith(".crl"):
            add("notation_crl", data)

def image_seeds(name, data):
    """Seeds for the container-image parsers."""
    if data.startswith(b"\0sigstore-json\n"):
        add("simple_signing", data)
        try:
            sig = json.loads(data[15:])
            payload = b64(sig.get("payload", ""))
            if payload:
                add("simple_signing", payload)
                ref = json.loads(payload).get("critical", {}).get("identity", {}).get("docker-reference")
                if ref:
                    add("image_reference", ref)
        except (ValueError, AttributeError):
            pass
        return
    if not name.lower().endswith(".json"):
        return
    try:
        doc = json.loads(data)
    except ValueError:
        return
    if isinstance(doc, dict) and doc.get("schemaVersion") is not None:
        add("oci_manifest", data)
    if isinstance(doc, dict) and ("default" in doc or "transports" in doc):
        add("containers_policy", data)
        for scopes in (doc.get("transports") or {}).values():
            for scope in scopes:
                if scope:
                    add("image_reference", scope)

def notation_seeds(data):
    """Seeds for the Notary parsers: envelopes of either encoding, trust policies."""
    if data[:1] == b"\xd2":
        add("notation_cose", data)
        return
    try:
        doc = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        return
    if isinstance(doc, dict) and {"protected", "payload", "signature"} <= doc.keys():
        add("notation_jws", data)
    if isinstance(doc, dict) and "trustPolicies" in doc:
        add("notation_trustpolicy", data)

for dirpath, _, files in os.walk(vectors):
    for name in sorted(files):
        with open(os.path.join(dirpath, name), "rb") as f:
            data = f.read()
        image_seeds(name, data)
        notation_seeds(data)
for r in ["busybox", "docker.io/library/busybox:latest", "localhost:5000/a/b@sha256:" + "0" * 64, "[::1]:5000/x:y"]:
    add("image_reference", r)

def audit_seeds():
    """Audit logs as sealcheck writes them: each line the compact JSON of v, seq, prev (SHA-256
    of the line before) and a decision record; and broken copies (swapped, truncated)."""
    def decision(allowed, scope, t, extra):
        sig = {"index": 0, "origin": "sha256-0.sig", "format": "cosign-simple-signing", "accepted": False,
               "reason": "identity mismatch", "error_kind": "IdentityMismatch", "signer": None,
               "signed_reference": None, "integrated_time": None, "times": [], "matched": None}
        req = {"index": 0, "kind": "insecureAcceptAnything" if allowed else "sigstoreSigned", "satisfied": allowed,
               "reason": "", "signatures": [] if allowed else [sig]}
        d = {"allowed": allowed, "reason": "r", "reference": "registry.example/app:v1", "manifest_digest": None,
             "index_digest": None, "scope": scope, "policy_digest": "0" * 64, "requirements": [req],
             "signature_checks": 1, "verification_time": t}
        d.update(extra)
        return d
    exception = {"exception": {"id": "EXC-1", "scope": "registry.example/app", "reason": "incident", "ticket": "OPS-1",
                               "approver": "ops", "not_before": "2026-01-01T00:00:00Z",
                               "not_after": "2026-02-01T00:00:00Z", "denied_because": "unsigned"}}
    decisions = [decision(True, "default", "2026-01-01T00:00:00Z", {}),
                 decision(False, "registry.example", "2026-01-02T10:00:00.5Z", {"revocation_hits": ["key k: keyCompromise"]}),
                 decision(True, "registry.example", "2026-01-03T00:00:00Z", exception)]
    prev, lines = "0" * 64, []
    for seq, d in enumerate(decisions):
        line = json.dumps({"v": 1, "seq": seq, "prev": prev, "decision": d}, separators=(",", ":"))
        lines.append(line)
        prev = hashlib.sha256(line.encode()).hexdigest()
    log = "".join(l + "\n" for l in lines)
    add("audit_log", log)
    add("audit_log", lines[0] + "\n")
    add("audit_log", "".join(l + "\n" for l in [lines[0], lines[2], lines[1]]))
    add("audit_log", log[:-1])

audit_seeds()

def cip_seeds():
    """ClusterImagePolicy streams (no vector has one, so they are generated): every field the
    adapter reads or refuses, as YAML and JSON, streams and lists; YAML it refuses; and
    glob/name pairs (first line, then the rest) for the glob matcher."""
    key = ("-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEwKZwM06E0IsAqSIndZH2RNFMZkJq\n"
           "ct37Zt8IbDck8VWqY++e6OZpMr9rhSocO8F5eVUNZ0xrOKYo9QkrBCYGCA==\n-----END PUBLIC KEY-----\n")
    authorities = [
        {"key": {"data": key}},
        {"key": {"data": key, "hashAlgorithm": "sha256"}, "ctlog": {"url": "https://rekor.sigstore.dev"}},
        {"name": "ci", "keyless": {"url": "https://fulcio.sigstore.dev", "identities": [
            {"issuer": "https://token.actions.githubusercontent.com", "subjectRegExp": "^https://github.com/acme/.*$"}]}},
        {"keyless": {"trustRootRef": "corp", "insecureIgnoreSCT": True, "identities": [
            {"issuerRegExp": "accounts", "subject": "dev@acme.example"}]}, "ctlog": {"trustRootRef": "corp"},
         "rfc3161timestamp": {"trustRootRef": "corp"}, "signatureFormat": "bundle"},
        {"static": {"action": "pass"}},
        {"static": {"action": "fail", "message": "no"}},
        {"key": {"data": key}, "attestations": [{"name": "slsa", "predicateType": "https://slsa.dev/provenance/v1"}]},
        {"key": {"kms": "awskms:///alias/x"}},
        {"keyless": {"ca-cert": {"data": "x"}, "identities": []}, "source": [{"oci": "registry.example/sigs"}]},
    ]
    def doc(name, globs, auths, mode=None):
        spec = {"images": [{"glob": g} for g in globs], "authorities": auths}
        if mode:
            spec["mode"] = mode
        meta = {"name": name, "annotations": {"sealcheck.dev/trusted-root.corp": "corp/trusted_root.json"}}
        return {"apiVersion": "policy.sigstore.dev/v1beta1", "kind": "ClusterImagePolicy", "metadata": meta, "spec": spec}
    def to_yaml(v, indent=0):
        pad, out = " " * indent, []
        items = v.items() if isinstance(v, dict) else [(None, x) for x in v]
        for k, x in items:
            head = f"{pad}{k}:" if k is not None else f"{pad}-"
            if isinstance(x, (dict, list)) and x:
                out.append(head + "\n" + to_yaml(x, indent + 2))
            else:
                out.append(f"{head} {json.dumps(x)}\n")
        return "".join(out)
    globs = [["**"], ["registry.example.com/ns/*"], ["*", "*/*"], ["index.docker.io/library/busybox:*", "docker.io/acme/app@*"], ["localhost:5000/**"]]
    for i, a in enumerate(authorities):
        d = doc(f"p{i}", globs[i % len(globs)], [a], "warn" if i % 3 == 2 else None)
        add("cluster_image_policy", to_yaml(d))
        add("cluster_image_policy", json.dumps(d))
    docs = [doc(f"s{i}", g, [authorities[i]]) for i, g in enumerate(globs)]
    add("cluster_image_policy", "".join("---\n" + to_yaml(d) for d in docs))
    add("cluster_image_policy", to_yaml({"apiVersion": "v1", "kind": "List", "items": docs[:2]}))
    add("cluster_image_policy", "a: &x [1]\nb: *x\n")
    add("cluster_image_policy", "spec: !custom {a: 1}\n? [complex]\n: key\n")
    for g, n in [("**", "index.docker.io/library/busybox:latest"), ("registry.example.com/*/app:*", "registry.example.com/ns/app:1"),
                 ("a***b", "a/x/yb"), ("*.*", "x.y/z"), ("ghcr.io/foo@*", "ghcr.io/foo@sha256:" + "0" * 64)]:
        add("cluster_image_policy", f"{g}\n{n}")

cip_seeds()

# native_policy: the README example (the one native policy in the tree) and small variants.
readme = open(os.path.join(os.path.dirname(out), "..", "README.md"), encoding="utf-8").read()
for block in re.findall(r"```json\n(.*?)```", readme, re.S):
    if "sealcheck.dev/v1" in block:
        add("native_policy", block)
add("native_policy", json.dumps({"apiVersion": "sealcheck.dev/v1", "signers": {}, "scopes": {"*": {"reject": True}}}))
add("native_policy", json.dumps({"apiVersion": "sealcheck.dev/v1", "revocations": [{"keySha256": "0" * 64, "revokedAt": "2026-01-01T00:00:00Z", "reason": "keyCompromise"}]}))
add("native_policy", json.dumps({"apiVersion": "sealcheck.dev/v1", "signers": {}, "scopes": {"*": {"acceptUnsigned": True}},
    "exceptions": [{"id": "x", "scope": "registry.example.com/ns/app", "notBefore": "2026-01-01T00:00:00Z", "notAfter": "2026-02-01T00:00:00Z", "reason": "r", "ticket": "t", "approver": "a"}]}))
# An attestation with predicate field constraints (both operators, each operand type).
add("native_policy", json.dumps({"apiVersion": "sealcheck.dev/v1",
    "signers": {"ci": {"sigstore": {"issuer": "https://token.actions.githubusercontent.com", "subject": "https://github.com/acme/app/.github/workflows/release.yml@refs/heads/main"}}},
    "scopes": {"*": {"attestations": [{"predicateType": "https://slsa.dev/provenance/v1", "signers": ["ci"], "predicate": [
        {"path": "buildDefinition.buildType", "equals": "https://slsa-framework.github.io/github-actions-buildtypes/workflow/v1"},
        {"path": "runDetails.builder.id", "oneOf": ["https://builder.example/a", "https://builder.example/b"]},
        {"path": "buildDefinition.externalParameters.attempt", "oneOf": [1, 2.5, True]}]}]}}}))

def admission_seeds():
    """AdmissionReviews (admission.k8s.io/v1, as the API server sends them: k8s.io/api
    admission/v1 types) for every workload kind sealcheck reads, each container list, dryRun and
    the ephemeralcontainers subresource; refused shapes; and bare objects."""
    spec = {"initContainers": [{"name": "init", "image": "registry.example/init:1"}],
            "containers": [{"name": "app", "image": "registry.example/ns/app:1.4"}, {"name": "db", "image": "registry.example/db@sha256:" + "ab" * 32}],
            "ephemeralContainers": [{"name": "debug", "image": "busybox"}]}
    only = [{"containers": [{"name": "a", "image": "nginx"}]}, {"initContainers": [{"name": "i", "image": "localhost:5000/i:t"}], "containers": [{"name": "a", "image": "r/a:1"}]},
            {"ephemeralContainers": [{"name": "e", "image": "[::1]:5000/e"}]}, {"containers": []}, {"containers": None, "initContainers": [{"image": "x"}]}]
    def template(s):
        return {"metadata": {"labels": {"app": "a"}}, "spec": s}
    kinds = [("", "Pod", "pods", lambda s: {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "ns"}, "spec": s}),
             ("apps", "Deployment", "deployments", lambda s: {"apiVersion": "apps/v1", "kind": "Deployment", "spec": {"replicas": 1, "template": template(s)}}),
             ("apps", "ReplicaSet", "replicasets", lambda s: {"apiVersion": "apps/v1", "kind": "ReplicaSet", "spec": {"template": template(s)}}),
             ("apps", "StatefulSet", "statefulsets", lambda s: {"apiVersion": "apps/v1", "kind": "StatefulSet", "spec": {"serviceName": "s", "template": template(s)}}),
             ("apps", "DaemonSet", "daemonsets", lambda s: {"apiVersion": "apps/v1", "kind": "DaemonSet", "spec": {"template": template(s)}}),
             ("batch", "Job", "jobs", lambda s: {"apiVersion": "batch/v1", "kind": "Job", "spec": {"template": template(s)}}),
             ("batch", "CronJob", "cronjobs", lambda s: {"apiVersion": "batch/v1", "kind": "CronJob", "spec": {"schedule": "* * * * *", "jobTemplate": {"spec": {"template": template(s)}}}})]
    def review(group, kind, resource, obj, op="CREATE", sub=None, dry=None, old=None, extra=None):
        req = {"uid": "705ab4f5-6393-11e8-b7cc-42010a800002", "kind": {"group": group, "version": "v1", "kind": kind},
               "resource": {"group": group, "version": "v1", "resource": resource},
               "requestKind": {"group": group, "version": "v1", "kind": kind}, "requestResource": {"group": group, "version": "v1", "resource": resource},
               "name": "n", "namespace": "ns", "operation": op,
               "userInfo": {"username": "admin", "uid": "u", "groups": ["system:authenticated"], "extra": {"k": ["v"]}},
               "object": obj, "oldObject": old, "options": {"kind": "CreateOptions", "apiVersion": "meta.k8s.io/v1"}}
        if sub:
            req["subResource"] = sub
            req["requestSubResource"] = sub
        if dry is not None:
            req["dryRun"] = dry
        req.update(extra or {})
        return json.dumps({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": req})
    for i, (group, kind, resource, wrap) in enumerate(kinds):
        add("admission_review", review(group, kind, resource, wrap(spec), dry=i % 2 == 0))
        add("admission_review", review(group, kind, resource, wrap(only[i % len(only)]), op="UPDATE", old=wrap(spec)))
        add("admission_review", json.dumps(wrap(spec)))
    pod = kinds[0][3]
    add("admission_review", review("", "Pod", "pods", pod(spec), op="UPDATE", sub="ephemeralcontainers"))
    add("admission_review", review("", "Pod", "pods", None, op="DELETE", old=pod(spec)))
    add("admission_review", review("", "Pod", "pods", pod(spec), sub="status"))
    add("admission_review", review("", "Service", "services", {"kind": "Service", "spec": {}}))
    add("admission_review", review("", "Pod", "pods", pod({"containers": [{"name": "a"}]})))
    add("admission_review", review("", "Pod", "pods", pod({"containers": {"name": "a", "image": "x"}})))
    add("admission_review", review("", "Pod", "pods", pod({"containers": [{"name": "a", "image": 7}]})))
    add("admission_review", review("apps", "Deployment", "deployments", {"spec": {}}))
    add("admission_review", review("", "Pod", "pods", pod(spec), extra={"uid": ""}))
    add("admission_review", review("", "Pod", "pods", pod(spec), extra={"surprise": 1}))
    add("admission_review", review("", "Pod", "pods", pod(spec)).replace("admission.k8s.io/v1", "admission.k8s.io/v1beta1"))
    add("admission_review", json.dumps({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {"uid": "u"}, "response": {"uid": "u", "allowed": True}}))
    add("admission_review", json.dumps({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {"uid": "u", "kind": {"kind": "Pod", "version": "v1"},
        "resource": {"resource": "pods", "version": "v1"}, "operation": "CREATE", "object": {"spec": {"containers": [{"name": "\u00e9", "image": "r\u00e9/a\\u0041:1"}]}}}}))
    # Structs spelled as JSON arrays of their fields (serde reads them; sealcheck refuses them).
    add("admission_review", '["admission.k8s.io/v1","AdmissionReview",["u",["","v1","Pod"],["","v1","pods"],"",null,null,"","","","CREATE"],null]')
    add("admission_review", review("", "Pod", "pods", pod(spec)).replace('{"group": "", "version": "v1", "kind": "Pod"}', '["", "v1", "Pod"]', 1))
    gk = "externaldata.gatekeeper.sh/v1beta1"
    for keys in [[], ["busybox"], ["registry.example/ns/app:1.4", "registry.example/db@sha256:" + "ab" * 32, "busybox"], ["a:1", "a:1"], [""]]:
        add("gatekeeper_request", json.dumps({"apiVersion": gk, "kind": "ProviderRequest", "request": {"keys": keys}}))
    add("gatekeeper_request", json.dumps({"apiVersion": gk, "kind": "ProviderRequest", "request": {}}))
    add("gatekeeper_request", json.dumps({"apiVersion": "externaldata.gatekeeper.sh/v1alpha1", "kind": "ProviderRequest", "request": {"keys": ["a"]}}))
    add("gatekeeper_request", json.dumps({"apiVersion": gk, "kind": "ProviderRequest", "request": {"keys": ["a"], "x": 1}}))
    add("gatekeeper_request", json.dumps({"apiVersion": gk, "kind": "ProviderResponse", "response": {"items": []}}))
    add("gatekeeper_request", json.dumps([gk, "ProviderRequest", [["a"]]]))

def config_seeds():
    """Admission and serve configurations: the README's examples, admission/tests' shapes, and
    refused ones (unknown, duplicate or missing fields, relative paths, values out of range)."""
    for block in re.findall(r"```json\n(.*?)```", readme, re.S):
        if '"policy"' in block and "sealcheck.dev/v1" not in block:
            add("admission_config", block)
    minimal = {"policy": "/etc/sealcheck/policy.json"}
    full = {"policy": "/p.json", "trustStore": "/ts", "crls": ["/c.crl"], "revocations": "/r.json", "auditLog": "/a.jsonl", "deadlineMs": 2500,
            "registry": {"insecure": ["127.0.0.1:5000"], "multiPlatform": "platform", "platform": "linux/arm64/v8", "tagTtlSeconds": 30, "evidenceTtlSeconds": 20,
                         "perHost": 2, "registriesD": "/rd", "authFiles": ["/auth.json"], "certsD": ["/certs.d"], "caOnly": False}}
    tls = {"cert": "/c.pem", "key": "/k.pem"}
    for c in [minimal, full, {"policy": "/p.json", "registry": {"authFiles": []}}, {"policy": "/p.json", "deadlineMs": 500},
              {"policy": "/p.json", "deadlineMs": 300000}, {"policy": "/p.json", "registry": {"caOnly": True}},
              {"policy": "/p.json", "registry": {"multiPlatform": "platform", "platform": "linux"}}, {"policy": "/p.json", "registry": {"platform": "linux/amd64"}},
              {"policy": "/p.json", "registry": {"perHost": 0}}]:
        add("admission_config", json.dumps(c))
        add("admission_config", json.dumps({"admission": c, "tls": tls}))
    add("admission_config", json.dumps({"admission": full, "listen": "127.0.0.1:0", "tls": dict(tls, minVersion="1.3"), "policyDir": "/ns",
                                        "concurrency": 4, "maxConnections": 1, "unknownKinds": "allow", "reloadSeconds": 1}))
    for bad in ['{"policy": "/p.json", "polcy": "/q.json"}', '{"policy": "/p.json", "policy": "/q.json"}', '{}', '{"policy": "p.json"}',
                '{"policy": "/p.json", "deadlineMs": 0}', '{"policy": "/p.json", "deadlineMs": -1}', '{"policy": "/p.json"} {}',
                '{"policy": "/p.json", "deadlineMS": 100}', '{"policy": "/p.json", "registry": {"insecure": [], "tls": false}}']:
        add("admission_config", bad)
    add("admission_config", '["/p.json"]')
    add("admission_config", '{"admission": ["/p.json"], "tls": ["/c", "/k"]}')
    for bad in [{"admission": minimal, "tls": tls, "extra": 1}, {"admission": minimal, "tls": {"cert": "c", "key": "/k"}},
                {"admission": {"policy": "p.json"}, "tls": tls}, {"admission": minimal, "tls": tls, "concurrency": 0},
                {"admission": minimal, "tls": tls, "listen": "nowhere"}, {"admission": minimal, "tls": dict(tls, minVersion="1.1")},
                {"admission": minimal, "tls": tls, "unknownKinds": "maybe"}, {"tls": tls}]:
        add("admission_config", json.dumps(bad))

def containerd_seeds():
    """Verifier invocations as containerd's bindir.go runs them (and the other spellings Go's
    flag package reads), each with a descriptor on stdin: generated, and every manifests[]
    entry of the OCI index.json files among the vectors."""
    mt = "application/vnd.oci.descriptor.v1+json"
    def seed(args, stdin):
        add("containerd_input", bytes([len(args)]) + b"".join(a.encode() + b"\0" for a in args) + stdin.encode())
    def invocations(name, digest):
        return [["-name", name, "-digest", digest, "-stdin-media-type", mt],
                ["--name", name, "--digest", digest, "--stdin-media-type", mt],
                ["-name=" + name, "--digest=" + digest, "-stdin-media-type", mt, "--"]]
    d = "sha256:6c3c624b58dbbcd3c0dd82b4c53f04194d1247c6eebdaab7c610cf7d66709b3b"
    for i, media in enumerate(["application/vnd.oci.image.manifest.v1+json", "application/vnd.oci.image.index.v1+json",
                               "application/vnd.docker.distribution.manifest.v2+json", "application/vnd.docker.distribution.manifest.list.v2+json"]):
        desc = {"mediaType": media, "digest": d, "size": 2048}
        if i == 1:
            desc.update({"annotations": {"org.opencontainers.image.ref.name": "v1"}, "urls": ["https://r.example/x"], "artifactType": "a/b"})
        if i == 2:
            desc.update({"platform": {"architecture": "amd64", "os": "linux"}, "data": "e30="})
        seed(invocations("127.0.0.1:5000/app:v1", d)[i % 3], json.dumps(desc) + "\n")
    good = json.dumps({"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": d, "size": 1})
    ok = invocations("r.test/app:v1", d)[0]
    seed(ok, good.replace(d, "sha256:" + "0" * 64))
    seed(ok, good.replace("image.manifest", "image.config"))
    seed(ok, good.replace('"size"', '"sized"'))
    seed(ok, good[:-1])
    seed(ok, "")
    seed(ok, json.dumps(["application/vnd.oci.image.manifest.v1+json", d, 1]))
    for extra in [["-operation", "pull"], ["image"], ["--", "x"], ["---name", "x"], ["-name", "r.test/other:v1"], ["-name"]]:
        seed(ok + extra, good)
    seed(["-name", "r.test/app:v1", "-digest", d], good)
    seed(["-name", "r.test/app:v1", "-digest", d, "-stdin-media-type", "application/vnd.containerd.image-verifier.input.v1+json"], good)
    seed(["-name", "r.test/app:v1", "-digest", "sha256:abc", "-stdin-media-type", mt], good)
    for dirpath, _, files in os.walk(vectors):
        if "index.json" not in files:
            continue
        try:
            with open(os.path.join(dirpath, "index.json"), "rb") as f:
                index = json.load(f)
        except ValueError:
            continue
        for m in (index.get("manifests") or [])[:4] if isinstance(index, dict) else []:
            if isinstance(m, dict) and isinstance(m.get("digest"), str):
                seed(invocations("registry.example/" + os.path.basename(dirpath) + ":v1", m["digest"])[0], json.dumps(m))

def http_seeds():
    """HTTP/1.1 requests as the API server, Gatekeeper and a scraper send them to sealcheck
    serve (RFC 9112), alone and pipelined, and the framings it refuses."""
    review = json.dumps({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {"uid": "u", "kind": {"group": "", "version": "v1", "kind": "Pod"},
        "resource": {"group": "", "version": "v1", "resource": "pods"}, "namespace": "ns", "operation": "CREATE",
        "object": {"spec": {"containers": [{"name": "a", "image": "registry.example/a:1"}]}}}}).encode()
    provider = json.dumps({"apiVersion": "externaldata.gatekeeper.sh/v1beta1", "kind": "ProviderRequest", "request": {"keys": ["busybox"]}}).encode()
    def req(method, target, headers=(), body=b"", version="1.1", length=True):
        head = f"{method} {target} HTTP/{version}\r\nHost: sealcheck.sealcheck.svc:443\r\n"
        if length and body:
            head += f"Content-Length: {len(body)}\r\n"
        return head.encode() + b"".join(h + b"\r\n" for h in (x.encode() if isinstance(x, str) else x for x in headers)) + b"\r\n" + body
    json_type = "Content-Type: application/json"
    posts = [req("POST", "/validate?timeout=10s", [json_type, "Accept: application/json, */*"], review), req("POST", "/mutate?timeout=30s", [json_type], review),
             req("POST", "/gatekeeper", [json_type], provider)]
    gets = [req("GET", p, ["User-Agent: kube-probe/1.33", "Accept: */*"]) for p in ["/healthz", "/readyz", "/metrics"]]
    for r in posts + gets:
        add("http_request", r)
    add("http_request", posts[0] + gets[2])
    add("http_request", gets[0] + posts[2] + req("GET", "/readyz", ["Connection: close"]))
    add("http_request", posts[1] + req("POST", "/validate", [json_type, "Connection: keep-alive, close"], review) + gets[0])
    add("http_request", req("POST", "/validate?timeout=10s", [json_type, "Expect: 100-continue"], review) + gets[1])
    add("http_request", req("POST", "/validate", ["Expect: 100-continue"]))
    add("http_request", req("GET", "/healthz", version="1.0") + gets[0])
    add("http_request", req("GET", "/healthz", ["Connection: keep-alive"], version="1.0"))
    add("http_request", req("POST", "/gatekeeper", ["Content-Length: %d" % len(provider), "content-length: %d" % len(provider)], provider, length=False))
    # Refused: 411, 400, 413, 417, 431.
    add("http_request", req("POST", "/validate", ["Transfer-Encoding: chunked"], b"%x\r\n" % len(review) + review + b"\r\n0\r\n\r\n", length=False))
    add("http_request", req("POST", "/validate", ["Content-Length: 2", "Transfer-Encoding: chunked"], b"{}", length=False))
    add("http_request", req("POST", "/validate", ["Content-Length: 2", "Content-Length: 3"], b"{}x", length=False))
    add("http_request", req("POST", "/validate", ["Content-Length: 2, 2"], b"{}", length=False))
    add("http_request", req("POST", "/validate", ["Content-Length: +2"], b"{}", length=False))
    add("http_request", req("POST", "/validate", ["Content-Length: %d" % (4 * 1024 * 1024 + 1)], b"{}", length=False))
    add("http_request", req("POST", "/gatekeeper", ["Content-Length: %d" % (2 * 1024 * 1024 + 1)], length=False))
    add("http_request", req("POST", "/healthz", [], b"x"))
    add("http_request", req("POST", "/validate", ["Content-Length: 18446744073709551616"], length=False))
    add("http_request", req("POST", "/validate", ["Expect: 200-ok"], review))
    add("http_request", req("GET", "/healthz", ["X-Pad: " + "a" * (16 * 1024)]))
    add("http_request", req("GET", "/healthz", ["X-Pad-%d: a" % i for i in range(70)]))
    add("http_request", req("GET", "/healthz", [b"X-Bytes: \xff\xfe"]))
    add("http_request", req("POST", "/validate", [json_type], review)[:-10])
    add("http_request", b"GARBAGE\r\n\r\n")
    add("http_request", b"GET /healthz HTTP/1.1\nHost: x\n\n")
    add("http_request", b"\r\nGET /healthz HTTP/1.1\r\n\r\n")

admission_seeds()
config_seeds()
containerd_seeds()
http_seeds()

for t in TARGETS:
    print(f"{t}: {len(seen[t])} seeds")
PY
