//! Gateway configuration in two steps: [`GatewayArgs`] is the command line
//! (each flag, its environment variable and its help written once, through
//! clap), and [`Config::from_args`] validates it into a [`Config`] with a
//! reason a person can act on, before anything starts.
//!
//! The gateway knows only remote upstreams. The demo, which starts the
//! simulated upstreams on loopback and points a gateway at them, lives in
//! its own crate (`audit-demo`) and reuses [`GatewayArgs`].

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use audit_core::cloudera::DEFAULT_API_VERSION;
use clap::{Args, Parser};

use crate::session::{SessionKey, SessionKeys};

/// Where the shared protective state lives.
#[derive(Clone)]
pub struct RedisConfig {
    /// Without credentials.
    pub url: String,
    pub password: Option<String>,
}

impl std::fmt::Debug for RedisConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisConfig")
            .field("url", &self.url)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .finish()
    }
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

/// The validated configuration [`crate::start`] runs with.
#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    /// The built app (trunk's `dist/`).
    pub dist_dir: PathBuf,
    /// The Octopai base URL.
    pub octopai_url: String,
    /// The Cloudera Manager base URL.
    pub cloudera_url: String,
    pub cloudera_api_version: u32,
    /// Exact origins allowed cross-origin (the app itself is same-origin).
    pub allowed_origins: Vec<String>,
    pub session_keys: SessionKeys,
    /// Where they were read from, read again on `SIGHUP`.
    pub session_key_file: Option<PathBuf>,
    /// A session with no request for this long ends.
    pub session_idle: Duration,
    /// Every session ends this long after login.
    pub session_max: Duration,
    /// Seal the Cloudera Manager password where no session cookie is given.
    pub seal_cloudera_password: bool,
    /// Shared protective state; `None` keeps it in this process.
    pub redis: Option<RedisConfig>,
    /// Peers whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<crate::proxies::Network>,
    pub upstream_timeout: Duration,
    pub tls: TlsMode,
    /// A PEM bundle of extra certificate authorities trusted for upstreams.
    pub upstream_ca: Option<PathBuf>,
    /// A slower TLS handshake or request header closes the connection.
    pub header_timeout: Duration,
    /// Upstream requests one session may have in flight at once.
    pub session_concurrency: usize,
    /// Opens the administrator's route (`--admin-token-file`).
    pub admin_token: Option<crate::admin::AdminToken>,
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

/// A duration given in seconds or in minutes (seconds win), else `default`
/// seconds.
fn seconds_of(seconds: Option<u64>, minutes: Option<u64>, default: u64) -> u64 {
    seconds.unwrap_or_else(|| minutes.map_or(default, |minutes| minutes.saturating_mul(60)))
}

/// The gateway's command line.
#[derive(Debug, Clone, Parser)]
#[command(
    name = "audit-gateway",
    about = "Serves the audit dashboard and forwards its fixed routes to the upstreams.",
    long_about = None
)]
pub struct Cli {
    #[command(flatten)]
    pub gateway: GatewayArgs,
}

