//! What `bundle` answers: the chosen anchors with what each covers and costs, the endpoints,
//! the runner-up, and notes as data (rendered to English by [`Note::message`]).

use std::collections::BTreeMap;

use serde::{Serialize, Serializer};

use super::formats::OutputFormat;
use crate::anchor::TrustAnchor;

/// Schema identifier of the JSON form of [`Plan`].
pub const SCHEMA: &str = "anchorkit.bundle/1";

/// Why an anchor is in the set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// It anchors at least one endpoint's served chain.
    Cover,
    /// It covers no served chain today; it is an independent common CA for the day an
    /// endpoint's CA disappears.
    Backup,
}

impl Role {
    /// `cover` or `backup`.
    pub fn name(self) -> &'static str {
        match self {
            Role::Cover => "cover",
            Role::Backup => "backup",
        }
    }
}

/// One chosen anchor.
#[derive(Debug, Clone, Serialize)]
pub struct Choice {
    /// The name the store gives it (ESP-IDF heading or Mozilla label), else its short subject.
    pub name: String,
    /// Subject, one line.
    pub subject: String,
    /// CA owner.
    pub owner: String,
    /// Key, e.g. `RSA 4096`.
    pub key: String,
    /// notAfter, RFC 3339 (null for a bare bundle record of unknown expiry).
    pub expires: Option<String>,
    /// Bytes in the output format.
    pub bytes: usize,
    /// Bytes in every format that can hold it (format name to bytes).
    pub bytes_by_format: BTreeMap<&'static str, usize>,
    /// DER bytes of the certificate.
    pub der_bytes: Option<usize>,
    /// Bytes as an ESP-IDF bundle record (legacy format).
    pub esp_record_bytes: usize,
    /// Endpoints whose served chain it anchors today, by name.
    pub covers: Vec<String>,
    /// Endpoints whose chain it anchors at the end of the lifetime, by name.
    pub covers_at_end: Vec<String>,
    /// Whether it is an ESP-IDF common CA that stays valid for the lifetime (counts as a
    /// backup for every endpoint).
    pub common: bool,
    /// `cover` or `backup`.
    pub role: Role,
    /// The anchor itself.
    #[serde(skip)]
    pub anchor: TrustAnchor,
}

/// How one endpoint is served by the set.
#[derive(Debug, Clone, Serialize)]
pub struct EndpointReport {
    /// The endpoint.
    pub name: String,
    /// Chosen anchors that make today's served chain verify (names).
    pub covered_by: Vec<String>,
    /// Chosen anchors that make the end-of-lifetime chain verify (names).
    pub covered_at_end_by: Vec<String>,
    /// Distinct owners it can fall back to (its end-of-lifetime covers and the common backups).
    pub owners: Vec<String>,
    /// Whether it stays covered until the end of the lifetime.
    pub durable: bool,
}

/// The second-best set.
#[derive(Debug, Clone, Serialize)]
pub struct RunnerUp {
    /// Its anchors (names).
    pub anchors: Vec<String>,
    /// Its total bytes in the format.
    pub total_bytes: usize,
}

/// An endpoint no anchor covers, and why.
#[derive(Debug, Clone, Serialize)]
pub struct Uncovered {
    /// The endpoint.
    pub endpoint: String,
    /// Why, in English.
    pub reason: String,
    /// The engine's code for the chain with no trust at all, when it is a served chain.
    pub code: Option<String>,
}

/// Something the user should know about the plan, as data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Note {
    /// Bundle mode looks up the issuer of the top certificate, which is a cross-sign: the
    /// cross-signed root's own record does not cover the chain, its issuer's does.
    CrossSignedTop {
        /// The endpoint.
        endpoint: String,
        /// The top certificate (the cross-signed root).
        top: String,
        /// Its issuer, the name the bundle is searched for.
        issuer: String,
    },
    /// Only anchors (or served certificates) that stop working before the end of the
    /// lifetime cover the endpoint: they are used, but the server's chain must change.
    NotDurable {
        /// The endpoint.
        endpoint: String,
        /// The covering anchors with their expiry (`name (expires date)`).
        anchors: Vec<String>,
        /// End of the lifetime, date.
        until: String,
    },
    /// A root-level certificate the server sends expires before the end of the lifetime: the
    /// server will drop it, and the chain will then end at a certificate issued by another name.
    ChainWillChange {
        /// The endpoint.
        endpoint: String,
        /// The certificate that will go (e.g. a cross-signed root).
        dropped: String,
        /// Its issuer.
        dropped_issuer: String,
        /// Its expiry, date.
        expires: String,
        /// The issuer of the chain's new top: what the device must then trust.
        new_top_issuer: String,
    },
    /// Fewer independent owners exist for an endpoint than the redundancy asks.
    RedundancyShort {
        /// The endpoint.
        endpoint: String,
        /// Owners asked for.
        wanted: usize,
        /// Owners possible.
        possible: usize,
    },
    /// The search stopped at its node limit: the set is feasible but not proven minimal.
    NotProvenOptimal {
        /// Nodes visited.
        nodes: usize,
    },
    /// Dated events describe the endpoint's CA, but the profile is not Mbed TLS based: the
    /// plan engine cannot judge them, so durability is judged on today's chain only.
    EventsNotApplied {
        /// The endpoint.
        endpoint: String,
        /// The profile.
        profile: String,
    },
    /// Anchors of the store the format cannot hold were left out of the candidates.
    Unwritable {
        /// How many.
        count: usize,
        /// The format.
        format: String,
    },
}

