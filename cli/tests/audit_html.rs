//! `sealcheck audit summary --html` and `--policy` (issue 14, acceptance 8): a generated log of
//! 10,000 decisions (allowed, denied for several reasons, a few allowed by two break-glass
//! exceptions, some with revocation hits, one whose reason is markup), chained by the library's
//! own writer ([`sealcheck::audit::Tail::entry`]); a native policy whose signers' windows end 10
//! and 30 days after `--time`, one second past 30 days, 3 days before it, or never. The page is
//! opened in headless Chromium (Debian's `chromium`), its rendered DOM (`--dump-dom`) parsed, and
//! every figure on it compared with `audit summary --json`, which is itself compared with what
//! the generator wrote; the key with 10 days left is shown as such.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use sealcheck::audit::Tail;
use sealcheck::policy::{ExceptionRecord, RequirementRecord, SignatureRecord};
use sealcheck::{Decision, SignatureFormat, UnixTime};
use serde_json::{Value, json};

/// The review time (`--time`).
const TIME: &str = "2026-12-01T00:00:00Z";
const DAY: i64 = 86_400;
const ISSUER: &str = "https://token.actions.githubusercontent.com";
/// A denial reason that is markup: it must render as text.
const SCRIPT_REASON: &str = r#"<script>document.title="owned"</script> & <b>bold</b>"#;
const SCRIPT_TICKET: &str = r#"INC-2 <img src=x onerror="alert(1)">"#;

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("sealcheck-audit-html-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn sealcheck(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sealcheck")).args(args).output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn time() -> UnixTime {
    UnixTime::parse_rfc3339(TIME).unwrap()
}

// ---- the generated log ------------------------------------------------------------------

/// What the generator wrote, counted as it wrote it.
#[derive(Default)]
struct Expected {
    total: u64,
    allowed: u64,
    denied: u64,
    by_exception: u64,
    with_hits: u64,
    denials: BTreeMap<String, u64>,
    exception_uses: BTreeMap<String, u64>,
}

fn requirement(kind: &str, satisfied: bool, error_kind: Option<&'static str>) -> RequirementRecord {
    let signatures = error_kind
        .map(|k| SignatureRecord {
            index: 0,
            origin: "referrers".into(),
            format: SignatureFormat::SigstoreBundle,
            accepted: false,
            reason: format!("refused: {k}"),
            error_kind: Some(k),
            signer: None,
            signed_reference: None,
            integrated_time: None,
            times: Vec::new(),
            matched: None,
            validations: Vec::new(),
        })
        .into_iter()
        .collect();
    RequirementRecord { index: 0, kind: kind.into(), satisfied, reason: String::new(), signatures, alternatives: Vec::new() }
}

fn exception(id: &str, ticket: &str, approver: &str, not_after: &str) -> ExceptionRecord {
    ExceptionRecord {
        id: id.into(),
        scope: "registry.example/legacy".into(),
        reason: "incident".into(),
        ticket: ticket.into(),
        approver: approver.into(),
        not_before: UnixTime::parse_rfc3339("2026-11-01T00:00:00Z").unwrap(),
        not_after: UnixTime::parse_rfc3339(not_after).unwrap(),
        denied_because: "requirement 0 (signedBy) not satisfied".into(),
    }
}

