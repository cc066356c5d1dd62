//! The gateway binary: parse the configuration, start, print where, wait.
//! It knows only remote upstreams; the demo (`audit-demo`) starts the
//! simulated ones and runs this same gateway in front of them.

use std::process::ExitCode;

use audit_gateway::{Cli, Config};
use clap::Parser;

fn main() -> ExitCode {
    audit_gateway::init_logging();
    // Bad flags and --help exit here, with clap's message and code.
    let cli = Cli::parse();
    let config = match Config::from_args(cli.gateway) {
        Ok(config) => config,
        Err(message) => {
            eprintln!("audit-gateway: {message}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("audit-gateway: cannot start the runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async {
        match audit_gateway::start(config).await {
            Ok(started) => {
                audit_gateway::announce(&started);
                let _ = tokio::signal::ctrl_c().await;
                ExitCode::SUCCESS
            }
            Err(message) => {
                eprintln!("audit-gateway: {message}");
                ExitCode::FAILURE
            }
        }
    })
}
