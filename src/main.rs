//! The `custodian` binary: parse arguments, run the command, exit with its code.

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = custodian::cli::Cli::parse();
    std::process::ExitCode::from(custodian::cli::main(cli) as u8)
}
