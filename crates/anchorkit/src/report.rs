//! Pictures: a plan as one self-contained HTML file with an SVG timeline (no external assets,
//! no network). One row per endpoint, firmware and profile, green where the device connects
//! and red where it fails, a marker at each break; validity bars for the anchors and the
//! certificates served; event markers with their source on hover.

use std::fmt::Write as _;

use crate::cert::format_date;
use crate::plan::Plan;

/// Escapes text for HTML and SVG.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

const LABEL_W: f64 = 360.0;
const PLOT_W: f64 = 760.0;
const ROW_H: f64 = 26.0;
const TOP: f64 = 40.0;

/// The plan as an HTML document.
pub fn plan_html(p: &Plan) -> String {
    let span = (p.until - p.from).max(1) as f64;
    let x = |t: i64| LABEL_W + ((t.clamp(p.from, p.until) - p.from) as f64 / span) * PLOT_W;
    let bars: Vec<_> = p.certificates.iter().collect();
    let n_rows = p.rows.len() + bars.len() + 1;
    let height = TOP + ROW_H * n_rows as f64 + 30.0;
    let width = LABEL_W + PLOT_W + 20.0;
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" id="timeline" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" aria-label="timeline">"#
    );
    // Year ticks.
    let (y0, y1) = (year_of(p.from), year_of(p.until));
    for y in y0..=y1 {
        let t = crate::cert::parse_time(&format!("{y:04}-01-01")).unwrap_or(p.from);
        if t < p.from || t > p.until {
            continue;
        }
        let xx = x(t);
        let _ = write!(
            svg,
            r#"<line class="tick" x1="{xx:.1}" y1="{}" x2="{xx:.1}" y2="{}" stroke="lightgray"/><text x="{xx:.1}" y="{}" font-size="10" text-anchor="middle" fill="gray">{y}</text>"#,
            TOP - 10.0,
            height - 20.0,
            TOP - 14.0
        );
    }
    // Events.
    for e in &p.events {
        let xx = x(e.at);
        let _ = write!(
            svg,
            r#"<line class="event" data-date="{}" x1="{xx:.1}" y1="{}" x2="{xx:.1}" y2="{}" stroke="{}" stroke-dasharray="3,3"><title>{} ({}, {}): {}
source: {}</title></line>"#,
            escape(&e.date),
            TOP - 8.0,
            height - 24.0,
            if e.status == "inferred" {
                "#b58900"
            } else {
                "#268bd2"
            },
            escape(&e.date),
            escape(&e.ca),
            escape(&e.status),
            escape(&e.text),
            escape(&e.source)
        );
    }
    // Endpoint rows.
    for (i, r) in p.rows.iter().enumerate() {
        let y = TOP + ROW_H * i as f64;
        let label = format!(
            "{}{} · {} · {}",
            r.endpoint,
            if r.ota { " (OTA)" } else { "" },
            r.firmware,
            r.profile
        );
        let _ = write!(
            svg,
            r#"<g class="row" data-endpoint="{}" data-firmware="{}" data-profile="{}" data-fails="{}"><text x="4" y="{:.1}" font-size="11">{}</text>"#,
            escape(&r.endpoint),
            escape(&r.firmware),
            escape(&r.profile),
            r.breaks.is_some(),
            y + 16.0,
            escape(&shorten(&label, 58))
        );
        for s in &r.segments {
            let (x0, x1) = (x(s.from), x(s.to));
            let _ = write!(
                svg,
                r#"<rect class="seg {}" x="{x0:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="{}"><title>{} .. {}: {}</title></rect>"#,
                if s.ok { "ok" } else { "fail" },
                y + 4.0,
                (x1 - x0).max(1.0),
                ROW_H - 8.0,
                if s.ok { "#2aa198" } else { "#dc322f" },
                format_date(s.from),
                format_date(s.to),
                escape(&s.why)
            );
        }
        // A marker where the device starts failing (after working, or from the start); the
        // first break's carries its cause.
        let starts = r
            .segments
            .iter()
            .enumerate()
            .filter(|(i, s)| !s.ok && (*i == 0 || r.segments[i - 1].ok))
            .map(|(_, s)| s);
        for s in starts {
            let xx = x(s.from);
            let date = format_date(s.from);
            let cause = match &r.breaks {
                Some(b) if b.date == s.from => b.cause.clone(),
                _ => s.why.clone(),
            };
            let _ = write!(
                svg,
                r#"<path class="break-marker" data-date="{}" d="M{xx:.1},{:.1} l6,9 l-6,9 l-6,-9 z" fill="black"><title>fails from {}: {}</title></path>"#,
                escape(&date),
                y + 3.0,
                escape(&date),
                escape(&cause)
            );
        }
        svg.push_str("</g>");
    }
    // Validity bars.
    let base = TOP + ROW_H * (p.rows.len() as f64 + 1.0);
    for (i, b) in bars.iter().enumerate() {
        let y = base + ROW_H * i as f64;
        let label = match &b.firmware {
            Some(f) => format!("anchor · {f} · {}", b.subject),
            None => format!("served · {}", b.subject),
        };
        let (x0, x1) = (x(b.not_before), x(b.not_after));
        let _ = write!(
            svg,
            r#"<g class="validity {}"><text x="4" y="{:.1}" font-size="11" fill="dimgray">{}</text><rect x="{x0:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="{}" opacity="0.6"><title>{}: {} .. {}</title></rect></g>"#,
            escape(&b.kind),
            y + 16.0,
            escape(&shorten(&label, 58)),
            y + 8.0,
            (x1 - x0).max(1.0),
            ROW_H - 16.0,
            if b.kind == "anchor" {
                "#6c71c4"
            } else {
                "#93a1a1"
            },
            escape(&b.subject),
            format_date(b.not_before),
            format_date(b.not_after)
        );
    }
    svg.push_str("</svg>");
    let mut table = String::from(
        "<table><thead><tr><th>endpoint</th><th>firmware</th><th>profile</th><th>breaks</th><th>why</th><th>fix</th></tr></thead><tbody>",
    );
    for r in &p.rows {
        let _ = write!(
            table,
            "<tr class=\"{}\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            if r.breaks.is_some() { "fails" } else { "works" },
            escape(&r.endpoint),
            escape(&r.firmware),
            escape(&r.profile),
            r.breaks
                .as_ref()
                .map_or("never".to_string(), |b| escape(&b.date_text)),
            r.breaks
                .as_ref()
                .map_or(String::new(), |b| escape(&b.cause)),
            r.fix.as_ref().map_or(String::new(), |f| escape(&format!(
                "trust {}{}",
                f.add.join(", "),
                f.then_breaks
                    .as_ref()
                    .map_or(String::new(), |b| format!(" (then breaks {})", b.date_text))
            )))
        );
    }
    table.push_str("</tbody></table>");
    let updates: String = p
        .update_by
        .iter()
        .map(|(f, d)| {
            format!(
                "<p class=\"update\">Update firmware {} before {}.</p>",
                escape(f),
                escape(d)
            )
        })
        .collect();
    format!(
        r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>anchorkit plan {from} .. {until}</title>
<style>body{{font-family:sans-serif;margin:16px;color:#222}}table{{border-collapse:collapse;margin-top:16px;font-size:13px}}td,th{{border:1px solid #ccc;padding:4px 6px;text-align:left}}tr.fails td{{background:#fdecea}}.legend span{{display:inline-block;width:12px;height:12px;margin:0 4px 0 12px;vertical-align:middle}}</style>
</head><body>
<h1>Will the devices keep connecting? {from} .. {until}</h1>
<p class="legend"><span style="background:#2aa198"></span>connects<span style="background:#dc322f"></span>fails<span style="background:#6c71c4"></span>anchor validity<span style="background:#93a1a1"></span>served certificate validity<span style="border-left:2px dashed #268bd2;width:0"></span>event (hover for its source)</p>
{svg}
{updates}
{table}
<script>
(function () {{
  var rows = document.querySelectorAll('#timeline g.row');
  var fails = document.querySelectorAll('#timeline .break-marker');
  document.body.setAttribute('data-rows', rows.length);
  document.body.setAttribute('data-breaks', fails.length);
}})();
</script>
</body></html>
"#,
        from = format_date(p.from),
        until = format_date(p.until),
    )
}

fn year_of(t: i64) -> i32 {
    time::OffsetDateTime::from_unix_timestamp(t).map_or(1970, |d| d.year())
}

fn shorten(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let head: String = s.chars().take(n.saturating_sub(1)).collect();
        format!("{head}…")
    }
}

/// Writes `bytes` to `path` atomically (see `crate::output::write_file`).
pub fn write_atomic(
    path: &std::path::Path,
    bytes: &[u8],
) -> Result<(), crate::output::OutputError> {
    crate::output::write_file(path, bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(
            escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
        assert_eq!(escape("a\u{1b}[2Jb"), "a\u{FFFD}[2Jb");
    }
}
