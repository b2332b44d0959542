//! `sealcheck audit summary --html FILE`: the figures of an audit summary ([`Summary`], and the
//! signers whose window ends soon, [`SignerEnding`]) as one self-contained HTML page. No script,
//! no external resource: a Content-Security-Policy meta (`default-src 'none'; style-src
//! 'unsafe-inline'`) forbids fetching anything, the chart is inline SVG, and every string of the
//! log or the policy (reasons, references, tickets, names: attacker-influenced) is escaped.
//!
//! Every figure carries a stable attribute, so that a test reads it from the rendered DOM:
//! `data-figure="NAME"` on a scalar (the [`Summary`] field's name), `data-row="KIND"` on a table
//! row or chart bar and `data-col="FIELD"` on each of its cells.

use std::fmt::Write as _;

use sealcheck::audit::{Counts, Summary};
use sealcheck::policy::lint::SignerEnding;
use sealcheck::UnixTime;

/// The signers whose window ends within `warn_days` of `time` (`audit summary --policy`).
pub struct Ending<'a> {
    /// The review time (`--time`).
    pub time: UnixTime,
    /// The horizon, in days (`--warn-days`).
    pub warn_days: u32,
    /// The signers, soonest first.
    pub signers: &'a [SignerEnding],
}

/// Height of the tallest bar of the chart, in SVG user units.
const CHART_HEIGHT: f64 = 160.0;
/// Width of one day's bar, gap included.
const BAR_WIDTH: usize = 14;

const STYLE: &str = "body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}\
h1{font-size:1.4em}h2{font-size:1.1em;margin-top:2em}\
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 8px;text-align:left;white-space:nowrap}\
td.n{text-align:right;font-variant-numeric:tabular-nums}\
dl{display:grid;grid-template-columns:max-content max-content;gap:2px 16px}dd{margin:0}\
svg .allowed{fill:#3a7}svg .denied{fill:#c33}svg text{font-size:10px;fill:#555}\
tr.expired td{color:#c33;font-weight:bold}tr.soon td{color:#b60}\
.key span{display:inline-block;width:10px;height:10px;margin:0 4px 0 12px}.key .allowed{background:#3a7}.key .denied{background:#c33}";

/// `s` with `&`, `<`, `>`, `"` and `'` as character references: safe as element text and as
/// a quoted attribute value.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn time(t: Option<UnixTime>) -> String {
    t.map_or_else(|| "-".into(), |t| t.to_string())
}

/// One table: a header, then a `<tr data-row="{row}">` per entry, each cell `(field, text,
/// numeric)` a `<td data-col="{field}">`.
fn table<'a>(out: &mut String, id: &str, row: &str, header: &[&str], rows: impl IntoIterator<Item = (Option<&'a str>, Vec<(&'a str, String, bool)>)>) {
    let _ = write!(out, "<table id=\"{id}\"><thead><tr>");
    for h in header {
        let _ = write!(out, "<th>{}</th>", escape(h));
    }
    out.push_str("</tr></thead><tbody>");
    let mut empty = true;
    for (class, cells) in rows {
        empty = false;
        let class = class.map_or_else(String::new, |c| format!(" class=\"{c}\""));
        let _ = write!(out, "<tr data-row=\"{row}\"{class}>");
        for (field, text, numeric) in cells {
            let _ = write!(out, "<td data-col=\"{field}\"{}>{}</td>", if numeric { " class=\"n\"" } else { "" }, escape(&text));
        }
        out.push_str("</tr>");
    }
    if empty {
        let _ = write!(out, "<tr><td colspan=\"{}\">(none)</td></tr>", header.len());
    }
    out.push_str("</tbody></table>");
}

fn counts_row<'a>(key_field: &'a str, key: &str, c: &Counts) -> (Option<&'a str>, Vec<(&'a str, String, bool)>) {
    (
        None,
        vec![
            (key_field, key.to_string(), false),
            ("decisions", c.decisions.to_string(), true),
            ("allowed", c.allowed.to_string(), true),
            ("denied", c.denied.to_string(), true),
            ("exceptions", c.exceptions.to_string(), true),
        ],
    )
}

