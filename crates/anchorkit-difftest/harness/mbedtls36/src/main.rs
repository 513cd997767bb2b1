//! A real Mbed TLS 3.6 TLS client (vendored by `mbedtls-rs-sys`), configured as an ESP32 or an
//! upstream application configures it, run against a loopback server that sends a scenario's
//! Certificate message. Prints one line per scenario directory:
//! `<return code> <verify flags or -> <stage>`, where stage is `cert` (the handshake failed
//! while the client parsed or verified the server's certificates), `post` (that stage passed
//! and the handshake failed later: the loopback server signs with a key of its own), `done`,
//! or `pre` (nothing certificate-related happened: a harness problem).
//!
//! A scenario directory holds `trust-NN.der`, `at` (Unix seconds), optionally `host`, `port`
//! (the loopback server) and `mode`:
//! - `ca`: upstream application with a CA list; `mbedtls_ssl_set_hostname` only when a host is
//!   given (3.6.3+ refuses to verify without one).
//! - `esp-ca`: esp-tls with `cacert_buf`: the hostname is set, or set to NULL explicitly
//!   (`skip_common_name`).
//! - `bundle-legacy` (ESP-IDF v4.4 to v5.3), `bundle` (v5.4, v5.5), `bundle-v6` (v6.0): the
//!   certificate bundle: an all-zero dummy CA and the verify callback of that release's
//!   `esp_crt_bundle.c`, reimplemented over the same Mbed TLS calls.
//! - `bundle-cross` (v6.0 with `CONFIG_MBEDTLS_CERTIFICATE_BUNDLE_CROSS_SIGNED_VERIFY`, needs the
//!   `cross` build with `MBEDTLS_X509_TRUSTED_CERTIFICATE_CALLBACK`): the CA callback that makes
//!   a synthetic trusted CA from the record matching a child's issuer, plus the v6 verify
//!   callback as a second chance.
//!
//! Every client speaks TLS 1.2 only (ESP-IDF's default) with the default ciphersuites and the
//! default X.509 profile, authmode REQUIRED.
//!
//! Optional scenario files: `heap_cap` (bytes: Mbed TLS's allocations fail beyond that many
//! bytes in use, as on a device whose heap is that small) and `read` (bytes of application
//! data to read after the handshake: an HTTP GET is sent and the answer read with
//! `mbedtls_ssl_read`; the stage is then `read`, with the first error or 0). Every line ends
//! with `heap=<peak bytes Mbed TLS had allocated>`.
//!
//! `--bench N DIR` times N verifications of DIR's chain (parse + `mbedtls_x509_crt_verify`,
//! no TLS) and prints the mean in nanoseconds.

use core::ffi::{c_int, c_uchar, c_void};
use std::ffi::CString;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::time::Duration;

use critical_section as _;
use mbedtls_rs_sys::*;

#[unsafe(no_mangle)]
extern "C" fn mbedtls_psa_external_get_random(
    _ctx: *mut c_void,
    out: *mut c_uchar,
    len: usize,
    olen: *mut usize,
) -> c_int {
    fill_random(out, len);
    unsafe { *olen = len };
    0
}

/// Not a secure generator: the harness only needs bytes that differ per handshake.
fn fill_random(out: *mut c_uchar, len: usize) {
    use std::cell::Cell;
    thread_local!(static S: Cell<u64> = Cell::new(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(1)
            | 1
    ));
    S.with(|s| {
        for i in 0..len {
            let mut x = s.get();
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            s.set(x);
            unsafe { *out.add(i) = (x >> 24) as u8 };
        }
    });
}

unsafe extern "C" fn rng(_: *mut c_void, out: *mut c_uchar, len: usize) -> c_int {
    fill_random(out, len);
    0
}

#[cfg(feature = "time")]
mod clock {
    use mbedtls_rs_sys::hook::wall_clock::{MbedtlsWallClock, hook_wall_clock};
    use mbedtls_rs_sys::tm;

    pub struct Fixed(pub i64);

