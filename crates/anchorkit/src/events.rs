//! The events file: dated changes that alter verdicts (served-chain changes, the root a
//! service chains to, expiries, leaf lifetime rules), each with its source and whether it is
//! announced, observed or inferred. The built-in file is `data/events.json`; users add their
//! own in the same format (`--events FILE`).

use serde::{Deserialize, Serialize};

use crate::cert::parse_time;

/// The built-in events.
pub const BUILTIN: &str = include_str!("../data/events.json");

/// A CA or service whose servers the events describe.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Ca {
    /// Short id used by events and `--ca`.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Issuer organization names that identify its leaves.
    #[serde(default)]
    pub issuer_organizations: Vec<String>,
    /// Other names people use for it (`--ca` accepts them).
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Host name patterns of its servers (`*` is one label): a host that matches names the CA
    /// when only the host is known.
    #[serde(default)]
    pub hosts: Vec<String>,
}

/// What kind of change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// Servers of the CA send these certificates above the leaf from this date.
    ChainChange,
    /// A service's chains end at this root from this date.
    AnchorChange,
    /// A certificate expires (for the timeline; verdicts use the certificates' own dates).
    Expiry,
    /// The longest leaf lifetime from this date.
    Lifetime,
    /// Browsers stop trusting a root (the device's own store is untouched; services migrate
    /// away, so it marks the timeline).
    Distrust,
}

/// Which leaf keys a chain change applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum KeyClass {
    /// Every leaf.
    #[default]
    Any,
    /// RSA leaves.
    Rsa,
    /// ECDSA leaves.
    Ecdsa,
}

/// One event.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Event {
    /// The date, `YYYY-MM-DD` (UTC).
    pub date: String,
    /// The kind.
    pub kind: Kind,
    /// The CA or service id (`*` for every CA).
    pub ca: String,
    /// Leaf key class (chain changes).
    #[serde(default)]
    pub key: KeyClass,
    /// `announced`, `observed` or `inferred`.
    pub status: String,
    /// Chain change: SHA-256 of each certificate sent above the leaf, in order.
    #[serde(default)]
    pub chain: Vec<String>,
    /// Anchor change / expiry: the certificate's SHA-256.
    #[serde(default)]
    pub sha256: Option<String>,
    /// Lifetime: days.
    #[serde(default)]
    pub days: Option<i64>,
    /// A migration window's last day, when it is spread over time.
    #[serde(default)]
    pub window_end: Option<String>,
    /// In plain words.
    pub text: String,
    /// Where it is announced or seen.
    pub source: String,
    /// The date as Unix seconds (filled in on reading).
    #[serde(skip)]
    pub at: i64,
}

/// An events file.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Events {
    /// `anchorkit.events/1`.
    pub schema: String,
    /// What the file is.
    #[serde(default)]
    pub about: String,
    /// The CAs and services.
    #[serde(default)]
    pub cas: Vec<Ca>,
    /// The events.
    pub events: Vec<Event>,
}

/// Why an events file cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {detail}")]
pub struct EventsError {
    /// The file.
    pub file: String,
    /// What is wrong, with the line or event index.
    pub detail: String,
}

