//! Simulated Octopai and Cloudera Manager servers.
//!
//! They speak real HTTP and follow `shared/API_FACTS.md` exactly: documented
//! paths, bodies, defaults, ordering, paging, query semantics, error bodies
//! and 401 behaviour. They are the product's embedded default (`audit-demo`
//! starts them on loopback beside the gateway) and the test bed every test
//! talks to.
//! They are never linked into the app.
//!
//! Each upstream is its own [`axum::Router`] so it can listen on its own
//! address, as the real services do.

pub mod answers;
pub mod cloudera;
pub mod data;
pub mod faults;
pub mod jwt;
pub mod live;
pub mod octopai;
mod rng;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError, RwLock, RwLockReadGuard};

use chrono::{DateTime, Utc};
use tokio::net::TcpListener;

pub use data::{DataConfig, Dataset};

/// The Octopai demo account.
pub const DEMO_OCTOPAI_USER: &str = "analyst@example.com";
pub const DEMO_OCTOPAI_PASSWORD: &str = "demo-password";
/// The Cloudera Manager demo account.
pub const DEMO_CLOUDERA_USER: &str = "admin";
pub const DEMO_CLOUDERA_PASSWORD: &str = "admin";

/// Where "now" comes from (a fixed instant in tests).
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

pub fn system_clock() -> Clock {
    Arc::new(Utc::now)
}

/// State shared by both simulated upstreams.
pub struct SimState {
    /// Behind a lock so audits can keep arriving while clients page.
    data: RwLock<Dataset>,
    pub clock: Clock,
    /// Signs the Octopai access tokens.
    pub jwt_secret: Vec<u8>,
    /// How long an Octopai access token lives, in seconds (about 2 hours).
    pub access_token_seconds: i64,
    /// Cloudera Manager sessions issued so far, each with when it was last
    /// used (real time, whatever the data's clock says).
    pub cm_sessions: Mutex<HashMap<String, std::time::Instant>>,
    /// A Cloudera Manager session unused for this long is refused (401).
    pub cm_session_idle: std::time::Duration,
    /// Whether Cloudera Manager answers Basic authentication with a session
    /// cookie (as the real one does); off to act out one that does not.
    pub cm_session_cookies: bool,
    /// Added before every data answer (both APIs), to act out a slow
    /// upstream. Zero by default.
    pub page_delay: std::time::Duration,
    /// Faults to act out, per route ([`faults`]); none by default.
    pub faults: Arc<faults::FaultPlan>,
}

impl std::fmt::Debug for SimState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimState")
            .field("octopai_events", &self.data().octopai.len())
            .field("cloudera_audits", &self.data().cloudera.len())
            .finish_non_exhaustive()
    }
}

impl SimState {
    pub fn new(data: Dataset, clock: Clock) -> Arc<Self> {
        let seed = clock().timestamp_nanos_opt().unwrap_or_default();
        Arc::new(Self {
            data: RwLock::new(data),
            clock,
            jwt_secret: format!("simulated-octopai-{seed}").into_bytes(),
            access_token_seconds: 2 * 60 * 60,
            cm_sessions: Mutex::new(HashMap::new()),
            cm_session_idle: std::time::Duration::from_secs(30 * 60),
            cm_session_cookies: true,
            page_delay: std::time::Duration::ZERO,
            faults: Arc::default(),
        })
    }

