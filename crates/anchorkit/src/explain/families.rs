//! Log lines of every stack a device runs, by family: what prints the line, and which number
//! space its code belongs to. The same error reaches users printed many ways (Mbed TLS's
//! -0x2700 is `-9984` in Arduino-ESP32 and Azure lines, `-2700` without `0x` in older Zephyr,
//! `0x2700` without a sign in esp-mqtt's error tracker); a bare number means different things
//! in BearSSL, wolfSSL, errno and the SDKs. Each recognizer below is the line format of one
//! emitter (facts from the emitters' sources, release by release, in `docs/log-formats.md`).

use std::sync::OnceLock;

use regex::Regex;

/// The number space a code belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Space {
    /// An Mbed TLS return code (the value as a signed integer).
    Mbedtls,
    /// Mbed TLS error texts (`mbedtls_high_level_strerr` : `..._low_level_strerr`), no number.
    MbedtlsText(String, String),
    /// A BearSSL code (0..63, 256 + alert received, 512 + alert sent).
    Bearssl,
    /// A TLS alert number the ESP8266 core reports after a received fatal alert.
    Alert,
    /// A wolfSSL error code.
    Wolfssl,
    /// An errno value; the C library decides the name.
    Errno,
    /// An ESP-IDF `esp_err_t` (ESP-TLS, HTTP client).
    EspErr,
    /// AWS IoT Device SDK v3 `IoT_Error_t`.
    AwsIot,
    /// An ESP-AT `ERR CODE:` value.
    EspAt,
    /// lwIP `err_t`.
    Lwip,
    /// NetX Duo Secure (Azure RTOS) TLS status.
    Netx,
    /// Mbed TLS verify flags, named by the texts of `mbedtls_x509_crt_verify_info`.
    FlagTexts,
    /// No number: the line's meaning only.
    None,
}

/// A recognized line.
#[derive(Debug, Clone)]
pub(super) struct Line {
    /// The family (`arduino-esp32`, `esp8266-bearssl`, `sslclient`, `wolfssl`, `zephyr`, ...).
    pub family: &'static str,
    /// The component that printed it.
    pub component: String,
    /// The number space.
    pub space: Space,
    /// The code, when there is one.
    pub value: Option<i64>,
    /// A meaning for lines without a code, or the line's own message.
    pub meaning: Option<String>,
    /// Notes on how the line was read.
    pub notes: Vec<String>,
}

impl Line {
    fn new(family: &'static str, component: &str, space: Space, value: Option<i64>) -> Line {
        Line {
            family,
            component: component.to_string(),
            space,
            value,
            meaning: None,
            notes: Vec::new(),
        }
    }

    fn meaning(mut self, m: &str) -> Line {
        self.meaning = Some(m.to_string());
        self
    }

    fn note(mut self, n: &str) -> Line {
        self.notes.push(n.to_string());
        self
    }
}

/// BearSSL codes as the ESP8266 core's `getLastSSLError()` and SSLClient print them.
pub(super) const BEARSSL_TEXTS: &[(i64, &str)] = &[
    (1, "Caller-provided parameter is incorrect."),
    (
        2,
        "Operation requested by the caller cannot be applied with the current context state (e.g. reading data while outgoing data is waiting to be sent).",
    ),
    (3, "Incoming protocol or record version is unsupported."),
    (
        4,
        "Incoming record version does not match the expected version.",
    ),
    (5, "Incoming record length is invalid."),
    (
        6,
        "Incoming record is too large to be processed, or buffer is too small for the handshake message to send.",
    ),
    (
        7,
        "Decryption found an invalid padding, or the record MAC is not correct.",
    ),
    (
        8,
        "No initial entropy was provided, and none can be obtained from the OS.",
    ),
    (9, "Incoming record type is unknown."),
    (
        10,
        "Incoming record or message has wrong type with regards to the current engine state.",
    ),
    (
        12,
        "ChangeCipherSpec message from the peer has invalid contents.",
    ),
    (
        13,
        "Alert message from the peer has invalid contents (odd length).",
    ),
    (14, "Incoming handshake message decoding failed."),
    (
        15,
        "ServerHello contains a session ID which is larger than 32 bytes.",
    ),
    (
        16,
        "Server wants to use a cipher suite that we did not claim to support. This is also reported if we tried to advertise a cipher suite that we do not support.",
    ),
    (
        17,
        "Server wants to use a compression that we did not claim to support.",
    ),
    (18, "Server's max fragment length does not match client's."),
    (19, "Secure renegotiation failed."),
    (
        20,
        "Server sent an extension type that we did not announce, or used the same extension type several times in a single ServerHello.",
    ),
    (
        21,
        "Invalid Server Name Indication contents (when used by the server, this extension shall be empty).",
    ),
    (
        22,
        "Invalid ServerHelloDone from the server (length is not 0).",
    ),
    (
        23,
        "Internal limit exceeded (e.g. server's public key is too large).",
    ),
    (
        24,
        "Finished message from peer does not match the expected value.",
    ),
    (
        25,
        "Session resumption attempt with distinct version or cipher suite.",
    ),
    (
        26,
        "Unsupported or invalid algorithm (ECDHE curve, signature algorithm, hash function).",
    ),
    (
        27,
        "Invalid signature in ServerKeyExchange or CertificateVerify message.",
    ),
    (
        28,
        "Peer's public key does not have the proper type or is not allowed for the requested operation.",
    ),
    (
        29,
        "Client did not send a certificate upon request, or the client certificate could not be validated.",
    ),
    (31, "I/O error or premature close on transport stream."),
    (33, "Invalid value in an ASN.1 structure."),
    (34, "Truncated certificate or other ASN.1 object."),
    (35, "Empty certificate chain (no certificate at all)."),
    (
        36,
        "Decoding error: inner element extends beyond outer element size.",
    ),
    (
        37,
        "Decoding error: unsupported tag class (application or private).",
    ),
    (38, "Decoding error: unsupported tag value."),
    (39, "Decoding error: indefinite length."),
    (40, "Decoding error: extraneous element."),
    (41, "Decoding error: unexpected element."),
    (
        42,
        "Decoding error: expected constructed element, but is primitive.",
    ),
    (
        43,
        "Decoding error: expected primitive element, but is constructed.",
    ),
    (
        44,
        "Decoding error: BIT STRING length is not multiple of 8.",
    ),
    (45, "Decoding error: BOOLEAN value has invalid length."),
    (46, "Decoding error: value is off-limits."),
    (47, "Invalid distinguished name."),
    (48, "Invalid date/time representation."),
    (
        49,
        "Certificate contains unsupported features that cannot be ignored.",
    ),
    (50, "Key or signature size exceeds internal limits."),
    (51, "Key type does not match that which was expected."),
    (52, "Signature is invalid."),
    (53, "Validation time is unknown."),
    (54, "Certificate is expired or not yet valid."),
    (55, "Issuer/Subject DN mismatch in the chain."),
    (56, "Expected server name was not found in the chain."),
    (57, "Unknown critical extension in certificate."),
    (58, "Not a CA, or path length constraint violation."),
    (59, "Key Usage extension prohibits intended usage."),
    (60, "Public key found in certificate is too small."),
    (62, "Chain could not be linked to a trust anchor."),
    (
        -1000,
        "Unable to allocate memory for SSL structures and buffers.",
    ),
];

