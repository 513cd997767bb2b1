#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| anchorkit::fuzz::scan_file(data));
