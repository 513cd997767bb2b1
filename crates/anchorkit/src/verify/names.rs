//! Name comparison and hostname matching as Mbed TLS does them, and OpenSSL 3's host rules
//! ([`openssl_host_matches`]).

use crate::cert::{Certificate, Name, NameAttr, SanEntry, ip_text};

const UTF8: u32 = 12;
const PRINTABLE: u32 = 19;

fn string_eq(a: &NameAttr, b: &NameAttr) -> bool {
    if a.tag == b.tag && a.value == b.value {
        return true;
    }
    let casefold = matches!(a.tag, UTF8 | PRINTABLE) && matches!(b.tag, UTF8 | PRINTABLE);
    casefold && a.value.len() == b.value.len() && a.value.eq_ignore_ascii_case(&b.value)
}

/// `x509_name_cmp`: RDN by RDN, same OIDs in the same order and the same multi-valued
/// structure; values equal byte-wise with the same tag, or ASCII case-insensitively when both
/// are UTF8String/PrintableString. No whitespace folding.
pub fn mbedtls_name_eq(a: &Name, b: &Name) -> bool {
    a.rdns.len() == b.rdns.len()
        && a.rdns.iter().zip(&b.rdns).all(|(x, y)| {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|(p, q)| p.oid == q.oid && string_eq(p, q))
        })
}

/// `x509_check_wildcard` + exact match: case-insensitive equality, or a `*.` pattern covering
/// exactly the left-most label of `host`.
pub fn dns_match(pattern: &str, host: &str) -> bool {
    if pattern.len() == host.len() && pattern.eq_ignore_ascii_case(host) {
        return true;
    }
    let Some(suffix) = pattern.strip_prefix('*') else {
        return false;
    };
    if pattern.len() < 3 || !suffix.starts_with('.') {
        return false;
    }
    match host.find('.') {
        Some(0) | None => false,
        Some(i) => host[i..].eq_ignore_ascii_case(suffix),
    }
}

fn parse_ip(host: &str) -> Option<Vec<u8>> {
    if host.contains(':') {
        host.parse::<std::net::Ipv6Addr>()
            .ok()
            .map(|a| a.octets().to_vec())
    } else {
        // No leading zeros, as inet_pton.
        if host.split('.').any(|p| p.len() > 1 && p.starts_with('0')) {
            return None;
        }
        host.parse::<std::net::Ipv4Addr>()
            .ok()
            .map(|a| a.octets().to_vec())
    }
}

/// `x509_crt_verify_name`: whether `host` matches the leaf, for Mbed TLS with or without
/// iPAddress/URI SAN support (≥ 3.5.0).
pub fn mbedtls_host_matches(leaf: &Certificate, host: &str, ip_san: bool) -> bool {
    if leaf.has_san {
        for s in &leaf.san {
            if let SanEntry::Dns(d) = s {
                if dns_match(d, host) {
                    return true;
                }
            }
        }
        if ip_san {
            if leaf.san.iter().any(|s| matches!(s, SanEntry::Ip(_))) {
                if let Some(ip) = parse_ip(host) {
                    if leaf
                        .san
                        .iter()
                        .any(|s| matches!(s, SanEntry::Ip(b) if *b == ip))
                    {
                        return true;
                    }
                }
            }
            if leaf
                .san
                .iter()
                .any(|s| matches!(s, SanEntry::Uri(u) if u == host))
            {
                return true;
            }
        }
        return false;
    }
    leaf.subject
        .attrs()
        .filter(|a| a.oid == "2.5.4.3")
        .any(|a| dns_match(&String::from_utf8_lossy(&a.value), host))
}

/// Host matching as OpenSSL and wolfSSL do it: an IP host against iPAddress SANs, a DNS host
/// against dNSName SANs, and the CN only when there is no dNSName SAN. With `ip_only`
/// (OpenSSL's `-verify_ip`) an IP host matches iPAddress SANs only; otherwise (wolfSSL) it is
/// also compared as text.
pub fn san_or_cn_matches(leaf: &Certificate, host: &str, ip_only: bool) -> bool {
    if let Ok(ip) = host.parse::<std::net::IpAddr>() {
        let bytes = match ip {
            std::net::IpAddr::V4(a) => a.octets().to_vec(),
            std::net::IpAddr::V6(a) => a.octets().to_vec(),
        };
        let hit = leaf
            .san
            .iter()
            .any(|s| matches!(s, SanEntry::Ip(b) if *b == bytes));
        if hit || ip_only {
            return hit;
        }
    }
    let dns: Vec<&String> = leaf
        .san
        .iter()
        .filter_map(|s| match s {
            SanEntry::Dns(d) => Some(d),
            _ => None,
        })
        .collect();
    if !dns.is_empty() {
        return dns.iter().any(|d| dns_match(d, host));
    }
    leaf.subject
        .attrs()
        .filter(|a| a.oid == "2.5.4.3")
        .any(|a| dns_match(&a.text(), host))
}

/// OpenSSL's `equal_nocase` (`v3_utl.c`): ASCII case-insensitive equality; a NUL in the pattern
/// never matches. With `dot_subdomains` (a host starting with '.') a longer pattern is first cut
/// to its suffix of the host's length (`skip_prefix`).
fn osl_equal_nocase(pattern: &[u8], subject: &[u8], dot_subdomains: bool) -> bool {
    let mut p = pattern;
    if dot_subdomains {
        let mut q = pattern;
        while q.len() > subject.len() && q.first().is_some_and(|c| *c != 0) {
            q = &q[1..];
        }
        if q.len() == subject.len() {
            p = q;
        }
    }
    p.len() == subject.len()
        && p.iter()
            .zip(subject)
            .all(|(l, r)| *l != 0 && l.eq_ignore_ascii_case(r))
}

