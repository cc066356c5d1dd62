//! The demo wiring, apart from the gateway: start the simulated Octopai and
//! Cloudera Manager on loopback with seeded data, then the ordinary gateway
//! ([`audit_gateway::start`]) pointed at them, and say how to log in.
//!
//! The command line is the gateway's own flags ([`GatewayArgs`]) plus the
//! demo's ([`DemoArgs`]), so `cargo xtask demo --listen 127.0.0.1:9090
//! --tls-self-signed --demo-volume 350` works as before. The demo chooses the
//! upstream URLs itself; giving them is refused.

use std::time::Duration;

use audit_gateway::{Config, GatewayArgs, Started};
use chrono::{DateTime, Utc};
use clap::{Args, Parser};
use simulated_upstreams::data::Silenced;
use simulated_upstreams::faults::{FaultPlan, Rule};
use simulated_upstreams::{DataConfig, SimState};

/// The demo's command line: the gateway's flags and the demo's.
#[derive(Debug, Clone, Parser)]
#[command(
    name = "audit-demo",
    about = "Runs the audit dashboard's gateway in front of simulated Octopai and Cloudera Manager servers on loopback, with a week of seeded data (and twelve weeks of Octopai history).",
    long_about = None
)]
pub struct Cli {
    #[command(flatten)]
    pub demo: DemoArgs,
    #[command(flatten)]
    pub gateway: GatewayArgs,
}

/// What the simulated upstreams hold and how they behave.
#[derive(Debug, Clone, Args)]
pub struct DemoArgs {
    /// Answer each data page N ms late
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub demo_upstream_delay_ms: u64,
    /// Add events whose every field is hostile (markup, script URLs, formulas, control and bidi characters, 1 MB strings)
    #[arg(long)]
    pub demo_hostile: bool,
    /// Act out a fault (repeatable), e.g. audits:503=2@2. ROUTE login|events|audits,
    /// FAULT latency=MS|500|429[=SECS]|503[=SECS]|truncated|html|401|drop,
    /// WHICH @N, @N-M or @N+ counting that route's requests from 1 (default: every one)
    #[arg(long, value_name = "ROUTE:FAULT[@WHICH]", value_parser = Rule::parse)]
    pub demo_fault: Vec<Rule>,
    /// Generate PERCENT of the ordinary volume, 1 to 5000 (100 is about 29,000 events a week)
    #[arg(long, value_name = "PERCENT", default_value_t = 100,
          value_parser = clap::value_parser!(u32).range(1..=5000))]
    pub demo_volume: u32,
    /// Generate the data as of this ISO 8601 instant, then shift it to end now,
    /// so the demo holds the same events at any hour (default: Wednesday
    /// 2026-11-18T15:00:00Z; 2026-11-22T02:00:00Z is a quiet weekend night)
    #[arg(long, value_name = "INSTANT", value_parser = parse_reference)]
    pub demo_reference: Option<DateTime<Utc>>,
    /// Silence a source for a stretch (repeatable), to act out an outage
    /// or a trail switched off: SOURCE:AGO:LENGTH, e.g. cloudera:37h:2h
    /// (nothing from 37 hours before the start for two hours)
    #[arg(long, value_name = "SOURCE:AGO:LENGTH", value_parser = Silenced::parse)]
    pub demo_silence: Vec<Silenced>,
    /// Keep both upstreams recording in real time after the seeded week, at
    /// the ordinary rate for the hour, some records a few seconds late, with
    /// a burst of failed logins every ten minutes (on in `cargo xtask demo`)
    #[arg(long)]
    pub demo_live: bool,
    /// How many weeks back Octopai's history reaches, 1 to 52 (the last
    /// week in full; the weeks before it with people arriving and leaving,
    /// at the ordinary volume)
    #[arg(long, value_name = "WEEKS", default_value_t = simulated_upstreams::data::HISTORY_WEEKS,
          value_parser = clap::value_parser!(u32).range(1..=52))]
    pub demo_history_weeks: u32,
}

fn parse_reference(text: &str) -> Result<DateTime<Utc>, String> {
    audit_core::time::parse_iso(text).map_err(|error| {
        format!("--demo-reference takes an ISO 8601 instant like 2026-11-18T15:00:00Z: {error}")
    })
}

/// The demo, validated: what to generate, and the gateway's flags.
#[derive(Debug)]
pub struct DemoConfig {
    pub data: DataConfig,
    /// Whether the upstreams keep recording ([`simulated_upstreams::live`]).
    pub live: bool,
    pub page_delay: Duration,
    pub faults: FaultPlan,
    pub gateway: GatewayArgs,
}

impl DemoConfig {
    /// Parses the demo's flags (`args` without the program name).
    pub fn parse(args: &[String]) -> Result<DemoConfig, String> {
        let cli = Cli::try_parse_from(
            std::iter::once("audit-demo".to_owned()).chain(args.iter().cloned()),
        )
        .map_err(|error| error.render().to_string())?;
        DemoConfig::from_cli(cli)
    }

    /// Validates a parsed command line.
    pub fn from_cli(cli: Cli) -> Result<DemoConfig, String> {
        let Cli { demo, gateway } = cli;
        if gateway.octopai_url.is_some() || gateway.cloudera_url.is_some() {
            return Err("the demo runs its own simulated upstreams; --octopai-url and --cloudera-url are for audit-gateway".into());
        }
        if gateway.allow_plain_http_upstream {
            return Err("--allow-plain-http-upstream is for audit-gateway; the demo's upstreams are on loopback already".into());
        }
        Ok(DemoConfig {
            data: DataConfig {
                scale: f64::from(demo.demo_volume) / 100.0,
                hostile: demo.demo_hostile,
                history_weeks: demo.demo_history_weeks,
                silenced: demo.demo_silence,
                reference: demo
                    .demo_reference
                    .unwrap_or_else(simulated_upstreams::data::default_reference),
                ..DataConfig::new(Utc::now())
            },
            live: demo.demo_live,
            page_delay: Duration::from_millis(demo.demo_upstream_delay_ms),
            faults: FaultPlan::new(demo.demo_fault),
            gateway,
        })
    }
}

