//! anchorkit's own explanations of the codes firmware developers meet most.

/// Meaning, causes and next steps for one code.
#[derive(Debug, Clone, Copy)]
pub struct Advice {
    /// One sentence.
    pub meaning: &'static str,
    /// Typical causes on a device.
    pub causes: &'static [&'static str],
    /// What to do next.
    pub next: &'static [&'static str],
}

const DOCTOR: &str = "run `anchorkit doctor --trust <what the device trusts> --chain <what the server sends> --profile <your stack>` to reproduce the decision and get a fix";

const MBEDTLS: &[(&str, Advice)] = &[
    (
        "MBEDTLS_ERR_X509_CERT_VERIFY_FAILED",
        Advice {
            meaning: "the server's certificate chain was checked and rejected: the verify flags (mbedtls_ssl_get_verify_result) say why",
            causes: &[
                "the trust list (cert_pem / CA bundle) does not contain a CA that issued the chain: e.g. the server's own leaf certificate was given as cert_pem (flags 0x08 NOT_TRUSTED)",
                "the server does not send its intermediate, or sends it out of order (NOT_TRUSTED)",
                "the hostname does not match the certificate's names (CN_MISMATCH, 0x04)",
                "with MBEDTLS_HAVE_TIME_DATE on: a certificate or the anchor expired (0x01), or the clock is not set yet so everything is in the future (FUTURE, 0x200)",
                "SHA-1 or too-small RSA keys in the chain (BAD_MD 0x4000, BAD_KEY 0x10000)",
            ],
            next: &[
                "read the verify flags: esp-tls logs 'Failed to verify peer certificate!' and, at DEBUG log level, the 'verification info' lines; in code call mbedtls_ssl_get_verify_result()",
                "decode them with `anchorkit explain --flags <value>`",
                DOCTOR,
            ],
        },
    ),
    (
        "MBEDTLS_ERR_X509_FATAL_ERROR",
        Advice {
            meaning: "verification stopped with a fatal error, not a list of reasons; the flags are all ones (0xFFFFFFFF)",
            causes: &[
                "with the ESP-IDF certificate bundle: the bundle has no root matching the issuer of the top certificate the server sent ('No matching trusted root certificate found'), e.g. a chain topped by a cross-signed root whose issuer is missing from the bundle",
                "a verify callback returned an error",
                "more than 8 intermediates in the chain",
                "MBEDTLS_HAVE_TIME_DATE on without a working clock",
            ],
            next: &[
                "look for 'esp-x509-crt-bundle' lines just before the error",
                DOCTOR,
            ],
        },
    ),
    (
        "MBEDTLS_ERR_X509_INVALID_FORMAT",
        Advice {
            meaning: "a certificate is not valid DER/PEM",
            causes: &[
                "cert_pem passed without its terminating NUL, so mbedTLS tried to read PEM text as DER (use sizeof / strlen + 1)",
                "a truncated or corrupted certificate in firmware",
            ],
            next: &["run `anchorkit inspect` on the source file that holds the certificate"],
        },
    ),
    (
        "MBEDTLS_ERR_X509_UNKNOWN_SIG_ALG",
        Advice {
            meaning: "a certificate is signed with an algorithm this mbedTLS build does not know",
            causes: &[
                "Ed25519/Ed448 or RSA-PSS certificates on a build without them",
                "in the server's chain this certificate is skipped silently; when parsing the CA list it is an error",
            ],
            next: &["run `anchorkit inspect` on the chain to see each signature algorithm"],
        },
    ),
    (
        "MBEDTLS_ERR_X509_INVALID_EXTENSIONS",
        Advice {
            meaning: "a certificate has an extension mbedTLS cannot parse",
            causes: &[
                "an unknown extension marked critical (e.g. critical nameConstraints or policy constraints): mbedTLS rejects the whole certificate",
            ],
            next: &["run `anchorkit inspect` to list the critical extensions"],
        },
    ),
    (
        "MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE",
        Advice {
            meaning: "the server sent a fatal TLS alert and closed the handshake",
            causes: &[
                "no common cipher suite, TLS version or curve (handshake_failure / protocol_version alert): e.g. a TLS 1.3-only server and a TLS 1.2-only ESP-IDF build",
                "the server requires a client certificate",
                "SNI missing or wrong: the server picked another certificate or refused",
            ],
            next: &[
                "capture the alert number with mbedTLS debug output; check the server's accepted versions and suites",
            ],
        },
    ),
    (
        "MBEDTLS_ERR_SSL_HANDSHAKE_FAILURE",
        Advice {
            meaning: "the handshake failed on the device side: no usable parameters",
            causes: &["no cipher suite, curve or signature algorithm in common with the server"],
            next: &[
                "compare the device's enabled suites (menuconfig) with what the server accepts",
            ],
        },
    ),
    (
        "MBEDTLS_ERR_SSL_NO_USABLE_CIPHERSUITE",
        Advice {
            meaning: "no cipher suite both sides accept",
            causes: &[
                "the server accepts only suites the device build leaves out (e.g. ChaCha20 or CCM or TLS 1.3 suites)",
            ],
            next: &["enable the matching suites in menuconfig or add them on the server"],
        },
    ),
    (
        "MBEDTLS_ERR_SSL_CONN_EOF",
        Advice {
            meaning: "the server closed the connection during the handshake",
            causes: &[
                "TLS version or suite not accepted by the server",
                "a proxy or firewall cut the connection",
            ],
            next: &[
                "check the server's TLS versions; try the same host with `openssl s_client -tls1_2`",
            ],
        },
    ),
    (
        "MBEDTLS_ERR_SSL_INVALID_RECORD",
        Advice {
            meaning: "received data that is not a valid TLS record",
            causes: &[
                "the server does not speak TLS on that port (plain HTTP on 443, wrong port)",
                "a captive portal or proxy answered",
            ],
            next: &["check the URL scheme and port"],
        },
    ),
    (
        "MBEDTLS_ERR_SSL_BAD_CERTIFICATE",
        Advice {
            meaning: "the certificate chain verified, but the leaf is not usable for this connection",
            causes: &[
                "the leaf's keyUsage or extendedKeyUsage does not allow TLS server use",
                "TLS 1.2: the leaf's EC curve is not enabled in the device build",
            ],
            next: &["run `anchorkit inspect` on the leaf"],
        },
    ),
    (
        "MBEDTLS_ERR_SSL_CERTIFICATE_VERIFICATION_WITHOUT_HOSTNAME",
        Advice {
            meaning: "certificate verification was required but no hostname was set (mbedTLS 2.28.10 / 3.6.3 and later refuse this)",
            causes: &[
                "mbedtls_ssl_set_hostname() was never called; with esp-tls, skip_common_name or a missing common_name/host",
            ],
            next: &["set the expected hostname (esp-tls: common_name or the URL host)"],
        },
    ),
    (
        "MBEDTLS_ERR_SSL_ALLOC_FAILED",
        Advice {
            meaning: "out of memory during the handshake",
            causes: &[
                "large certificate chains and 16 KB input buffers on a device with little free heap",
            ],
            next: &[
                "check free heap before connecting; enable variable-length buffers or reduce the chain size",
            ],
        },
    ),
    (
        "MBEDTLS_ERR_SSL_INTERNAL_ERROR",
        Advice {
            meaning: "an internal error in the TLS layer",
            causes: &["often a failed allocation or an unsupported configuration"],
            next: &["enable mbedTLS debug output to see where it happens"],
        },
    ),
    (
        "MBEDTLS_ERR_NET_CONNECT_FAILED",
        Advice {
            meaning: "the TCP connection failed",
            causes: &["host unreachable, port closed, no network"],
            next: &["check connectivity before TLS"],
        },
    ),
    (
        "MBEDTLS_ERR_NET_UNKNOWN_HOST",
        Advice {
            meaning: "DNS lookup failed",
            causes: &["wrong hostname or no DNS server"],
            next: &["check the hostname and DNS"],
        },
    ),
    (
        "MBEDTLS_ERR_NET_SOCKET_FAILED",
        Advice {
            meaning: "a socket could not be opened",
            causes: &["too many open sockets or no memory"],
            next: &["close unused connections"],
        },
    ),
    (
        "MBEDTLS_ERR_RSA_VERIFY_FAILED",
        Advice {
            meaning: "an RSA signature did not verify",
            causes: &[
                "a certificate was not signed by the key tried, e.g. a CA with the right name but another key",
            ],
            next: &[DOCTOR],
        },
    ),
    (
        "MBEDTLS_ERR_ECP_VERIFY_FAILED",
        Advice {
            meaning: "an ECDSA signature did not verify",
            causes: &["a certificate was not signed by the key tried"],
            next: &[DOCTOR],
        },
    ),
    (
        "MBEDTLS_ERR_PK_UNKNOWN_NAMED_CURVE",
        Advice {
            meaning: "a key uses a curve this build does not support",
            causes: &["P-521, brainpool or secp256k1 disabled in the device build"],
            next: &["enable the curve in menuconfig or choose a P-256/P-384 chain"],
        },
    ),
    (
        "MBEDTLS_ERR_OID_NOT_FOUND",
        Advice {
            meaning: "an algorithm identifier is unknown to this build",
            causes: &[
                "an unsupported signature or key algorithm (low-level part of a combined code)",
            ],
            next: &[],
        },
    ),
    (
        "MBEDTLS_ERR_ASN1_UNEXPECTED_TAG",
        Advice {
            meaning: "the DER structure has an unexpected tag",
            causes: &[
                "for X509_INVALID_EXTENSIONS: an unknown critical extension; otherwise corrupt DER",
            ],
            next: &[],
        },
    ),
];

