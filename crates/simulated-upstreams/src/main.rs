//! Runs the simulated upstreams on their own:
//! `simulated-upstreams --octopai-listen 127.0.0.1:9001 --cloudera-listen 127.0.0.1:9002`.

use std::process::ExitCode;

use simulated_upstreams::{DataConfig, SimState};

fn main() -> ExitCode {
    tracing_subscriber::fmt().with_env_filter("info").init();
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("simulated-upstreams: {message}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<(), String> {
    let mut octopai_listen = "127.0.0.1:9001".to_owned();
    let mut cloudera_listen = "127.0.0.1:9002".to_owned();
    let mut config = DataConfig::new(chrono::Utc::now());
    let mut faults = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--octopai-listen" => octopai_listen = value()?,
            "--cloudera-listen" => cloudera_listen = value()?,
            "--seed" => {
                config.seed = value()?
                    .parse()
                    .map_err(|_| "--seed takes a whole number")?
            }
            "--days" => {
                config.days = value()?
                    .parse()
                    .map_err(|_| "--days takes a whole number")?
            }
            "--fault" => faults.push(value()?),
            "--demo-reference" => {
                let text = value()?;
                config.reference = audit_core::time::parse_iso(&text).map_err(|error| {
                    format!("--demo-reference takes an ISO 8601 instant like 2026-11-18T15:00:00Z, not `{text}`: {error}")
                })?
            }
            "--scale" => config.scale = value()?.parse().map_err(|_| "--scale takes a number")?,
            "--help" | "-h" => {
                println!("simulated-upstreams [--octopai-listen ADDR] [--cloudera-listen ADDR] [--seed N] [--days N] [--scale X] [--demo-reference INSTANT] [--fault ROUTE:FAULT[@WHICH]]...");
                println!("  --demo-reference: generate as of this ISO 8601 instant, then shift the data to end now (default 2026-11-18T15:00:00Z)");
                println!("  faults: see the simulated_upstreams::faults documentation, e.g. --fault audits:503=2@2");
                return Ok(());
            }
            other => return Err(format!("unknown flag {other}; see --help")),
        }
    }
    let faults = simulated_upstreams::faults::FaultPlan::parse(&faults)?;
    let runtime = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
    runtime.block_on(async {
        let state = SimState::generated_with(config, std::time::Duration::ZERO, faults);
        let octopai = tokio::net::TcpListener::bind(&octopai_listen)
            .await
            .map_err(|e| format!("cannot listen on {octopai_listen}: {e}"))?;
        let cloudera = tokio::net::TcpListener::bind(&cloudera_listen)
            .await
            .map_err(|e| format!("cannot listen on {cloudera_listen}: {e}"))?;
        let urls = simulated_upstreams::spawn(state.clone(), octopai, cloudera)
            .map_err(|e| e.to_string())?;
        println!(
            "Simulated Octopai:          {}  (log in as {} / {})",
            urls.octopai_url,
            simulated_upstreams::DEMO_OCTOPAI_USER,
            simulated_upstreams::DEMO_OCTOPAI_PASSWORD
        );
        println!(
            "Simulated Cloudera Manager: {}  (log in as {} / {})",
            urls.cloudera_url,
            simulated_upstreams::DEMO_CLOUDERA_USER,
            simulated_upstreams::DEMO_CLOUDERA_PASSWORD
        );
        println!(
            "Data: {} Octopai events, {} Cloudera Manager audits",
            state.data().octopai.len(),
            state.data().cloudera.len()
        );
        tokio::signal::ctrl_c().await.map_err(|e| e.to_string())
    })
}
