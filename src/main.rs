//! The `tailor` binary: everything lives in the library.

use std::process::ExitCode;

fn main() -> ExitCode {
    // The only place that reads the environment.
    let env: Vec<(String, String)> = std::env::vars_os()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
        .collect();
    tailor::cli::run(std::env::args_os(), &env)
}