    impl MbedtlsWallClock for Fixed {
        fn instant(&self) -> Option<tm> {
            let days = self.0.div_euclid(86_400);
            let secs = self.0.rem_euclid(86_400);
            // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
            let z = days + 719_468;
            let era = z.div_euclid(146_097);
            let doe = z - era * 146_097;
            let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
            let y = yoe + era * 400;
            let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
            let mp = (5 * doy + 2) / 153;
            let d = doy - (153 * mp + 2) / 5 + 1;
            let m = if mp < 10 { mp + 3 } else { mp - 9 };
            let y = if m <= 2 { y + 1 } else { y };
            Some(tm {
                tm_sec: (secs % 60) as i32,
                tm_min: ((secs / 60) % 60) as i32,
                tm_hour: (secs / 3600) as i32,
                tm_mday: d as i32,
                tm_mon: (m - 1) as i32,
                tm_year: (y - 1900) as i32,
                tm_wday: 0,
                tm_yday: 0,
                tm_isdst: 0,
            })
        }
    }

    pub fn set(at: i64) {
        let c: &'static Fixed = Box::leak(Box::new(Fixed(at)));
        unsafe { hook_wall_clock(Some(c)) };
    }
}

const NOT_TRUSTED: u32 = 0x08;
const BAD_MD: u32 = 0x4000;

/// Which `esp_crt_bundle.c` the callback follows.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Release {
    /// v4.4 to v5.3: legacy format, memcmp over the record's name length, `pk_verify_ext`.
    Legacy,
    /// v5.4, v5.5: memcmp over the shorter length, `pk_verify_ext` with an MD check.
    V54,
    /// v6.0: PSA check (RSA always PKCS#1 v1.5; SHA-1/256/384/512 only).
    V6,
}

struct Bundle {
    /// (subject DER, SubjectPublicKeyInfo DER), sorted by subject.
    records: Vec<(Vec<u8>, Vec<u8>)>,
    release: Release,
}

static mut BUNDLE: Option<Bundle> = None;

fn buf(b: &mbedtls_x509_buf) -> &[u8] {
    if b.p.is_null() {
        &[]
    } else {
        unsafe { std::slice::from_raw_parts(b.p, b.len) }
    }
}

fn bundle_find(b: &Bundle, issuer: &[u8]) -> Option<usize> {
    use std::cmp::Ordering;
    if b.release != Release::Legacy && issuer.is_empty() {
        return None;
    }
    let (mut start, mut end) = (0i64, b.records.len() as i64 - 1);
    while start <= end {
        let middle = (start + end) / 2;
        let name = &b.records[middle as usize].0;
        let cmp = if b.release == Release::Legacy {
            // memcmp over name_len bytes; past the issuer's end the real code reads the rest of
            // the certificate: compare what exists, then treat the shorter issuer as smaller.
            let n = name.len().min(issuer.len());
            issuer[..n]
                .cmp(&name[..n])
                .then(if issuer.len() < name.len() { Ordering::Less } else { Ordering::Equal })
        } else {
            let n = name.len().min(issuer.len());
            issuer[..n].cmp(&name[..n])
        };
        match cmp {
            Ordering::Equal => return Some(middle as usize),
            Ordering::Less => end = middle - 1,
            Ordering::Greater => start = middle + 1,
        }
    }
    None
}

