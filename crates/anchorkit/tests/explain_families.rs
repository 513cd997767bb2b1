//! Log lines of every stack a device runs, as users paste them: which family printed the
//! line, which library's number space its code is in, and the name anchorkit reads. The lines
//! follow the emitters' format strings release by release (docs/log-formats.md); several are
//! the forms reported in public threads.

use anchorkit::explain::{Lib, Options, explain};

/// (line, family, library, code as printed, name)
const LINES: &[(&str, &str, Option<Lib>, &str, &str)] = &[
    // Arduino-ESP32 1.0.x, 2.0.x (timestamped) and 3.x: Mbed TLS in decimal.
    (
        "[E][ssl_client.cpp:36] _handle_error(): [start_ssl_client]: (-9984) X509 - Certificate verification failed, e.g. CRL, CA or signature check failed",
        "arduino-esp32",
        Some(Lib::Mbedtls),
        "-0x2700",
        "MBEDTLS_ERR_X509_CERT_VERIFY_FAILED",
    ),
    (
        "[ 2546][E][ssl_client.cpp:37] _handle_error(): [start_ssl_client():273]: (-9984) X509 - Certificate verification failed, e.g. CRL, CA or signature check failed",
        "arduino-esp32",
        Some(Lib::Mbedtls),
        "-0x2700",
        "MBEDTLS_ERR_X509_CERT_VERIFY_FAILED",
    ),
    (
        "[ 15670][E][ssl_client.cpp:36] _handle_error(): [ssl_starttls_handshake():317]: (-12288) X509 - A fatal error occurred, eg the chain is too long or the vrfy callback failed",
        "arduino-esp32",
        Some(Lib::Mbedtls),
        "-0x3000",
        "MBEDTLS_ERR_X509_FATAL_ERROR",
    ),
    (
        "[  2550][E][WiFiClientSecure.cpp:144] connect(): start_ssl_client: -9984",
        "arduino-esp32",
        Some(Lib::Mbedtls),
        "-0x2700",
        "MBEDTLS_ERR_X509_CERT_VERIFY_FAILED",
    ),
    // A serial monitor's timestamp in front.
    (
        "14:02:11.532 -> [E][ssl_client.cpp:36] _handle_error(): [start_ssl_client():216]: (-9984) X509 - Certificate verification failed, e.g. CRL, CA or signature check failed",
        "arduino-esp32",
        Some(Lib::Mbedtls),
        "-0x2700",
        "MBEDTLS_ERR_X509_CERT_VERIFY_FAILED",
    ),
    // The ESP8266 core (BearSSL): debug lines, getLastSSLError texts, alerts.
    (
        "BSSL:Couldn't connect. Error = 'Chain could not be linked to a trust anchor.'",
        "esp8266-bearssl",
        Some(Lib::Bearssl),
        "62",
        "BR_ERR_X509_NOT_TRUSTED",
    ),
    (
        "BSSL:Couldn't connect. Error = 'Expected server name was not found in the chain.'",
        "esp8266-bearssl",
        Some(Lib::Bearssl),
        "56",
        "BR_ERR_X509_BAD_SERVER_NAME",
    ),
    (
        "WiFiClientSecure SSL error: Certificate is expired or not yet valid.",
        "esp8266-bearssl",
        Some(Lib::Bearssl),
        "54",
        "BR_ERR_X509_EXPIRED",
    ),
    (
        "BSSL:Couldn't connect. Error = 'SSL received fatal alert - Decoding error: extraneous element.'",
        "esp8266-bearssl",
        None,
        "40",
        "TLS alert 40",
    ),
    // SSLClient.
    (
        "(SSLClient)(SSL_ERROR)(m_print_br_error): Chain could not be linked to a trust anchor. See https://github.com/OPEnSLab-OSU/SSLClient/blob/master/TrustAnchors.md",
        "sslclient",
        Some(Lib::Bearssl),
        "62",
        "BR_ERR_X509_NOT_TRUSTED",
    ),
    (
        "(SSLClient)(SSL_ERROR)(m_print_br_error): Unknown error code: 304",
        "sslclient",
        None,
        "304",
        "BR_ERR_RECV_FATAL_ALERT",
    ),
    // wolfSSL: the example client, ESP-TLS's backend, Arduino-wolfSSL, libcurl.
    (
        "wolfSSL_connect error -188, ASN no signer error to confirm failure",
        "wolfssl",
        Some(Lib::Wolfssl),
        "-188",
        "ASN_NO_SIGNER_E",
    ),
    (
        "E (7421) esp-tls-wolfssl: wolfSSL_connect returned -1, error code: -155",
        "wolfssl",
        Some(Lib::Wolfssl),
        "-155",
        "ASN_SIG_CONFIRM_E",
    ),
    (
        "WOLFSSL Error: -150; ASN date error, current date is before start of validity",
        "wolfssl",
        Some(Lib::Wolfssl),
        "-150",
        "ASN_BEFORE_DATE_E",
    ),
    (
        "Curl_failf:SSL_connect failed with error -313: revcd alert fatal error",
        "wolfssl",
        Some(Lib::Wolfssl),
        "-313",
        "FATAL_ERROR",
    ),
    // ESP-IDF components.
    (
        "E (12503) esp-tls-mbedtls: mbedtls_ssl_handshake returned -0x2700",
        "",
        Some(Lib::Mbedtls),
        "-0x2700",
        "MBEDTLS_ERR_X509_CERT_VERIFY_FAILED",
    ),
    (
        "E (30221) mqtt_example: Last error reported from tls stack: 0x7780",
        "esp-idf",
        Some(Lib::Mbedtls),
        "-0x7780",
        "MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE",
    ),
    (
        "E (30221) mqtt_example: Last error reported from esp-tls: 0x801a",
        "esp-idf",
        None,
        "0x801A",
        "ESP_ERR_MBEDTLS_SSL_HANDSHAKE_FAILED",
    ),
    (
        "E (30231) mqtt_example: Last error captured as transport's socket errno: 0x68",
        "esp-idf",
        None,
        "104",
        "ECONNRESET",
    ),
    // Zephyr: hex even without 0x; the application's negated errno.
    (
        "[00:00:08.217,000] <err> net_sock_tls: TLS handshake error: -0x7200",
        "zephyr",
        Some(Lib::Mbedtls),
        "-0x7200",
        "MBEDTLS_ERR_SSL_INVALID_RECORD",
    ),
    (
        "E: TLS handshake error: -2700",
        "zephyr",
        Some(Lib::Mbedtls),
        "-0x2700",
        "MBEDTLS_ERR_X509_CERT_VERIFY_FAILED",
    ),
    (
        "[00:00:08.217,000] <err> net_sock_tls: TLS handshake error: -2700",
        "zephyr",
        Some(Lib::Mbedtls),
        "-0x2700",
        "MBEDTLS_ERR_X509_CERT_VERIFY_FAILED",
    ),
    (
        "[00:00:08.218,000] <err> http_client: Cannot connect to IPv4 remote (-113)",
        "zephyr",
        None,
        "113",
        "ECONNABORTED",
    ),
    // MicroPython, per release.
    (
        "OSError: (-9984, 'MBEDTLS_ERR_X509_CERT_VERIFY_FAILED')",
        "micropython",
        Some(Lib::Mbedtls),
        "-0x2700",
        "MBEDTLS_ERR_X509_CERT_VERIFY_FAILED",
    ),
    (
        "mbedtls_ssl_handshake error: -2700",
        "micropython",
        Some(Lib::Mbedtls),
        "-0x2700",
        "MBEDTLS_ERR_X509_CERT_VERIFY_FAILED",
    ),
    (
        "OSError: [Errno 113] ECONNABORTED",
        "micropython",
        None,
        "113",
        "",
    ),
    // AWS IoT Device SDK: LTS texts and v3 IoT_Error_t.
    (
        "[ERROR] [Transport_MbedTLS_PKCS11] [mbedtls_pkcs11_posix.c:829] Failed to perform TLS handshake: mbedTLSError= X509 - Certificate verification failed, e.g. CRL, CA or signature check failed : <No-Low-Level-Code>.",
        "aws-iot-sdk",
        Some(Lib::Mbedtls),
        "-0x2700",
        "MBEDTLS_ERR_X509_CERT_VERIFY_FAILED",
    ),
    (
        "E (6522) subpub: Error(-4) connecting to a1b2c3d4e5f6g7-ats.iot.eu-west-1.amazonaws.com:8883",
        "aws-iot-sdk",
        None,
        "-4",
        "SSL_CONNECTION_ERROR",
    ),
    // Azure IoT C SDK (decimal Mbed TLS).
    (
        "Error: Time:Tue Mar 12 10:41:07 2024 File:/src/c-utility/adapters/tlsio_mbedtls.c Func:on_underlying_io_open_complete Line:206 Failure ssl handshake -9984",
        "azure-iot-sdk",
        Some(Lib::Mbedtls),
        "-0x2700",
        "MBEDTLS_ERR_X509_CERT_VERIFY_FAILED",
    ),
    // ESP-AT and the Pico SDK.
    (
        "ERR CODE:0x010a0000",
        "esp-at",
        None,
        "0x010a0000",
        "ESP_AT_SUB_CMD_EXEC_FAIL",
    ),
    ("tls_client_err -15", "pico-sdk", None, "-15", "ERR_CLSD"),
];

