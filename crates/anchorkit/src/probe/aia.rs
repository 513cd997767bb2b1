//! `--aia`: fetch the issuers a server leaves out from the caIssuers URL in the top
//! certificate's Authority Information Access, as a browser does. Plain `http://` only (the
//! URLs CAs publish), each fetch bounded in time and size, at most a few levels up.

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::cert::Certificate;

/// Bytes read from one AIA URL at most.
pub const MAX_BYTES: usize = 64 * 1024;
/// Issuers fetched one after the other at most.
pub const MAX_LEVELS: usize = 4;

/// One fetch.
#[derive(Debug, Clone, Serialize)]
pub struct Fetched {
    /// The URL.
    pub url: String,
    /// The certificate fetched (DER), when it worked.
    #[serde(skip)]
    pub der: Option<Vec<u8>>,
    /// Its subject, when it worked.
    pub subject: Option<String>,
    /// Why not, when it did not.
    pub error: Option<String>,
}

/// Splits `http://host[:port]/path`.
fn parse_url(url: &str) -> Result<(String, u16, String), String> {
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| format!("{}: only http:// AIA URLs are fetched", shown(url)))?;
    let (hostport, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let (host, port) = match hostport.rsplit_once(':') {
        Some((h, p)) if !h.contains(']') || h.ends_with(']') => (
            h.trim_matches(|c| c == '[' || c == ']').to_string(),
            p.parse().map_err(|_| format!("{}: bad port", shown(url)))?,
        ),
        _ => (hostport.to_string(), 80),
    };
    // Only printable ASCII goes into a request line: control characters in a URL a server's
    // certificate names are refused, not sent.
    if host.is_empty() || !url.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(format!("{}: not a usable URL", shown(url)));
    }
    if port == 0 {
        return Err(format!("{}: port 0", shown(url)));
    }
    Ok((host, port, path.to_string()))
}

/// A URL from a certificate, fit for a terminal: escaped and clipped.
fn shown(url: &str) -> String {
    crate::cert::printable(&crate::cert::clip(url, 200))
}

/// GET `url` with HTTP/1.0: the body, at most `MAX_BYTES`, within `timeout` overall.
pub fn get(url: &str, timeout: Duration) -> Result<Vec<u8>, String> {
    let start = Instant::now();
    let (host, port, path) = parse_url(url)?;
    let url = &shown(url);
    let host_header = if port == 80 {
        host.clone()
    } else if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    };
    let addr = (host.as_str(), port)
        .to_socket_addrs()
        .map_err(|e| format!("{url}: cannot resolve: {e}"))?
        .next()
        .ok_or_else(|| format!("{url}: no address"))?;
    let mut s = TcpStream::connect_timeout(&addr, timeout)
        .map_err(|e| format!("{url}: cannot connect: {e}"))?;
    let _ = s.set_read_timeout(Some(timeout));
    let _ = s.set_write_timeout(Some(timeout));
    s.write_all(
        format!("GET {path} HTTP/1.0\r\nHost: {host_header}\r\nUser-Agent: anchorkit\r\nConnection: close\r\n\r\n")
            .as_bytes(),
    )
    .map_err(|e| format!("{url}: {e}"))?;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        if start.elapsed() > timeout {
            return Err(format!("{url}: no complete answer within {timeout:?}"));
        }
        match s.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => {
                buf.extend_from_slice(&chunk[..n]);
                if buf.len() > MAX_BYTES + 4096 {
                    return Err(format!("{url}: more than {MAX_BYTES} bytes"));
                }
            }
            Err(e) => return Err(format!("{url}: {e}")),
        }
    }
    let end = buf
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| format!("{url}: not an HTTP answer"))?;
    let head = String::from_utf8_lossy(&buf[..end]);
    let status = head.split_whitespace().nth(1).unwrap_or("");
    if status != "200" {
        let status = crate::cert::printable(&crate::cert::clip(status, 16));
        let redirect = status.starts_with('3');
        return Err(format!(
            "{url}: HTTP status {}{}",
            if status.is_empty() {
                "missing"
            } else {
                &status
            },
            if redirect {
                " (a redirection: not followed; only the URL the certificate names is fetched)"
            } else {
                ""
            }
        ));
    }
    let body = buf[end + 4..].to_vec();
    if body.len() > MAX_BYTES {
        return Err(format!("{url}: more than {MAX_BYTES} bytes"));
    }
    Ok(body)
}

/// Fetches the issuers above the top of `chain` (DER, leaf first) that the chain lacks,
/// following caIssuers URLs up to `MAX_LEVELS`; stops at a self-issued certificate.
pub fn fetch_missing(chain: &[Vec<u8>], timeout: Duration) -> Vec<Fetched> {
    let mut out = Vec::new();
    let mut top = chain
        .iter()
        .rev()
        .find_map(|d| Certificate::from_der(d).ok());
    let mut seen: Vec<Vec<u8>> = chain.to_vec();
    let mut urls: Vec<String> = Vec::new();
    for _ in 0..MAX_LEVELS {
        let Some(t) = top.take() else { break };
        if t.is_self_issued() {
            break;
        }
        let Some(url) = t.ca_issuer_urls.first().cloned() else {
            break;
        };
        // A loop (an issuer naming itself, or a URL fetched before) ends the walk.
        if urls.contains(&url) {
            break;
        }
        urls.push(url.clone());
        match get(&url, timeout).and_then(|body| {
            crate::intake::read_bytes(&url, &body)
                .map_err(|e| e.to_string())?
                .iter()
                .find_map(|f| f.cert().cloned())
                .ok_or_else(|| format!("{url}: no certificate in the answer"))
        }) {
            Ok(c) if seen.iter().any(|d| d.as_slice() == c.der()) => {
                out.push(Fetched {
                    url: shown(&url),
                    der: None,
                    subject: None,
                    error: Some(format!(
                        "{}: the certificate fetched is already in the chain (a loop): stopped",
                        shown(&url)
                    )),
                });
                break;
            }
            Ok(c) => {
                seen.push(c.der().to_vec());
                out.push(Fetched {
                    url: shown(&url),
                    der: Some(c.der().to_vec()),
                    subject: Some(crate::cert::printable(&c.subject.to_string())),
                    error: None,
                });
                top = Some(c);
            }
            Err(e) => {
                out.push(Fetched {
                    url: shown(&url),
                    der: None,
                    subject: None,
                    error: Some(e),
                });
                break;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(
            parse_url("http://r11.i.lencr.org/").ok(),
            Some(("r11.i.lencr.org".into(), 80, "/".into()))
        );
        assert_eq!(
            parse_url("http://127.0.0.1:8080/a.der").ok(),
            Some(("127.0.0.1".into(), 8080, "/a.der".into()))
        );
        assert!(parse_url("https://x/").is_err());
        assert!(parse_url("http:///x").is_err());
    }
}
