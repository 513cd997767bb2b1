//! The platform a device's firmware is written for, and fixes in its own API: how it syncs
//! its clock, where its TLS buffer and heap sizes are configured, how it is given its trust.
//! A paste never names an API the platform's release does not have.

use crate::profile::{Family, Profile};

/// The firmware platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Platform {
    /// ESP-IDF, at this release.
    EspIdf((u8, u8, u8)),
    /// Arduino-ESP32 (its core's major version).
    ArduinoEsp32(u8),
    /// The ESP8266 Arduino core with BearSSL.
    Esp8266,
    /// Zephyr with Mbed TLS.
    Zephyr,
    /// An application on wolfSSL.
    Wolfssl,
    /// An application on Mbed TLS without a known platform.
    Mbedtls,
    /// Anything else.
    Other,
}

impl Platform {
    /// From the profile, and what the log shows (a Zephyr log names Zephyr).
    pub(crate) fn of(p: &Profile, zephyr_log: bool, zephyr_config: bool) -> Platform {
        if zephyr_log || zephyr_config {
            return Platform::Zephyr;
        }
        if p.name().starts_with("arduino-esp32-") {
            let major = p
                .name()
                .trim_start_matches("arduino-esp32-")
                .parse()
                .unwrap_or(2);
            return Platform::ArduinoEsp32(major);
        }
        if let Some(e) = p.esp_idf {
            return Platform::EspIdf(e.version);
        }
        match p.family {
            Family::Bearssl => Platform::Esp8266,
            Family::Wolfssl => Platform::Wolfssl,
            Family::Mbedtls => Platform::Mbedtls,
            _ => Platform::Other,
        }
    }

    /// Its name in fixes.
    pub(crate) fn name(self) -> String {
        match self {
            Platform::EspIdf(v) => format!("ESP-IDF v{}.{}", v.0, v.1),
            Platform::ArduinoEsp32(m) => format!("Arduino-ESP32 {m}.x"),
            Platform::Esp8266 => "the ESP8266 Arduino core".into(),
            Platform::Zephyr => "Zephyr".into(),
            Platform::Wolfssl => "wolfSSL".into(),
            Platform::Mbedtls => "Mbed TLS".into(),
            Platform::Other => "the device".into(),
        }
    }

    /// Code that syncs the clock before the first TLS connection, in this platform's API.
    pub(crate) fn sync_clock(self) -> String {
        match self {
            // esp_netif_sntp.h is new in v5.1; v5.0 renamed sntp_* to esp_sntp_*.
            Platform::EspIdf(v) if v >= (5, 1, 0) => "#include \"esp_netif_sntp.h\"\n\n// before the first TLS connection\nesp_sntp_config_t sntp = ESP_NETIF_SNTP_DEFAULT_CONFIG(\"pool.ntp.org\");\nesp_netif_sntp_init(&sntp);\nif (esp_netif_sntp_sync_wait(pdMS_TO_TICKS(15000)) != ESP_OK) {\n    // no time yet: do not connect (or retry later)\n}\n".into(),
            Platform::EspIdf(v) if v >= (5, 0, 0) => "#include \"esp_sntp.h\"\n\n// before the first TLS connection\nesp_sntp_setoperatingmode(SNTP_OPMODE_POLL);\nesp_sntp_setservername(0, \"pool.ntp.org\");\nesp_sntp_init();\nfor (int i = 0; i < 150 && sntp_get_sync_status() != SNTP_SYNC_STATUS_COMPLETED; i++) {\n    vTaskDelay(pdMS_TO_TICKS(100));\n}\n".into(),
            Platform::EspIdf(_) => "#include \"esp_sntp.h\"\n\n// before the first TLS connection\nsntp_setoperatingmode(SNTP_OPMODE_POLL);\nsntp_setservername(0, \"pool.ntp.org\");\nsntp_init();\nfor (int i = 0; i < 150 && sntp_get_sync_status() != SNTP_SYNC_STATUS_COMPLETED; i++) {\n    vTaskDelay(pdMS_TO_TICKS(100));\n}\n".into(),
            Platform::ArduinoEsp32(_) => "// in setup(), after WiFi connects and before the first TLS connection\nconfigTime(0, 0, \"pool.ntp.org\");\nwhile (time(nullptr) < 1700000000) delay(100);\n".into(),
            Platform::Esp8266 => "// before connecting: NTP time, then give it to BearSSL\nconfigTime(0, 0, \"pool.ntp.org\");\nwhile (time(nullptr) < 1700000000) delay(100);\nclient.setX509Time(time(nullptr));\n".into(),
            Platform::Zephyr => "/* prj.conf: CONFIG_SNTP=y, CONFIG_POSIX_CLOCK=y (or CONFIG_POSIX_TIMERS=y) */\n#include <zephyr/net/sntp.h>\n#include <time.h>\n\n/* before the first TLS connection */\nstruct sntp_time ts;\nif (sntp_simple(\"pool.ntp.org\", 3000, &ts) == 0) {\n    struct timespec now = { .tv_sec = ts.seconds };\n    clock_settime(CLOCK_REALTIME, &now);\n}\n".into(),
            Platform::Wolfssl => "/* set the clock wolfSSL reads before wolfSSL_connect(): the system time from NTP, or\n   a callback that returns it (wolfCrypt, unless built with NO_ASN_TIME) */\n#include <wolfssl/wolfcrypt/asn_public.h>\n\nstatic time_t synced_time(time_t *t) { time_t now = rtc_seconds_from_ntp(); if (t) *t = now; return now; }\n/* at start-up, once NTP has answered */\nwc_SetTimeCb(synced_time);\n".into(),
            Platform::Mbedtls | Platform::Other => "/* before the first TLS connection: set the clock mbedtls_time() reads (the C time())\n   from NTP or an RTC, and do not connect until it is set */\n".into(),
        }
    }