/// TLS alert names (RFC 8446 and earlier).
pub(super) const ALERTS: &[(i64, &str)] = &[
    (0, "close_notify"),
    (10, "unexpected_message"),
    (20, "bad_record_mac"),
    (22, "record_overflow"),
    (30, "decompression_failure"),
    (40, "handshake_failure"),
    (42, "bad_certificate"),
    (43, "unsupported_certificate"),
    (44, "certificate_revoked"),
    (45, "certificate_expired"),
    (46, "certificate_unknown"),
    (47, "illegal_parameter"),
    (48, "unknown_ca"),
    (49, "access_denied"),
    (50, "decode_error"),
    (51, "decrypt_error"),
    (70, "protocol_version"),
    (71, "insufficient_security"),
    (80, "internal_error"),
    (86, "inappropriate_fallback"),
    (90, "user_canceled"),
    (100, "no_renegotiation"),
    (109, "missing_extension"),
    (110, "unsupported_extension"),
    (112, "unrecognized_name"),
    (116, "certificate_required"),
    (120, "no_application_protocol"),
];

/// errno names by value: `(name, newlib/picolibc (ESP-IDF, Arduino-ESP32, Zephyr's default,
/// MicroPython on ESP32), Zephyr minimal libc, Linux (and MicroPython's internal table on
/// rp2 and unix))`.
pub(super) const ERRNO: &[(&str, i64, i64, i64)] = &[
    ("EPERM", 1, 1, 1),
    ("ENOENT", 2, 2, 2),
    ("EIO", 5, 5, 5),
    ("EAGAIN", 11, 11, 11),
    ("ENOMEM", 12, 12, 12),
    ("EACCES", 13, 13, 13),
    ("EINVAL", 22, 22, 22),
    ("ENOTSUP", 134, 35, 95),
    ("ECONNABORTED", 113, 53, 103),
    ("ECONNRESET", 104, 54, 104),
    ("ETIMEDOUT", 116, 60, 110),
    ("ECONNREFUSED", 111, 61, 111),
    ("EHOSTUNREACH", 118, 65, 113),
    ("EHOSTDOWN", 117, 67, 112),
    ("EINPROGRESS", 119, 68, 115),
    ("ENOTCONN", 128, 57, 107),
    ("EBADMSG", 77, 77, 74),
];

/// What an errno means for a TLS connection.
pub(super) fn errno_meaning(name: &str) -> &'static str {
    match name {
        "ECONNABORTED" => {
            "the TLS handshake failed (Zephyr's TLS sockets and lwIP return ECONNABORTED for every fatal handshake error: the Mbed TLS code is logged by net_sock_tls just before)"
        }
        "ECONNRESET" => "the server reset the connection (often its answer to a hello it refuses)",
        "ETIMEDOUT" => "the connection or the handshake timed out",
        "ECONNREFUSED" => "nothing listens on that port, or a firewall refuses it",
        "EHOSTUNREACH" => "no route to the host",
        "ENOMEM" => "out of memory (the TLS context or its buffers)",
        "EINVAL" => "an invalid argument: with TLS sockets, a CA certificate that did not parse",
        "ENOENT" => "a TLS credential tag without credentials",
        "EAGAIN" => "the non-blocking operation would block (not an error by itself)",
        "EIO" => {
            "an input/output error (MicroPython 1.12 and earlier raise it for every handshake failure)"
        }
        _ => "an operating-system error code",
    }
}

