//! Prometheus metrics with `prometheus-client` (the Prometheus project's own Rust client:
//! OpenMetrics text, typed labels, no global registry).

use std::sync::Mutex;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

/// Labels of one request: method, route template (never a raw path) and status.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    /// HTTP method.
    pub method: String,
    /// The matched route (`/lang/{tag}`), or `unmatched`.
    pub route: String,
    /// Status code.
    pub status: u16,
}

/// Labels of one request's duration: method and route.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    /// HTTP method.
    pub method: String,
    /// The matched route.
    pub route: String,
}

/// Labels of the pool gauge.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct PoolLabels {
    /// `open` or `idle`.
    pub state: String,
}

/// The metrics Lotse exports.
#[derive(Debug)]
pub struct Metrics {
    registry: Mutex<Registry>,
    requests: Family<RequestLabels, Counter>,
    durations: Family<RouteLabels, Histogram>,
    pool: Family<PoolLabels, Gauge>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// Registers every metric.
    pub fn new() -> Self {
        let mut registry = Registry::default();
        let requests = Family::<RequestLabels, Counter>::default();
        let durations = Family::<RouteLabels, Histogram>::new_with_constructor(|| {
            Histogram::new(exponential_buckets(0.001, 2.0, 14))
        });
        let pool = Family::<PoolLabels, Gauge>::default();
        registry.register("lotse_http_requests", "HTTP requests answered", requests.clone());
        registry.register(
            "lotse_http_request_duration_seconds",
            "Time to answer an HTTP request",
            durations.clone(),
        );
        registry.register(
            "lotse_db_pool_connections",
            "Database pool connections by state",
            pool.clone(),
        );
        Self {
            registry: Mutex::new(registry),
            requests,
            durations,
            pool,
        }
    }

    /// Records one answered request.
    pub fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        self.requests
            .get_or_create(&RequestLabels {
                method: method.to_owned(),
                route: route.to_owned(),
                status,
            })
            .inc();
        self.durations
            .get_or_create(&RouteLabels {
                method: method.to_owned(),
                route: route.to_owned(),
            })
            .observe(seconds);
    }

    /// Renders the text exposition, with the pool sampled now.
    pub fn render(&self, pool_open: u32, pool_idle: usize) -> String {
        self.pool
            .get_or_create(&PoolLabels { state: "open".into() })
            .set(i64::from(pool_open));
        self.pool
            .get_or_create(&PoolLabels { state: "idle".into() })
            .set(pool_idle as i64);
        let mut out = String::new();
        if let Ok(registry) = self.registry.lock() {
            // Writing to a String cannot fail.
            let _ = encode(&mut out, &registry);
        }
        out
    }
}
