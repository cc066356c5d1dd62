//! The gateway binary: parse the configuration, start, print where, wait.

use std::process::ExitCode;

use audit_gateway::{Config, UpstreamMode};

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("GATEWAY_LOG")
                .unwrap_or_else(|_| "info".into()),
        )
        .init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|arg| arg == "--help" || arg == "-h") {
        println!("{}", audit_gateway::config::USAGE);
        return ExitCode::SUCCESS;
    }
    let config = match Config::parse(&args, |name| std::env::var(name).ok()) {
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
        if !config.dist_dir.join("index.html").exists() {
            eprintln!("audit-gateway: warning: {} has no index.html; build the app (cargo xtask demo does)", config.dist_dir.display());
        }
        let demo = matches!(config.upstreams, UpstreamMode::Demo { .. });
        let config_tls = config.tls.clone();
        match audit_gateway::start(config).await {
            Ok(started) => {
                if demo {
                    println!("Demo mode: simulated Octopai at {}, simulated Cloudera Manager at {}", started.octopai_url, started.cloudera_url);
                    println!("  Octopai login:          {} / {}", simulated_upstreams::DEMO_OCTOPAI_USER, simulated_upstreams::DEMO_OCTOPAI_PASSWORD);
                    println!("  Cloudera Manager login: {} / {}", simulated_upstreams::DEMO_CLOUDERA_USER, simulated_upstreams::DEMO_CLOUDERA_PASSWORD);
                }
                if let Some(fingerprint) = &started.tls_fingerprint {
                    println!("HTTPS certificate SHA-256 fingerprint: {fingerprint}");
                    if matches!(config_tls, audit_gateway::TlsMode::SelfSigned) {
                        println!("  (made just now for localhost; the browser will ask you to accept it once — check the fingerprint)");
                    }
                }
                println!("Audit dashboard: {}/", started.url());
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
