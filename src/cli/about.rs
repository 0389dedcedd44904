//! What the binary says about itself: `custodian version` (the build's git revision and the
//! price tables' dates), `custodian completions SHELL` and `custodian man` (the manual page,
//! roff; `scripts/build-man.sh` writes one per command).

use clap::CommandFactory;
use std::io::Write;

/// The git revision this binary was built from (`unknown` outside a checkout).
pub const GIT_REVISION: &str = env!("CUSTODIAN_GIT_REVISION");

/// `custodian completions`.
#[derive(Debug, clap::Args)]
pub struct CompletionsArgs {
    /// The shell: bash, zsh, fish, powershell or elvish.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// `custodian man`.
#[derive(Debug, clap::Args)]
pub struct ManArgs {
    /// The page of one command (`run`, `org run`, ...) instead of custodian's own.
    #[arg(value_name = "COMMAND", num_args = 0..)]
    pub command: Vec<String>,
}

/// `custodian version`: the version, git revision and price table dates.
pub fn version(out: &mut dyn Write) -> super::ExitCode {
    let _ = writeln!(
        out,
        "custodian {} (git {GIT_REVISION})\nprices: EC2 on-demand of {}, RDS on-demand of {}",
        env!("CARGO_PKG_VERSION"),
        custodian_core::pricing::EC2_PRICES_AS_OF,
        custodian_core::pricing::RDS_PRICES_AS_OF
    );
    super::ExitCode::Success
}

/// `custodian completions SHELL`: the completion script on stdout.
pub fn completions(args: CompletionsArgs, out: &mut dyn Write) -> super::ExitCode {
    let mut command = super::Cli::command();
    clap_complete::generate(args.shell, &mut command, "custodian", out);
    super::ExitCode::Success
}

/// `custodian man [COMMAND...]`: the manual page on stdout.
pub fn man(args: ManArgs, out: &mut dyn Write, err: &mut dyn Write) -> super::ExitCode {
    let mut command = super::Cli::command();
    command.build();
    let mut page = command;
    let mut name = "custodian".to_string();
    for word in &args.command {
        let Some(sub) = page.find_subcommand(word).cloned() else {
            let _ = writeln!(err, "custodian man: no command '{word}' under '{name}'");
            return super::ExitCode::InvalidInput;
        };
        name = format!("{name}-{word}");
        page = sub.name(name.clone());
    }
    match clap_mangen::Man::new(page).render(out) {
        Ok(()) => super::ExitCode::Success,
        Err(e) => {
            let _ = writeln!(err, "custodian man: {e}");
            super::ExitCode::InvalidInput
        }
    }
}
