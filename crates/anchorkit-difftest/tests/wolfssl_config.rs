//! `--wolfssl-config` on the configurations of the real wolfSSL builds the differential runs:
//! the `options.h` CMake wrote for wolfSSL 5.9.4 with its defaults reads as the `wolfssl-5`
//! build, Debian's `options.h` as `wolfssl-5-distro`'s, knob for knob.

use anchorkit::profile::{Profile, WOLFSSL_DEFAULT_BUILD, WOLFSSL_DISTRO_BUILD};
use anchorkit_difftest::real::wolfssl_default_options_h;

fn read(path: &std::path::Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn the_real_builds_options_read_as_their_profiles() {
    let default_h = wolfssl_default_options_h();
    let (p, assumed) = Profile::by_name("wolfssl-5")
        .and_then(|p| p.with_wolfssl_config("options.h", &read(&default_h)))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(p.wolfssl, Some(WOLFSSL_DEFAULT_BUILD));
    assert!(assumed.is_empty(), "{assumed:?}");

    // Debian's libwolfssl-dev, the wolfssl-5-distro client.
    let debian = std::path::Path::new("/usr/include/wolfssl/options.h");
    let (p, _) = Profile::by_name("wolfssl-5-distro")
        .and_then(|p| p.with_wolfssl_config("options.h", &read(debian)))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(p.wolfssl, Some(WOLFSSL_DISTRO_BUILD));
    // The same macros over 5.9's rules: Debian's build choices, 5.9's behaviour.
    let (p, _) = Profile::by_name("wolfssl-5")
        .and_then(|p| p.with_wolfssl_config("options.h", &read(debian)))
        .unwrap_or_else(|e| panic!("{e}"));
    let b = p.wolfssl.unwrap_or_else(|| panic!("a wolfSSL build"));
    assert!(b.trusted_peers && b.alt_cert_chains && b.eddsa && b.md5 && b.more_curves);
    assert!(b.explicit_ca_false_rejected && b.curve_on_use);
}