impl Events {
    /// Reads an events file (`file` names it in errors).
    pub fn parse(file: &str, text: &str) -> Result<Events, EventsError> {
        let err = |detail: String| EventsError {
            file: file.to_string(),
            detail,
        };
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut ev: Events = serde_json::from_str(text).map_err(|e| {
            err(format!(
                "line {} column {}: {e} (expected the anchorkit.events/1 JSON format)",
                e.line(),
                e.column()
            ))
        })?;
        if ev.schema != "anchorkit.events/1" {
            return Err(err(format!(
                "schema '{}': expected anchorkit.events/1",
                ev.schema
            )));
        }
        let mut ids: Vec<&str> = Vec::new();
        for c in &ev.cas {
            if ids.contains(&c.id.as_str()) {
                return Err(err(format!(
                    "CA '{}' is listed twice",
                    crate::cert::printable(&crate::cert::clip(&c.id, 60))
                )));
            }
            ids.push(&c.id);
        }
        for (i, e) in ev.events.iter_mut().enumerate() {
            // Text from a file reaches terminals and reports: escaped and bounded here, once.
            e.text = crate::cert::printable(&crate::cert::clip(&e.text, 500));
            e.source = crate::cert::printable(&crate::cert::clip(&e.source, 500));
            let label = crate::cert::clip(&e.text, 80);
            e.at =
                parse_time(&e.date).map_err(|x| err(format!("event {i} ({label}): date: {x}")))?;
            if let Some(w) = &e.window_end {
                let end = parse_time(w)
                    .map_err(|x| err(format!("event {i} ({label}): window_end: {x}")))?;
                if end < e.at {
                    return Err(err(format!(
                        "event {i} ({label}): window_end {} is before the event's date {}",
                        crate::cert::printable(w),
                        crate::cert::printable(&e.date)
                    )));
                }
            }
            if !matches!(e.status.as_str(), "announced" | "observed" | "inferred") {
                return Err(err(format!(
                    "event {i} ({label}): status '{}': expected announced, observed or inferred",
                    crate::cert::printable(&crate::cert::clip(&e.status, 40))
                )));
            }
            if let Some(d) = e.days {
                if !(1..=3650).contains(&d) {
                    return Err(err(format!(
                        "event {i} ({label}): days {d}: a leaf lifetime of 1 to 3650 days"
                    )));
                }
            }
            for h in e.chain.iter().chain(e.sha256.iter()) {
                if h.len() != 64 || !h.chars().all(|c| c.is_ascii_hexdigit()) {
                    return Err(err(format!(
                        "event {i} ({label}): '{}' is not a SHA-256 (64 hex digits)",
                        crate::cert::printable(&crate::cert::clip(h, 80))
                    )));
                }
            }
            let need = match e.kind {
                Kind::ChainChange => (!e.chain.is_empty()).then_some(()),
                Kind::AnchorChange | Kind::Expiry | Kind::Distrust => e.sha256.as_ref().map(|_| ()),
                Kind::Lifetime => e.days.map(|_| ()),
            };
            if need.is_none() {
                return Err(err(format!(
                    "event {i} ({label}): a {:?} event needs {}",
                    e.kind,
                    match e.kind {
                        Kind::ChainChange => "chain",
                        Kind::AnchorChange | Kind::Expiry | Kind::Distrust => "sha256",
                        Kind::Lifetime => "days",
                    }
                )));
            }
        }
        Ok(ev)
    }

    /// The built-in events.
    pub fn builtin() -> Events {
        // The built-in file is checked by a test; an error here is a build defect.
        Events::parse("built-in events.json", BUILTIN).unwrap_or_else(|e| Events {
            schema: "anchorkit.events/1".into(),
            about: e.to_string(),
            cas: Vec::new(),
            events: Vec::new(),
        })
    }

    /// The built-in events plus those of `files` (each read and parsed, errors naming it).
    pub fn builtin_and(files: &[&std::path::Path]) -> Result<Events, EventsError> {
        let mut events = Events::builtin();
        for f in files {
            let name = f.display().to_string();
            let text = crate::input::read_text(f, crate::input::MAX_CONFIG_INPUT, "events file")
                .map_err(|e| EventsError {
                    file: e.path,
                    detail: e.message,
                })?;
            let more = Events::parse(&name, &text)?;
            if let Some(c) = more
                .cas
                .iter()
                .find(|c| events.cas.iter().any(|b| b.id == c.id))
            {
                return Err(EventsError {
                    file: name,
                    detail: format!(
                        "CA '{}' is already defined (a built-in CA or an earlier file): use another id, or add events to it without redefining it",
                        crate::cert::printable(&crate::cert::clip(&c.id, 60))
                    ),
                });
            }
            events.extend(more);
        }
        Ok(events)
    }

    /// Adds another file's CAs and events.
    pub fn extend(&mut self, other: Events) {
        for c in other.cas {
            if !self.cas.iter().any(|x| x.id == c.id) {
                self.cas.push(c);
            }
        }
        self.events.extend(other.events);
        self.events.sort_by_key(|e| e.at);
    }

    /// The CA whose issuer organization names this one.
    pub fn ca_for_issuer_org(&self, org: &str) -> Option<&Ca> {
        self.cas
            .iter()
            .find(|c| c.issuer_organizations.iter().any(|o| o == org))
    }

    /// Events of one CA (and the `*` ones), by date.
    pub fn of(&self, ca: &str) -> impl Iterator<Item = &Event> {
        let ca = ca.to_string();
        self.events
            .iter()
            .filter(move |e| e.ca == ca || e.ca == "*")
    }

    /// The longest leaf lifetime in force at `at` for `ca`, in seconds: the shorter of the
    /// latest general rule and the latest rule of the CA itself (398 days before any rule).
    pub fn lifetime_at(&self, ca: &str, at: i64) -> i64 {
        let latest = |specific: bool| {
            self.events
                .iter()
                .filter(|e| e.kind == Kind::Lifetime && e.at <= at)
                .filter(|e| if specific { e.ca == ca } else { e.ca == "*" })
                .max_by_key(|e| e.at)
                .and_then(|e| e.days)
        };
        let days = match (latest(false), latest(true)) {
            (Some(a), Some(b)) => a.min(b),
            (Some(a), None) | (None, Some(a)) => a,
            (None, None) => 398,
        };
        days * 86_400
    }
}