const FLAGS: &[(&str, Advice)] = &[
    (
        "EXPIRED",
        Advice {
            meaning: "",
            causes: &[
                "a certificate in the path, possibly the trusted root itself, is past its notAfter (only checked with MBEDTLS_HAVE_TIME_DATE)",
            ],
            next: &["renew, or trust a newer root; check the device clock"],
        },
    ),
    (
        "FUTURE",
        Advice {
            meaning: "",
            causes: &[
                "a certificate is not valid yet; on a device this nearly always means the clock is not set (1970): sync SNTP before connecting",
            ],
            next: &["wait for SNTP time before the first TLS connection"],
        },
    ),
    (
        "CN_MISMATCH",
        Advice {
            meaning: "",
            causes: &[
                "the hostname the device connects to is not in the certificate's subjectAltName (or CN when there is no SAN)",
            ],
            next: &["connect with a hostname the certificate lists, or set common_name"],
        },
    ),
    (
        "NOT_TRUSTED",
        Advice {
            meaning: "",
            causes: &[
                "no certificate in the trust list issued the chain: a leaf or an unrelated CA was given as cert_pem, or the server omits its intermediate",
            ],
            next: &[DOCTOR],
        },
    ),
    (
        "BAD_MD",
        Advice {
            meaning: "",
            causes: &[
                "a certificate below the anchor is signed with SHA-1 or MD5, which the default profile rejects",
            ],
            next: &["have the server send a SHA-256 chain"],
        },
    ),
    (
        "BAD_KEY",
        Advice {
            meaning: "",
            causes: &["an RSA key below 2048 bits or a curve the profile does not allow"],
            next: &[],
        },
    ),
    (
        "BAD_PK",
        Advice {
            meaning: "",
            causes: &["a key or signature type the profile does not allow"],
            next: &[],
        },
    ),
    (
        "KEY_USAGE",
        Advice {
            meaning: "",
            causes: &["the leaf's keyUsage does not allow this TLS key exchange"],
            next: &[],
        },
    ),
    (
        "EXT_KEY_USAGE",
        Advice {
            meaning: "",
            causes: &["the leaf's extendedKeyUsage does not include serverAuth"],
            next: &[],
        },
    ),
];

