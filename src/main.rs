//! The `tailor` binary: everything lives in the library.

use std::process::ExitCode;

/// candle allocates a fresh buffer for nearly every tensor of a training
/// step; mimalloc keeps freed pages for the next step instead of returning
/// them to the kernel and faulting them in again.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // The only place that reads the environment.
    let env: Vec<(String, String)> = std::env::vars_os()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
        .collect();
    tailor::cli::run(std::env::args_os(), &env)
}
