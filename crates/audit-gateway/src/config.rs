//! Gateway configuration: raw flags and environment variables are parsed
//! into a validated [`Config`] in one step, before anything starts.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use audit_core::cloudera::DEFAULT_API_VERSION;

use crate::session::SessionKey;

/// Where the upstreams are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UpstreamMode {
    /// Start the simulated upstreams on loopback and use them, adding
    /// `page_delay` before each of their data answers (zero by default),
    /// with `volume_percent` of the ordinary data volume (100 by default).
    Demo {
        page_delay: Duration,
        volume_percent: u32,
        /// Seed hostile values in every field (`--demo-hostile`).
        hostile: bool,
        /// Faults for the simulated upstreams to act out (`--demo-fault`),
        /// already checked by [`simulated_upstreams::faults::FaultPlan::parse`].
        faults: Vec<String>,
        /// The instant the data is generated for before it is shifted to end
        /// now (`--demo-reference`); the generator's default when `None`.
        reference: Option<chrono::DateTime<chrono::Utc>>,
    },
    /// Use these base URLs.
    Remote { octopai: String, cloudera: String },
}

/// Whether, and with what certificate, the gateway serves HTTPS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TlsMode {
    /// Plain HTTP (behind a TLS-terminating proxy, or on loopback).
    Off,
    /// A certificate chain and key from PEM files.
    Files { cert: PathBuf, key: PathBuf },
    /// A certificate for the loopback names made at start-up (demo).
    SelfSigned,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    /// The built app (trunk's `dist/`).
    pub dist_dir: PathBuf,
    pub upstreams: UpstreamMode,
    pub cloudera_api_version: u32,
    /// Exact origins allowed cross-origin (the app itself is same-origin).
    pub allowed_origins: Vec<String>,
    pub session_key: SessionKey,
    pub session_ttl: Duration,
    pub upstream_timeout: Duration,
    pub tls: TlsMode,
    /// A PEM bundle of extra certificate authorities trusted for upstreams.
    pub upstream_ca: Option<PathBuf>,
    /// A slower TLS handshake or request header closes the connection.
    pub header_timeout: Duration,
    /// Upstream requests one session may have in flight at once.
    pub session_concurrency: usize,
}

/// Whether `url`'s host is a loopback name or address.
pub fn is_loopback_url(url: &str) -> bool {
    let Ok(url) = reqwest::Url::parse(url) else {
        return false;
    };
    let Some(host) = url.host_str() else {
        return false;
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|address| address.is_loopback())
}

pub const USAGE: &str = "\
audit-gateway: serves the audit dashboard and forwards its fixed routes to the upstreams.

  --demo                     start the simulated upstreams on loopback and use them
  --demo-upstream-delay-ms N with --demo: make the simulated upstreams answer each data page N ms late
  --demo-hostile             with --demo: add events whose every field is hostile (markup, script URLs, formulas, control and bidi characters, 1 MB strings)
  --demo-fault ROUTE:FAULT[@WHICH]
                             with --demo: the simulated upstreams act out a fault (repeatable), e.g. audits:503=2@2;
                             ROUTE login|events|audits, FAULT latency=MS|500|429[=SECS]|503[=SECS]|truncated|html|401|drop,
                             WHICH @N, @N-M or @N+ counting that route's requests from 1 (default: every one)
  --demo-volume PERCENT      with --demo: generate PERCENT of the ordinary volume (1 to 5000; default 100, about 29,000 events a week)
  --demo-reference INSTANT   with --demo: generate the data as of this ISO 8601 instant, then shift it to end now
                             (default 2026-11-18T15:00:00Z, a Wednesday afternoon), so the demo holds the same
                             events at any hour; e.g. 2026-11-22T02:00:00Z for a quiet weekend night
  --octopai-url URL          Octopai base URL            (env OCTOPAI_URL)
  --cloudera-url URL         Cloudera Manager base URL   (env CLOUDERA_URL)
  --cloudera-api-version N   Cloudera Manager API version, >= 8 (default 41)
  --listen ADDR              where to listen (default 127.0.0.1:8080; env GATEWAY_LISTEN)
  --dist DIR                 the built app (default dist; env GATEWAY_DIST)
  --allow-origin ORIGIN      an exact origin allowed cross-origin (repeatable; env GATEWAY_ALLOWED_ORIGINS, comma-separated)
  --session-key KEY          32 bytes as 64 hex digits or base64; share it between replicas (env GATEWAY_SESSION_KEY; default: random)
  --session-minutes N        session lifetime (default 60)
  --session-seconds N        session lifetime in seconds (for tests of expiry)
  --upstream-timeout-secs N  upstream request timeout (default 30)
  --tls-cert FILE            serve HTTPS with this PEM certificate chain (with --tls-key; env GATEWAY_TLS_CERT)
  --tls-key FILE             the PEM private key for --tls-cert (env GATEWAY_TLS_KEY)
  --tls-self-signed          serve HTTPS with a certificate for localhost made at start-up (for the demo)
  --upstream-ca FILE         also trust these PEM certificate authorities for upstream HTTPS (env GATEWAY_UPSTREAM_CA)
  --allow-plain-http-upstream
                             allow http:// upstream URLs; only loopback ones are accepted even then
  --client-header-timeout-secs N
                             close a connection whose TLS handshake or request headers take longer (default 10)
  --session-concurrency N    upstream requests one session may have in flight (default 6)";

