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
        .ok_or_else(|| format!("{url}: only http:// AIA URLs are fetched"))?;
    let (hostport, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let (host, port) = match hostport.rsplit_once(':') {
        Some((h, p)) if !h.contains(']') || h.ends_with(']') => (
            h.trim_matches(|c| c == '[' || c == ']').to_string(),
            p.parse().map_err(|_| format!("{url}: bad port"))?,
        ),
        _ => (hostport.to_string(), 80),
    };
    if host.is_empty() || host.contains(char::is_whitespace) || path.contains(char::is_whitespace) {
        return Err(format!("{url}: not a usable URL"));
    }
    Ok((host, port, path.to_string()))
}

/// GET `url` with HTTP/1.0: the body, at most `MAX_BYTES`, within `timeout` overall.
pub fn get(url: &str, timeout: Duration) -> Result<Vec<u8>, String> {
    let start = Instant::now();
    let (host, port, path) = parse_url(url)?;
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
        format!("GET {path} HTTP/1.0\r\nHost: {host}\r\nUser-Agent: anchorkit\r\nConnection: close\r\n\r\n")
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
        return Err(format!(
            "{url}: HTTP status {}",
            if status.is_empty() { "missing" } else { status }
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
    for _ in 0..MAX_LEVELS {
        let Some(t) = top.take() else { break };
        if t.is_self_issued() {
            break;
        }
        let Some(url) = t.ca_issuer_urls.first().cloned() else {
            break;
        };
        match get(&url, timeout).and_then(|body| {
            crate::intake::read_bytes(&url, &body)
                .map_err(|e| e.to_string())?
                .iter()
                .find_map(|f| f.cert().cloned())
                .ok_or_else(|| format!("{url}: no certificate in the answer"))
        }) {
            Ok(c) => {
                out.push(Fetched {
                    url,
                    der: Some(c.der().to_vec()),
                    subject: Some(c.subject.to_string()),
                    error: None,
                });
                top = Some(c);
            }
            Err(e) => {
                out.push(Fetched {
                    url,
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