#[test]
fn every_family_is_recognised_with_its_number_space() {
    for (line, family, lib, code, name) in LINES {
        let e = explain(line, &Options::default()).unwrap_or_else(|err| panic!("{line}: {err}"));
        let f = &e.findings[0];
        if !family.is_empty() {
            assert_eq!(f.family.as_deref(), Some(*family), "{line}: {f:?}");
        }
        assert_eq!(f.library, *lib, "{line}");
        assert_eq!(f.code.as_deref(), Some(*code), "{line}: {f:?}");
        if !name.is_empty() {
            assert_eq!(f.name.as_deref(), Some(*name), "{line}: {f:?}");
        }
        assert!(!f.meaning.is_empty(), "{line}");
    }
}

/// A bare number takes the library of the profile, and every reading is shown otherwise.
#[test]
fn bare_numbers_by_library() {
    let wolf = Options {
        lib: Some(Lib::Wolfssl),
        ..Options::default()
    };
    let e = explain("-150", &wolf).expect("wolfssl");
    assert_eq!(e.findings[0].name.as_deref(), Some("ASN_BEFORE_DATE_E"));
    // Without a library: -150 names nothing in Mbed TLS, so wolfSSL's reading.
    let e = explain("-150", &Options::default()).expect("any");
    assert_eq!(e.findings[0].name.as_deref(), Some("ASN_BEFORE_DATE_E"));
    // 62: Mbed TLS's -0x3E and BearSSL's NOT_TRUSTED are both listed.
    let e = explain("62", &Options::default()).expect("62");
    let f = &e.findings[0];
    assert!(
        f.readings
            .iter()
            .any(|r| r.contains("BR_ERR_X509_NOT_TRUSTED")),
        "{f:?}"
    );
    let bear = Options {
        lib: Some(Lib::Bearssl),
        ..Options::default()
    };
    let e = explain("62", &bear).expect("bearssl");
    assert!(
        e.findings[0]
            .meaning
            .contains("does not lead to any trust anchor"),
        "{:?}",
        e.findings[0]
    );
}

/// ESP-TLS codes were renumbered in ESP-IDF v4.4: both names are given.
#[test]
fn esp_tls_codes_of_both_numberings() {
    let e = explain(
        "I (5472) MQTTS_EXAMPLE: Last error code reported from esp-tls: 0x8010",
        &Options::default(),
    )
    .expect("tracker");
    let f = &e.findings[0];
    assert_eq!(f.name.as_deref(), Some("ESP_ERR_MBEDTLS_CERT_PARTLY_OK"));
    assert!(
        f.readings
            .iter()
            .any(|r| r.contains("v4.0 .. v4.3: ESP_ERR_MBEDTLS_SSL_HANDSHAKE_FAILED")),
        "{f:?}"
    );
}

/// An unknown line says what it would need.
#[test]
fn an_unknown_line_says_what_it_needs() {
    let e = explain("the device did not connect", &Options::default()).expect_err("unknown");
    assert!(e.to_string().contains("It needs the error number"), "{e}");
}