/// `esp_crt_check_signature` of the release: does the record key verify `c`?
unsafe fn bundle_check(release: Release, key: &[u8], c: &mbedtls_x509_crt) -> bool {
    unsafe {
        let mut pk: mbedtls_pk_context = std::mem::zeroed();
        mbedtls_pk_init(&mut pk);
        let md_info = mbedtls_md_info_from_type(c.private_sig_md);
        let mut hash = [0u8; 64];
        let tbs = buf(&c.tbs);
        let mut ok = mbedtls_pk_parse_public_key(&mut pk, key.as_ptr(), key.len()) == 0;
        match release {
            Release::Legacy | Release::V54 => {
                ok = ok
                    && mbedtls_pk_can_do(&pk, c.private_sig_pk) != 0
                    && !md_info.is_null()
                    && mbedtls_md(md_info, tbs.as_ptr(), tbs.len(), hash.as_mut_ptr()) == 0
                    && mbedtls_pk_verify_ext(
                        c.private_sig_pk,
                        c.private_sig_opts,
                        &mut pk,
                        c.private_sig_md,
                        hash.as_ptr(),
                        mbedtls_md_get_size(md_info) as usize,
                        c.private_sig.p,
                        c.private_sig.len,
                    ) == 0;
            }
            Release::V6 => {
                let md = c.private_sig_md;
                let hash_ok = md == mbedtls_md_type_t_MBEDTLS_MD_SHA1
                    || md == mbedtls_md_type_t_MBEDTLS_MD_SHA256
                    || md == mbedtls_md_type_t_MBEDTLS_MD_SHA384
                    || md == mbedtls_md_type_t_MBEDTLS_MD_SHA512;
                let ty = mbedtls_pk_get_type(&pk);
                let key_ok = ty == mbedtls_pk_type_t_MBEDTLS_PK_RSA
                    || ty == mbedtls_pk_type_t_MBEDTLS_PK_ECKEY;
                // RSA keys verify PKCS#1 v1.5 whatever the certificate says; EC keys ECDSA.
                ok = ok
                    && hash_ok
                    && key_ok
                    && !md_info.is_null()
                    && mbedtls_md(md_info, tbs.as_ptr(), tbs.len(), hash.as_mut_ptr()) == 0
                    && mbedtls_pk_verify(
                        &mut pk,
                        md,
                        hash.as_ptr(),
                        mbedtls_md_get_size(md_info) as usize,
                        c.private_sig.p,
                        c.private_sig.len,
                    ) == 0;
            }
        }
        mbedtls_pk_free(&mut pk);
        ok
    }
}

unsafe extern "C" fn bundle_cb(
    _: *mut c_void,
    crt: *mut mbedtls_x509_crt,
    _depth: c_int,
    flags: *mut u32,
) -> c_int {
    unsafe {
        if *flags & !BAD_MD != NOT_TRUSTED {
            return 0;
        }
        #[allow(static_mut_refs)]
        let Some(b) = BUNDLE.as_ref() else {
            return MBEDTLS_ERR_X509_FATAL_ERROR;
        };
        let c = &*crt;
        let fail = if b.release == Release::Legacy {
            MBEDTLS_ERR_X509_FATAL_ERROR
        } else {
            MBEDTLS_ERR_X509_CERT_VERIFY_FAILED
        };
        let Some(i) = bundle_find(b, buf(&c.issuer_raw)) else {
            return fail;
        };
        if bundle_check(b.release, &b.records[i].1, c) {
            *flags = 0;
            0
        } else {
            fail
        }
    }
}

#[cfg(feature = "cross")]
mod cross {
    //! The v6.0 CA callback: a synthetic trusted CA (version 3, cA, the record's subject DER and
    //! key, the child's parsed issuer as its parsed subject, zero validity, no extensions).
    use super::*;

    // Mbed TLS frees what the callback hands it with mbedtls_free: allocate with its
    // allocator (the counted one).
    use super::counted_calloc as calloc;

    pub unsafe extern "C" fn ca_cb(
        _: *mut c_void,
        child: *const mbedtls_x509_crt,
        candidates: *mut *mut mbedtls_x509_crt,
    ) -> c_int {
        unsafe {
            *candidates = std::ptr::null_mut();
            #[allow(static_mut_refs)]
            let Some(b) = BUNDLE.as_ref() else { return 0 };
            let c = &*child;
            let Some(i) = bundle_find(b, buf(&c.issuer_raw)) else {
                return 0;
            };
            let (name, key) = &b.records[i];
            let ca = calloc(1, std::mem::size_of::<mbedtls_x509_crt>()) as *mut mbedtls_x509_crt;
            if ca.is_null() {
                return MBEDTLS_ERR_X509_ALLOC_FAILED;
            }
            mbedtls_x509_crt_init(ca);
            (*ca).version = 3;
            (*ca).private_ca_istrue = 1;
            (*ca).subject_raw.p = name.as_ptr() as *mut u8;
            (*ca).subject_raw.len = name.len();
            // Shallow copy of the child's parsed issuer list (freed shallowly by Mbed TLS).
            (*ca).subject = c.issuer;
            (*ca).subject.next = std::ptr::null_mut();
            let mut src = c.issuer.next;
            let mut dst: *mut mbedtls_x509_name = &mut (*ca).subject;
            while !src.is_null() {
                let n = calloc(1, std::mem::size_of::<mbedtls_x509_name>()) as *mut mbedtls_x509_name;
                if n.is_null() {
                    mbedtls_x509_crt_free(ca);
                    mbedtls_free(ca as *mut c_void);
                    return MBEDTLS_ERR_X509_ALLOC_FAILED;
                }
                *n = *src;
                (*n).next = std::ptr::null_mut();
                (*dst).next = n;
                dst = n;
                src = (*src).next;
            }
            let r = mbedtls_pk_parse_public_key(&mut (*ca).pk, key.as_ptr(), key.len());
            if r != 0 {
                mbedtls_x509_crt_free(ca);
                mbedtls_free(ca as *mut c_void);
                return r;
            }
            *candidates = ca;
            0
        }
    }
}