impl Config {
    /// Parses flags (`args` without the program name) over environment
    /// variables (`env` looks one up).
    pub fn parse(args: &[String], env: impl Fn(&str) -> Option<String>) -> Result<Config, String> {
        let mut demo = false;
        let mut octopai = env("OCTOPAI_URL");
        let mut cloudera = env("CLOUDERA_URL");
        let mut listen = env("GATEWAY_LISTEN").unwrap_or_else(|| "127.0.0.1:8080".into());
        let mut dist = env("GATEWAY_DIST").unwrap_or_else(|| "dist".into());
        let mut origins: Vec<String> = env("GATEWAY_ALLOWED_ORIGINS")
            .map(|list| {
                list.split(',')
                    .map(str::trim)
                    .filter(|o| !o.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        let mut key = env("GATEWAY_SESSION_KEY");
        let mut version = DEFAULT_API_VERSION;
        let mut session_seconds: u64 = 60 * 60;
        let mut timeout_secs: u64 = 30;
        let mut demo_delay_ms: Option<u64> = None;
        let mut demo_volume: Option<u32> = None;
        let mut demo_hostile = false;
        let mut demo_faults: Vec<String> = Vec::new();
        let mut demo_reference: Option<chrono::DateTime<chrono::Utc>> = None;
        let mut tls_cert = env("GATEWAY_TLS_CERT").map(PathBuf::from);
        let mut tls_key = env("GATEWAY_TLS_KEY").map(PathBuf::from);
        let mut self_signed = false;
        let mut upstream_ca = env("GATEWAY_UPSTREAM_CA").map(PathBuf::from);
        let mut plain_upstream = false;
        let mut header_secs: u64 = 10;
        let mut session_concurrency: usize = 6;
        let mut args = args.iter();
        while let Some(flag) = args.next() {
            let mut value = || {
                args.next()
                    .cloned()
                    .ok_or_else(|| format!("{flag} needs a value"))
            };
            match flag.as_str() {
                "--demo" => demo = true,
                "--demo-hostile" => demo_hostile = true,
                "--demo-fault" => demo_faults.push(value()?),
                "--demo-reference" => {
                    let text = value()?;
                    demo_reference = Some(audit_core::time::parse_iso(&text).map_err(|error| {
                        format!("--demo-reference takes an ISO 8601 instant like 2026-11-18T15:00:00Z, not `{text}`: {error}")
                    })?)
                }
                "--demo-upstream-delay-ms" => {
                    demo_delay_ms = Some(
                        value()?
                            .parse()
                            .map_err(|_| "--demo-upstream-delay-ms takes a whole number")?,
                    )
                }
                "--demo-volume" => {
                    demo_volume = Some(
                        value()?
                            .parse()
                            .ok()
                            .filter(|percent| (1..=5000).contains(percent))
                            .ok_or("--demo-volume takes a whole percentage from 1 to 5000")?,
                    )
                }
                "--octopai-url" => octopai = Some(value()?),
                "--cloudera-url" => cloudera = Some(value()?),
                "--cloudera-api-version" => {
                    version = value()?
                        .parse()
                        .map_err(|_| "--cloudera-api-version takes a whole number")?
                }
                "--listen" => listen = value()?,
                "--dist" => dist = value()?,
                "--allow-origin" => origins.push(value()?),
                "--session-key" => key = Some(value()?),
                "--session-minutes" => {
                    session_seconds = value()?
                        .parse::<u64>()
                        .map_err(|_| "--session-minutes takes a whole number")?
                        .saturating_mul(60)
                }
                "--session-seconds" => {
                    session_seconds = value()?
                        .parse()
                        .map_err(|_| "--session-seconds takes a whole number")?
                }
                "--upstream-timeout-secs" => {
                    timeout_secs = value()?
                        .parse()
                        .map_err(|_| "--upstream-timeout-secs takes a whole number")?
                }
                "--tls-cert" => tls_cert = Some(PathBuf::from(value()?)),
                "--tls-key" => tls_key = Some(PathBuf::from(value()?)),
                "--tls-self-signed" => self_signed = true,
                "--upstream-ca" => upstream_ca = Some(PathBuf::from(value()?)),
                "--allow-plain-http-upstream" => plain_upstream = true,
                "--client-header-timeout-secs" => {
                    header_secs = value()?
                        .parse()
                        .ok()
                        .filter(|secs| *secs > 0)
                        .ok_or("--client-header-timeout-secs takes a whole number above 0")?
                }
                "--session-concurrency" => {
                    session_concurrency = value()?
                        .parse()
                        .ok()
                        .filter(|n| (1..=64).contains(n))
                        .ok_or("--session-concurrency takes a whole number from 1 to 64")?
                }
                other => return Err(format!("unknown flag `{other}`\n\n{USAGE}")),
            }
        }
        let listen: SocketAddr = listen.parse().map_err(|_| {
            format!("`{listen}` is not an address to listen on (like 127.0.0.1:8080)")
        })?;
        if version < audit_core::cloudera::MIN_API_VERSION {
            return Err(format!("--cloudera-api-version must be at least 8 (the audits query language needs it), not {version}"));
        }
        for origin in &origins {
            if origin == "*"
                || origin == "null"
                || !(origin.starts_with("http://") || origin.starts_with("https://"))
                || origin.ends_with('/')
            {
                return Err(format!("allowed origin `{origin}` must be an exact origin like https://audit.example.com"));
            }
        }
        if demo_delay_ms.is_some() && !demo {
            return Err("--demo-upstream-delay-ms only applies with --demo".into());
        }
        if demo_hostile && !demo {
            return Err("--demo-hostile only applies with --demo".into());
        }
        if !demo_faults.is_empty() && !demo {
            return Err("--demo-fault only applies with --demo".into());
        }
        simulated_upstreams::faults::FaultPlan::parse(&demo_faults)?;
        if demo_volume.is_some() && !demo {
            return Err("--demo-volume only applies with --demo".into());
        }
        if demo_reference.is_some() && !demo {
            return Err("--demo-reference only applies with --demo".into());
        }
        let upstreams = match (demo, octopai, cloudera) {
            (true, _, _) => UpstreamMode::Demo {
                page_delay: Duration::from_millis(demo_delay_ms.unwrap_or(0)),
                volume_percent: demo_volume.unwrap_or(100),
                hostile: demo_hostile,
                faults: demo_faults,
                reference: demo_reference,
            },
            (false, Some(octopai), Some(cloudera)) => {
                for url in [&octopai, &cloudera] {
                    if url.starts_with("https://") {
                        continue;
                    }
                    if !url.starts_with("http://") {
                        return Err(format!(
                            "upstream URL `{url}` must start with https:// (or http:// to loopback with --allow-plain-http-upstream)"
                        ));
                    }
                    if !plain_upstream {
                        return Err(format!(
                            "upstream URL `{url}` is plain HTTP, which would send passwords and tokens in the clear; use https://, or give --allow-plain-http-upstream for a loopback upstream"
                        ));
                    }
                    if !is_loopback_url(url) {
                        return Err(format!(
                            "upstream URL `{url}` is plain HTTP to a host that is not loopback; only https:// is allowed there, even with --allow-plain-http-upstream"
                        ));
                    }
                }
                UpstreamMode::Remote { octopai, cloudera }
            }
            _ => {
                return Err(format!(
                    "give --demo, or both --octopai-url and --cloudera-url\n\n{USAGE}"
                ))
            }
        };
        let session_key = match key {
            Some(key) => SessionKey::parse(&key)?,
            None => SessionKey::random()?,
        };
        if session_seconds == 0 || timeout_secs == 0 {
            return Err("the session lifetime and --upstream-timeout-secs must be above 0".into());
        }
        let tls = match (tls_cert, tls_key, self_signed) {
            (None, None, false) => TlsMode::Off,
            (None, None, true) => TlsMode::SelfSigned,
            (Some(cert), Some(key), false) => TlsMode::Files { cert, key },
            (Some(_), Some(_), true) => {
                return Err("give either --tls-cert and --tls-key, or --tls-self-signed".into())
            }
            _ => return Err("--tls-cert and --tls-key go together".into()),
        };
        if plain_upstream && matches!(upstreams, UpstreamMode::Demo { .. }) {
            return Err("--allow-plain-http-upstream is for --octopai-url and --cloudera-url; the demo's upstreams are on loopback already".into());
        }
        Ok(Config {
            tls,
            upstream_ca,
            header_timeout: Duration::from_secs(header_secs),
            session_concurrency,
            listen,
            dist_dir: PathBuf::from(dist),
            upstreams,
            cloudera_api_version: version,
            allowed_origins: origins,
            session_key,
            session_ttl: Duration::from_secs(session_seconds),
            upstream_timeout: Duration::from_secs(timeout_secs),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Config, String> {
        let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
        Config::parse(&args, |_| None)
    }

    #[test]
    fn demo_defaults() {
        let config = parse(&["--demo"]).unwrap();
        assert_eq!(config.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(
            config.upstreams,
            UpstreamMode::Demo {
                page_delay: Duration::ZERO,
                volume_percent: 100,
                hostile: false,
                faults: Vec::new(),
                reference: None,
            }
        );
        let slow = parse(&["--demo", "--demo-upstream-delay-ms", "250"]).unwrap();
        assert_eq!(
            slow.upstreams,
            UpstreamMode::Demo {
                page_delay: Duration::from_millis(250),
                volume_percent: 100,
                hostile: false,
                faults: Vec::new(),
                reference: None,
            }
        );
        let big = parse(&["--demo", "--demo-volume", "350"]).unwrap();
        assert!(matches!(
            big.upstreams,
            UpstreamMode::Demo {
                volume_percent: 350,
                ..
            }
        ));
        for bad in ["0", "5001", "1.5", "lots"] {
            assert!(parse(&["--demo", "--demo-volume", bad])
                .unwrap_err()
                .contains("whole percentage"));
        }
        assert!(parse(&[
            "--octopai-url",
            "https://o",
            "--cloudera-url",
            "https://c",
            "--demo-volume",
            "200"
        ])
        .unwrap_err()
        .contains("only applies with --demo"));
        assert_eq!(config.cloudera_api_version, 41);
        let night = parse(&["--demo", "--demo-reference", "2026-11-22T02:00:00Z"]).unwrap();
        assert!(matches!(
            night.upstreams,
            UpstreamMode::Demo { reference: Some(at), .. } if at.to_rfc3339() == "2026-11-22T02:00:00+00:00"
        ));
        for bad in ["yesterday", "2026-13-01T00:00:00Z", ""] {
            assert!(parse(&["--demo", "--demo-reference", bad])
                .unwrap_err()
                .contains("ISO 8601 instant"));
        }
    }

    #[test]
    fn bad_configuration_is_refused_with_a_reason() {
        for (args, expected) in [
            (vec![], "give --demo"),
            (vec!["--octopai-url", "https://o"], "give --demo"),
            (vec!["--demo", "--listen", "localhost"], "not an address"),
            (vec!["--demo", "--allow-origin", "*"], "exact origin"),
            (vec!["--demo", "--allow-origin", "null"], "exact origin"),
            (vec!["--demo", "--cloudera-api-version", "7"], "at least 8"),
            (vec!["--demo", "--session-key", "abc"], "session key"),
            (
                vec!["--octopai-url", "ftp://o", "--cloudera-url", "https://c"],
                "must start with",
            ),
            (vec!["--demo", "--frobnicate"], "unknown flag"),
            (
                vec!["--demo", "--demo-fault", "audits:404"],
                "unknown fault",
            ),
            (
                vec![
                    "--demo-upstream-delay-ms",
                    "5",
                    "--octopai-url",
                    "https://o",
                    "--cloudera-url",
                    "https://c",
                ],
                "only applies with --demo",
            ),
        ] {
            let error = parse(&args).unwrap_err();
            assert!(error.contains(expected), "{args:?}: {error}");
        }
    }

    #[test]
    fn plain_http_upstreams_need_the_flag_and_loopback() {
        let remote = |octopai: &str, plain: bool| {
            let mut args = vec![
                "--octopai-url",
                octopai,
                "--cloudera-url",
                "https://cm.example.com",
            ];
            if plain {
                args.push("--allow-plain-http-upstream");
            }
            parse(&args)
        };
        assert!(remote("https://octopai.example.com", false).is_ok());
        assert!(remote("http://127.0.0.1:9001", false)
            .unwrap_err()
            .contains("in the clear"));
        for loopback in [
            "http://127.0.0.1:9001",
            "http://localhost:9001",
            "http://[::1]:9001",
            "http://127.8.0.1",
        ] {
            assert!(remote(loopback, true).is_ok(), "{loopback}");
        }
        for elsewhere in [
            "http://octopai.example.com",
            "http://10.0.0.5:9001",
            "http://localhost.example.com",
            "http://127.0.0.1.example.com",
        ] {
            assert!(
                remote(elsewhere, true)
                    .unwrap_err()
                    .contains("not loopback"),
                "{elsewhere}"
            );
        }
        assert!(parse(&["--demo", "--allow-plain-http-upstream"]).is_err());
    }

    #[test]
    fn tls_flags_go_together() {
        assert_eq!(parse(&["--demo"]).unwrap().tls, TlsMode::Off);
        assert_eq!(
            parse(&["--demo", "--tls-self-signed"]).unwrap().tls,
            TlsMode::SelfSigned
        );
        assert!(matches!(
            parse(&["--demo", "--tls-cert", "c.pem", "--tls-key", "k.pem"])
                .unwrap()
                .tls,
            TlsMode::Files { .. }
        ));
        assert!(parse(&["--demo", "--tls-cert", "c.pem"])
            .unwrap_err()
            .contains("go together"));
        assert!(parse(&[
            "--demo",
            "--tls-cert",
            "c",
            "--tls-key",
            "k",
            "--tls-self-signed"
        ])
        .is_err());
        assert!(parse(&["--demo", "--session-concurrency", "0"]).is_err());
        assert!(parse(&["--demo", "--client-header-timeout-secs", "0"]).is_err());
    }

    #[test]
    fn environment_is_read_and_flags_win() {
        let env = |name: &str| match name {
            "OCTOPAI_URL" => Some("https://octopai.example.com".to_owned()),
            "CLOUDERA_URL" => Some("https://cm.example.com:7183".to_owned()),
            "GATEWAY_ALLOWED_ORIGINS" => {
                Some("https://a.example.com, https://b.example.com".to_owned())
            }
            _ => None,
        };
        let config = Config::parse(&["--listen".into(), "0.0.0.0:9999".into()], env).unwrap();
        assert_eq!(config.allowed_origins.len(), 2);
        assert_eq!(config.listen.port(), 9999);
        assert!(matches!(config.upstreams, UpstreamMode::Remote { .. }));
    }
}
