//! Any bytes as a config file, then (after a NUL) `TAILOR_*` overrides:
//! `Config::parse` and `with_env` fail, or give a configuration that passes
//! validation; they never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| tailor::config::check_any_config(data));