/// Decisions per day as stacked bars (allowed below, denied above), the tallest day
/// [`CHART_HEIGHT`] high; each bar a `<g data-row="bar" data-day="…">` whose rects carry
/// `data-col="allowed"` / `data-col="denied"` and whose `<title>` gives the figures.
fn chart(out: &mut String, days: &std::collections::BTreeMap<String, Counts>) {
    let max = days.values().map(|c| c.decisions).max().unwrap_or(0);
    if max == 0 {
        out.push_str("<p>(no decisions)</p>");
        return;
    }
    let (top, bottom, left) = (16.0, 28.0, 44usize);
    let width = left + days.len() * BAR_WIDTH + 32;
    let height = top + CHART_HEIGHT + bottom;
    let base = top + CHART_HEIGHT;
    let scale = |n: u64| n as f64 * CHART_HEIGHT / max as f64;
    let _ = write!(out, "<svg id=\"chart\" role=\"img\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" data-max=\"{max}\">");
    let _ = write!(out, "<text x=\"0\" y=\"{}\">{max}</text><text x=\"0\" y=\"{base}\">0</text>", top + 4.0);
    let _ = write!(out, "<line x1=\"{left}\" y1=\"{base}\" x2=\"{width}\" y2=\"{base}\" stroke=\"#999\"/>");
    let label_every = days.len().div_ceil(10).max(1);
    for (i, (day, c)) in days.iter().enumerate() {
        let x = left + i * BAR_WIDTH;
        let (ha, hd) = (scale(c.allowed), scale(c.denied));
        let day = escape(day);
        let _ = write!(
            out,
            "<g data-row=\"bar\" data-day=\"{day}\"><title>{day}: {} decisions, {} allowed ({} by exception), {} denied</title>\
             <rect class=\"allowed\" data-col=\"allowed\" data-value=\"{}\" x=\"{x}\" y=\"{:.2}\" width=\"{}\" height=\"{ha:.2}\"/>\
             <rect class=\"denied\" data-col=\"denied\" data-value=\"{}\" x=\"{x}\" y=\"{:.2}\" width=\"{}\" height=\"{hd:.2}\"/>",
            c.decisions,
            c.allowed,
            c.exceptions,
            c.denied,
            c.allowed,
            base - ha,
            BAR_WIDTH - 2,
            c.denied,
            base - ha - hd,
            BAR_WIDTH - 2,
        );
        if i % label_every == 0 || i + 1 == days.len() {
            let _ = write!(out, "<text x=\"{x}\" y=\"{}\">{}</text>", base + 14.0, day.get(5..).filter(|_| day.len() == 10).unwrap_or(&day));
        }
        out.push_str("</g>");
    }
    out.push_str("</svg><p class=\"key\"><span class=\"allowed\"></span>allowed<span class=\"denied\"></span>denied</p>");
}

/// What `days_left` says in words.
fn days_left(s: &SignerEnding) -> String {
    match s.days_left {
        _ if s.expired => format!("expired {}", s.valid_until),
        1 => "1 day left".into(),
        n => format!("{n} days left"),
    }
}