/// Every flag of the gateway, with its environment variable where it has one.
#[derive(Debug, Clone, Default, Args)]
pub struct GatewayArgs {
    /// Octopai base URL
    #[arg(long, env = "OCTOPAI_URL", value_name = "URL")]
    pub octopai_url: Option<String>,
    /// Cloudera Manager base URL
    #[arg(long, env = "CLOUDERA_URL", value_name = "URL")]
    pub cloudera_url: Option<String>,
    /// Cloudera Manager API version, at least 8 [default: 41]
    #[arg(long, value_name = "N")]
    pub cloudera_api_version: Option<u32>,
    /// Where to listen [default: 127.0.0.1:8080]
    #[arg(long, env = "GATEWAY_LISTEN", value_name = "ADDR")]
    pub listen: Option<String>,
    /// The built app [default: dist]
    #[arg(long, env = "GATEWAY_DIST", value_name = "DIR")]
    pub dist: Option<PathBuf>,
    /// An exact origin allowed cross-origin (repeatable; the variable is comma-separated)
    #[arg(
        long = "allow-origin",
        env = "GATEWAY_ALLOWED_ORIGINS",
        value_name = "ORIGIN",
        value_delimiter = ','
    )]
    pub allowed_origins: Vec<String>,
    /// A file of session keys, one per line (64 hex digits or base64 of 32 bytes): the
    /// first seals new tokens, the others still open tokens sealed before a rotation.
    /// Give every replica the same file; SIGHUP reads it again [default: a random key,
    /// lost at restart]
    #[arg(long, env = "GATEWAY_SESSION_KEY_FILE", value_name = "FILE")]
    pub session_key_file: Option<PathBuf>,
    /// Refused: a key on the command line is readable by every local user
    #[arg(long, hide = true, value_name = "KEY")]
    pub session_key: Option<String>,
    /// End a session after this many minutes without a request [default: 30]
    #[arg(long, value_name = "N", conflicts_with = "session_idle_seconds")]
    pub session_idle_minutes: Option<u64>,
    /// The idle timeout in seconds (for tests of expiry)
    #[arg(long, value_name = "N")]
    pub session_idle_seconds: Option<u64>,
    /// End every session this many minutes after login, however active [default: 480]
    #[arg(long, value_name = "N", conflicts_with = "session_max_seconds")]
    pub session_max_minutes: Option<u64>,
    /// The absolute lifetime in seconds (for tests of expiry)
    #[arg(long, value_name = "N")]
    pub session_max_seconds: Option<u64>,
    /// Where Cloudera Manager answers a login with no session cookie, seal its password
    /// in each session token instead of refusing the login. This costs: anyone holding a
    /// copy of a token and the gateway's key can then read the password, for the
    /// token's whole life
    #[arg(long)]
    pub seal_cloudera_password: bool,
    /// Keep revocations, login counts and session slots in this Redis, shared by every
    /// replica (redis://host:port/db or rediss://; no password here) [default: in this process]
    #[arg(long, env = "GATEWAY_REDIS_URL", value_name = "URL")]
    pub redis_url: Option<String>,
    /// A load balancer or proxy whose X-Forwarded-For names the client, as an address or
    /// CIDR network (repeatable; the variable is comma-separated). Without it the
    /// header is ignored
    #[arg(
        long = "trusted-proxy",
        env = "GATEWAY_TRUSTED_PROXIES",
        value_name = "ADDR",
        value_delimiter = ','
    )]
    pub trusted_proxies: Vec<String>,
    /// A file holding an administrator token (one line, 32 characters or more): opens
    /// POST /gateway/admin/account-sessions, which ends every session of one account
    /// [default: no administrator route]
    #[arg(long, env = "GATEWAY_ADMIN_TOKEN_FILE", value_name = "FILE")]
    pub admin_token_file: Option<PathBuf>,
    /// A file holding the Redis password (never on the command line)
    #[arg(long, env = "GATEWAY_REDIS_PASSWORD_FILE", value_name = "FILE")]
    pub redis_password_file: Option<PathBuf>,
    /// Upstream request timeout in seconds [default: 30]
    #[arg(long, value_name = "N")]
    pub upstream_timeout_secs: Option<u64>,
    /// Serve HTTPS with this PEM certificate chain (with --tls-key)
    #[arg(long, env = "GATEWAY_TLS_CERT", value_name = "FILE")]
    pub tls_cert: Option<PathBuf>,
    /// The PEM private key for --tls-cert
    #[arg(long, env = "GATEWAY_TLS_KEY", value_name = "FILE")]
    pub tls_key: Option<PathBuf>,
    /// Serve HTTPS with a certificate for localhost made at start-up (for the demo)
    #[arg(long)]
    pub tls_self_signed: bool,
    /// Also trust these PEM certificate authorities for upstream HTTPS
    #[arg(long, env = "GATEWAY_UPSTREAM_CA", value_name = "FILE")]
    pub upstream_ca: Option<PathBuf>,
    /// Allow http:// upstream URLs; only loopback ones are accepted even then
    #[arg(long)]
    pub allow_plain_http_upstream: bool,
    /// Close a connection whose TLS handshake or request headers take longer [default: 10]
    #[arg(long, value_name = "N")]
    pub client_header_timeout_secs: Option<u64>,
    /// Upstream requests one session may have in flight, 1 to 64 [default: 6]
    #[arg(long, value_name = "N")]
    pub session_concurrency: Option<usize>,
}

