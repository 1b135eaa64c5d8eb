//! One configuration, layered: defaults < config file < `LOTSE_*` environment < flags.
//! (clap reads the environment and the flags; this module adds the file and the defaults.)

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde::Deserialize;

use crate::cli::{GlobalArgs, LogFormat, ServeArgs};

/// The config file: every key optional, unknown keys refused (a typo must not pass silently).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub database_url: Option<String>,
    pub log_format: Option<LogFormat>,
    pub log: Option<String>,
    pub addr: Option<String>,
    pub secure_cookies: Option<bool>,
    pub max_connections: Option<u32>,
    pub request_timeout_secs: Option<u64>,
    pub shutdown_grace_secs: Option<u64>,
    pub login_max_failures: Option<u32>,
    pub login_lockout_secs: Option<u64>,
    pub login_address_max_failures: Option<u32>,
    pub second_factor_max_failures: Option<u32>,
    pub trusted_proxies: Option<Vec<std::net::IpAddr>>,
    pub data_keys_file: Option<PathBuf>,
    pub audit_checkpoint_key_file: Option<PathBuf>,
    pub audit_checkpoint_secs: Option<u64>,
    pub follow_up_job_secs: Option<u64>,
    pub header_read_timeout_secs: Option<u64>,
    pub idle_timeout_secs: Option<u64>,
    pub max_open_connections: Option<u32>,
    pub metrics_token: Option<String>,
    pub public_url: Option<String>,
    pub email_job_secs: Option<u64>,
    pub smtp: Option<std::collections::BTreeMap<String, SmtpFile>>,
}

/// One programme's SMTP relay in the config file (`[smtp.<programme slug>]`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpFile {
    /// `smtps://user:password@host:465` or `smtp://user:password@host:587?tls=required`.
    pub url: String,
    /// The sender, e.g. `Lotse Düsseldorf <lotse@duesseldorf.example>`.
    pub from: String,
}

/// E-mail to providers: where links point, the relays by programme slug, how often the server
/// delivers.
#[derive(Debug, Clone)]
pub struct EmailSettings {
    /// The address Lotse is reached at (links in e-mails start with it).
    pub public_url: Option<String>,
    /// Each configured programme's relay, checked.
    pub relays: Vec<(String, lotse_app::email::Relay)>,
    /// Seconds between the e-mail job's runs in the server; 0: not in the server.
    pub email_job_secs: u64,
}

/// Resolves and checks the e-mail settings (`public_url`, `[smtp.<slug>]`, `email_job_secs`).
pub fn email(file: &FileConfig) -> anyhow::Result<EmailSettings> {
    let mut relays = Vec::new();
    for (slug, relay) in file.smtp.iter().flatten() {
        let checked =
            lotse_app::email::Relay::new(&relay.url, &relay.from).map_err(|e| anyhow::anyhow!("[smtp.{slug}]: {e}"))?;
        relays.push((slug.clone(), checked));
    }
    let public_url = file.public_url.clone().filter(|u| !u.trim().is_empty());
    if !relays.is_empty() && public_url.is_none() {
        bail!(
            "public_url is needed where [smtp.…] is configured: links in e-mails start with it (e.g. public_url = \"https://lotse.example.org\")"
        );
    }
    let email_job_secs = file
        .email_job_secs
        .unwrap_or_else(|| lotse_app::email::DEFAULT_INTERVAL.as_secs());
    if email_job_secs != 0 && !(10..=3600).contains(&email_job_secs) {
        bail!("email_job_secs must be 0 (no runs in the server) or between 10 and 3600, got {email_job_secs}");
    }
    Ok(EmailSettings {
        public_url,
        relays,
        email_job_secs,
    })
}