/// The page: totals, decisions over time, denials by reason, exceptions in use, revocation
/// hits, scopes, and (with a policy) the signers whose window ends soon.
pub fn summary_page(s: &Summary, ending: Option<&Ending<'_>>) -> String {
    let mut out = String::with_capacity(16 * 1024 + 512 * (s.days.len() + s.denials_by_reason.len() + s.scopes.len()));
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\
         <meta name=\"referrer\" content=\"no-referrer\"><title>sealcheck audit summary</title><style>{STYLE}</style></head><body>\
         <h1>sealcheck audit summary</h1><p>Chain intact: <span data-figure=\"records\">{}</span> records, tail <code data-figure=\"tail\">{}</code>.</p>",
        s.tail.seq,
        s.tail,
    );
    out.push_str("<dl id=\"totals\">");
    let figures: [(&str, &str, String); 7] = [
        ("total", "decisions", s.total.to_string()),
        ("allowed", "allowed", s.allowed.to_string()),
        ("allowed_by_exception", "of which by exception", s.allowed_by_exception.to_string()),
        ("denied", "denied", s.denied.to_string()),
        ("with_revocation_hits", "with revocation hits", s.with_revocation_hits.to_string()),
        ("first_time", "first verification time", time(s.first_time)),
        ("last_time", "last verification time", time(s.last_time)),
    ];
    for (name, label, value) in figures {
        let _ = write!(out, "<dt>{label}</dt><dd data-figure=\"{name}\">{}</dd>", escape(&value));
    }
    out.push_str("</dl><h2 id=\"over-time\">Decisions over time (per UTC day)</h2>");
    chart(&mut out, &s.days);
    table(&mut out, "days", "day", &["day (UTC)", "decisions", "allowed", "denied", "exceptions"], s.days.iter().map(|(d, c)| counts_row("day", d, c)));

    out.push_str("<h2>Denials by reason</h2>");
    let mut denials: Vec<(&String, &u64)> = s.denials_by_reason.iter().collect();
    denials.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    table(&mut out, "denials", "denial", &["reason", "denials"], denials.into_iter().map(|(r, n)| (None, vec![("reason", r.clone(), false), ("count", n.to_string(), true)])));

    out.push_str("<h2>Exceptions in use</h2>");
    let exceptions = s.exceptions.iter().flat_map(|(scope, u)| u.exceptions.iter().map(move |(id, e)| (scope, id, e)));
    table(
        &mut out,
        "exceptions",
        "exception",
        &["policy scope", "exception", "covers", "ticket", "approver", "not before", "not after", "uses", "first used", "last used"],
        exceptions.map(|(scope, id, e)| {
            (
                None,
                vec![
                    ("policy_scope", scope.clone(), false),
                    ("id", id.clone(), false),
                    ("scope", e.scope.clone(), false),
                    ("ticket", e.ticket.clone(), false),
                    ("approver", e.approver.clone(), false),
                    ("not_before", e.not_before.to_string(), false),
                    ("not_after", e.not_after.to_string(), false),
                    ("uses", e.uses.to_string(), true),
                    ("first_used", e.first_used.to_string(), false),
                    ("last_used", e.last_used.to_string(), false),
                ],
            )
        }),
    );

    out.push_str("<h2>Keys nearing the end of their window</h2>");
    match ending {
        None => out.push_str("<p id=\"signers-ending-absent\">Not computed: give the native policy with <code>--policy</code>.</p>"),
        Some(e) => {
            let _ = write!(
                out,
                "<p>Signers whose <code>validUntil</code> is at most <span data-figure=\"warn_days\">{}</span> days after <span data-figure=\"time\">{}</span>, and those already ended.</p>",
                e.warn_days, e.time
            );
            table(
                &mut out,
                "signers-ending",
                "signer",
                &["signer", "valid until", "days left", "status", "trusted in"],
                e.signers.iter().map(|s| {
                    (
                        Some(if s.expired { "expired" } else { "soon" }),
                        vec![
                            ("signer", s.signer.clone(), false),
                            ("valid_until", s.valid_until.to_string(), false),
                            ("days_left", s.days_left.to_string(), true),
                            ("status", days_left(s), false),
                            ("scopes", s.scopes.join(", "), false),
                        ],
                    )
                }),
            );
        }
    }

    out.push_str("<h2>Revocation hits</h2>");
    table(&mut out, "revocations", "revocation", &["revocation", "decisions"], s.revocation_hits.iter().map(|(h, n)| (None, vec![("hit", h.clone(), false), ("count", n.to_string(), true)])));
    out.push_str("<h2>Decisions per policy scope</h2>");
    table(&mut out, "scopes", "scope", &["scope", "decisions", "allowed", "denied", "exceptions"], s.scopes.iter().map(|(k, c)| counts_row("scope", k, c)));
    out.push_str("<h2>Decisions per policy (SHA-256)</h2>");
    table(&mut out, "policies", "policy", &["policy digest", "decisions"], s.policies.iter().map(|(d, n)| (None, vec![("digest", d.clone(), false), ("count", n.to_string(), true)])));
    out.push_str("</body></html>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(escape(r#"<script>alert("x&y")</script>'"#), "&lt;script&gt;alert(&quot;x&amp;y&quot;)&lt;/script&gt;&#39;");
    }
}
