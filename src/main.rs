//! The `custodian` binary: parse arguments, run the command, exit with its code.

use clap::Parser;

fn main() -> std::process::ExitCode {
    limit_malloc_arenas();
    let cli = custodian::cli::Cli::parse();
    std::process::ExitCode::from(custodian::cli::main(cli) as u8)
}

/// glibc gives threads that allocate at once arenas of their own (up to 8 per core), and the
/// views the fetch threads build then sit in several partly used heaps. One arena (threads
/// keep their own small-block caches) measured 3.5-4.0 KiB of peak RSS per instance instead of
/// 4.2-6.0, at the same CPU time (`scripts/bench_moto.py`). `MALLOC_ARENA_MAX`, when set, wins.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn limit_malloc_arenas() {
    if std::env::var_os("MALLOC_ARENA_MAX").is_none() {
        // SAFETY: mallopt sets one allocator parameter; called before any other thread exists.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, 1);
        }
    }
}

/// Other allocators are left as they are.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn limit_malloc_arenas() {}