    /// The data as it is now.
    pub fn data(&self) -> RwLockReadGuard<'_, Dataset> {
        self.data.read().unwrap_or_else(PoisonError::into_inner)
    }

    /// A new audit arrives (it must be newer than every audit held, as a
    /// live server's would be).
    pub fn record_cloudera(&self, record: data::ClouderaRecord) {
        let mut data = self.data.write().unwrap_or_else(PoisonError::into_inner);
        data.cloudera.insert(0, record);
    }

    /// Records that have just arrived (a live demo's, [`live`]), each put
    /// where its time belongs: late ones among those already held.
    pub fn arrive(&self, octopai: Vec<data::OctopaiRecord>, cloudera: Vec<data::ClouderaRecord>) {
        if octopai.is_empty() && cloudera.is_empty() {
            return;
        }
        let mut data = self.data.write().unwrap_or_else(PoisonError::into_inner);
        for record in octopai {
            let at = data.octopai.partition_point(|held| held.at > record.at);
            data.octopai.insert(at, record);
        }
        for record in cloudera {
            let at = data.cloudera.partition_point(|held| held.at > record.at);
            data.cloudera.insert(at, record);
        }
    }

    /// Generates data ending now and uses the system clock.
    pub fn generated(config: DataConfig) -> Arc<Self> {
        Self::generated_with_delay(config, std::time::Duration::ZERO)
    }

    /// Like [`SimState::generated`], with `page_delay` before every data answer.
    pub fn generated_with_delay(config: DataConfig, page_delay: std::time::Duration) -> Arc<Self> {
        Self::generated_with(config, page_delay, faults::FaultPlan::default())
    }

    /// Like [`SimState::generated_with_delay`], acting out `faults`.
    pub fn generated_with(
        mut config: DataConfig,
        page_delay: std::time::Duration,
        faults: faults::FaultPlan,
    ) -> Arc<Self> {
        let clock = system_clock();
        config.end = clock();
        let mut state = Self::new(data::generate(&config), clock);
        // Just made, so this is the only reference.
        if let Some(fresh) = Arc::get_mut(&mut state) {
            fresh.page_delay = page_delay;
            fresh.faults = Arc::new(faults);
        }
        state
    }

    /// The same state with Cloudera Manager sessions ending after `idle`
    /// unused, and given at all only if `cookies` (only before it is shared).
    pub fn with_cm_sessions(
        mut self: Arc<Self>,
        idle: std::time::Duration,
        cookies: bool,
    ) -> Arc<Self> {
        if let Some(fresh) = Arc::get_mut(&mut self) {
            fresh.cm_session_idle = idle;
            fresh.cm_session_cookies = cookies;
        }
        self
    }

    /// The same state acting out `faults` (only before it is shared).
    pub fn with_faults(mut self: Arc<Self>, faults: faults::FaultPlan) -> Arc<Self> {
        if let Some(fresh) = Arc::get_mut(&mut self) {
            fresh.faults = Arc::new(faults);
        }
        self
    }
}

/// Both upstreams, listening.
#[derive(Debug, Clone)]
pub struct RunningUpstreams {
    pub octopai_url: String,
    pub cloudera_url: String,
}

/// Serves both upstreams on the given listeners until the process ends.
pub fn spawn(
    state: Arc<SimState>,
    octopai: TcpListener,
    cloudera: TcpListener,
) -> std::io::Result<RunningUpstreams> {
    let urls = RunningUpstreams {
        octopai_url: format!("http://{}", octopai.local_addr()?),
        cloudera_url: format!("http://{}", cloudera.local_addr()?),
    };
    let octopai_app = octopai::router(state.clone());
    let cloudera_app = cloudera::router(state);
    tokio::spawn(async move {
        if let Err(error) = axum::serve(octopai, octopai_app).await {
            tracing::error!(%error, "simulated Octopai stopped");
        }
    });
    tokio::spawn(async move {
        if let Err(error) = axum::serve(cloudera, cloudera_app).await {
            tracing::error!(%error, "simulated Cloudera Manager stopped");
        }
    });
    Ok(urls)
}

/// Serves both upstreams on free loopback ports.
pub async fn spawn_on_loopback(state: Arc<SimState>) -> std::io::Result<RunningUpstreams> {
    let loopback = SocketAddr::from(([127, 0, 0, 1], 0));
    spawn(
        state,
        TcpListener::bind(loopback).await?,
        TcpListener::bind(loopback).await?,
    )
}