/// AWS IoT Device SDK v3 `IoT_Error_t` values a TLS connection returns.
pub(super) const AWS_IOT: &[(i64, &str, &str)] = &[
    (-1, "FAILURE", "generic failure"),
    (-3, "TCP_CONNECTION_ERROR", "the TCP connection failed"),
    (
        -4,
        "SSL_CONNECTION_ERROR",
        "the TLS handshake failed: the mbedtls_ssl_handshake code is logged before (-0x2700: the server's certificate did not verify against the root CA file)",
    ),
    (
        -5,
        "TCP_SETUP_ERROR",
        "setting up the TCP connection failed",
    ),
    (
        -6,
        "NETWORK_SSL_CONNECT_TIMEOUT_ERROR",
        "the TLS handshake timed out",
    ),
    (-7, "NETWORK_SSL_WRITE_ERROR", "a TLS write failed"),
    (-8, "NETWORK_SSL_INIT_ERROR", "TLS initialisation failed"),
    (
        -9,
        "NETWORK_SSL_CERT_ERROR",
        "a certificate could not be loaded",
    ),
    (-12, "NETWORK_SSL_READ_ERROR", "a TLS read failed"),
    (
        -13,
        "NETWORK_DISCONNECTED_ERROR",
        "the network is disconnected",
    ),
    (-17, "NETWORK_SSL_UNKNOWN_ERROR", "an unknown TLS error"),
    (
        -19,
        "NETWORK_X509_ROOT_CRT_PARSE_ERROR",
        "the root CA file did not parse (mbedtls_x509_crt_parse failed)",
    ),
    (
        -20,
        "NETWORK_X509_DEVICE_CRT_PARSE_ERROR",
        "the device certificate did not parse",
    ),
    (
        -21,
        "NETWORK_PK_PRIVATE_KEY_PARSE_ERROR",
        "the device private key did not parse",
    ),
    (
        -22,
        "NETWORK_ERR_NET_SOCKET_FAILED",
        "creating the socket failed",
    ),
    (
        -23,
        "NETWORK_ERR_NET_UNKNOWN_HOST",
        "DNS lookup of the endpoint failed",
    ),
    (
        -24,
        "NETWORK_ERR_NET_CONNECT_FAILED",
        "the TCP connection to the endpoint failed",
    ),
    (-26, "MQTT_CONNECTION_ERROR", "the MQTT connection failed"),
    (
        -27,
        "MQTT_CONNECT_TIMEOUT_ERROR",
        "the MQTT connect timed out",
    ),
    (
        -41,
        "MQTT_CONNACK_NOT_AUTHORIZED_ERROR",
        "the broker refused the client (policy or certificate not attached)",
    ),
];

/// ESP-IDF ESP-TLS error codes: `(name, value in v4.0 .. v4.3, value from v4.4)`; the numbering
/// was reassigned in ESP-IDF v4.4.
pub(super) const ESP_TLS: &[(&str, Option<i64>, Option<i64>)] = &[
    (
        "ESP_ERR_ESP_TLS_CANNOT_RESOLVE_HOSTNAME",
        Some(0x8001),
        Some(0x8001),
    ),
    (
        "ESP_ERR_ESP_TLS_CANNOT_CREATE_SOCKET",
        Some(0x8002),
        Some(0x8002),
    ),
    (
        "ESP_ERR_ESP_TLS_UNSUPPORTED_PROTOCOL_FAMILY",
        Some(0x8003),
        Some(0x8003),
    ),
    (
        "ESP_ERR_ESP_TLS_FAILED_CONNECT_TO_HOST",
        Some(0x8004),
        Some(0x8004),
    ),
    (
        "ESP_ERR_ESP_TLS_SOCKET_SETOPT_FAILED",
        Some(0x8005),
        Some(0x8005),
    ),
    (
        "ESP_ERR_ESP_TLS_CONNECTION_TIMEOUT",
        Some(0x8012),
        Some(0x8006),
    ),
    ("ESP_ERR_ESP_TLS_SE_FAILED", Some(0x801B), Some(0x8007)),
    ("ESP_ERR_ESP_TLS_TCP_CLOSED_FIN", None, Some(0x8008)),
    (
        "ESP_ERR_ESP_TLS_SERVER_HANDSHAKE_TIMEOUT",
        None,
        Some(0x8009),
    ),
    ("ESP_ERR_MBEDTLS_CERT_PARTLY_OK", Some(0x8006), Some(0x8010)),
    (
        "ESP_ERR_MBEDTLS_CTR_DRBG_SEED_FAILED",
        Some(0x8007),
        Some(0x8011),
    ),
    (
        "ESP_ERR_MBEDTLS_SSL_SET_HOSTNAME_FAILED",
        Some(0x8008),
        Some(0x8012),
    ),
    (
        "ESP_ERR_MBEDTLS_SSL_CONFIG_DEFAULTS_FAILED",
        Some(0x8009),
        Some(0x8013),
    ),
    (
        "ESP_ERR_MBEDTLS_SSL_CONF_ALPN_PROTOCOLS_FAILED",
        Some(0x800A),
        Some(0x8014),
    ),
    (
        "ESP_ERR_MBEDTLS_X509_CRT_PARSE_FAILED",
        Some(0x800B),
        Some(0x8015),
    ),
    (
        "ESP_ERR_MBEDTLS_SSL_CONF_OWN_CERT_FAILED",
        Some(0x800C),
        Some(0x8016),
    ),
    (
        "ESP_ERR_MBEDTLS_SSL_SETUP_FAILED",
        Some(0x800D),
        Some(0x8017),
    ),
    (
        "ESP_ERR_MBEDTLS_SSL_WRITE_FAILED",
        Some(0x800E),
        Some(0x8018),
    ),
    (
        "ESP_ERR_MBEDTLS_PK_PARSE_KEY_FAILED",
        Some(0x800F),
        Some(0x8019),
    ),
    (
        "ESP_ERR_MBEDTLS_SSL_HANDSHAKE_FAILED",
        Some(0x8010),
        Some(0x801A),
    ),
    (
        "ESP_ERR_MBEDTLS_SSL_CONF_PSK_FAILED",
        Some(0x8011),
        Some(0x801B),
    ),
    (
        "ESP_ERR_MBEDTLS_SSL_TICKET_SETUP_FAILED",
        None,
        Some(0x801C),
    ),
    ("ESP_ERR_MBEDTLS_SSL_READ_FAILED", None, Some(0x801D)),
    (
        "ESP_ERR_WOLFSSL_SSL_SET_HOSTNAME_FAILED",
        Some(0x8013),
        Some(0x8031),
    ),
    (
        "ESP_ERR_WOLFSSL_SSL_CONF_ALPN_PROTOCOLS_FAILED",
        Some(0x8014),
        Some(0x8032),
    ),
    (
        "ESP_ERR_WOLFSSL_CERT_VERIFY_SETUP_FAILED",
        Some(0x8015),
        Some(0x8033),
    ),
    (
        "ESP_ERR_WOLFSSL_KEY_VERIFY_SETUP_FAILED",
        Some(0x8016),
        Some(0x8034),
    ),
    (
        "ESP_ERR_WOLFSSL_SSL_HANDSHAKE_FAILED",
        Some(0x8017),
        Some(0x8035),
    ),
    (
        "ESP_ERR_WOLFSSL_CTX_SETUP_FAILED",
        Some(0x8018),
        Some(0x8036),
    ),
    (
        "ESP_ERR_WOLFSSL_SSL_SETUP_FAILED",
        Some(0x8019),
        Some(0x8037),
    ),
    (
        "ESP_ERR_WOLFSSL_SSL_WRITE_FAILED",
        Some(0x801A),
        Some(0x8038),
    ),
];