/// Every `LOTSE_*` variable Lotse reads (others get a warning; `LOTSE_TEST_*` is for tests).
pub const KNOWN_ENV: [&str; 26] = [
    "LOTSE_DATA_KEYS",
    "LOTSE_AUDIT_CHECKPOINT_KEY",
    "LOTSE_AUDIT_CHECKPOINT_SECS",
    "LOTSE_LOGIN_ADDRESS_MAX_FAILURES",
    "LOTSE_SECOND_FACTOR_MAX_FAILURES",
    "LOTSE_TRUSTED_PROXIES",
    "LOTSE_LOGIN_MAX_FAILURES",
    "LOTSE_LOGIN_LOCKOUT_SECS",
    "LOTSE_DATABASE_URL",
    "LOTSE_CONFIG",
    "LOTSE_LOG_FORMAT",
    "LOTSE_LOG",
    "LOTSE_ADDR",
    "LOTSE_DEMO",
    "LOTSE_SECURE_COOKIES",
    "LOTSE_MAX_CONNECTIONS",
    "LOTSE_REQUEST_TIMEOUT_SECS",
    "LOTSE_SHUTDOWN_GRACE_SECS",
    "LOTSE_SCALE",
    "LOTSE_SEED",
    "LOTSE_AS_OF",
    "LOTSE_NO_COLOR",
    "LOTSE_HEADER_READ_TIMEOUT_SECS",
    "LOTSE_IDLE_TIMEOUT_SECS",
    "LOTSE_MAX_OPEN_CONNECTIONS",
    "LOTSE_METRICS_TOKEN",
];

/// The names of `LOTSE_*` variables that Lotse does not know.
pub fn unknown_env() -> Vec<String> {
    std::env::vars_os()
        .filter_map(|(k, _)| k.into_string().ok())
        .filter(|k| k.starts_with("LOTSE_") && !k.starts_with("LOTSE_TEST_") && !KNOWN_ENV.contains(&k.as_str()))
        .collect()
}

/// Reads the config file: the one named (must exist), else `lotse.toml` if present.
pub fn load_file(named: Option<&Path>) -> anyhow::Result<(FileConfig, Option<PathBuf>)> {
    let path = if let Some(p) = named {
        if !p.is_file() {
            bail!("the config file {} does not exist", p.display());
        }
        p.to_path_buf()
    } else {
        let default = PathBuf::from("lotse.toml");
        if !default.is_file() {
            return Ok((FileConfig::default(), None));
        }
        default
    };
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("cannot read the config file {}", path.display()))?;
    let file: FileConfig =
        toml::from_str(&text).with_context(|| format!("the config file {} is invalid", path.display()))?;
    Ok((file, Some(path)))
}

/// Settings every subcommand uses.
#[derive(Debug, Clone)]
pub struct Common {
    pub database_url: String,
    pub log_format: LogFormat,
    pub log: String,
    /// A file holding the data keys (`data_keys_file`); `LOTSE_DATA_KEYS` wins over it.
    pub data_keys_file: Option<PathBuf>,
    /// A file holding the audit checkpoint keys (`audit_checkpoint_key_file`);
    /// `LOTSE_AUDIT_CHECKPOINT_KEY` wins over it.
    pub audit_checkpoint_key_file: Option<PathBuf>,
}

/// Resolves the common settings.
pub fn common(args: &GlobalArgs, file: &FileConfig) -> Common {
    Common {
        database_url: args
            .database_url
            .clone()
            .or_else(|| file.database_url.clone())
            .unwrap_or_else(|| "sqlite:lotse.db".to_owned()),
        log_format: args.log_format.or(file.log_format).unwrap_or(LogFormat::Text),
        log: args
            .log
            .clone()
            .or_else(|| file.log.clone())
            .unwrap_or_else(|| "info".to_owned()),
        data_keys_file: file.data_keys_file.clone(),
        audit_checkpoint_key_file: file.audit_checkpoint_key_file.clone(),
    }
}