fn files(dir: &Path, prefix: &str) -> Vec<Vec<u8>> {
    let mut names: Vec<_> = std::fs::read_dir(dir)
        .map(|r| r.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    names.retain(|p: &std::path::PathBuf| {
        p.file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with(prefix))
    });
    names.sort();
    names.iter().filter_map(|p| std::fs::read(p).ok()).collect()
}

struct Loaded {
    #[cfg_attr(not(feature = "time"), allow(dead_code))]
    at: i64,
    host: Option<String>,
    mode: String,
    port: u16,
    trust: Vec<Vec<u8>>,
    chain: Vec<Vec<u8>>,
    heap_cap: Option<usize>,
    read: Option<usize>,
}

fn text(dir: &Path, name: &str) -> Option<String> {
    std::fs::read_to_string(dir.join(name))
        .ok()
        .map(|s| s.trim().to_string())
}

fn load(dir: &Path) -> Loaded {
    Loaded {
        at: text(dir, "at").and_then(|s| s.parse().ok()).unwrap_or(0),
        host: text(dir, "host"),
        mode: text(dir, "mode").unwrap_or_else(|| "ca".into()),
        port: text(dir, "port").and_then(|s| s.parse().ok()).unwrap_or(0),
        trust: files(dir, "trust-"),
        chain: files(dir, "chain-"),
        heap_cap: text(dir, "heap_cap").and_then(|s| s.parse().ok()),
        read: text(dir, "read").and_then(|s| s.parse().ok()),
    }
}

unsafe extern "C" fn bio_send(ctx: *mut c_void, data: *const c_uchar, len: usize) -> c_int {
    let sock = unsafe { &mut *(ctx as *mut TcpStream) };
    let b = unsafe { std::slice::from_raw_parts(data, len) };
    match sock.write(b) {
        Ok(n) => n as c_int,
        Err(_) => -0x004E,
    }
}

unsafe extern "C" fn bio_recv(ctx: *mut c_void, data: *mut c_uchar, len: usize) -> c_int {
    let sock = unsafe { &mut *(ctx as *mut TcpStream) };
    let b = unsafe { std::slice::from_raw_parts_mut(data, len) };
    match sock.read(b) {
        Ok(n) => n as c_int,
        Err(_) => -0x004C,
    }
}

fn bundle_release(mode: &str) -> Option<Release> {
    match mode {
        "bundle-legacy" => Some(Release::Legacy),
        "bundle" => Some(Release::V54),
        "bundle-v6" | "bundle-cross" => Some(Release::V6),
        _ => None,
    }
}

/// One DER TLV at the start of `b`: (whole TLV, content, rest).
fn tlv(b: &[u8]) -> Option<(&[u8], &[u8], &[u8])> {
    let l0 = *b.get(1)?;
    let (len, hdr) = if l0 < 0x80 {
        (usize::from(l0), 2)
    } else {
        let n = usize::from(l0 & 0x7f);
        if n == 0 || n > 4 {
            return None;
        }
        let mut len = 0usize;
        for i in 0..n {
            len = (len << 8) | usize::from(*b.get(2 + i)?);
        }
        (len, 2 + n)
    };
    let end = hdr.checked_add(len)?;
    Some((b.get(..end)?, b.get(hdr..end)?, b.get(end..)?))
}