const BEARSSL: &[(&str, Advice)] = &[
    (
        "BR_ERR_X509_NOT_TRUSTED",
        Advice {
            meaning: "BearSSL: the chain does not lead to any trust anchor",
            causes: &[
                "the trust anchors (X509List / CertStore) do not contain the issuing root",
                "the server sends its chain out of order (BearSSL needs strict order)",
            ],
            next: &[DOCTOR],
        },
    ),
    (
        "BR_ERR_X509_EXPIRED",
        Advice {
            meaning: "BearSSL: a certificate is expired or not yet valid at the time set",
            causes: &[
                "the ESP8266 clock is not set (setX509Time / NTP before connecting)",
                "a certificate in the chain expired",
            ],
            next: &["set the time with configTime() and wait for it before connecting"],
        },
    ),
    (
        "BR_ERR_X509_BAD_SERVER_NAME",
        Advice {
            meaning: "BearSSL: the server name does not match the certificate",
            causes: &["connecting by IP or another hostname"],
            next: &["connect with a name in the certificate's subjectAltName"],
        },
    ),
    (
        "BR_ERR_X509_WEAK_PUBLIC_KEY",
        Advice {
            meaning: "BearSSL: a key in the chain is too small",
            causes: &["RSA below the minimum (1024 bits by default on ESP8266)"],
            next: &[],
        },
    ),
];

