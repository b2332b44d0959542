#!/usr/bin/env python3
"""Measures sealcheck and its peers on the conformance keyless happy paths and prints the table.

Called by run.sh once everything is built and sealcheck's criterion bench has run. Figures:
- in-process, µs per verification (bundle JSON parsed + verified, trusted root loaded once):
  sealcheck from criterion's estimates (mean), each peer from its harness's `--bench N` (mean);
- whole-process, ms per run of a one-shot CLI that reads the files, loads the root, verifies and
  exits 0: `perf stat -r RUNS -e duration_time` (mean wall time), else a perf_counter loop.
A peer that rejects a case gets "n/a (reason)", never a figure.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

# The conformance suite's signer (tools/conformance.sh: unless a case has identity/issuer files).
BEACON_ID = ("https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/"
             ".github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main")
BEACON_ISS = "https://token.actions.githubusercontent.com"


class NA:
    """A missing figure and why."""

    def __init__(self, reason):
        self.reason = reason

    def __str__(self):
        return f"n/a ({self.reason})"


def case_list(vectors):
    """Keyless `*happy-path*` cases, and intoto-with-custom-trust-root (a happy path by its README,
    and one of benches/verify.rs's cases): bundle, artifact, root file, whether the root is the case's own."""
    bv = vectors / "sigstore-conformance/test/assets/bundle-verify"
    production = vectors / "root-signing/targets/trusted_root.json"  # = sealcheck's embedded root
    cases, skipped = [], []
    for d in sorted(bv.glob("*happy-path*")) + [bv / "intoto-with-custom-trust-root"]:
        if (d / "key.pub").exists():
            skipped.append(f"{d.name}: managed key, not keyless")
            continue
        own = d / "trusted_root.json"
        read = lambda f, default: (d / f).read_text().strip() if (d / f).exists() else default
        cases.append({
            "name": d.name,
            "bundle": d / "bundle.sigstore.json",
            "artifact": d / "artifact" if (d / "artifact").exists() else bv / "a.txt",
            "root": own if own.exists() else production,
            "own_root": own.exists(),
            "identity": read("identity", BEACON_ID),
            "issuer": read("issuer", BEACON_ISS),
        })
    return cases, skipped


def cli_args(case, root=True):
    """The sigstore-conformance verify-bundle arguments, shared by the three one-shot CLIs."""
    args = ["--bundle", str(case["bundle"]), "--certificate-identity", case["identity"],
            "--certificate-oidc-issuer", case["issuer"]]
    if root:
        args += ["--trusted-root", str(case["root"])]
    return args + [str(case["artifact"])]


def short(stderr):
    lines = [l for l in stderr.strip().splitlines() if l.strip()]
    return (lines[-1] if lines else "no message")[:70]


def criterion_us(crit, group, case, marker):
    """Criterion's mean for <group>/<case>, in µs, if this run's bench wrote it."""
    est = crit / group / case / "new/estimates.json"
    if not est.exists() or est.stat().st_mtime < marker:
        return NA("not benched")
    return json.loads(est.read_text())["mean"]["point_estimate"] / 1e3


def peer_us(binary, case, iters, notes):
    """A peer harness's `--bench N` mean, in µs."""
    p = subprocess.run([binary, "--bench", str(iters)] + cli_args(case), capture_output=True, text=True)
    m = re.search(r"mean_ns=(\d+)", p.stdout)
    if p.returncode != 0 or not m:
        notes.append(f"{Path(binary).name} {case['name']}: {short(p.stderr)}")
        return NA(f"rejected, note {len(notes)}")
    return int(m.group(1)) / 1e3


def process_ms(cmd, runs, notes):
    """Mean wall time of one whole process, in ms, after checking it exits 0 (verified)."""
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        notes.append(f"{Path(cmd[0]).name} {' '.join(cmd[1:3])}…: exit {p.returncode}: {short(p.stderr)}")
        return NA(f"rejected, note {len(notes)}")
    if shutil.which("perf"):
        # perf's mean duration_time, cross-checked against the clock around the whole perf run
        # (one early run printed an impossible 0.01 ms): retried, then refused, when below a quarter.
        for _ in range(3):
            with tempfile.NamedTemporaryFile("r", suffix=".csv") as f:
                t = time.perf_counter()
                subprocess.run(["perf", "stat", "-r", str(runs), "-x,", "-e", "duration_time", "-o", f.name, "--"] + cmd,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
                outer = (time.perf_counter() - t) / runs * 1e3
                rows = [l.split(",") for l in f.read().splitlines() if ",ns,duration_time," in l]
            if rows and float(rows[0][0]) / 1e6 > outer / 4:
                return Timed(float(rows[0][0]) / 1e6, rows[0][3])  # mean, and perf's ± (stddev of the mean)
        return NA("perf figure inconsistent")
    total = 0.0
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        total += time.perf_counter() - t
    return total / runs * 1e3


class Timed(float):
    """A whole-process mean in ms, printed with perf's relative spread."""

    def __new__(cls, ms, spread):
        t = super().__new__(cls, ms)
        t.spread = spread
        return t


def ratio(peer, sc):
    return "n/a" if isinstance(peer, NA) or isinstance(sc, NA) else f"{peer / sc:.2f}"


def fmt(v, digits):
    if isinstance(v, (NA, str)):
        return str(v)
    return f"{v:.{digits}f}" + (f" ±{v.spread}" if isinstance(v, Timed) else "")


def table(title, header, rows):
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
    line = lambda r: "  ".join(str(c).ljust(w) if i == 0 else str(c).rjust(w) for i, (c, w) in enumerate(zip(r, widths)))
    print(title)
    print(line(header))
    print("  ".join("-" * w for w in widths))
    for r in rows:
        print(line(r))
    print()


def versions(a):
    lock = Path(a.sigstore_rust_lock).read_text()
    crate = lambda n: (re.search(rf'name = "{n}"\nversion = "([^"]+)"', lock) or [None, "?"])[1]
    gomod = subprocess.run(["go", "version", "-m", a.sigstore_go], capture_output=True, text=True).stdout
    sgo = (re.search(r"dep\s+github.com/sigstore/sigstore-go\s+(\S+)", gomod) or [None, "?"])[1]
    gover = (re.search(r"^\S+: (go\S+)", gomod) or [None, "?"])[1]
    git = subprocess.run(["git", "describe", "--always", "--dirty"], capture_output=True, text=True).stdout.strip()
    rustc = subprocess.run(["rustc", "--version"], capture_output=True, text=True).stdout.split()[1]
    return (f"sealcheck {git} (rustc {rustc}); sigstore-rust: sigstore-verify {crate('sigstore-verify')} "
            f"(aws-lc-rs {crate('aws-lc-rs')}); sigstore-go {sgo} ({gover})")


def main():
    ap = argparse.ArgumentParser()
    for opt in ["out", "sealcheck", "criterion", "sigstore-rust", "sigstore-rust-lock", "sigstore-go", "vectors"]:
        ap.add_argument(f"--{opt}", required=True)
    ap.add_argument("--iters", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=50)
    a = ap.parse_args()
    cases, skipped = case_list(Path(a.vectors))
    start_file = Path(a.out) / "bench-start"  # written by run.sh before the bench: /proc/loadavg
    crit, marker, bench_load = Path(a.criterion), start_file.stat().st_mtime, start_file.read_text().split()[0]
    sc, rs, go = a.sealcheck, a.sigstore_rust, a.sigstore_go
    notes = []
    load0 = os.getloadavg()[0]

    inproc, whole = [], []
    for c in cases:
        n = c["name"]
        # In-process µs: sealcheck AWS-LC and RustCrypto (criterion), then the peers' harnesses.
        s_aws, s_rc = criterion_us(crit, "verify-aws-lc", n, marker), criterion_us(crit, "verify", n, marker)
        p_rs, p_go = peer_us(rs, c, a.iters, notes), peer_us(go, c, a.iters, notes)
        inproc.append([n, fmt(s_aws, 1), fmt(s_rc, 1), fmt(p_rs, 1), fmt(p_go, 1),
                       ratio(p_rs, s_aws), ratio(p_rs, s_rc), ratio(p_go, s_aws), ratio(p_go, s_rc)])
        # Whole-process ms: every CLI given the same --trusted-root file; sealcheck also with its
        # embedded root (which only fits the cases that use the public-good root).
        vb = [sc, "verify-bundle"]
        w_aws = process_ms(vb + cli_args(c), a.runs, notes)
        w_rc = process_ms(vb + ["--crypto", "rustcrypto"] + cli_args(c), a.runs, notes)
        w_emb = NA("own root") if c["own_root"] else process_ms(vb + cli_args(c, root=False), a.runs, notes)
        w_rs, w_go = process_ms([rs] + cli_args(c), a.runs, notes), process_ms([go] + cli_args(c), a.runs, notes)
        whole.append([n, fmt(w_aws, 2), fmt(w_rc, 2), fmt(w_emb, 2), fmt(w_rs, 2), fmt(w_go, 2),
                      ratio(w_rs, w_aws), ratio(w_rs, w_rc), ratio(w_go, w_aws), ratio(w_go, w_rc)])

    print(versions(a))
    print(f"{os.cpu_count()} CPUs, load average {load0:.2f} at start, {os.getloadavg()[0]:.2f} at end; "
          f"peers: {a.iters} timed rounds after {(a.iters + 9) // 10} warm-up; "
          f"whole process: {'perf stat' if shutil.which('perf') else 'perf_counter loop'}, {a.runs} runs each")
    print("ratio = peer / sealcheck (> 1: sealcheck faster); sc = sealcheck, rc = RustCrypto backend")
    print("n/a (not benched): not one of benches/verify.rs's cases; n/a (own root): the case ships its own trusted_root.json")
    print(f"load average when criterion started: {bench_load}\n")
    ratios = ["rust/sc aws-lc", "rust/sc rc", "go/sc aws-lc", "go/sc rc"]
    table("In-process, µs per verification (parse bundle + verify; trusted root loaded once)",
          ["case", "sc aws-lc", "sc rc", "sigstore-rust", "sigstore-go"] + ratios, inproc)
    table("Whole process, ms per run (one-shot CLI, --trusted-root FILE; \"embedded\": sealcheck's built-in root)",
          ["case", "sc aws-lc", "sc rc", "sc embedded", "sigstore-rust", "sigstore-go"] + ratios, whole)
    for s in skipped:
        print(f"skipped: {s}")
    for i, note in enumerate(notes, 1):
        print(f"note {i}: {note}")


if __name__ == "__main__":
    main()