/// ESP-AT `ERR CODE:` sub-categories (byte 2 of the 32-bit code).
pub(super) const ESP_AT: &[(u32, &str, &str)] = &[
    (0x00, "ESP_AT_SUB_OK", "OK"),
    (
        0x02,
        "ESP_AT_SUB_NO_TERMINATOR",
        "the command has no \\r\\n terminator",
    ),
    (
        0x03,
        "ESP_AT_SUB_NO_AT",
        "the command does not start with AT",
    ),
    (
        0x04,
        "ESP_AT_SUB_PARA_LENGTH_MISMATCH",
        "a parameter has the wrong length (the low 16 bits: its 0-based index)",
    ),
    (
        0x05,
        "ESP_AT_SUB_PARA_TYPE_MISMATCH",
        "a parameter has the wrong type (low 16 bits: its index)",
    ),
    (
        0x06,
        "ESP_AT_SUB_PARA_NUM_MISMATCH",
        "wrong number of parameters (low 16 bits: needed << 8 | given)",
    ),
    (
        0x07,
        "ESP_AT_SUB_PARA_INVALID",
        "a parameter is invalid (low 16 bits: its index)",
    ),
    (
        0x08,
        "ESP_AT_SUB_PARA_PARSE_FAIL",
        "a parameter did not parse (low 16 bits: its index)",
    ),
    (
        0x09,
        "ESP_AT_SUB_UNSUPPORT_CMD",
        "the command is not supported by this firmware",
    ),
    (
        0x0A,
        "ESP_AT_SUB_CMD_EXEC_FAIL",
        "the command failed while running (for an SSL link: the TLS handshake or the TCP connection; AT+HTTPCLIENT's 0x7000 extension is 'connection failed')",
    ),
    (
        0x0B,
        "ESP_AT_SUB_CMD_PROCESSING",
        "the previous command is still running (busy p...)",
    ),
    (0x0C, "ESP_AT_SUB_CMD_OP_ERROR", "wrong operation type"),
];

/// lwIP `err_t`.
pub(super) const LWIP: &[(i64, &str, &str)] = &[
    (-1, "ERR_MEM", "out of memory"),
    (-3, "ERR_TIMEOUT", "timeout"),
    (-4, "ERR_RTE", "routing problem"),
    (-11, "ERR_CONN", "not connected"),
    (-13, "ERR_ABRT", "connection aborted"),
    (-14, "ERR_RST", "connection reset"),
    (
        -15,
        "ERR_CLSD",
        "connection closed: altcp_tls closes the connection after a failed handshake (the Mbed TLS code is logged with ALTCP_MBEDTLS_DEBUG)",
    ),
];

