//! Library lookups other modules rely on.

use anchorkit::explain::{flag_names, mbedtls_code_name, strerror, verify_info};

#[test]
fn strerror_matches_what_mbedtls_prints() {
    assert_eq!(
        strerror(-0x2700, Some("3.6")),
        "X509 - Certificate verification failed, e.g. CRL, CA or signature check failed"
    );
    assert_eq!(
        strerror(-0x262E, None),
        "X509 - Signature algorithm (oid) is unsupported : OID - OID is not found"
    );
    assert_eq!(
        strerror(-0x7E80, Some("2.28")),
        "SSL - Processing of the Finished handshake message failed"
    );
    assert_eq!(
        strerror(-0x7E80, Some("3.6")),
        "SSL - Cache entry not found"
    );
    assert!(strerror(-0x5D80, Some("3.6.0")).starts_with("UNKNOWN ERROR CODE (5D80)"));
    assert!(
        strerror(-0x5D80, Some("3.6.3"))
            .starts_with("SSL - Attempt to verify a certificate without an expected hostname")
    );
}

#[test]
fn names_and_flags() {
    assert_eq!(
        mbedtls_code_name(-0x3000, None),
        Some("MBEDTLS_ERR_X509_FATAL_ERROR")
    );
    assert_eq!(
        mbedtls_code_name(-0x2700, Some("2.28")),
        Some("MBEDTLS_ERR_X509_CERT_VERIFY_FAILED")
    );
    assert_eq!(flag_names(0x0C), ["CN_MISMATCH", "NOT_TRUSTED"]);
    assert_eq!(
        verify_info("  ! ", 0x09),
        "  ! The certificate validity has expired\n  ! The certificate is not correctly signed by the trusted CA\n"
    );
    assert!(verify_info("", 0xFFFF_FFFF).ends_with("Unknown reason (this should not happen)\n"));
}