/// `n` decisions over the 30 days before [`TIME`], in time order, from a fixed pseudo-random
/// sequence: 70% allowed, 15% denied for an identity mismatch, 8% by the default `reject`, 3%
/// allowed by one of two exceptions, 3% denied with a revocation hit, 1% denied with a markup
/// reason.
fn generate(n: usize) -> (Vec<u8>, Expected) {
    let mut state: u64 = 0x5ea1_c0de;
    let mut next = move || {
        state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        state >> 33
    };
    let start = time().secs() - 30 * DAY;
    let mut times: Vec<i64> = (0..n).map(|_| start + i64::try_from(next() % (30 * DAY as u64)).unwrap()).collect();
    times.sort_unstable();
    let mut want = Expected::default();
    let mut tail = Tail::EMPTY;
    let mut log = Vec::new();
    for t in times {
        let mut d = Decision {
            allowed: true,
            reason: "all 1 requirements satisfied".into(),
            reference: "registry.example/app:v1".into(),
            manifest_digest: None,
            index_digest: None,
            scope: "registry.example/app".into(),
            policy_digest: "ab".repeat(32),
            requirements: vec![requirement("signedBy", true, None)],
            signature_checks: 1,
            verification_time: UnixTime::from_secs(t),
            exception: None,
            revocation_hits: Vec::new(),
        };
        let denial = match next() % 100 {
            0..70 => None,
            70..85 => {
                d.requirements = vec![requirement("signedBy", false, Some("IdentityMismatch"))];
                Some("signedBy/IdentityMismatch".to_string())
            }
            85..93 => {
                d.scope = "default".into();
                d.reference = "elsewhere.example/tool:latest".into();
                d.requirements = vec![requirement("reject", false, None)];
                Some("reject".into())
            }
            93..96 => {
                d.scope = "registry.example/legacy".into();
                d.reference = "registry.example/legacy:v0".into();
                d.requirements = vec![requirement("signedBy", false, Some("NoSignature"))];
                d.reason = "allowed by exception".into();
                let e = if next() % 2 == 0 { exception("EXC-1", "INC-1", "oncall@example.com", "2026-12-03T00:00:00Z") } else { exception("EXC-2", SCRIPT_TICKET, r#""ops" <ops@example.com>"#, "2026-12-20T12:00:00Z") };
                *want.exception_uses.entry(e.id.clone()).or_default() += 1;
                d.exception = Some(e);
                want.by_exception += 1;
                None
            }
            96..99 => {
                d.requirements = vec![requirement("signedBy", false, Some("Revoked"))];
                d.revocation_hits = vec!["key k1: keyCompromise".into()];
                want.with_hits += 1;
                Some("signedBy/Revoked".into())
            }
            _ => {
                d.requirements = Vec::new();
                d.reason = format!("{SCRIPT_REASON}: no manifest");
                Some(SCRIPT_REASON.into())
            }
        };
        want.total += 1;
        if let Some(reason) = denial {
            d.allowed = false;
            d.reason = if d.requirements.is_empty() { d.reason } else { "requirement 0 not satisfied".into() };
            want.denied += 1;
            *want.denials.entry(reason).or_default() += 1;
        } else {
            want.allowed += 1;
        }
        let line = tail.entry(&d);
        tail = tail.after(line.as_bytes());
        log.extend_from_slice(line.as_bytes());
        log.push(b'\n');
    }
    (log, want)
}

/// A native policy at [`TIME`]: `release` ends in 10 days, `ci` in exactly 30, `nightly` one
/// second after 30, `old` ended 3 days ago, `forever` has no end, `later` ends in 200 days, and
/// `spare`, ending tomorrow, is named by no scope.
fn policy(dir: &Path) -> PathBuf {
    let at = |days: i64, secs: i64| UnixTime::from_secs(time().secs() + days * DAY + secs).to_string();
    let signer = |repo: &str, until: Option<String>| {
        let mut s = json!({"sigstore": {"trustedRoot": "public-good", "issuer": ISSUER,
                                        "subject": format!("https://github.com/{repo}/.github/workflows/release.yml@refs/heads/main")},
                           "validFrom": "2026-01-01T00:00:00Z"});
        if let Some(u) = until {
            s["validUntil"] = json!(u);
        }
        s
    };
    let doc = json!({
        "apiVersion": "sealcheck.dev/v1",
        "signers": {
            "release": signer("acme/release", Some(at(10, 0))),
            "ci": signer("acme/ci", Some(at(30, 0))),
            "nightly": signer("acme/nightly", Some(at(30, 1))),
            "old": signer("acme/old", Some(at(-3, 0))),
            "forever": signer("acme/forever", None),
            "later": signer("acme/later", Some(at(200, 0))),
            "spare": signer("acme/spare", Some(at(1, 0)))
        },
        "scopes": {
            "*": {"reject": true},
            "registry.example/app": {"roles": {"build": ["ci"], "approve": ["release"]}},
            "registry.example/legacy": {"signatures": {"signers": ["old", "nightly", "forever", "later"]}}
        }
    });
    let p = dir.join("policy.json");
    std::fs::write(&p, serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
    p
}

// ---- the rendered DOM ---------------------------------------------------------------------

/// One element of the DOM Chromium serialized: its tag, attributes, text content, parent.
struct Element {
    tag: String,
    attrs: BTreeMap<String, String>,
    text: String,
    parent: Option<usize>,
}

/// The character references HTML serialization writes (`&amp;` `&lt;` `&gt;` `&quot;`
/// `&nbsp;`, and numeric ones).
fn unescape(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        let end = tail.find(';').expect("an unterminated character reference");
        let c = match &tail[1..end] {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "nbsp" => '\u{a0}',
            n if n.starts_with("#x") => char::from_u32(u32::from_str_radix(&n[2..], 16).unwrap()).unwrap(),
            n if n.starts_with('#') => char::from_u32(n[1..].parse().unwrap()).unwrap(),
            other => panic!("unexpected character reference &{other};"),
        };
        out.push(c);
        rest = &tail[end + 1..];
    }
    out.push_str(rest);
    out
}

/// Parses serialized HTML (as `chromium --dump-dom` writes it: every non-void element closed,
/// attribute values double-quoted) into its elements, in document order.
fn parse_dom(html: &str) -> Vec<Element> {
    const VOID: [&str; 8] = ["meta", "br", "img", "link", "input", "hr", "base", "source"];
    let mut elements: Vec<Element> = Vec::new();
    let mut stack: Vec<usize> = Vec::new();
    let mut rest = html;
    while !rest.is_empty() {
        let Some(lt) = rest.find('<') else {
            let text = unescape(rest);
            stack.iter().for_each(|&i| elements[i].text.push_str(&text));
            break;
        };
        let text = unescape(&rest[..lt]);
        stack.iter().for_each(|&i| elements[i].text.push_str(&text));
        rest = &rest[lt..];
        if let Some(r) = rest.strip_prefix("<!--") {
            rest = &r[r.find("-->").unwrap() + 3..];
        } else if rest.starts_with("<!") {
            rest = &rest[rest.find('>').unwrap() + 1..];
        } else if let Some(r) = rest.strip_prefix("</") {
            let end = r.find('>').unwrap();
            let name = r[..end].trim().to_ascii_lowercase();
            let at = stack.iter().rposition(|&i| elements[i].tag == name).unwrap_or_else(|| panic!("</{name}> closes nothing"));
            stack.truncate(at);
            rest = &r[end + 1..];
        } else {
            let mut r = &rest[1..];
            let name_end = r.find(|c: char| c.is_whitespace() || c == '>' || c == '/').unwrap();
            let tag = r[..name_end].to_ascii_lowercase();
            r = &r[name_end..];
            let mut attrs = BTreeMap::new();
            loop {
                r = r.trim_start();
                if let Some(x) = r.strip_prefix("/>") {
                    r = x;
                    break;
                }
                if let Some(x) = r.strip_prefix('>') {
                    r = x;
                    break;
                }
                let key_end = r.find(|c: char| c == '=' || c.is_whitespace() || c == '>' || c == '/').unwrap();
                let key = r[..key_end].to_ascii_lowercase();
                r = &r[key_end..];
                let value = if let Some(x) = r.strip_prefix("=\"") {
                    let close = x.find('"').unwrap();
                    r = &x[close + 1..];
                    unescape(&x[..close])
                } else {
                    String::new()
                };
                attrs.insert(key, value);
            }
            let void = VOID.contains(&tag.as_str());
            elements.push(Element { tag, attrs, text: String::new(), parent: stack.last().copied() });
            if !void {
                stack.push(elements.len() - 1);
            }
            rest = r;
        }
    }
    elements
}

struct Dom(Vec<Element>);

impl Dom {
    /// The text of the one element with `data-figure="{name}"`.
    fn figure(&self, name: &str) -> String {
        let found: Vec<&Element> = self.0.iter().filter(|e| e.attrs.get("data-figure").map(String::as_str) == Some(name)).collect();
        assert_eq!(found.len(), 1, "data-figure={name}");
        found[0].text.clone()
    }

    /// Every `data-row="{kind}"` element: its attributes, and its `data-col` cells (text and
    /// attributes) by field.
    #[allow(clippy::type_complexity)]
    fn rows(&self, kind: &str) -> Vec<(BTreeMap<String, String>, BTreeMap<String, (String, BTreeMap<String, String>)>)> {
        let mut rows: BTreeMap<usize, (BTreeMap<String, String>, BTreeMap<String, (String, BTreeMap<String, String>)>)> = BTreeMap::new();
        for (i, e) in self.0.iter().enumerate() {
            if e.attrs.get("data-row").map(String::as_str) == Some(kind) {
                rows.insert(i, (e.attrs.clone(), BTreeMap::new()));
            }
        }
        for e in &self.0 {
            let Some(col) = e.attrs.get("data-col") else { continue };
            let mut up = e.parent;
            while let Some(p) = up {
                if let Some(row) = rows.get_mut(&p) {
                    assert!(row.1.insert(col.clone(), (e.text.clone(), e.attrs.clone())).is_none(), "two {col} cells in one {kind} row");
                    break;
                }
                up = self.0[p].parent;
            }
        }
        rows.into_values().collect()
    }

    /// The `data-row="{kind}"` rows as `key column → other columns' text`.
    fn table(&self, kind: &str, key: &str) -> BTreeMap<String, BTreeMap<String, String>> {
        let mut out = BTreeMap::new();
        for (_, cells) in self.rows(kind) {
            let mut cells: BTreeMap<String, String> = cells.into_iter().map(|(k, (t, _))| (k, t)).collect();
            let k = cells.remove(key).unwrap_or_else(|| panic!("a {kind} row without {key}"));
            assert!(out.insert(k.clone(), cells).is_none(), "{kind} {k} twice");
        }
        out
    }
}

/// `chromium --headless --dump-dom` of the file: the DOM after the page loaded, as HTML. The
/// browser runs in `dir` (its profile there) and is killed if it has not finished in two
/// minutes. No Chromium is a failure, never a skip.
fn rendered(page: &Path, dir: &Path) -> String {
    let version = Command::new("chromium").arg("--version").output().unwrap_or_else(|e| panic!("chromium is not installed ({e}): apt-get install chromium (Debian), as .ci/run does"));
    assert!(version.status.success() && String::from_utf8_lossy(&version.stdout).starts_with("Chromium "), "chromium --version: {}", String::from_utf8_lossy(&version.stdout));
    let profile = dir.join("chromium-profile");
    let mut child = Command::new("chromium")
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions", "--disable-background-networking", "--dump-dom"])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("file://{}", page.display()))
        .env("HOME", dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start chromium");
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut stdout, &mut s).map(|_| s)
    });
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut stderr, &mut s).map(|_| s)
    });
    let deadline = Instant::now() + Duration::from_secs(120);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish within two minutes");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let dom = out.join().unwrap().unwrap();
    let err = err.join().unwrap().unwrap_or_default();
    assert!(status.success(), "chromium: {status}: {err}");
    assert!(dom.contains("</html>"), "chromium printed no DOM: {dom}\n{err}");
    dom
}