    /// How the firmware hands a C string of PEM certificates named `var` to its TLS stack.
    pub(crate) fn use_ca_string(self, var: &str) -> String {
        match self {
            Platform::EspIdf(_) => {
                format!("/* esp_http_client_config_t / esp_tls_cfg_t */\n.cert_pem = {var},\n")
            }
            Platform::ArduinoEsp32(_) => format!("client.setCACert({var});\n"),
            Platform::Esp8266 => {
                format!("BearSSL::X509List trust({var});\nclient.setTrustAnchors(&trust);\n")
            }
            Platform::Zephyr => format!(
                "tls_credential_add(CA_CERTIFICATE_TAG, TLS_CREDENTIAL_CA_CERTIFICATE,\n                   {var}, sizeof({var}));\n"
            ),
            Platform::Wolfssl => format!(
                "wolfSSL_CTX_load_verify_buffer(ctx, (const unsigned char *){var},\n                               sizeof({var}) - 1, WOLFSSL_FILETYPE_PEM);\n"
            ),
            Platform::Mbedtls | Platform::Other => format!(
                "mbedtls_x509_crt_parse(&cacert, (const unsigned char *){var}, sizeof({var}));\n"
            ),
        }
    }

    /// A build setting as this platform writes it: an sdkconfig / prj.conf line, or a
    /// `#define` for a plain Mbed TLS build; the format name of the paste.
    pub(crate) fn config_line(
        self,
        kconfig: &str,
        mbedtls_macro: &str,
        value: &str,
    ) -> (String, &'static str) {
        match self {
            Platform::EspIdf(_) => (format!("CONFIG_{kconfig}={value}\n"), "sdkconfig"),
            Platform::Zephyr => (format!("CONFIG_{kconfig}={value}\n"), "prj.conf"),
            _ => (
                format!("#define {mbedtls_macro} {value}\n"),
                "mbedtls-config",
            ),
        }
    }

    /// Where the TLS input buffer size is set, and the line that sets it to `n`.
    pub(crate) fn in_buffer_line(self, n: u32) -> Option<(String, &'static str)> {
        match self {
            Platform::EspIdf(_) => Some(self.config_line(
                "MBEDTLS_SSL_IN_CONTENT_LEN",
                "MBEDTLS_SSL_IN_CONTENT_LEN",
                &n.to_string(),
            )),
            // Zephyr sets both buffers from one option.
            Platform::Zephyr => Some(self.config_line(
                "MBEDTLS_SSL_MAX_CONTENT_LEN",
                "MBEDTLS_SSL_MAX_CONTENT_LEN",
                &n.to_string(),
            )),
            // The precompiled Arduino-ESP32 libraries keep ESP-IDF's 16384.
            Platform::ArduinoEsp32(_) => None,
            Platform::Mbedtls => {
                Some(self.config_line("", "MBEDTLS_SSL_IN_CONTENT_LEN", &n.to_string()))
            }
            _ => None,
        }
    }
}
