//! `audit-demo`: the simulated upstreams on loopback and the gateway in
//! front of them (`cargo xtask demo` runs this).

use std::process::ExitCode;

use audit_demo::{Cli, DemoConfig};
use clap::Parser;

fn main() -> ExitCode {
    audit_gateway::init_logging();
    // Bad flags and --help exit here, with clap's message and code.
    let config = match DemoConfig::from_cli(Cli::parse()) {
        Ok(config) => config,
        Err(message) => {
            eprintln!("audit-demo: {message}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("audit-demo: cannot start the runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let dist = config.gateway.dist.clone().unwrap_or_else(|| "dist".into());
    if !dist.join("index.html").exists() {
        eprintln!(
            "audit-demo: warning: {} has no index.html; build the app (cargo xtask demo does)",
            dist.display()
        );
    }
    runtime.block_on(async {
        match audit_demo::start(config).await {
            Ok(demo) => {
                audit_demo::announce(&demo);
                let _ = tokio::signal::ctrl_c().await;
                ExitCode::SUCCESS
            }
            Err(message) => {
                eprintln!("audit-demo: {message}");
                ExitCode::FAILURE
            }
        }
    })
}