/// The subject Name and SubjectPublicKeyInfo DER of a certificate, read structurally (as
/// ESP-IDF's bundle generator extracts them, whatever Mbed TLS would think of the rest).
fn subject_and_key(der: &[u8]) -> Option<(Vec<u8>, Vec<u8>)> {
    let (_, cert, _) = tlv(der)?;
    let (_, tbs, _) = tlv(cert)?;
    let mut rest = tbs;
    if rest.first() == Some(&0xa0) {
        rest = tlv(rest)?.2;
    }
    for _ in 0..4 {
        // serial, signature, issuer, validity
        rest = tlv(rest)?.2;
    }
    let (subject, _, rest) = tlv(rest)?;
    let (spki, _, _) = tlv(rest)?;
    Some((subject.to_vec(), spki.to_vec()))
}

/// Loads the bundle records (subject and key of each trust certificate).
unsafe fn load_bundle(trust: &[Vec<u8>], release: Release) {
    unsafe {
        let mut records: Vec<(Vec<u8>, Vec<u8>)> =
            trust.iter().filter_map(|d| subject_and_key(d)).collect();
        records.sort_by(|a, b| a.0.cmp(&b.0));
        BUNDLE = Some(Bundle { records, release });
    }
}

fn handshake(l: &Loaded) -> String {
    #[cfg(feature = "time")]
    clock::set(l.at);
    let mode = l.mode.as_str();
    let release = bundle_release(mode);
    unsafe {
        let mut ca: mbedtls_x509_crt = std::mem::zeroed();
        mbedtls_x509_crt_init(&mut ca);
        if let Some(r) = release {
            load_bundle(&l.trust, r);
        } else {
            let mut first_err = 0;
            let mut parsed = 0;
            for der in &l.trust {
                let r = mbedtls_x509_crt_parse_der(&mut ca, der.as_ptr(), der.len());
                if r == 0 {
                    parsed += 1;
                } else if first_err == 0 {
                    first_err = r;
                }
            }
            if parsed == 0 {
                mbedtls_x509_crt_free(&mut ca);
                let code = if first_err != 0 {
                    first_err
                } else {
                    MBEDTLS_ERR_SSL_CA_CHAIN_REQUIRED
                };
                return format!("{code} - cert");
            }
        }
        let Ok(mut sock) = TcpStream::connect_timeout(
            &std::net::SocketAddr::from(([127, 0, 0, 1], l.port)),
            Duration::from_secs(10),
        ) else {
            mbedtls_x509_crt_free(&mut ca);
            return "-1 - pre".into();
        };
        let _ = sock.set_read_timeout(Some(Duration::from_secs(10)));
        let _ = sock.set_write_timeout(Some(Duration::from_secs(10)));

        let mut conf: mbedtls_ssl_config = std::mem::zeroed();
        let mut ssl: mbedtls_ssl_context = std::mem::zeroed();
        mbedtls_ssl_config_init(&mut conf);
        mbedtls_ssl_init(&mut ssl);
        // The all-zero dummy CA of esp_crt_bundle.c.
        let mut dummy: mbedtls_x509_crt = std::mem::zeroed();
        let out = (|| {
            let r = mbedtls_ssl_config_defaults(
                &mut conf,
                MBEDTLS_SSL_IS_CLIENT as c_int,
                MBEDTLS_SSL_TRANSPORT_STREAM as c_int,
                MBEDTLS_SSL_PRESET_DEFAULT as c_int,
            );
            if r != 0 {
                return format!("{r} - pre");
            }
            conf.private_max_tls_version = mbedtls_ssl_protocol_version_MBEDTLS_SSL_VERSION_TLS1_2;
            mbedtls_ssl_conf_authmode(&mut conf, MBEDTLS_SSL_VERIFY_REQUIRED as c_int);
            mbedtls_ssl_conf_rng(&mut conf, Some(rng), std::ptr::null_mut());
            match release {
                None => mbedtls_ssl_conf_ca_chain(&mut conf, &mut ca, std::ptr::null_mut()),
                Some(_) => {
                    #[cfg(feature = "cross")]
                    if mode == "bundle-cross" {
                        mbedtls_ssl_conf_ca_cb(&mut conf, Some(cross::ca_cb), std::ptr::null_mut());
                    } else {
                        mbedtls_ssl_conf_ca_chain(&mut conf, &mut dummy, std::ptr::null_mut());
                    }
                    #[cfg(not(feature = "cross"))]
                    {
                        if mode == "bundle-cross" {
                            return "-1 - pre".into();
                        }
                        mbedtls_ssl_conf_ca_chain(&mut conf, &mut dummy, std::ptr::null_mut());
                    }
                    mbedtls_ssl_conf_verify(&mut conf, Some(bundle_cb), std::ptr::null_mut());
                }
            }
            let r = mbedtls_ssl_setup(&mut ssl, &conf);
            if r != 0 {
                return format!("{r} - pre");
            }
            let cn = l.host.as_ref().and_then(|h| CString::new(h.as_str()).ok());
            match (&cn, mode) {
                (Some(c), _) => {
                    let r = mbedtls_ssl_set_hostname(&mut ssl, c.as_ptr());
                    if r != 0 {
                        return format!("{r} - pre");
                    }
                }
                // esp-tls sets NULL explicitly with skip_common_name; a plain application
                // never calls it.
                (None, "ca") => {}
                (None, _) => {
                    mbedtls_ssl_set_hostname(&mut ssl, std::ptr::null());
                }
            }
            mbedtls_ssl_set_bio(
                &mut ssl,
                &mut sock as *mut TcpStream as *mut c_void,
                Some(bio_send),
                Some(bio_recv),
                None,
            );
            let cert_state = mbedtls_ssl_states_MBEDTLS_SSL_SERVER_CERTIFICATE as c_int;
            let over = mbedtls_ssl_states_MBEDTLS_SSL_HANDSHAKE_OVER as c_int;
            let mut reached = false;
            for _ in 0..10_000 {
                let st = ssl.private_state;
                if st == over {
                    let flags = mbedtls_ssl_get_verify_result(&ssl);
                    return match l.read {
                        Some(want) => format!("{} {flags} read", read_app_data(&mut ssl, want)),
                        None => format!("0 {flags} done"),
                    };
                }
                if st >= cert_state {
                    reached = true;
                }
                let r = mbedtls_ssl_handshake_step(&mut ssl);
                if r == 0 || r == MBEDTLS_ERR_SSL_WANT_READ || r == MBEDTLS_ERR_SSL_WANT_WRITE {
                    continue;
                }
                let flags = mbedtls_ssl_get_verify_result(&ssl);
                return if st == cert_state {
                    format!("{r} {flags} cert")
                } else if st > cert_state && reached {
                    format!("0 {flags} post")
                } else {
                    format!("{r} - pre")
                };
            }
            "-1 - pre".into()
        })();
        mbedtls_ssl_free(&mut ssl);
        mbedtls_ssl_config_free(&mut conf);
        mbedtls_x509_crt_free(&mut ca);
        #[allow(static_mut_refs)]
        {
            BUNDLE = None;
        }
        out
    }
}

