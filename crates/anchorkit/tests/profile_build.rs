//! The Mbed TLS build facts of each ESP-IDF profile against the release's own Kconfig, and
//! the sdkconfig / mbedtls_config.h readers.

use anchorkit::profile::Profile;
use anchorkit::profile::build::{
    MbedBuild, Setting, TlsVersion, kconfig_defaults, read_mbedtls_config, read_sdkconfig,
    render_sdkconfig,
};
use anchorkit::testsupport::data;

const RELEASES: [(&str, (u8, u8, u8)); 7] = [
    ("v4.4.8", (4, 4, 8)),
    ("v5.1.7", (5, 1, 7)),
    ("v5.3.5", (5, 3, 5)),
    ("v5.4.4", (5, 4, 4)),
    ("v5.5.5", (5, 5, 5)),
    ("v6.0", (6, 0, 0)),
    ("v6.0.2", (6, 0, 2)),
];

fn kconfig(dir: &str) -> String {
    std::fs::read_to_string(data(&format!(
        "esp-idf/releases/{dir}/components__mbedtls__Kconfig"
    )))
    .unwrap_or_else(|e| panic!("{dir}: {e}"))
}

fn profile_of(r: (u8, u8, u8)) -> Profile {
    Profile::by_name(&format!("esp-idf-{}.{}.{}", r.0, r.1, r.2)).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn every_release_table_equals_its_kconfig_defaults() {
    for (dir, r) in RELEASES {
        let settings = kconfig_defaults(&kconfig(dir));
        assert!(
            settings.len() > 60,
            "{dir}: only {} options read",
            settings.len()
        );
        let p = profile_of(r);
        let table = p.build.clone().unwrap_or_else(|| panic!("{dir}: no build"));
        let mut from_kconfig = table.clone();
        let applied = from_kconfig.apply_sdkconfig(&settings, r);
        from_kconfig.source = table.source.clone();
        assert_eq!(
            from_kconfig, table,
            "{dir}: the profile's table differs from the Kconfig defaults"
        );
        assert_eq!(applied.time_check, Some(false), "{dir}: HAVE_TIME_DATE");
        assert!(!p.time_check, "{dir}: ESP-IDF checks no dates by default");
        assert!(applied.used.len() > 20, "{dir}: {:?}", applied.used);
    }
}

#[test]
fn release_facts_from_the_reference() {
    let b = |r| profile_of(r).build.unwrap_or_else(|| panic!("build"));
    let v44 = b((4, 4, 8));
    assert_eq!(
        v44.versions,
        vec![TlsVersion::Tls10, TlsVersion::Tls11, TlsVersion::Tls12]
    );
    let v54 = b((5, 4, 4));
    assert_eq!(v54.versions, vec![TlsVersion::Tls12]);
    assert_eq!((v54.in_content_len, v54.out_content_len), (16384, 4096));
    assert_eq!(v54.max_intermediates, 8);
    assert!(v54.curves.contains(&anchorkit::cert::Curve::P192));
    let v6 = b((6, 0, 2));
    assert!(!v6.curves.contains(&anchorkit::cert::Curve::P192));
    assert!(!v6.keep_peer_cert);
    assert_eq!(
        profile_of((5, 3, 1)).mbedtls,
        Some(anchorkit::profile::Version(3, 6, 0))
    );
    assert_eq!(
        profile_of((5, 5, 5)).mbedtls,
        Some(anchorkit::profile::Version(3, 6, 6))
    );
}

#[test]
fn sdkconfig_changes_apply_over_the_release_defaults() {
    let text = "# comment\nCONFIG_MBEDTLS_HAVE_TIME_DATE=y\n# CONFIG_MBEDTLS_ECP_DP_SECP521R1_ENABLED is not set\nCONFIG_MBEDTLS_SSL_IN_CONTENT_LEN=4096\n";
    let p = Profile::by_name("esp-idf-5.4")
        .and_then(|p| p.with_sdkconfig("sdkconfig", text))
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(p.time_check);
    let b = p.build.unwrap_or_else(|| panic!("build"));
    assert!(!b.curves.contains(&anchorkit::cert::Curve::P521));
    assert_eq!(b.in_content_len, 4096);
    assert!(b.source.starts_with("sdkconfig over ESP-IDF v5.4.4"));
}

#[test]
fn arduino_generated_sdkconfig_reads_and_names_its_release() {
    let path = data("arduino-esp32/3.0-dev-libs-idf5.1.3/sdkconfig-esp32");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{e}"));
    let (settings, release) =
        read_sdkconfig("sdkconfig-esp32", &text).unwrap_or_else(|e| panic!("{e}"));
    assert!(settings.len() > 500);
    assert_eq!(release.map(|r| (r.0, r.1)), Some((5, 1)));
    let p = Profile::load(None, "esp-idf-5.3", Some(&path), None).unwrap_or_else(|e| panic!("{e}"));
    let b = p.build.unwrap_or_else(|| panic!("build"));
    // Arduino: symmetric 16 KB buffers (ASYMMETRIC_CONTENT_LEN not set), PSK on.
    assert_eq!((b.in_content_len, b.out_content_len), (16384, 16384));
    assert!(
        b.key_exchanges
            .contains(&anchorkit::profile::build::KeyExchange::Psk)
    );
    assert!(!p.time_check);
}

#[test]
fn bad_sdkconfig_lines_name_file_and_line() {
    let e = read_sdkconfig("my/sdkconfig", "CONFIG_A=y\nthis is not a setting\n").unwrap_err();
    assert_eq!((e.file.as_str(), e.line), ("my/sdkconfig", 2));
    assert!(e.message.contains("CONFIG_NAME=value"), "{}", e.message);
    let e = read_sdkconfig("s", "CONFIG_X=\"unterminated\n").unwrap_err();
    assert_eq!(e.line, 1);
    let e = read_sdkconfig("s", "CONFIG_X=maybe\n").unwrap_err();
    assert!(e.message.contains("CONFIG_X"), "{}", e.message);
}

#[test]
fn mbedtls_user_config_and_whole_config() {
    let user = "/* my changes */\n#undef MBEDTLS_ECP_DP_SECP521R1_ENABLED\n#define MBEDTLS_HAVE_TIME_DATE\n// #define MBEDTLS_SHA1_C\n#define MBEDTLS_X509_MAX_INTERMEDIATE_CA 4\n";
    let (s, full) = read_mbedtls_config("user.h", user).unwrap_or_else(|e| panic!("{e}"));
    assert!(!full);
    assert_eq!(s.len(), 3, "{s:?}");
    let p = Profile::by_name("mbedtls-3.6")
        .and_then(|p| p.with_time_check(false).with_mbedtls_config("user.h", user))
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(p.time_check);
    let b = p.build.unwrap_or_else(|| panic!("build"));
    assert_eq!(b.max_intermediates, 4);
    assert!(
        b.hashes.contains(&anchorkit::cert::HashAlg::Sha1),
        "a commented line is a comment"
    );
    assert!(!b.curves.contains(&anchorkit::cert::Curve::P521));
    let mut whole = String::from(
        "#define MBEDTLS_CONFIG_VERSION 0x03000000\n#define MBEDTLS_SHA256_C\n#define MBEDTLS_ECP_DP_SECP256R1_ENABLED\n",
    );
    whole.push_str("//#define MBEDTLS_HAVE_TIME_DATE\n");
    let (s, full) =
        read_mbedtls_config("mbedtls_config.h", &whole).unwrap_or_else(|e| panic!("{e}"));
    assert!(full);
    let mut b = MbedBuild::upstream(anchorkit::profile::Version(3, 6, 5));
    let a = b.apply_mbedtls_config(&s, full);
    assert_eq!(a.time_check, Some(false));
    assert_eq!(b.curves, vec![anchorkit::cert::Curve::P256]);
}

#[test]
fn rendered_defaults_read_back() {
    let settings = kconfig_defaults(&kconfig("v5.4.4"));
    let text = render_sdkconfig(&settings);
    let (back, _) = read_sdkconfig("x", &text).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(back, settings);
    assert!(back.contains(&("MBEDTLS_HAVE_TIME_DATE".to_string(), Setting::Off)));
}