/// Settings of `serve`.
#[derive(Debug, Clone)]
pub struct Serve {
    pub addr: String,
    pub demo: bool,
    pub secure_cookies: bool,
    /// `None`: [`default_max_connections`] for the database's engine.
    pub max_connections: Option<u32>,
    pub request_timeout_secs: u64,
    pub shutdown_grace_secs: u64,
    pub login_max_failures: u32,
    pub login_lockout_secs: u64,
    pub audit_checkpoint_secs: u64,
    /// Seconds between the follow-up job's runs; 0: the server does not run it.
    pub follow_up_job_secs: u64,
    pub header_read_timeout_secs: u64,
    pub idle_timeout_secs: u64,
    /// `None`: derived from the open-file limit at start (at most 1,024).
    pub max_open_connections: Option<u32>,
    /// Redacted in `Debug`.
    pub metrics_token: Option<secrecy::SecretString>,
    pub login_address_max_failures: u32,
    pub second_factor_max_failures: u32,
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

/// The database pool's size when none is configured: 8 on PostgreSQL (its server works beside
/// ours, and a request waits on the network); on SQLite two per core this process may run on
/// (`cores`, from its CPU affinity), at least 2 and at most 16. SQLite's reads run on the
/// server's own cores: more connections than that only add thread switches, and each of them
/// refills its page cache after every commit (at scale 400 on one core the worklist served 820
/// requests/s with 8 connections, 1,059 with 2; BENCHMARKS.md, 2026-12-05).
pub fn default_max_connections(sqlite: bool, cores: usize) -> u32 {
    if !sqlite {
        return 8;
    }
    u32::try_from(cores.saturating_mul(2)).unwrap_or(16).clamp(2, 16)
}

/// Resolves and checks the `serve` settings.
pub fn serve(args: &ServeArgs, file: &FileConfig) -> anyhow::Result<Serve> {
    let request_timeout_secs = args.request_timeout_secs.or(file.request_timeout_secs).unwrap_or(30);
    let serve = Serve {
        addr: args
            .addr
            .clone()
            .or_else(|| file.addr.clone())
            .unwrap_or_else(|| "127.0.0.1:8080".to_owned()),
        demo: args.demo,
        secure_cookies: args.secure_cookies.or(file.secure_cookies).unwrap_or(false),
        max_connections: args.max_connections.or(file.max_connections),
        request_timeout_secs,
        // Unset: the request timeout and 5 s more, so a request in flight at SIGTERM finishes.
        shutdown_grace_secs: args
            .shutdown_grace_secs
            .or(file.shutdown_grace_secs)
            .unwrap_or_else(|| request_timeout_secs.saturating_add(5)),
        login_max_failures: args.login_max_failures.or(file.login_max_failures).unwrap_or(5),
        login_lockout_secs: args.login_lockout_secs.or(file.login_lockout_secs).unwrap_or(900),
        audit_checkpoint_secs: args
            .audit_checkpoint_secs
            .or(file.audit_checkpoint_secs)
            .unwrap_or(3600),
        follow_up_job_secs: args
            .follow_up_job_secs
            .or(file.follow_up_job_secs)
            .unwrap_or_else(|| lotse_app::follow_up::DEFAULT_INTERVAL.as_secs()),
        header_read_timeout_secs: args
            .header_read_timeout_secs
            .or(file.header_read_timeout_secs)
            .unwrap_or(10),
        idle_timeout_secs: args.idle_timeout_secs.or(file.idle_timeout_secs).unwrap_or(60),
        max_open_connections: args.max_open_connections.or(file.max_open_connections),
        metrics_token: args
            .metrics_token
            .clone()
            .or_else(|| file.metrics_token.clone())
            .filter(|t| !t.is_empty())
            .map(secrecy::SecretString::from),
        login_address_max_failures: args
            .login_address_max_failures
            .or(file.login_address_max_failures)
            .unwrap_or(20),
        second_factor_max_failures: args
            .second_factor_max_failures
            .or(file.second_factor_max_failures)
            .unwrap_or(10),
        trusted_proxies: args
            .trusted_proxies
            .clone()
            .or_else(|| file.trusted_proxies.clone())
            .unwrap_or_default(),
    };
    if !(1..=100_000).contains(&serve.login_address_max_failures) {
        bail!(
            "login_address_max_failures must be between 1 and 100000, got {}",
            serve.login_address_max_failures
        );
    }
    if !(1..=1000).contains(&serve.second_factor_max_failures) {
        bail!(
            "second_factor_max_failures must be between 1 and 1000, got {}",
            serve.second_factor_max_failures
        );
    }
    if !(1..=300).contains(&serve.header_read_timeout_secs) {
        bail!(
            "header_read_timeout_secs must be between 1 and 300, got {}",
            serve.header_read_timeout_secs
        );
    }
    if !(1..=3600).contains(&serve.idle_timeout_secs) {
        bail!(
            "idle_timeout_secs must be between 1 and 3600, got {}",
            serve.idle_timeout_secs
        );
    }
    if let Some(n) = serve.max_open_connections
        && !(1..=100_000).contains(&n)
    {
        bail!("max_open_connections must be between 1 and 100000, got {n}");
    }
    if let Some(token) = serve.metrics_token.as_ref().map(secrecy::ExposeSecret::expose_secret)
        && (token.len() < 16 || !token.bytes().all(|b| b.is_ascii_graphic()))
    {
        bail!("metrics_token must be at least 16 visible ASCII characters (no spaces)");
    }
    if !(1..=86_400).contains(&serve.audit_checkpoint_secs) {
        bail!(
            "audit_checkpoint_secs must be between 1 and 86400, got {}",
            serve.audit_checkpoint_secs
        );
    }
    if serve.follow_up_job_secs != 0 && !(60..=86_400).contains(&serve.follow_up_job_secs) {
        bail!(
            "follow_up_job_secs must be 0 (no runs in the server) or between 60 and 86400, got {}",
            serve.follow_up_job_secs
        );
    }
    if !(1..=1000).contains(&serve.login_max_failures) {
        bail!(
            "login_max_failures must be between 1 and 1000, got {}",
            serve.login_max_failures
        );
    }
    if !(1..=86_400).contains(&serve.login_lockout_secs) {
        bail!(
            "login_lockout_secs must be between 1 and 86400, got {}",
            serve.login_lockout_secs
        );
    }
    if let Some(n) = serve.max_connections
        && !(1..=1000).contains(&n)
    {
        bail!("max_connections must be between 1 and 1000, got {n}");
    }
    if !(1..=3600).contains(&serve.request_timeout_secs) {
        bail!(
            "request_timeout_secs must be between 1 and 3600, got {}",
            serve.request_timeout_secs
        );
    }
    if serve.shutdown_grace_secs <= serve.request_timeout_secs {
        bail!(
            "shutdown_grace_secs ({}) must be longer than request_timeout_secs ({}): a request in \
             flight at shutdown may run that long and would be cut off",
            serve.shutdown_grace_secs,
            serve.request_timeout_secs
        );
    }
    Ok(serve)
}

/// The documented example printed by `lotse config example`.
pub const EXAMPLE: &str = r#"# lotse.toml: every setting with its default. Flags and LOTSE_* variables override it.

# Database: sqlite:FILE (created on first start) or postgres://USER:PASSWORD@HOST:PORT/DB
# (env LOTSE_DATABASE_URL, flag --database-url)
database_url = "sqlite:lotse.db"

# Logs: "text" or "json"; filter like "info" or "lotse_web=debug" (LOTSE_LOG_FORMAT, LOTSE_LOG)
log_format = "text"
log = "info"

# lotse serve
addr = "127.0.0.1:8080"          # LOTSE_ADDR, --addr
secure_cookies = false           # LOTSE_SECURE_COOKIES: true when served over HTTPS
# max_connections = 8            # LOTSE_MAX_CONNECTIONS: database pool size [default: PostgreSQL 8;
                                 #   SQLite 2 per core the process may run on, 2 to 16]
request_timeout_secs = 30        # LOTSE_REQUEST_TIMEOUT_SECS
shutdown_grace_secs = 35         # LOTSE_SHUTDOWN_GRACE_SECS: time for in-flight requests on SIGTERM;
                                 # longer than request_timeout_secs (default: it + 5)
login_max_failures = 5           # LOTSE_LOGIN_MAX_FAILURES: failed sign-ins before an account name is locked
login_lockout_secs = 900         # LOTSE_LOGIN_LOCKOUT_SECS: how long it stays locked (and the counting window)
header_read_timeout_secs = 10    # LOTSE_HEADER_READ_TIMEOUT_SECS: time to send a request head (also the longest
                                 #   wait for the next request on a kept-alive connection)
idle_timeout_secs = 60           # LOTSE_IDLE_TIMEOUT_SECS: a connection with nothing read or written is closed
# max_open_connections = 1024    # LOTSE_MAX_OPEN_CONNECTIONS: more are answered 503 [default: 1024, less if
                                 #   the open-file limit is low]
# metrics_token = "..."          # LOTSE_METRICS_TOKEN: lets /metrics be read with `Authorization: Bearer ...`
                                 #   from other addresses than loopback (at least 16 characters)
login_address_max_failures = 20  # LOTSE_LOGIN_ADDRESS_MAX_FAILURES: failed sign-ins from one client address, any names
second_factor_max_failures = 10  # LOTSE_SECOND_FACTOR_MAX_FAILURES: wrong codes before a coordinator must unlock
trusted_proxies = []             # LOTSE_TRUSTED_PROXIES: proxy addresses whose X-Forwarded-For names the client

# Identity fields are encrypted with data keys: `id:64-hex-digits`, comma-separated, the first
# one encrypts (`lotse keys generate` makes one). Give them in LOTSE_DATA_KEYS or in a file
# readable only by lotse. Without either, a SQLite database gets `<database file>.keys` beside it
# on first start (fine for a demo; keep real keys apart from the database and its backups).
# data_keys_file = "/etc/lotse/data-keys"

# Audit checkpoints: `lotse audit checkpoint` prints, and `lotse serve` logs every
# audit_checkpoint_secs, each programme's audit chain head keyed with HMAC-SHA-256; keep them
# outside the database and check with `lotse audit verify --checkpoint FILE`. The checkpoint key
# (`id:64-hex-digits`, comma-separated, the first one keys; `lotse keys generate --id c1` makes
# one) is not a data key: give it in LOTSE_AUDIT_CHECKPOINT_KEY or in a file. Without either, a
# SQLite database gets `<database file>.checkpoint-key` beside it; PostgreSQL takes no
# checkpoints until one is configured.
audit_checkpoint_secs = 3600     # LOTSE_AUDIT_CHECKPOINT_SECS, --audit-checkpoint-secs
# audit_checkpoint_key_file = "/etc/lotse/audit-checkpoint-key"

# The follow-up job (onward referrals whose provider never answered lapse) runs inside
# `lotse serve` every follow_up_job_secs (one run at start), one runner at a time across
# instances (a PostgreSQL advisory lock). 0 switches it off; then run `lotse jobs run` from cron.
follow_up_job_secs = 900         # LOTSE_FOLLOW_UP_JOB_SECS, --follow-up-job-secs

# E-mail to providers without an account (their signed link when an onward referral is sent, a
# reminder when they stay silent): per programme, an SMTP relay with TLS (smtps://, or
# smtp://…?tls=required for STARTTLS; plain smtp:// only to 127.0.0.1, ::1 or localhost), and
# the address Lotse is reached at, which the links start with. The e-mails hold the offer's
# title, the link and its last day, nothing about the person. The URL may hold the relay's
# password: keep this file readable only by lotse. `lotse serve` delivers every email_job_secs
# (0: not in the server; then `lotse jobs run` from cron); a failed delivery is tried again.
# public_url = "https://lotse.example.org"
# [smtp.duesseldorf]
# url = "smtps://lotse:secret@mail.example.org:465"
# from = "Lotse Düsseldorf <lotse@example.org>"
email_job_secs = 60
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_parses_and_holds_the_defaults() {
        let file: FileConfig = toml::from_str(EXAMPLE).unwrap();
        let args = GlobalArgs {
            database_url: None,
            config: None,
            log_format: None,
            log: None,
        };
        let c = common(&args, &FileConfig::default());
        assert_eq!(file.database_url.as_deref(), Some(c.database_url.as_str()));
        assert_eq!(file.addr.as_deref(), Some("127.0.0.1:8080"));
    }