/// Sends an HTTP GET and reads up to `want` bytes of the answer: 0 when they came (or the
/// server closed after sending what it had), else the first error `mbedtls_ssl_read` gave.
unsafe fn read_app_data(ssl: &mut mbedtls_ssl_context, want: usize) -> c_int {
    let req = b"GET /big HTTP/1.0\r\nHost: harness\r\n\r\n";
    let mut sent = 0;
    while sent < req.len() {
        let r = unsafe { mbedtls_ssl_write(ssl, req[sent..].as_ptr(), req.len() - sent) };
        if r == MBEDTLS_ERR_SSL_WANT_READ || r == MBEDTLS_ERR_SSL_WANT_WRITE {
            continue;
        }
        if r < 0 {
            return r;
        }
        sent += r as usize;
    }
    let mut got = 0;
    let mut buf = vec![0u8; 4096];
    while got < want {
        let r = unsafe { mbedtls_ssl_read(ssl, buf.as_mut_ptr(), buf.len()) };
        if r == MBEDTLS_ERR_SSL_WANT_READ || r == MBEDTLS_ERR_SSL_WANT_WRITE {
            continue;
        }
        if r == 0 || r == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY {
            return 0;
        }
        if r < 0 {
            return r;
        }
        got += r as usize;
    }
    0
}