/// NetX Duo Secure (Azure RTOS / ThreadX) TLS status values a connection returns.
pub(super) const NETX: &[(i64, &str, &str)] = &[
    (
        0x107,
        "NX_SECURE_TLS_HANDSHAKE_FAILURE",
        "the TLS handshake failed",
    ),
    (
        0x10C,
        "NX_SECURE_TLS_INVALID_SERVER_CERT",
        "the server's certificate is invalid",
    ),
    (
        0x110,
        "NX_SECURE_TLS_UNSUPPORTED_TLS_VERSION",
        "the server's TLS version is not supported",
    ),
    (
        0x112,
        "NX_SECURE_TLS_INVALID_CERTIFICATE",
        "a certificate is invalid",
    ),
    (
        0x114,
        "NX_SECURE_TLS_ALERT_RECEIVED",
        "the server sent a fatal alert",
    ),
    (
        0x116,
        "NX_SECURE_TLS_UNKNOWN_CERT_SIG_ALGORITHM",
        "a certificate's signature algorithm is not supported",
    ),
    (
        0x117,
        "NX_SECURE_TLS_CERTIFICATE_SIG_CHECK_FAILED",
        "a certificate's signature did not verify",
    ),
    (
        0x119,
        "NX_SECURE_TLS_CERTIFICATE_NOT_FOUND",
        "no certificate found",
    ),
    (
        0x11A,
        "NX_SECURE_TLS_INVALID_SELF_SIGNED_CERT",
        "an invalid self-signed certificate",
    ),
    (
        0x11B,
        "NX_SECURE_TLS_ISSUER_CERTIFICATE_NOT_FOUND",
        "the issuer of a server certificate is not among the trusted certificates: the root CA is missing",
    ),
    (
        0x12D,
        "NX_SECURE_TLS_INSUFFICIENT_CERT_SPACE",
        "not enough space for the server's certificates",
    ),
    (
        0x135,
        "NX_SECURE_TLS_PACKET_BUFFER_TOO_SMALL",
        "the TLS packet buffer is too small for the server's records",
    ),
    (
        0x14B,
        "NX_SECURE_TLS_UNSUPPORTED_ECC_CURVE",
        "the server's curve is not supported",
    ),
    (
        0x14D,
        "NX_SECURE_TLS_UNSUPPORTED_SIGNATURE_ALGORITHM",
        "the server's signature algorithm is not supported",
    ),
];

struct Res {
    serial_prefix: Regex,
    ansi: Regex,
    arduino_handle: Regex,
    arduino_connect: Regex,
    bssl_couldnt: Regex,
    sslclient: Regex,
    wolf: Regex,
    zephyr_tls: Regex,
    zephyr_app: Regex,
    aws_text: Regex,
    aws_v3: Regex,
    azure: Regex,
    esp_at: Regex,
    mp_tuple: Regex,
    mp_errno: Regex,
    mp_plain: Regex,
    mp_old: Regex,
    tracker: Regex,
    tcp_decimal: Regex,
    pico: Regex,
    netx: Regex,
}

fn res() -> Option<&'static Res> {
    static R: OnceLock<Option<Res>> = OnceLock::new();
    R.get_or_init(|| {
        let r = |p: &str| Regex::new(p).ok();
        Some(Res {
            serial_prefix: r(r"^\s*\d{1,2}:\d\d:\d\d(?:\.\d+)?\s*(?:->|>)\s*")?,
            ansi: r("\x1b\\[[0-9;]*m")?,
            arduino_handle: r(r"_handle_error\(\):\s*\[(\w+)(?:\(\):\d+)?\]:\s*(?:\((-?\d+)\)|code (-?\d+))(.*)$")?,
            arduino_connect: r(r"\]\s*connect\(\):\s*start_ssl_client:\s*(?:connect failed:?\s*)?(-?\d+)")?,
            bssl_couldnt: r(r"^BSSL:Couldn't connect\. Error = '(.*)'\s*$")?,
            sslclient: r(r"^\(SSLClient\)\((SSL_\w+|Unknown level)\)\((\w+)\):\s*(.*)$")?,
            wolf: r(r"(?i)(?:wolfSSL_connect (?:returned -?\d+, error code:|error)|WOLFSSL Error:|wolfSSL error occurred, error =|SSL_connect failed with error|wolfssl.*?(?:err(?:or)?\s*[=:]?|code:?)\s*(?:[A-Z][A-Z0-9_]{2,}\s*[,:=]?\s*)?)\s*(-\d+)")?,
            zephyr_tls: r(r"(?:net_sock_tls: |^E: )?TLS (?:handshake|reset) error: -(0x)?([0-9a-fA-F]+)")?,
            zephyr_app: r(r"(?i)(?:cannot connect to (?:ipv[46] )?remote|failed to connect|connect failed)\D{0,12}\(?(-?\d+)\)?\s*$")?,
            aws_text: r(r"mbedTLSError= (.+?) : (.+?)\.?\s*$")?,
            aws_v3: r(r"Error\((-?\d+)\) connecting to")?,
            azure: r(r"Failure (?:in )?ssl handshake\s*(-?\d+)?")?,
            esp_at: r(r"^ERR CODE:\s*0x([0-9a-fA-F]{8})\s*$")?,
            mp_tuple: r(r"OSError: \((-\d+), '([A-Z0-9_+ ()x]+)'\)")?,
            mp_errno: r(r"OSError: \[Errno (\d+)\] (\w+)")?,
            mp_plain: r(r"^OSError: (-?\d+)\s*$")?,
            mp_old: r(r"mbedtls_ssl_handshake error: -([0-9a-fA-F]+)")?,
            tracker: r(r"(?i)last (?:error code reported from esp-tls|error reported from esp-tls|esp error code)\s*:\s*0x([0-9a-fA-F]+)|last (?:tls stack error number|error reported from tls stack|mbedtls failure)\s*:\s*0x([0-9a-fA-F]+)|socket errno\s*:\s*0x([0-9a-fA-F]+)|last captured errno\s*:\s*(\d+)")?,
            tcp_decimal: r(r"Failed to open a new connection: (\d+)\s*$")?,
            pico: r(r"(?:tls_client_err|mbedtls_ssl_handshake failed:)\s*(-\d+)")?,
            netx: r(r"(?i)(?:status|nx_\w+|returned|error)\D{0,8}0x0*(1[0-5][0-9a-fA-F])\b")?,
        })
    })
    .as_ref()
}