    #[test]
    fn the_pool_size_follows_the_engine_and_the_cores() {
        // (SQLite?, cores the process may run on, connections), written out by hand.
        let table = [
            (false, 1, 8),
            (false, 64, 8),
            (true, 0, 2),
            (true, 1, 2),
            (true, 2, 4),
            (true, 7, 14),
            (true, 8, 16),
            (true, 64, 16),
        ];
        for (sqlite, cores, expected) in table {
            assert_eq!(default_max_connections(sqlite, cores), expected, "{sqlite} {cores}");
        }
    }

    #[test]
    fn flags_beat_the_file() {
        let file: FileConfig = toml::from_str("database_url = \"sqlite:file.db\"\nlog = \"debug\"").unwrap();
        let args = GlobalArgs {
            database_url: Some("sqlite:flag.db".into()),
            config: None,
            log_format: None,
            log: None,
        };
        let c = common(&args, &file);
        assert_eq!(c.database_url, "sqlite:flag.db");
        assert_eq!(c.log, "debug");
    }

    fn serve_args() -> ServeArgs {
        use clap::Parser as _;
        match crate::cli::Cli::try_parse_from(["lotse", "serve"]).unwrap().command {
            crate::cli::Command::Serve(args) => args,
            _ => unreachable!(),
        }
    }