impl Note {
    /// A one-line English rendering.
    pub fn message(&self) -> String {
        match self {
            Note::CrossSignedTop {
                endpoint,
                top,
                issuer,
            } => format!(
                "{endpoint}: the chain ends in a cross-signed '{top}' issued by '{issuer}'; ESP-IDF's bundle looks up that issuer, so '{top}' itself does not cover this chain in bundle mode (its issuer's record does)"
            ),
            Note::NotDurable {
                endpoint,
                anchors,
                until,
            } => format!(
                "{endpoint}: only anchors that stop covering it before {until} cover it today: {} (an expiry, or a change of the server's chain that the events announce); they are used, but the device needs another anchor before then",
                anchors.join(", ")
            ),
            Note::ChainWillChange {
                endpoint,
                dropped,
                dropped_issuer,
                expires,
                new_top_issuer,
            } => format!(
                "{endpoint}: the served '{dropped}' (issued by '{dropped_issuer}') expires {expires}, before the end of the lifetime; the server will drop it, and the chain will then need '{new_top_issuer}'"
            ),
            Note::RedundancyShort {
                endpoint,
                wanted,
                possible,
            } => format!(
                "{endpoint}: {wanted} independent CA owners asked for, only {possible} possible among the candidates"
            ),
            Note::NotProvenOptimal { nodes } => format!(
                "the search stopped after {nodes} nodes: the set meets the policy but is not proven the smallest"
            ),
            Note::EventsNotApplied { endpoint, profile } => format!(
                "{endpoint}: the dated events describe its CA, but {profile} is not Mbed TLS based: durability is judged on today's chain, not through the events"
            ),
            Note::Unwritable { count, format } => format!(
                "{count} store root(s) cannot be written as {format} and were not considered"
            ),
        }
    }
}

fn notes_with_messages<S: Serializer>(notes: &[Note], s: S) -> Result<S::Ok, S::Error> {
    #[derive(Serialize)]
    struct WithMessage<'a> {
        #[serde(flatten)]
        note: &'a Note,
        message: String,
    }
    s.collect_seq(notes.iter().map(|n| WithMessage {
        note: n,
        message: n.message(),
    }))
}

/// The answer.
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    /// Always [`SCHEMA`].
    pub schema: &'static str,
    /// Profile summary coverage was decided under.
    pub profile: String,
    /// Output format.
    pub format: OutputFormat,
    /// Now, RFC 3339.
    pub at: String,
    /// End of the lifetime, RFC 3339.
    pub until: String,
    /// Distinct owners asked for per endpoint.
    pub redundancy: usize,
    /// The chosen anchors, covers first.
    pub anchors: Vec<Choice>,
    /// Total bytes in the output format (format overhead included).
    pub total_bytes: usize,
    /// The runner-up set.
    pub runner_up: Option<RunnerUp>,
    /// Per endpoint: what covers it.
    pub endpoints: Vec<EndpointReport>,
    /// Endpoints that cannot be covered.
    pub uncovered: Vec<Uncovered>,
    /// Notes (cross-sign lookups, fallbacks, shortfalls), each with a `message`.
    #[serde(serialize_with = "notes_with_messages")]
    pub notes: Vec<Note>,
    /// Whether the optimum is proven.
    pub exact: bool,
    /// The budget, when one was given.
    pub budget: Option<usize>,
    /// Whether the total fits the budget.
    pub within_budget: bool,
    /// With events: each endpoint whose CA they describe, over the lifetime with the chosen
    /// set and with the runner-up.
    pub lifetime: Vec<LifetimeReport>,
}

/// An endpoint's life with the chosen set and the runner-up.
#[derive(Debug, Clone, Serialize)]
pub struct LifetimeReport {
    /// The endpoint.
    pub endpoint: String,
    /// With the chosen set: `works to the end` or `breaks DATE: cause`.
    pub chosen: String,
    /// With the runner-up, when there is one.
    pub runner_up: Option<String>,
    /// The chosen set keeps the device connecting through every event to the end.
    pub durable: bool,
}

impl Plan {
    /// Whether the plan meets the policy: every endpoint covered, a set found, within budget,
    /// and every endpoint the events describe kept connecting to the end.
    pub fn meets_policy(&self) -> bool {
        self.uncovered.is_empty()
            && !self.anchors.is_empty()
            && self.within_budget
            && self.lifetime.iter().all(|l| l.durable)
    }
}