/// OpenSSL's `valid_star`: the position of the one legal wildcard of `pattern` (at the start or
/// end of a non-IDNA first label, and at least two dots after it), with no host flags.
fn osl_valid_star(p: &[u8]) -> Option<usize> {
    const START: u8 = 1;
    const HYPHEN: u8 = 4;
    const IDNA: u8 = 8;
    let mut star = None;
    let mut state = START;
    let mut dots = 0;
    for (i, &c) in p.iter().enumerate() {
        if c == b'*' {
            let atstart = state & START != 0;
            let atend = i + 1 == p.len() || p.get(i + 1) == Some(&b'.');
            if star.is_some() || state & IDNA != 0 || dots > 0 || (!atstart && !atend) {
                return None;
            }
            star = Some(i);
            state &= !START;
        } else if c.is_ascii_alphanumeric() {
            if state & START != 0 && p.len() - i >= 4 && p[i..i + 4].eq_ignore_ascii_case(b"xn--") {
                state |= IDNA;
            }
            state &= !(HYPHEN | START);
        } else if c == b'.' {
            if state & (HYPHEN | START) != 0 {
                return None;
            }
            state = START;
            dots += 1;
        } else if c == b'-' {
            if state & START != 0 {
                return None;
            }
            state |= HYPHEN;
        } else {
            return None;
        }
    }
    if state & (START | HYPHEN) != 0 || dots < 2 {
        return None;
    }
    star
}

/// OpenSSL's `wildcard_match`: prefix and suffix around the star, and what the star covers is
/// letters, digits and hyphens of one label (or a literal '*'); an `xn--` host label cannot
/// match a partial wildcard.
fn osl_wildcard_match(prefix: &[u8], suffix: &[u8], subject: &[u8]) -> bool {
    if subject.len() < prefix.len() + suffix.len() {
        return false;
    }
    let start = prefix.len();
    let end = subject.len() - suffix.len();
    if !osl_equal_nocase(prefix, &subject[..start], false)
        || !osl_equal_nocase(&subject[end..], suffix, false)
    {
        return false;
    }
    let mut allow_idna = false;
    if prefix.is_empty() && suffix.first() == Some(&b'.') {
        if start == end {
            return false;
        }
        allow_idna = true;
    }
    if !allow_idna && subject.len() >= 4 && subject[..4].eq_ignore_ascii_case(b"xn--") {
        return false;
    }
    if end == start + 1 && subject[start] == b'*' {
        return true;
    }
    subject[start..end]
        .iter()
        .all(|c| c.is_ascii_alphanumeric() || *c == b'-')
}

/// OpenSSL 3 `X509_check_host`'s name comparison (`equal_wildcard`) with the flags
/// `SSL_set1_host` leaves at zero: partial wildcards such as `f*.example.com` are allowed, a
/// wildcard needs two dots after it (so never `*.com`), covers exactly one label, and never
/// matches in or against an IDNA (`xn--`) label unless it is the whole first label.
pub fn openssl_host_matches(pattern: &[u8], host: &[u8]) -> bool {
    let dot_subdomains = host.len() > 1 && host[0] == b'.';
    let star = if dot_subdomains {
        None
    } else {
        osl_valid_star(pattern)
    };
    match star {
        None => osl_equal_nocase(pattern, host, dot_subdomains),
        Some(s) => osl_wildcard_match(&pattern[..s], &pattern[s + 1..], host),
    }
}

/// The names a leaf offers for matching, for messages.
pub fn offered_names(leaf: &Certificate) -> Vec<String> {
    if leaf.has_san {
        leaf.san
            .iter()
            .map(|s| match s {
                SanEntry::Ip(b) => format!("IP:{}", ip_text(b)),
                other => other.describe(),
            })
            .collect()
    } else {
        leaf.subject
            .attrs()
            .filter(|a| a.oid == "2.5.4.3")
            .map(|a| format!("CN:{}", a.text()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_cover_one_label_only() {
        assert!(dns_match("*.example.com", "a.example.com"));
        assert!(dns_match("*.EXAMPLE.com", "A.example.COM"));
        assert!(!dns_match("*.example.com", "example.com"));
        assert!(!dns_match("*.example.com", "a.b.example.com"));
        assert!(!dns_match("f*.example.com", "foo.example.com"));
        assert!(dns_match("*.com", "a.com"));
        assert!(!dns_match("*.example.com", ".example.com"));
    }

    #[test]
    fn ip_parsing_rejects_leading_zeros() {
        assert_eq!(parse_ip("192.0.2.1"), Some(vec![192, 0, 2, 1]));
        assert_eq!(parse_ip("192.0.2.01"), None);
        assert_eq!(parse_ip("::1").map(|v| v.len()), Some(16));
    }

    #[test]
    fn openssl_wildcards() {
        let m = |p: &str, h: &str| openssl_host_matches(p.as_bytes(), h.as_bytes());
        assert!(m("*.example.com", "a.example.com"));
        assert!(m("*.EXAMPLE.com", "A.example.COM"));
        assert!(!m("*.example.com", "example.com"));
        assert!(!m("*.example.com", "a.b.example.com"));
        assert!(m("f*.example.com", "foo.example.com"));
        assert!(m("*o.example.com", "foo.example.com"));
        assert!(!m("f*o.example.com", "foo.example.com"));
        assert!(!m("*.com", "a.com"));
        assert!(m("*.com", "*.com"));
        assert!(m("*.example.com", "xn--bcher-kva.example.com"));
        assert!(!m("x*.example.com", "xn--bcher-kva.example.com"));
        assert!(!m("xn--*.example.com", "xn--a.example.com"));
        assert!(!m("a*.b*.example.com", "ab.bc.example.com"));
        assert!(m("device.example.com", "DEVICE.example.com"));
    }
}