/// A line without what a serial monitor or a terminal adds: the Arduino IDE's and
/// PlatformIO's `HH:MM:SS.mmm -> ` prefix and ANSI colours.
pub(super) fn strip(line: &str) -> String {
    let Some(r) = res() else {
        return line.trim().to_string();
    };
    let no_colour = r.ansi.replace_all(line, "");
    r.serial_prefix
        .replace(no_colour.trim(), "")
        .trim()
        .to_string()
}

fn num(s: &str) -> Option<i64> {
    s.trim().parse().ok()
}

fn hex(s: &str) -> Option<i64> {
    i64::from_str_radix(s.trim(), 16).ok()
}

/// The BearSSL code whose text this is, or `(alert number, received)` for the ESP8266
/// core's `SSL received fatal alert - ` form.
fn bearssl_text(t: &str) -> Option<(Space, i64, Option<String>)> {
    let t = t.trim();
    for (prefix, received) in [
        ("SSL received fatal alert - ", true),
        ("SSL sent fatal alert - ", false),
    ] {
        if let Some(rest) = t.strip_prefix(prefix) {
            // The core re-runs its text switch on the bare alert number: the text is that of
            // the BearSSL code equal to the alert.
            let code = BEARSSL_TEXTS
                .iter()
                .find(|(_, x)| rest.starts_with(x))
                .map(|(c, _)| *c);
            let note = format!(
                "the ESP8266 core (3.x) prints the text of BearSSL code N for alert N: here the {} alert{}",
                if received { "server's" } else { "device's" },
                code.and_then(|c| ALERTS.iter().find(|(a, _)| *a == c))
                    .map(|(a, n)| format!(" {a} ({n})"))
                    .unwrap_or_default()
            );
            return Some((Space::Alert, code.unwrap_or(-1), Some(note)));
        }
    }
    let t = t.split(" See https://").next().unwrap_or(t);
    BEARSSL_TEXTS
        .iter()
        .find(|(_, x)| *x == t || t.ends_with(x))
        .map(|(c, _)| (Space::Bearssl, *c, None))
}