/// The running demo.
#[derive(Debug, Clone)]
pub struct Demo {
    pub gateway: Started,
    pub octopai_events: usize,
    pub cloudera_audits: usize,
}

/// Starts the simulated upstreams on loopback, then the gateway in front of
/// them; returns once both listen.
pub async fn start(config: DemoConfig) -> Result<Demo, String> {
    let DemoConfig {
        mut data,
        live,
        page_delay,
        faults,
        mut gateway,
    } = config;
    data.end = Utc::now();
    let state = SimState::generated_with(data.clone(), page_delay, faults);
    if live {
        simulated_upstreams::live::spawn(state.clone(), &data);
    }
    let (octopai_events, cloudera_audits) = {
        let data = state.data();
        (data.octopai.len(), data.cloudera.len())
    };
    let running = simulated_upstreams::spawn_on_loopback(state)
        .await
        .map_err(|error| format!("cannot start the simulated upstreams: {error}"))?;
    gateway.octopai_url = Some(running.octopai_url);
    gateway.cloudera_url = Some(running.cloudera_url);
    // Plain HTTP to loopback only: the gateway checks that again.
    gateway.allow_plain_http_upstream = true;
    let started = audit_gateway::start(Config::from_args(gateway)?).await?;
    Ok(Demo {
        gateway: started,
        octopai_events,
        cloudera_audits,
    })
}

/// Parses `args` and starts the demo (what the tests and benchmarks use).
pub async fn start_with_args(args: &[String]) -> Result<Demo, String> {
    start(DemoConfig::parse(args)?).await
}

/// Prints where the demo is and how to log in.
pub fn announce(demo: &Demo) {
    println!(
        "Demo mode: simulated Octopai at {}, simulated Cloudera Manager at {} ({} events, {} audits)",
        demo.gateway.octopai_url,
        demo.gateway.cloudera_url,
        demo.octopai_events,
        demo.cloudera_audits
    );
    println!(
        "  Octopai login:          {} / {}",
        simulated_upstreams::DEMO_OCTOPAI_USER,
        simulated_upstreams::DEMO_OCTOPAI_PASSWORD
    );
    println!(
        "  Cloudera Manager login: {} / {}",
        simulated_upstreams::DEMO_CLOUDERA_USER,
        simulated_upstreams::DEMO_CLOUDERA_PASSWORD
    );
    audit_gateway::announce(&demo.gateway);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<DemoConfig, String> {
        let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
        DemoConfig::parse(&args)
    }

    #[test]
    fn defaults_and_demo_flags() {
        let config = parse(&[]).unwrap();
        assert!((config.data.scale - 1.0).abs() < f64::EPSILON);
        assert!(!config.data.hostile);
        assert!(!config.live, "off unless asked");
        assert_eq!(
            config.data.reference,
            simulated_upstreams::data::default_reference()
        );
        assert_eq!(config.page_delay, Duration::ZERO);
        let config = parse(&[
            "--demo-volume",
            "350",
            "--demo-hostile",
            "--demo-upstream-delay-ms",
            "250",
            "--demo-reference",
            "2026-11-22T02:00:00Z",
            "--demo-fault",
            "audits:503=2@2",
            "--demo-fault",
            "events:drop@3+",
            "--demo-silence",
            "cloudera:37h:2h",
            "--demo-live",
            "--listen",
            "127.0.0.1:9090",
        ])
        .unwrap();
        assert!((config.data.scale - 3.5).abs() < f64::EPSILON);
        assert!(config.data.hostile);
        assert!(config.live);
        assert_eq!(
            config.data.silenced,
            vec![Silenced::parse("cloudera:37h:2h").unwrap()]
        );
        assert_eq!(config.page_delay, Duration::from_millis(250));
        assert_eq!(
            audit_core::time::format_iso(config.data.reference),
            "2026-11-22T02:00:00.000Z"
        );
        assert_eq!(config.gateway.listen.as_deref(), Some("127.0.0.1:9090"));
        // The plan travels parsed: the second audits request gets the 503.
        use simulated_upstreams::faults::{Fault, Route};
        assert!(config.faults.on_request(Route::Audits).is_empty());
        assert_eq!(
            config.faults.on_request(Route::Audits),
            vec![Fault::Busy {
                status: 503,
                retry_after_secs: 2
            }]
        );
    }

    #[test]
    fn bad_demo_flags_are_refused_with_a_reason() {
        for (args, expected) in [
            (vec!["--demo-volume", "0"], "1..=5000"),
            (vec!["--demo-volume", "5001"], "1..=5000"),
            (vec!["--demo-volume", "lots"], "invalid value"),
            (vec!["--demo-fault", "audits:404"], "unknown fault"),
            (vec!["--demo-reference", "yesterday"], "ISO 8601 instant"),
            (vec!["--demo-silence", "hdfs:1h:1h"], "SOURCE:AGO:LENGTH"),
            (
                vec!["--octopai-url", "https://o"],
                "its own simulated upstreams",
            ),
            (vec!["--allow-plain-http-upstream"], "loopback already"),
            (vec!["--frobnicate"], "unexpected argument"),
        ] {
            let error = parse(&args).unwrap_err();
            assert!(error.contains(expected), "{args:?}: {error}");
        }
    }
}