/// Parse + verify without TLS, for the benchmark.
fn verify_only(l: &Loaded) -> i32 {
    unsafe {
        let mut chain: mbedtls_x509_crt = std::mem::zeroed();
        let mut ca: mbedtls_x509_crt = std::mem::zeroed();
        mbedtls_x509_crt_init(&mut chain);
        mbedtls_x509_crt_init(&mut ca);
        for der in &l.trust {
            mbedtls_x509_crt_parse_der(&mut ca, der.as_ptr(), der.len());
        }
        for der in &l.chain {
            mbedtls_x509_crt_parse_der(&mut chain, der.as_ptr(), der.len());
        }
        let cn = l.host.as_ref().and_then(|h| CString::new(h.as_str()).ok());
        let mut flags = 0u32;
        let r = mbedtls_x509_crt_verify_with_profile(
            &mut chain,
            &mut ca,
            std::ptr::null_mut(),
            &mbedtls_x509_crt_profile_default,
            cn.as_ref().map_or(std::ptr::null(), |c| c.as_ptr()),
            &mut flags,
            None,
            std::ptr::null_mut(),
        );
        mbedtls_x509_crt_free(&mut chain);
        mbedtls_x509_crt_free(&mut ca);
        r
    }
}

// ---------------------------------------------------------------------------------------
// Mbed TLS's heap, counted (and capped) through mbedtls_platform_set_calloc_free.

use std::sync::atomic::{AtomicUsize, Ordering};

static HEAP_IN_USE: AtomicUsize = AtomicUsize::new(0);
static HEAP_PEAK: AtomicUsize = AtomicUsize::new(0);
/// 0: no cap.
static HEAP_CAP: AtomicUsize = AtomicUsize::new(0);
/// Bytes in front of each block, holding its size.
const HDR: usize = 16;

unsafe extern "C" {
    fn malloc(n: usize) -> *mut c_void;
    fn free(p: *mut c_void);
}

unsafe extern "C" fn counted_calloc(n: usize, size: usize) -> *mut c_void {
    let Some(bytes) = n.checked_mul(size) else {
        return std::ptr::null_mut();
    };
    let cap = HEAP_CAP.load(Ordering::Relaxed);
    let now = HEAP_IN_USE.load(Ordering::Relaxed);
    if cap != 0 && now + bytes > cap {
        return std::ptr::null_mut();
    }
    let p = unsafe { malloc(bytes + HDR) } as *mut u8;
    if p.is_null() {
        return std::ptr::null_mut();
    }
    unsafe {
        std::ptr::write_bytes(p, 0, bytes + HDR);
        (p as *mut usize).write(bytes);
    }
    let now = HEAP_IN_USE.fetch_add(bytes, Ordering::Relaxed) + bytes;
    HEAP_PEAK.fetch_max(now, Ordering::Relaxed);
    unsafe { p.add(HDR) as *mut c_void }
}

unsafe extern "C" fn counted_free(p: *mut c_void) {
    if p.is_null() {
        return;
    }
    let base = unsafe { (p as *mut u8).sub(HDR) };
    let bytes = unsafe { (base as *mut usize).read() };
    HEAP_IN_USE.fetch_sub(bytes, Ordering::Relaxed);
    unsafe { free(base as *mut c_void) };
}

fn main() {
    unsafe {
        mbedtls_platform_set_calloc_free(Some(counted_calloc), Some(counted_free));
        psa_crypto_init()
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--bench") {
        let n: u32 = args.get(1).and_then(|x| x.parse().ok()).unwrap_or(1000);
        let dir = Path::new(args.get(2).map(String::as_str).unwrap_or("."));
        let l = load(dir);
        let _ = verify_only(&l);
        let start = std::time::Instant::now();
        for _ in 0..n {
            std::hint::black_box(verify_only(&l));
        }
        println!("{}", start.elapsed().as_nanos() / u128::from(n.max(1)));
        return;
    }
    for dir in args {
        let l = load(Path::new(&dir));
        // Each scenario's peak is its own (what PSA keeps from start-up stays counted).
        HEAP_PEAK.store(HEAP_IN_USE.load(Ordering::Relaxed), Ordering::Relaxed);
        HEAP_CAP.store(l.heap_cap.unwrap_or(0), Ordering::Relaxed);
        let line = handshake(&l);
        HEAP_CAP.store(0, Ordering::Relaxed);
        println!("{line} heap={}", HEAP_PEAK.load(Ordering::Relaxed));
    }
}