impl Config {
    /// Parses the gateway's flags (`args` without the program name, over the
    /// process environment) and validates them.
    pub fn parse(args: &[String]) -> Result<Config, String> {
        let cli = Cli::try_parse_from(
            std::iter::once("audit-gateway".to_owned()).chain(args.iter().cloned()),
        )
        .map_err(|error| error.render().to_string())?;
        Config::from_args(cli.gateway)
    }

    /// Validates parsed flags into a configuration.
    pub fn from_args(args: GatewayArgs) -> Result<Config, String> {
        let listen = args.listen.unwrap_or_else(|| "127.0.0.1:8080".into());
        let listen: SocketAddr = listen.parse().map_err(|_| {
            format!("`{listen}` is not an address to listen on (like 127.0.0.1:8080)")
        })?;
        let version = args.cloudera_api_version.unwrap_or(DEFAULT_API_VERSION);
        if version < audit_core::cloudera::MIN_API_VERSION {
            return Err(format!("--cloudera-api-version must be at least 8 (the audits query language needs it), not {version}"));
        }
        let origins: Vec<String> = args
            .allowed_origins
            .iter()
            .map(|origin| origin.trim())
            .filter(|origin| !origin.is_empty())
            .map(str::to_owned)
            .collect();
        for origin in &origins {
            if origin == "*"
                || origin == "null"
                || !(origin.starts_with("http://") || origin.starts_with("https://"))
                || origin.ends_with('/')
            {
                return Err(format!("allowed origin `{origin}` must be an exact origin like https://audit.example.com"));
            }
        }
        let (Some(octopai_url), Some(cloudera_url)) = (args.octopai_url, args.cloudera_url) else {
            return Err(
                "give both --octopai-url and --cloudera-url (or run the demo: cargo xtask demo)"
                    .into(),
            );
        };
        for url in [&octopai_url, &cloudera_url] {
            if url.starts_with("https://") {
                continue;
            }
            if !url.starts_with("http://") {
                return Err(format!(
                    "upstream URL `{url}` must start with https:// (or http:// to loopback with --allow-plain-http-upstream)"
                ));
            }
            if !args.allow_plain_http_upstream {
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
        if args.session_key.is_some() {
            return Err("--session-key is no longer accepted: on the command line every local user can read the key in the process list. Put it in a file (one key per line) and give --session-key-file or GATEWAY_SESSION_KEY_FILE".into());
        }
        let session_keys = match &args.session_key_file {
            Some(path) => SessionKeys::from_file(path)?,
            None => SessionKeys::single(SessionKey::random()?),
        };
        let idle_secs = seconds_of(
            args.session_idle_seconds,
            args.session_idle_minutes,
            30 * 60,
        );
        let max_secs = seconds_of(
            args.session_max_seconds,
            args.session_max_minutes,
            8 * 60 * 60,
        );
        let timeout_secs = args.upstream_timeout_secs.unwrap_or(30);
        if idle_secs == 0 || max_secs == 0 || timeout_secs == 0 {
            return Err(
                "the session's idle timeout and lifetime, and --upstream-timeout-secs, must be above 0"
                    .into(),
            );
        }
        let idle_secs = idle_secs.min(max_secs);
        let redis = match (args.redis_url, args.redis_password_file) {
            (None, None) => None,
            (None, Some(_)) => {
                return Err("--redis-password-file needs --redis-url".into());
            }
            (Some(url), password_file) => {
                let parsed = reqwest::Url::parse(&url)
                    .ok()
                    .filter(|parsed| matches!(parsed.scheme(), "redis" | "rediss"));
                let Some(parsed) = parsed else {
                    return Err(format!(
                        "--redis-url `{url}` must look like redis://127.0.0.1:6379/0 (or rediss:// for TLS)"
                    ));
                };
                if parsed.password().is_some() {
                    return Err("--redis-url must not carry a password (the command line and the environment of a process can be read); put it in --redis-password-file".into());
                }
                let password = match password_file {
                    Some(path) => Some(
                        std::fs::read_to_string(&path)
                            .map_err(|error| {
                                format!(
                                    "cannot read the Redis password file {}: {error}",
                                    path.display()
                                )
                            })?
                            .trim_end_matches(['\n', '\r'])
                            .to_owned(),
                    ),
                    None => None,
                };
                Some(RedisConfig { url, password })
            }
        };
        let trusted_proxies = args
            .trusted_proxies
            .iter()
            .filter(|text| !text.trim().is_empty())
            .map(|text| crate::proxies::Network::parse(text))
            .collect::<Result<Vec<_>, _>>()?;
        let tls = match (args.tls_cert, args.tls_key, args.tls_self_signed) {
            (None, None, false) => TlsMode::Off,
            (None, None, true) => TlsMode::SelfSigned,
            (Some(cert), Some(key), false) => TlsMode::Files { cert, key },
            (Some(_), Some(_), true) => {
                return Err("give either --tls-cert and --tls-key, or --tls-self-signed".into())
            }
            _ => return Err("--tls-cert and --tls-key go together".into()),
        };
        let header_secs = args.client_header_timeout_secs.unwrap_or(10);
        if header_secs == 0 {
            return Err("--client-header-timeout-secs takes a whole number above 0".into());
        }
        let session_concurrency = args.session_concurrency.unwrap_or(6);
        if !(1..=64).contains(&session_concurrency) {
            return Err("--session-concurrency takes a whole number from 1 to 64".into());
        }
        let admin_token = match &args.admin_token_file {
            Some(path) => Some(crate::admin::AdminToken::from_file(path)?),
            None => None,
        };
        Ok(Config {
            admin_token,
            tls,
            upstream_ca: args.upstream_ca,
            header_timeout: Duration::from_secs(header_secs),
            session_concurrency,
            listen,
            dist_dir: args.dist.unwrap_or_else(|| PathBuf::from("dist")),
            octopai_url,
            cloudera_url,
            cloudera_api_version: version,
            allowed_origins: origins,
            session_keys,
            session_key_file: args.session_key_file,
            session_idle: Duration::from_secs(idle_secs),
            session_max: Duration::from_secs(max_secs),
            seal_cloudera_password: args.seal_cloudera_password,
            redis,
            trusted_proxies,
            upstream_timeout: Duration::from_secs(timeout_secs),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const REMOTE: [&str; 4] = [
        "--octopai-url",
        "https://octopai.example.com",
        "--cloudera-url",
        "https://cm.example.com:7183",
    ];

    fn parse(args: &[&str]) -> Result<Config, String> {
        let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
        Config::parse(&args)
    }

    fn remote(more: &[&str]) -> Result<Config, String> {
        let mut args = REMOTE.to_vec();
        args.extend_from_slice(more);
        parse(&args)
    }

    #[test]
    fn defaults() {
        let config = remote(&[]).unwrap();
        assert_eq!(config.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(config.dist_dir, PathBuf::from("dist"));
        assert_eq!(config.cloudera_api_version, 41);
        assert_eq!(config.session_idle, Duration::from_secs(30 * 60));
        assert_eq!(config.session_max, Duration::from_secs(8 * 3600));
        assert!(!config.seal_cloudera_password);
        assert!(config.redis.is_none());
        assert_eq!(config.upstream_timeout, Duration::from_secs(30));
        assert_eq!(config.header_timeout, Duration::from_secs(10));
        assert_eq!(config.session_concurrency, 6);
        assert_eq!(config.tls, TlsMode::Off);
        assert!(config.allowed_origins.is_empty());
        assert_eq!(
            remote(&["--session-idle-minutes", "5"])
                .unwrap()
                .session_idle,
            Duration::from_secs(300)
        );
        let short = remote(&["--session-max-seconds", "7"]).unwrap();
        assert_eq!(short.session_max, Duration::from_secs(7));
        assert_eq!(
            short.session_idle,
            Duration::from_secs(7),
            "idle never outlasts the end"
        );
    }

    #[test]
    fn bad_configuration_is_refused_with_a_reason() {
        for (args, expected) in [
            (vec![], "give both --octopai-url and --cloudera-url"),
            (
                vec!["--octopai-url", "https://o"],
                "give both --octopai-url and --cloudera-url",
            ),
            (vec!["--listen", "localhost"], "not an address"),
            (vec!["--allow-origin", "*"], "exact origin"),
            (vec!["--allow-origin", "null"], "exact origin"),
            (vec!["--cloudera-api-version", "7"], "at least 8"),
            (vec!["--cloudera-api-version", "new"], "invalid value"),
            (vec!["--session-key", "abc"], "no longer accepted"),
            (
                vec!["--session-key-file", "/nonexistent/keys"],
                "cannot read the session key file",
            ),
            (
                vec!["--redis-url", "http://127.0.0.1:6379"],
                "must look like redis://",
            ),
            (
                vec!["--redis-url", "redis://:hunter2@127.0.0.1:6379"],
                "must not carry a password",
            ),
            (vec!["--redis-password-file", "/tmp/x"], "needs --redis-url"),
            (
                vec!["--admin-token-file", "/nonexistent/admin"],
                "cannot read the administrator token file",
            ),
            (vec!["--trusted-proxy", "10.0.0.0/40"], "prefix must be"),
            (vec!["--frobnicate"], "unexpected argument '--frobnicate'"),
            (vec!["--session-concurrency", "0"], "from 1 to 64"),
            (vec!["--client-header-timeout-secs", "0"], "above 0"),
            (vec!["--upstream-timeout-secs", "0"], "above 0"),
            (
                vec!["--session-idle-minutes", "5", "--session-idle-seconds", "5"],
                "cannot be used with",
            ),
            (vec!["--session-max-seconds", "0"], "above 0"),
            // The demo's flags belong to the demo, not the gateway.
            (vec!["--demo"], "unexpected argument '--demo'"),
            (
                vec!["--demo-volume", "200"],
                "unexpected argument '--demo-volume'",
            ),
        ] {
            let mut all = REMOTE.to_vec();
            if args.first().is_some_and(|flag| *flag == "--octopai-url") || args.is_empty() {
                all.clear();
            }
            all.extend_from_slice(&args);
            let error = parse(&all).unwrap_err();
            assert!(error.contains(expected), "{args:?}: {error}");
        }
        let error =
            parse(&["--octopai-url", "ftp://o", "--cloudera-url", "https://c"]).unwrap_err();
        assert!(error.contains("must start with"), "{error}");
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
    }

    #[test]
    fn tls_flags_go_together() {
        assert_eq!(
            remote(&["--tls-self-signed"]).unwrap().tls,
            TlsMode::SelfSigned
        );
        assert!(matches!(
            remote(&["--tls-cert", "c.pem", "--tls-key", "k.pem"])
                .unwrap()
                .tls,
            TlsMode::Files { .. }
        ));
        assert!(remote(&["--tls-cert", "c.pem"])
            .unwrap_err()
            .contains("go together"));
        assert!(
            remote(&["--tls-cert", "c", "--tls-key", "k", "--tls-self-signed"])
                .unwrap_err()
                .contains("either")
        );
    }

    #[test]
    fn origins_repeat_and_help_names_every_flag_with_its_variable() {
        let config = remote(&[
            "--allow-origin",
            "https://a.example.com",
            "--allow-origin",
            "https://b.example.com",
        ])
        .unwrap();
        assert_eq!(config.allowed_origins.len(), 2);
        let help = parse(&["--help"]).unwrap_err();
        for flag in [
            "--octopai-url",
            "--cloudera-url",
            "--listen",
            "--session-key-file",
            "--session-idle-minutes",
            "--session-max-minutes",
            "--seal-cloudera-password",
            "--redis-url",
            "--tls-cert",
            "--session-concurrency",
            "OCTOPAI_URL",
            "GATEWAY_SESSION_KEY_FILE",
            "GATEWAY_REDIS_URL",
            "GATEWAY_ADMIN_TOKEN_FILE",
        ] {
            assert!(help.contains(flag), "{flag} missing from:\n{help}");
        }
    }
}