fn text(v: &Value) -> String {
    v.as_str().map_or_else(|| v.to_string(), str::to_string)
}

#[test]
#[ignore = "needs chromium (Debian package; .ci/run installs it)"]
fn the_html_summary_renders_the_figures_of_audit_summary() {
    let dir = scratch("render");
    let (log_bytes, want) = generate(10_000);
    let log = dir.join("audit.jsonl");
    std::fs::write(&log, &log_bytes).unwrap();
    let policy = policy(&dir);
    let page = dir.join("summary.html");
    let (logs, policies, pages) = (log.to_str().unwrap(), policy.to_str().unwrap(), page.to_str().unwrap());
    let common = ["audit", "summary", "--policy", policies, "--time", TIME];

    // `--json`: the generator's own counts.
    let o = sealcheck(&[&common[..], &["--json", logs]].concat());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let s: Value = serde_json::from_slice(&o.stdout).unwrap();
    let n = |k: &str| s[k].as_u64().unwrap();
    assert_eq!((n("total"), n("allowed"), n("denied"), n("allowed_by_exception"), n("with_revocation_hits")), (want.total, want.allowed, want.denied, want.by_exception, want.with_hits));
    assert_eq!(s["denials_by_reason"], serde_json::to_value(&want.denials).unwrap());
    let uses: BTreeMap<String, u64> = s["exceptions"]["registry.example/legacy"]["exceptions"].as_object().unwrap().iter().map(|(k, v)| (k.clone(), v["uses"].as_u64().unwrap())).collect();
    assert_eq!(uses, want.exception_uses);
    assert!(want.exception_uses.len() == 2 && want.with_hits > 0 && want.denials.contains_key(SCRIPT_REASON), "the generator wrote every kind");
    assert_eq!(s["days"].as_object().unwrap().len(), 30, "30 days of decisions");
    // Signer windows (lint::signers_ending): ends within 30 days of TIME, or has ended; soonest
    // first. `nightly` ends one second too late; `forever`, `later` and `spare` (unused) are
    // not listed.
    let ending = &s["signers_ending"];
    assert_eq!((ending["time"].as_str(), ending["warn_days"].as_u64()), (Some(TIME), Some(30)));
    let rows: Vec<(String, i64, bool)> = ending["signers"].as_array().unwrap().iter().map(|r| (text(&r["signer"]), r["days_left"].as_i64().unwrap(), r["expired"].as_bool().unwrap())).collect();
    assert_eq!(rows, [(r#"signer "old""#.into(), -3, true), (r#"signer "release""#.into(), 10, false), (r#"signer "ci""#.into(), 30, false)]);
    assert_eq!(ending["signers"][1]["valid_until"], "2026-12-11T00:00:00Z");

    // The text summary says the same.
    let o = sealcheck(&[&common[..], &[logs]].concat());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let table = String::from_utf8(o.stdout).unwrap();
    assert!(table.contains(r#"signer "release""#) && table.contains("valid until 2026-12-11T00:00:00Z  10 days left"), "{table}");

    // `--html`, in a separate run, rendered by Chromium.
    let started = Instant::now();
    let o = sealcheck(&[&common[..], &["--html", pages, logs]].concat());
    let took = started.elapsed();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let html = std::fs::read_to_string(&page).unwrap();
    eprintln!("audit summary --html of {} records: {took:?}, {} bytes of HTML", want.total, html.len());
    // Self-contained: nothing to fetch, and a CSP that forbids fetching anything.
    for bad in ["http://", "https://", "src=\"", "href=", "url(", "@import", "<script", "<link", "<img"] {
        assert!(!html.contains(bad), "the page contains {bad:?}");
    }
    let dom = Dom(parse_dom(&rendered(&page, &dir)));
    let csp: Vec<&Element> = dom.0.iter().filter(|e| e.tag == "meta" && e.attrs.get("http-equiv").is_some_and(|v| v.eq_ignore_ascii_case("Content-Security-Policy"))).collect();
    assert_eq!(csp.len(), 1);
    assert_eq!(csp[0].attrs["content"], "default-src 'none'; style-src 'unsafe-inline'");
    assert_eq!(dom.0.iter().filter(|e| e.tag == "script" || e.tag == "img" || e.tag == "iframe" || e.tag == "object" || e.tag == "link").count(), 0, "markup in the log stays text");
    assert!(dom.0.iter().all(|e| !e.attrs.contains_key("src") && !e.attrs.contains_key("href") && !e.attrs.keys().any(|k| k.starts_with("on"))), "no fetching, no handlers");
    assert_eq!(dom.0.iter().find(|e| e.tag == "title").unwrap().text, "sealcheck audit summary", "no script ran");

    // The totals.
    for k in ["total", "allowed", "denied", "allowed_by_exception", "with_revocation_hits"] {
        assert_eq!(dom.figure(k), s[k].to_string(), "{k}");
    }
    for k in ["first_time", "last_time"] {
        assert_eq!(dom.figure(k), text(&s[k]), "{k}");
    }
    assert_eq!(dom.figure("records"), s["tail"]["seq"].to_string());
    assert_eq!(dom.figure("tail"), format!("{}:{}", s["tail"]["seq"], text(&s["tail"]["hash"])));

    // Decisions over time: the table, and the chart's bars (allowed below denied, the tallest
    // day 160 units high).
    let counts = |m: &Value| -> BTreeMap<String, BTreeMap<String, String>> {
        m.as_object().unwrap().iter().map(|(k, c)| (k.clone(), c.as_object().unwrap().iter().map(|(f, v)| (f.clone(), v.to_string())).collect())).collect()
    };
    assert_eq!(dom.table("day", "day"), counts(&s["days"]));
    let max = s["days"].as_object().unwrap().values().map(|c| c["decisions"].as_u64().unwrap()).max().unwrap();
    let bars = dom.rows("bar");
    assert_eq!(bars.len(), 30);
    let mut heights = 0.0;
    for (attrs, cells) in &bars {
        let day = &s["days"][&attrs["data-day"]];
        for (col, (_, rect)) in cells {
            let v = day[col].as_u64().unwrap_or_else(|| panic!("bar {col}"));
            assert_eq!(rect["data-value"], v.to_string());
            let h: f64 = rect["height"].parse().unwrap();
            let expected = v as f64 * 160.0 / max as f64;
            assert!((h - expected).abs() < 0.01, "{} {col}: height {h}, expected {expected}", attrs["data-day"]);
            heights += h;
        }
    }
    assert!(heights > 160.0 * 15.0, "the bars are drawn: {heights}");

    // Denials by reason, the markup one as its text.
    let denials: BTreeMap<String, u64> = dom.table("denial", "reason").into_iter().map(|(k, c)| (k, c["count"].parse().unwrap())).collect();
    assert_eq!(serde_json::to_value(&denials).unwrap(), s["denials_by_reason"]);
    assert!(denials.contains_key(SCRIPT_REASON));

    // Exceptions in use, with their expiry.
    let exceptions = dom.table("exception", "id");
    let json_exceptions = s["exceptions"]["registry.example/legacy"]["exceptions"].as_object().unwrap();
    assert_eq!(exceptions.len(), json_exceptions.len());
    for (id, e) in json_exceptions {
        let row = &exceptions[id];
        assert_eq!(row["policy_scope"], "registry.example/legacy");
        for f in ["scope", "ticket", "approver", "not_before", "not_after", "uses", "first_used", "last_used"] {
            assert_eq!(row[f], text(&e[f]), "{id} {f}");
        }
    }
    assert_eq!(exceptions["EXC-2"]["ticket"], SCRIPT_TICKET);
    assert_eq!(exceptions["EXC-2"]["not_after"], "2026-12-20T12:00:00Z");

    // Revocation hits, scopes, policies.
    let pairs = |kind: &str, key: &str| -> Value { dom.table(kind, key).into_iter().map(|(k, c)| (k, json!(c["count"].parse::<u64>().unwrap()))).collect::<serde_json::Map<_, _>>().into() };
    assert_eq!(pairs("revocation", "hit"), s["revocation_hits"]);
    assert_eq!(pairs("policy", "digest"), s["policies"]);
    assert_eq!(dom.table("scope", "scope"), counts(&s["scopes"]));

    // Keys nearing the end of their window: the same rows; the one with 10 days left says so.
    assert_eq!((dom.figure("time"), dom.figure("warn_days")), (TIME.to_string(), "30".to_string()));
    let signers = dom.rows("signer");
    assert_eq!(signers.len(), 3);
    for ((attrs, cells), json) in signers.iter().zip(ending["signers"].as_array().unwrap()) {
        for f in ["signer", "valid_until", "days_left"] {
            assert_eq!(cells[f].0, text(&json[f]), "{f}");
        }
        assert_eq!(attrs["class"], if json["expired"] == true { "expired" } else { "soon" });
    }
    let release = signers.iter().find(|(_, c)| c["signer"].0 == r#"signer "release""#).unwrap();
    assert_eq!((release.1["days_left"].0.as_str(), release.1["status"].0.as_str()), ("10", "10 days left"));
    assert_eq!(signers[0].1["status"].0, "expired 2026-11-28T00:00:00Z");
    std::fs::remove_dir_all(&dir).ok();
}

/// The options' edges, without a browser: `--warn-days`, a policy that gives no windows, a
/// page that cannot be written, `--time` without a policy, and a broken chain (no page).
#[test]
fn summary_options_fail_closed() {
    let dir = scratch("options");
    let (log_bytes, _) = generate(50);
    let log = dir.join("audit.jsonl");
    std::fs::write(&log, &log_bytes).unwrap();
    let policy = policy(&dir);
    let (logs, policies) = (log.to_str().unwrap(), policy.to_str().unwrap());

    // A horizon of 9 days: `release` (10 days left) is not listed, the ended one is.
    let o = sealcheck(&["audit", "summary", "--json", "--policy", policies, "--time", TIME, "--warn-days", "9", logs]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let s: Value = serde_json::from_slice(&o.stdout).unwrap();
    let names: Vec<&str> = s["signers_ending"]["signers"].as_array().unwrap().iter().map(|r| r["signer"].as_str().unwrap()).collect();
    assert_eq!(names, [r#"signer "old""#]);
    let o = sealcheck(&["audit", "summary", "--json", "--policy", policies, "--time", TIME, "--warn-days", "10", logs]);
    let s: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(s["signers_ending"]["signers"].as_array().unwrap().len(), 2, "validUntil exactly 10 days later is within 10 days");
    // Without --policy, no key windows (and no such key in the JSON).
    let o = sealcheck(&["audit", "summary", "--json", logs]);
    let s: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(s.get("signers_ending").is_none());

    // A containers-policy.json gives keys no window: an input error that says so.
    let containers = dir.join("containers.json");
    std::fs::write(&containers, r#"{"default":[{"type":"insecureAcceptAnything"}]}"#).unwrap();
    let o = sealcheck(&["audit", "summary", "--policy", containers.to_str().unwrap(), logs]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("a containers-policy.json gives its keys and identities no window (validUntil)"), "{}", stderr(&o));
    let o = sealcheck(&["audit", "summary", "--json", "--policy", dir.join("missing.json").to_str().unwrap(), logs]);
    assert_eq!(o.status.code(), Some(2));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!((v["intact"].as_bool(), v["error"]["class"].as_str()), (Some(false), Some("input")), "{v}");
    let o = sealcheck(&["audit", "summary", "--time", TIME, logs]);
    assert_eq!(o.status.code(), Some(2), "--time needs --policy: {}", stderr(&o));
    let o = sealcheck(&["audit", "summary", "--policy", policies, "--time", "yesterday", logs]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));

    // A page that cannot be written: exit 2, naming it.
    let o = sealcheck(&["audit", "summary", "--html", dir.join("no/such/dir/page.html").to_str().unwrap(), logs]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("HTML summary"), "{}", stderr(&o));

    // A broken chain: exit 1, and no page.
    let text = String::from_utf8(log_bytes).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    lines.swap(3, 4);
    let broken = dir.join("broken.jsonl");
    std::fs::write(&broken, lines.iter().map(|l| format!("{l}\n")).collect::<String>()).unwrap();
    let page = dir.join("broken.html");
    let o = sealcheck(&["audit", "summary", "--html", page.to_str().unwrap(), broken.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(!page.exists(), "no page of a broken log");
    std::fs::remove_dir_all(&dir).ok();
}
