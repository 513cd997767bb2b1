//! Runs the real Mbed TLS 3.6 (vendored by `mbedtls-rs-sys`) on scenario directories and prints
//! one line per scenario: `<return code> <verify flags or ->`.
//!
//! A scenario directory holds `trust-NN.der` (the CA list, or the bundle's certificates),
//! `chain-NN.der` (as the server sends them), `at` (Unix seconds), optionally `host`, and `mode`
//! (`ca`, `bundle` or `bundle-legacy`). The client side of the handshake is reproduced around
//! `mbedtls_x509_crt_verify_with_profile`: the Certificate message is parsed certificate by
//! certificate (a certificate with an unknown signature algorithm is dropped, other parse
//! errors abort), the hostname rule of 3.6.3+ and the leaf usage checks are applied as
//! `mbedtls_ssl_verify_certificate` does, and the ESP-IDF certificate bundle is the dummy CA
//! plus a verify callback following `esp_crt_bundle.c` (ESP-IDF ≤ v5.5).

use core::ffi::{c_int, c_uchar, c_void};
use std::ffi::CString;
use std::path::Path;

use critical_section as _;
use mbedtls_rs_sys::*;

#[unsafe(no_mangle)]
extern "C" fn mbedtls_psa_external_get_random(
    _ctx: *mut c_void,
    out: *mut c_uchar,
    len: usize,
    olen: *mut usize,
) -> c_int {
    // Verification needs no randomness; a deterministic filler is enough.
    for i in 0..len {
        unsafe { *out.add(i) = (i as u8).wrapping_mul(31).wrapping_add(7) };
    }
    unsafe { *olen = len };
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
const KEY_USAGE: u32 = 0x0800;
const EXT_KEY_USAGE: u32 = 0x1000;

struct Bundle {
    records: Vec<(Vec<u8>, Vec<u8>)>,
    legacy: bool,
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
    let (mut start, mut end) = (0i64, b.records.len() as i64 - 1);
    while start <= end {
        let middle = (start + end) / 2;
        let name = &b.records[middle as usize].0;
        let n = if b.legacy { name.len() } else { name.len().min(issuer.len()) };
        let a = &issuer[..n.min(issuer.len())];
        let cmp = a.cmp(&name[..n]).then(if a.len() < n { std::cmp::Ordering::Less } else { std::cmp::Ordering::Equal });
        match cmp {
            std::cmp::Ordering::Equal => return Some(middle as usize),
            std::cmp::Ordering::Less => end = middle - 1,
            std::cmp::Ordering::Greater => start = middle + 1,
        }
    }
    None
}

unsafe extern "C" fn bundle_cb(_: *mut c_void, crt: *mut mbedtls_x509_crt, _depth: c_int, flags: *mut u32) -> c_int {
    unsafe {
        let filtered = *flags & !BAD_MD;
        if filtered != NOT_TRUSTED {
            return 0;
        }
        #[allow(static_mut_refs)]
        let Some(b) = BUNDLE.as_ref() else { return MBEDTLS_ERR_X509_FATAL_ERROR };
        let c = &*crt;
        let Some(i) = bundle_find(b, buf(&c.issuer_raw)) else {
            return MBEDTLS_ERR_X509_CERT_VERIFY_FAILED;
        };
        let key = &b.records[i].1;
        let mut pk: mbedtls_pk_context = std::mem::zeroed();
        mbedtls_pk_init(&mut pk);
        let mut ok = mbedtls_pk_parse_public_key(&mut pk, key.as_ptr(), key.len()) == 0
            && mbedtls_pk_can_do(&pk, c.private_sig_pk) != 0;
        if ok {
            let md_info = mbedtls_md_info_from_type(c.private_sig_md);
            let mut hash = [0u8; 64];
            let tbs = buf(&c.tbs);
            ok = !md_info.is_null()
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
        mbedtls_pk_free(&mut pk);
        if ok {
            *flags = 0;
            0
        } else {
            MBEDTLS_ERR_X509_CERT_VERIFY_FAILED
        }
    }
}

fn files(dir: &Path, prefix: &str) -> Vec<Vec<u8>> {
    let mut names: Vec<_> = std::fs::read_dir(dir)
        .map(|r| r.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    names.retain(|p: &std::path::PathBuf| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with(prefix)));
    names.sort();
    names.iter().filter_map(|p| std::fs::read(p).ok()).collect()
}

struct Loaded {
    at: i64,
    host: Option<String>,
    mode: String,
    trust: Vec<Vec<u8>>,
    chain: Vec<Vec<u8>>,
}

fn load(dir: &Path) -> Loaded {
    Loaded {
        at: std::fs::read_to_string(dir.join("at")).ok().and_then(|s| s.trim().parse().ok()).unwrap_or(0),
        host: std::fs::read_to_string(dir.join("host")).ok().map(|s| s.trim().to_string()),
        mode: std::fs::read_to_string(dir.join("mode")).unwrap_or_else(|_| "ca".into()).trim().to_string(),
        trust: files(dir, "trust-"),
        chain: files(dir, "chain-"),
    }
}

fn run(dir: &Path) -> String {
    verify_loaded(&load(dir))
}

fn verify_loaded(l: &Loaded) -> String {
    let at = l.at;
    let host = l.host.clone();
    let mode = l.mode.as_str();
    #[cfg(feature = "time")]
    clock::set(at);
    #[cfg(not(feature = "time"))]
    let _ = at;
    unsafe {
        let mut chain: mbedtls_x509_crt = std::mem::zeroed();
        let mut ca: mbedtls_x509_crt = std::mem::zeroed();
        mbedtls_x509_crt_init(&mut chain);
        mbedtls_x509_crt_init(&mut ca);
        let out = (|| {
            let trust = &l.trust;
            let bundle_mode = mode.starts_with("bundle");
            if bundle_mode {
                let mut records: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
                for der in trust {
                    let mut c: mbedtls_x509_crt = std::mem::zeroed();
                    mbedtls_x509_crt_init(&mut c);
                    if mbedtls_x509_crt_parse_der(&mut c, der.as_ptr(), der.len()) == 0 {
                        records.push((buf(&c.subject_raw).to_vec(), buf(&c.pk_raw).to_vec()));
                    }
                    mbedtls_x509_crt_free(&mut c);
                }
                records.sort_by(|a, b| a.0.cmp(&b.0));
                BUNDLE = Some(Bundle { records, legacy: mode == "bundle-legacy" });
            } else {
                let mut first_err = 0;
                let mut parsed = 0;
                for der in trust {
                    let r = mbedtls_x509_crt_parse_der(&mut ca, der.as_ptr(), der.len());
                    if r == 0 {
                        parsed += 1;
                    } else if first_err == 0 {
                        first_err = r;
                    }
                }
                if parsed == 0 {
                    return format!("{} -", if first_err != 0 { first_err } else { MBEDTLS_ERR_SSL_CA_CHAIN_REQUIRED });
                }
            }
            for der in &l.chain {
                let r = mbedtls_x509_crt_parse_der(&mut chain, der.as_ptr(), der.len());
                if r == MBEDTLS_ERR_X509_UNKNOWN_SIG_ALG + MBEDTLS_ERR_OID_NOT_FOUND {
                    continue;
                }
                if r != 0 {
                    return format!("{r} -");
                }
            }
            if chain.raw.p.is_null() {
                return format!("{} -", MBEDTLS_ERR_SSL_BAD_CERTIFICATE);
            }
            // mbedtls_ssl_verify_certificate (3.6.3+): no hostname set -> refuse.
            if !bundle_mode && host.is_none() {
                return format!("{} -", MBEDTLS_ERR_SSL_CERTIFICATE_VERIFICATION_WITHOUT_HOSTNAME);
            }
            let cn = host.as_ref().and_then(|h| CString::new(h.as_str()).ok());
            let cn_ptr = cn.as_ref().map_or(std::ptr::null(), |c| c.as_ptr());
            let mut flags: u32 = 0;
            let mut ret = mbedtls_x509_crt_verify_with_profile(
                &mut chain,
                &mut ca,
                std::ptr::null_mut(),
                &mbedtls_x509_crt_profile_default,
                cn_ptr,
                &mut flags,
                if bundle_mode { Some(bundle_cb) } else { None },
                std::ptr::null_mut(),
            );
            if ret != MBEDTLS_ERR_X509_FATAL_ERROR {
                // mbedtls_ssl_check_cert_usage for an ECDHE suite: digitalSignature, serverAuth.
                let mut extra = 0;
                if mbedtls_x509_crt_check_key_usage(&chain, MBEDTLS_X509_KU_DIGITAL_SIGNATURE) != 0 {
                    extra |= KEY_USAGE;
                }
                let oid = MBEDTLS_OID_SERVER_AUTH;
                if mbedtls_x509_crt_check_extended_key_usage(&chain, oid.as_ptr() as *const _, oid.len() - 1) != 0 {
                    extra |= EXT_KEY_USAGE;
                }
                if extra != 0 {
                    flags |= extra;
                    if ret == 0 {
                        ret = MBEDTLS_ERR_SSL_BAD_CERTIFICATE;
                    }
                }
            }
            format!("{ret} {flags}")
        })();
        mbedtls_x509_crt_free(&mut chain);
        mbedtls_x509_crt_free(&mut ca);
        #[allow(static_mut_refs)]
        {
            BUNDLE = None;
        }
        out
    }
}

fn main() {
    unsafe { psa_crypto_init() };
    let args: Vec<String> = std::env::args().skip(1).collect();
    // `--bench N DIR`: time N full verifications of DIR (parse + verify + hostname) and print
    // the mean in nanoseconds.
    if args.first().map(String::as_str) == Some("--bench") {
        let n: u32 = args.get(1).and_then(|x| x.parse().ok()).unwrap_or(1000);
        let dir = Path::new(args.get(2).map(String::as_str).unwrap_or("."));
        let l = load(dir);
        let _ = verify_loaded(&l);
        let start = std::time::Instant::now();
        for _ in 0..n {
            std::hint::black_box(verify_loaded(&l));
        }
        println!("{}", start.elapsed().as_nanos() / u128::from(n.max(1)));
        return;
    }
    for dir in args {
        println!("{}", run(Path::new(&dir)));
    }
}