const WOLFSSL: &[(&str, Advice)] = &[
    (
        "ASN_NO_SIGNER_E",
        Advice {
            meaning: "wolfSSL: no loaded CA signed this certificate",
            causes: &[
                "the CA list lacks the issuing root or intermediate",
                "the leaf itself was loaded as a CA",
            ],
            next: &[DOCTOR],
        },
    ),
    (
        "ASN_AFTER_DATE_E",
        Advice {
            meaning: "wolfSSL: a certificate has expired (current date after notAfter)",
            causes: &["an expired certificate, or a wrong clock"],
            next: &["check the device time; wolfSSL also checks CA dates when loading them"],
        },
    ),
    (
        "ASN_BEFORE_DATE_E",
        Advice {
            meaning: "wolfSSL: a certificate is not valid yet (current date before notBefore)",
            causes: &["the device clock is not set"],
            next: &[
                "set the time before connecting, or load CAs with WOLFSSL_LOAD_FLAG_DATE_ERR_OKAY",
            ],
        },
    ),
    (
        "DOMAIN_NAME_MISMATCH",
        Advice {
            meaning: "wolfSSL: the peer's certificate does not match the expected domain name",
            causes: &["connecting with a hostname the certificate does not list"],
            next: &[],
        },
    ),
    (
        "ASN_SIG_CONFIRM_E",
        Advice {
            meaning: "wolfSSL: a signature in the chain did not verify",
            causes: &["a CA with the right name but another key"],
            next: &[DOCTOR],
        },
    ),
];

fn find(table: &'static [(&str, Advice)], name: &str) -> Option<&'static Advice> {
    table.iter().find(|(n, _)| *n == name).map(|(_, a)| a)
}

/// Advice for an mbedTLS macro name.
pub fn mbedtls(name: &str) -> Option<&'static Advice> {
    find(MBEDTLS, name)
}

/// Advice for a verify flag name.
pub fn flag(name: &str) -> Option<&'static Advice> {
    find(FLAGS, name)
}

/// Advice for a BearSSL code name.
pub fn bearssl(name: &str) -> Option<&'static Advice> {
    find(BEARSSL, name)
}

/// Advice for a wolfSSL code name.
pub fn wolfssl(name: &str) -> Option<&'static Advice> {
    find(WOLFSSL, name)
}