    #[test]
    fn connection_limits_and_the_metrics_token_are_checked() {
        let ok = serve(&serve_args(), &FileConfig::default()).unwrap();
        assert_eq!((ok.header_read_timeout_secs, ok.idle_timeout_secs), (10, 60));
        assert_eq!(ok.max_open_connections, None);
        assert!(ok.metrics_token.is_none());
        assert_eq!(ok.follow_up_job_secs, 900);
        let off: FileConfig = toml::from_str("follow_up_job_secs = 0").unwrap();
        assert_eq!(serve(&serve_args(), &off).unwrap().follow_up_job_secs, 0);
        for bad in [
            "metrics_token = \"short\"",
            "metrics_token = \"has spaces in the token\"",
            "header_read_timeout_secs = 0",
            "idle_timeout_secs = 0",
            "max_open_connections = 0",
            "follow_up_job_secs = 59",
            "follow_up_job_secs = 86401",
        ] {
            let file: FileConfig = toml::from_str(bad).unwrap();
            assert!(serve(&serve_args(), &file).is_err(), "{bad}");
        }
        let file: FileConfig = toml::from_str("metrics_token = \"a-token-long-enough-1234\"").unwrap();
        let with = serve(&serve_args(), &file).unwrap();
        assert!(with.metrics_token.is_some());
        assert!(
            !format!("{with:?}").contains("a-token-long-enough-1234"),
            "the token is redacted in Debug"
        );
    }

