//! The `tailor` binary: everything lives in the library.

// `unsafe` is denied crate-wide (Cargo.toml) and allowed here alone:
// one `set_var` before any thread exists.
#![allow(unsafe_code)]

use std::process::ExitCode;

/// candle allocates a fresh buffer for nearly every tensor of a training
/// step; mimalloc keeps freed pages for the next step instead of returning
/// them to the kernel and faulting them in again.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// How long candle's worker threads spin for the next candle op before they
/// sleep (candle's default is 25,000 spins). The heavy work of a training
/// step runs in tailor's fused ops on gemm's and rayon's threads, and a
/// candle worker spinning beside them takes a core from them: with 2 cores,
/// 200 spins made `tailor train` about 10% faster (PERFORMANCE.md).
const CANDLE_SPIN_LIMIT: &str = "200";

fn main() -> ExitCode {
    if std::env::var_os("CANDLE_BARRIER_POOL_SPIN_LIMIT").is_none() {
        // SAFETY: no other thread exists yet (candle starts its pool on the
        // first parallel op, later), so nothing reads the environment
        // concurrently.
        unsafe { std::env::set_var("CANDLE_BARRIER_POOL_SPIN_LIMIT", CANDLE_SPIN_LIMIT) };
    }
    // The only place that reads the environment.
    let env: Vec<(String, String)> = std::env::vars_os()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
        .collect();
    tailor::cli::run(std::env::args_os(), &env)
}