/// Recognizes `raw`, a line as pasted; `None` when no family knows it.
pub(super) fn recognise(raw: &str) -> Option<Line> {
    let r = res()?;
    let line = strip(raw);
    let l = line.as_str();
    // Arduino-ESP32 ssl_client.cpp: `_handle_error(): [start_ssl_client():216]: (-9984) X509 - ...`
    if let Some(c) = r.arduino_handle.captures(l) {
        let v = c.get(2).or_else(|| c.get(3)).and_then(|m| num(m.as_str()));
        let caller = c.get(1).map_or("", |m| m.as_str());
        return Some(
            Line::new(
                "arduino-esp32",
                &format!("ssl_client.cpp {caller}()"),
                Space::Mbedtls,
                v,
            )
            .note(
                "Arduino-ESP32 prints the Mbed TLS code in decimal, then mbedtls_strerror's text",
            ),
        );
    }
    if let Some(c) = r.arduino_connect.captures(l) {
        let v = c.get(1).and_then(|m| num(m.as_str()));
        if v == Some(-1) {
            return Some(
                Line::new("arduino-esp32", "WiFiClientSecure connect()", Space::None, v).meaning(
                    "start_ssl_client returned -1: no CA certificate, PSK or setInsecure() was configured, or DNS, the TCP connection or the handshake timed out (the line before says which)",
                ),
            );
        }
        return Some(
            Line::new(
                "arduino-esp32",
                "WiFiClientSecure connect()",
                Space::Mbedtls,
                v,
            )
            .note("the Mbed TLS code of the failed handshake, in decimal"),
        );
    }
    // ESP8266 core, DEBUG_ESP_SSL: `BSSL:Couldn't connect. Error = '<getLastSSLError text>'`.
    if let Some(c) = r.bssl_couldnt.captures(l) {
        let text = c.get(1).map_or("", |m| m.as_str());
        return Some(match bearssl_text(text) {
            Some((space, v, note)) => {
                let mut x = Line::new("esp8266-bearssl", "BSSL", space, Some(v));
                x.notes.extend(note);
                x
            }
            None => Line::new("esp8266-bearssl", "BSSL", Space::None, None).meaning(&format!(
                "the ESP8266 BearSSL client could not connect: {text}"
            )),
        });
    }
    if let Some(rest) = l.strip_prefix("BSSL:") {
        let m = if rest.contains("_wait_for_handshake: failed") {
            "the BearSSL handshake failed: the next BSSL line (Couldn't connect. Error = ...) or getLastSSLError() says why"
        } else if rest.contains("will* fail, no authentication method") {
            "no trust anchors, fingerprint or setInsecure() were set on the BearSSL client: the connection will fail"
        } else if rest.contains("insecure_end_chain: Received cert FP doesn't match") {
            "the leaf's fingerprint is not the one given to setFingerprint(): the server renewed its certificate (a fingerprint pin breaks at every renewal; trust a root instead)"
        } else if rest.contains("Name lo") {
            "DNS lookup of the host failed"
        } else if rest.contains("Unable to connect TCP socket") {
            "the TCP connection failed"
        } else if rest.contains("OOM") {
            "out of memory for the BearSSL buffers (the ESP8266 needs about 6 KB with setBufferSizes(512, 512), 22 KB by default)"
        } else {
            "a debug line of the ESP8266 BearSSL client (DEBUG_ESP_SSL)"
        };
        return Some(Line::new("esp8266-bearssl", "BSSL", Space::None, None).meaning(m));
    }
    // SSLClient: `(SSLClient)(SSL_ERROR)(m_print_br_error): <BearSSL text>`.
    if let Some(c) = r.sslclient.captures(l) {
        let func = c.get(2).map_or("", |m| m.as_str());
        let msg = c.get(3).map_or("", |m| m.as_str());
        if func == "m_print_br_error" {
            if let Some(v) = msg.strip_prefix("Unknown error code: ").and_then(num) {
                return Some(Line::new("sslclient", "SSLClient", Space::Bearssl, Some(v)));
            }
            if msg.starts_with("Server denied access") {
                return Some(
                    Line::new("sslclient", "SSLClient", Space::Bearssl, Some(296))
                        .note("SSLClient prints this for BearSSL 296: the server sent handshake_failure (256 + 40)"),
                );
            }
            if let Some((space, v, _)) = bearssl_text(msg) {
                return Some(Line::new("sslclient", "SSLClient", space, Some(v)));
            }
        }
        let m = if msg.contains("SSL_BR_CONNECT_FAIL") {
            "the BearSSL handshake failed (SSL_BR_CONNECT_FAIL): the m_print_br_error line says why"
        } else if msg.contains("SSL_CLIENT_CONNECT_FAIL")
            || msg.contains("Failed to connect using m_client")
        {
            "the underlying client (Ethernet/WiFi) could not connect"
        } else if msg.contains("SSL_OUT_OF_MEMORY") {
            "out of memory for SSLClient's buffers"
        } else if msg.contains("SSL internals timed out") {
            "the handshake timed out inside SSLClient"
        } else if msg.contains("Terminating because the ssl engine closed") {
            "the BearSSL engine closed the connection (after an error: see the m_print_br_error line)"
        } else {
            "an SSLClient (BearSSL) log line"
        };
        return Some(Line::new("sslclient", "SSLClient", Space::None, None).meaning(m));
    }
    // wolfSSL examples, ESP-TLS's wolfSSL backend, Arduino-wolfSSL, libcurl, debug logging.
    if let Some(c) = r.wolf.captures(l) {
        let v = c.get(1).and_then(|m| num(m.as_str()));
        let comp = if l.contains("esp-tls-wolfssl") {
            "esp-tls-wolfssl"
        } else {
            "wolfSSL"
        };
        return Some(Line::new("wolfssl", comp, Space::Wolfssl, v));
    }
    // Zephyr TLS sockets: the Mbed TLS code in hex, with `0x` only in newer releases.
    if let Some(c) = r.zephyr_tls.captures(l) {
        let v = c.get(2).and_then(|m| hex(m.as_str())).map(|v| -v);
        let mut x = Line::new("zephyr", "net_sock_tls", Space::Mbedtls, v)
            .note("Zephyr's TLS sockets log the Mbed TLS code in hex (older releases without 0x: -2700 is -0x2700) and return ECONNABORTED to the application");
        if c.get(1).is_none() {
            x = x.note("printed without 0x: read as hex, as Zephyr prints it");
        }
        return Some(x);
    }
    // MicroPython.
    if let Some(c) = r.mp_tuple.captures(l) {
        let v = c.get(1).and_then(|m| num(m.as_str()));
        return Some(
            Line::new("micropython", "ssl", Space::Mbedtls, v)
                .note("MicroPython 1.13 and later raise OSError(code, Mbed TLS macro name)"),
        );
    }
    if let Some(c) = r.mp_old.captures(l) {
        let v = c.get(1).and_then(|m| hex(m.as_str())).map(|v| -v);
        return Some(
            Line::new("micropython", "ussl", Space::Mbedtls, v)
                .note("MicroPython 1.12 and earlier print the code in hex without 0x, then raise OSError: [Errno 5] EIO"),
        );
    }
    if let Some(c) = r.mp_errno.captures(l) {
        let v = c.get(1).and_then(|m| num(m.as_str()));
        let name = c.get(2).map_or("", |m| m.as_str()).to_string();
        let mut x = Line::new("micropython", "socket", Space::Errno, v);
        x.meaning = Some(format!("{name}: {}", errno_meaning(&name)));
        return Some(x);
    }
    if let Some(c) = r.mp_plain.captures(l) {
        let v = c.get(1).and_then(|m| num(m.as_str()));
        if v == Some(-2) {
            return Some(
                Line::new("micropython", "socket", Space::None, v).meaning(
                    "OSError -2: DNS lookup of the host failed (name or service not known)",
                ),
            );
        }
        if v.is_some_and(|v| v <= -0x1000) {
            return Some(
                Line::new("micropython", "ssl", Space::Mbedtls, v)
                    .note("MicroPython without MBEDTLS_ERROR_C raises the bare Mbed TLS code"),
            );
        }
    }
    if l.starts_with("ValueError:")
        && (l.contains("certificate") || l.contains("Certificate") || l.contains("CN"))
    {
        return Some(
            Line::new("micropython", "tls", Space::FlagTexts, None)
                .note("MicroPython 1.22 and later raise ValueError with the verify-flag texts of mbedtls_x509_crt_verify_info"),
        );
    }
    // AWS IoT Device SDK: LTS transport (texts) and v3 (IoT_Error_t).
    if let Some(c) = r.aws_text.captures(l) {
        let high = c.get(1).map_or("", |m| m.as_str()).to_string();
        let low = c.get(2).map_or("", |m| m.as_str()).to_string();
        return Some(Line::new(
            "aws-iot-sdk",
            "Transport_MbedTLS",
            Space::MbedtlsText(high, low),
            None,
        ));
    }
    if let Some(c) = r.aws_v3.captures(l) {
        let v = c.get(1).and_then(|m| num(m.as_str()));
        return Some(Line::new("aws-iot-sdk", "aws_iot (v3)", Space::AwsIot, v));
    }
    // Azure IoT C SDK (c-utility tlsio_mbedtls).
    if let Some(c) = r.azure.captures(l) {
        let v = c.get(1).and_then(|m| num(m.as_str()));
        if l.contains("has the server certificate been added") {
            return Some(
                Line::new("azure-iot-sdk", "tlsio_mbedtls", Space::Mbedtls, Some(-0x7680))
                    .note("tlsio_mbedtls prints this for MBEDTLS_ERR_SSL_CA_CHAIN_REQUIRED: no trusted certificates were set (set OPTION_TRUSTED_CERT)"),
            );
        }
        return Some(
            Line::new("azure-iot-sdk", "tlsio_mbedtls", Space::Mbedtls, v)
                .note("the Azure IoT C SDK's tlsio_mbedtls prints the Mbed TLS code in decimal"),
        );
    }
    // ESP-AT.
    if let Some(c) = r.esp_at.captures(l) {
        let v = c.get(1).and_then(|m| hex(m.as_str()));
        return Some(Line::new("esp-at", "ESP-AT", Space::EspAt, v));
    }
    if let Some(rest) = l.strip_prefix("+ERRNO:") {
        return Some(
            Line::new("esp-at", "ESP-AT", Space::None, None).meaning(&format!(
                "ESP-AT 5.x reports the cause of a failed connection: {} (certificate verify flags, an Mbed TLS code, an ESP-TLS code or an ESP-AT code, in that order of priority)",
                rest.trim()
            )),
        );
    }
    // ESP-IDF error tracker (esp-mqtt / esp_http_client examples).
    if let Some(c) = r.tracker.captures(l) {
        if let Some(v) = c.get(1).and_then(|m| hex(m.as_str())) {
            return Some(Line::new(
                "esp-idf",
                "esp-tls error tracker",
                Space::EspErr,
                Some(v),
            ));
        }
        if let Some(v) = c.get(2).and_then(|m| hex(m.as_str())) {
            let wolf = l.to_ascii_lowercase().contains("wolfssl");
            return Some(
                Line::new(
                    "esp-idf",
                    "esp-tls error tracker",
                    if wolf { Space::Wolfssl } else { Space::Mbedtls },
                    Some(-v),
                )
                .note("the TLS stack's code as the error tracker stores it, without its sign"),
            );
        }
        if let Some(v) = c.get(3).and_then(|m| hex(m.as_str())) {
            return Some(Line::new(
                "esp-idf",
                "transport socket errno",
                Space::Errno,
                Some(v),
            ));
        }
        if let Some(v) = c.get(4).and_then(|m| num(m.as_str())) {
            return Some(Line::new(
                "esp-idf",
                "transport socket errno",
                Space::Errno,
                Some(v),
            ));
        }
    }
    if let Some(c) = r.tcp_decimal.captures(l) {
        let v = c.get(1).and_then(|m| num(m.as_str()));
        return Some(
            Line::new("esp-idf", "transport_base", Space::EspErr, v)
                .note("tcp_transport prints the esp_err_t in decimal"),
        );
    }
    if l.contains("Error transport connect") {
        return Some(Line::new("esp-idf", "mqtt_client", Space::None, None).meaning(
            "esp-mqtt could not open its transport (TCP or TLS): the esp-tls lines before it, or the MQTT_EVENT_ERROR's 'Last error' lines, hold the code",
        ));
    }
    // Raspberry Pi Pico (lwIP altcp_tls).
    if let Some(c) = r.pico.captures(l) {
        let v = c.get(1).and_then(|m| num(m.as_str()));
        if l.contains("tls_client_err") {
            return Some(Line::new("pico-sdk", "altcp_tls", Space::Lwip, v));
        }
        return Some(
            Line::new("pico-sdk", "altcp_tls", Space::Mbedtls, v)
                .note("altcp_tls (ALTCP_MBEDTLS_DEBUG) prints the Mbed TLS code in decimal"),
        );
    }
    // Zephyr applications: the negated errno of connect().
    if let Some(c) = r.zephyr_app.captures(l) {
        let v = c.get(1).and_then(|m| num(m.as_str())).map(i64::abs);
        if v.is_some_and(|v| v > 0 && v < 200) {
            return Some(
                Line::new("zephyr", "application", Space::Errno, v)
                    .note("an application's connect() failure: the (negated) errno"),
            );
        }
    }
    if l.contains("nx_") || l.to_ascii_lowercase().contains("netx") {
        if let Some(c) = r.netx.captures(l) {
            let v = c.get(1).and_then(|m| hex(m.as_str()));
            return Some(Line::new("azure-rtos", "NetX Duo Secure", Space::Netx, v));
        }
    }
    // A bare BearSSL text (what a sketch prints from getLastSSLError()).
    let tail = l.rsplit_once(": ").map_or(l, |(_, t)| t);
    if let Some((space, v, note)) = bearssl_text(tail).or_else(|| bearssl_text(l)) {
        let mut x = Line::new("esp8266-bearssl", "getLastSSLError", space, Some(v));
        x.notes.extend(note);
        return Some(x);
    }
    None
}
