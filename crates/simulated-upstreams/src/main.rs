//! Runs the simulated upstreams on their own:
//! `simulated-upstreams --octopai-listen 127.0.0.1:9001 --cloudera-listen 127.0.0.1:9002`.

use std::process::ExitCode;

use chrono::{DateTime, Utc};
use clap::Parser;
use simulated_upstreams::faults::{FaultPlan, Rule};
use simulated_upstreams::{DataConfig, SimState};

/// Simulated Octopai and Cloudera Manager servers with seeded audit data.
#[derive(Debug, Parser)]
#[command(name = "simulated-upstreams", long_about = None)]
struct Cli {
    /// Where the simulated Octopai listens
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:9001")]
    octopai_listen: String,
    /// Where the simulated Cloudera Manager listens
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:9002")]
    cloudera_listen: String,
    /// The data's seed
    #[arg(long, value_name = "N", default_value_t = 42)]
    seed: u64,
    /// How many days of data, ending now
    #[arg(long, value_name = "N", default_value_t = 7)]
    days: u32,
    /// Multiplies the ordinary volume (1.0 is tens of thousands of events a week)
    #[arg(long, value_name = "X", default_value_t = 1.0)]
    scale: f64,
    /// Generate the data as of this ISO 8601 instant, then shift it to end now
    /// (default: Wednesday 2026-11-18T15:00:00Z)
    #[arg(long, value_name = "INSTANT", value_parser = parse_reference)]
    demo_reference: Option<DateTime<Utc>>,
    /// Act out a fault (repeatable), e.g. audits:503=2@2; see the faults module
    #[arg(long, value_name = "ROUTE:FAULT[@WHICH]", value_parser = Rule::parse)]
    fault: Vec<Rule>,
    /// Silence a source for a stretch (repeatable): SOURCE:AGO:LENGTH, e.g. cloudera:37h:2h
    #[arg(long, value_name = "SOURCE:AGO:LENGTH", value_parser = simulated_upstreams::data::Silenced::parse)]
    silence: Vec<simulated_upstreams::data::Silenced>,
    /// Keep recording in real time after the seeded history
    #[arg(long)]
    live: bool,
    /// How many weeks back Octopai's history reaches (0: only the days above)
    #[arg(long, value_name = "WEEKS", default_value_t = simulated_upstreams::data::HISTORY_WEEKS)]
    history_weeks: u32,
}

fn parse_reference(text: &str) -> Result<DateTime<Utc>, String> {
    audit_core::time::parse_iso(text).map_err(|error| {
        format!("--demo-reference takes an ISO 8601 instant like 2026-11-18T15:00:00Z: {error}")
    })
}

fn main() -> ExitCode {
    tracing_subscriber::fmt().with_env_filter("info").init();
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("simulated-upstreams: {message}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<(), String> {
    if !(cli.scale > 0.0 && cli.scale <= 50.0) {
        return Err(format!(
            "--scale takes a number above 0 and at most 50, not {}",
            cli.scale
        ));
    }
    let config = DataConfig {
        seed: cli.seed,
        days: cli.days,
        history_weeks: cli.history_weeks,
        scale: cli.scale,
        reference: cli
            .demo_reference
            .unwrap_or_else(simulated_upstreams::data::default_reference),
        silenced: cli.silence,
        ..DataConfig::new(Utc::now())
    };
    let faults = FaultPlan::new(cli.fault);
    let runtime = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
    runtime.block_on(async {
        let state = SimState::generated_with(config.clone(), std::time::Duration::ZERO, faults);
        if cli.live {
            simulated_upstreams::live::spawn(state.clone(), &config);
        }
        let octopai = tokio::net::TcpListener::bind(&cli.octopai_listen)
            .await
            .map_err(|e| format!("cannot listen on {}: {e}", cli.octopai_listen))?;
        let cloudera = tokio::net::TcpListener::bind(&cli.cloudera_listen)
            .await
            .map_err(|e| format!("cannot listen on {}: {e}", cli.cloudera_listen))?;
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