    #[test]
    fn the_shutdown_grace_outlasts_the_request_timeout() {
        let default = serve(&serve_args(), &FileConfig::default()).unwrap();
        assert!(
            default.shutdown_grace_secs > default.request_timeout_secs,
            "{} <= {}",
            default.shutdown_grace_secs,
            default.request_timeout_secs
        );
        let example: FileConfig = toml::from_str(EXAMPLE).unwrap();
        let example = serve(&serve_args(), &example).unwrap();
        assert!(example.shutdown_grace_secs > example.request_timeout_secs);
        // A longer request timeout alone takes the default grace along.
        let file: FileConfig = toml::from_str("request_timeout_secs = 120").unwrap();
        let longer = serve(&serve_args(), &file).unwrap();
        assert!(longer.shutdown_grace_secs > 120, "{}", longer.shutdown_grace_secs);
        // A grace set no longer than the request timeout is refused, naming both.
        for bad in [
            "shutdown_grace_secs = 30",
            "shutdown_grace_secs = 10\nrequest_timeout_secs = 20",
        ] {
            let file: FileConfig = toml::from_str(bad).unwrap();
            let err = serve(&serve_args(), &file).unwrap_err().to_string();
            assert!(
                err.contains("shutdown_grace_secs") && err.contains("request_timeout_secs"),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn trusted_proxies_are_addresses() {
        let file: FileConfig = toml::from_str("trusted_proxies = [\"10.0.0.1\", \"::1\"]").unwrap();
        assert_eq!(file.trusted_proxies.unwrap().len(), 2);
        assert!(toml::from_str::<FileConfig>("trusted_proxies = [\"10.0.0.0/8\"]").is_err());
        let example: FileConfig = toml::from_str(EXAMPLE).unwrap();
        assert_eq!(example.trusted_proxies, Some(Vec::new()), "none trusted by default");
    }

    #[test]
    fn email_settings_are_checked_before_anything_starts() {
        let example: FileConfig = toml::from_str(EXAMPLE).unwrap();
        let none = email(&example).unwrap();
        assert!(none.relays.is_empty() && none.public_url.is_none());
        assert_eq!(none.email_job_secs, 60);
        let good = "public_url = \"https://lotse.example.org\"\n[smtp.duesseldorf]\n\
                    url = \"smtps://lotse:secret@mail.example.org:465\"\nfrom = \"Lotse <lotse@example.org>\"";
        let file: FileConfig = toml::from_str(good).unwrap();
        let ok = email(&file).unwrap();
        assert_eq!(ok.relays.len(), 1);
        assert_eq!(ok.relays[0].0, "duesseldorf");
        // (config, words the refusal must hold)
        let bad = [
            (
                "[smtp.duesseldorf]\nurl = \"smtps://mail.example.org\"\nfrom = \"lotse@example.org\"",
                "public_url",
            ),
            (
                "public_url = \"https://l.example\"\n[smtp.duesseldorf]\nurl = \"smtp://mail.example.org:25\"\nfrom = \"lotse@example.org\"",
                "[smtp.duesseldorf]: the SMTP URL must use TLS",
            ),
            (
                "public_url = \"https://l.example\"\n[smtp.berlin]\nurl = \"smtps://mail.example.org\"\nfrom = \"Lotse\"",
                "[smtp.berlin]: the sender",
            ),
            ("email_job_secs = 5", "email_job_secs"),
            ("email_job_secs = 3601", "email_job_secs"),
        ];
        for (text, words) in bad {
            let file: FileConfig = toml::from_str(text).unwrap();
            let err = email(&file).unwrap_err().to_string();
            assert!(err.contains(words), "{text}: {err}");
        }
        assert_eq!(
            email(&toml::from_str("email_job_secs = 0").unwrap())
                .unwrap()
                .email_job_secs,
            0
        );
        // A typo in a relay's keys is refused, not ignored.
        assert!(
            toml::from_str::<FileConfig>("[smtp.x]\nurl = \"smtps://h\"\nfrom = \"a@b\"\npasword = \"p\"").is_err()
        );
    }

    #[test]
    fn unknown_keys_are_refused() {
        assert!(toml::from_str::<FileConfig>("databse_url = \"x\"").is_err());
    }
}
