//! The command line. Every flag can also come from a `LOTSE_*` environment variable and from
//! the config file; precedence: flag > environment > file > default.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Lotse: social prescribing with a closed loop.
#[derive(Debug, Parser)]
#[command(name = "lotse", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every subcommand takes.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Database URL: `sqlite:FILE` (created on first start) or `postgres://USER:PASSWORD@HOST/DB`
    /// [default: sqlite:lotse.db]
    #[arg(long, global = true, env = "LOTSE_DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// Config file (TOML); `lotse config example` prints one [default: lotse.toml if present]
    #[arg(long, global = true, env = "LOTSE_CONFIG")]
    pub config: Option<PathBuf>,
    /// Log format [default: text]
    #[arg(long, global = true, env = "LOTSE_LOG_FORMAT")]
    pub log_format: Option<LogFormat>,
    /// Log filter, e.g. `info` or `lotse_web=debug` [default: info]
    #[arg(long, global = true, env = "LOTSE_LOG")]
    pub log: Option<String>,
}

/// How logs are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the web UI and APIs.
    Serve(ServeArgs),
    /// Seed the demo programmes (Düsseldorf, Norddjurs) into the database.
    Demo(DemoArgs),
    /// Apply pending database migrations.
    Migrate,
    /// Write a consistent copy of a SQLite database while it is in use.
    Backup(BackupArgs),
    /// Replace the SQLite database with a checked backup (stop the server first).
    Restore(RestoreArgs),
    /// Manage user accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage API clients: machine callers of `/api/v1` with a bearer token.
    #[command(subcommand, name = "api-client")]
    ApiClient(ApiClientCommand),
    /// Anonymise people whose referrals have all been closed for longer than their
    /// programme's retention period (run it daily, e.g. from a systemd timer).
    #[command(subcommand)]
    Retention(RetentionCommand),
    /// The scheduled follow-up job (lapses of onward referrals whose provider never answered).
    #[command(subcommand)]
    Jobs(JobsCommand),
    /// Data keys for identity fields: make one, or re-encrypt with the first configured key.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Import a programme's data from files.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Export data for others (an output directory, one file per table and a data dictionary).
    #[command(subcommand)]
    Export(ExportCommand),
    /// Inspect the audit log.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// List programmes.
    #[command(subcommand)]
    Programme(ProgrammeCommand),
    /// Change an organisation's settings.
    #[command(subcommand)]
    Organisation(OrganisationCommand),
    /// Configuration helpers.
    #[command(subcommand)]
    Config(ConfigCommand),
}

/// `lotse serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on [default: 127.0.0.1:8080]
    #[arg(long, env = "LOTSE_ADDR")]
    pub addr: Option<String>,
    /// Seed the demo data first if the database holds no programme yet
    #[arg(long, env = "LOTSE_DEMO")]
    pub demo: bool,
    /// Mark cookies Secure and send HSTS (set when served over HTTPS) [default: false]
    #[arg(long, env = "LOTSE_SECURE_COOKIES")]
    pub secure_cookies: Option<bool>,
    /// Maximum database connections [default: PostgreSQL 8; SQLite 2 per core, 2 to 16]
    #[arg(long, env = "LOTSE_MAX_CONNECTIONS")]
    pub max_connections: Option<u32>,
    /// Seconds a request may take before it is answered with 408 [default: 30]
    #[arg(long, env = "LOTSE_REQUEST_TIMEOUT_SECS")]
    pub request_timeout_secs: Option<u64>,
    /// Failed sign-ins for one account name before it is locked [default: 5]
    #[arg(long, env = "LOTSE_LOGIN_MAX_FAILURES")]
    pub login_max_failures: Option<u32>,
    /// Seconds an account name stays locked, and the window failures are counted in [default: 900]
    #[arg(long, env = "LOTSE_LOGIN_LOCKOUT_SECS")]
    pub login_lockout_secs: Option<u64>,
    /// Failed sign-ins from one client address (any names) before it is locked [default: 20]
    #[arg(long, env = "LOTSE_LOGIN_ADDRESS_MAX_FAILURES")]
    pub login_address_max_failures: Option<u32>,
    /// Wrong second-factor codes of one account before a coordinator must unlock it [default: 10]
    #[arg(long, env = "LOTSE_SECOND_FACTOR_MAX_FAILURES")]
    pub second_factor_max_failures: Option<u32>,
    /// Proxies whose X-Forwarded-For names the client, comma-separated IP addresses [default: none]
    #[arg(long, env = "LOTSE_TRUSTED_PROXIES", value_delimiter = ',')]
    pub trusted_proxies: Option<Vec<std::net::IpAddr>>,
    /// Seconds to let in-flight requests finish after SIGTERM; longer than the request timeout
    /// [default: request_timeout_secs + 5]
    #[arg(long, env = "LOTSE_SHUTDOWN_GRACE_SECS")]
    pub shutdown_grace_secs: Option<u64>,
    /// Seconds between the audit checkpoints the server logs (one at start) [default: 3600]
    #[arg(long, env = "LOTSE_AUDIT_CHECKPOINT_SECS")]
    pub audit_checkpoint_secs: Option<u64>,
    /// Seconds between the runs of the follow-up job (lapses of unanswered onward referrals;
    /// one at start), 60 to 86400, or 0 for none (then run `lotse jobs run` from cron)
    /// [default: 900]
    #[arg(long, env = "LOTSE_FOLLOW_UP_JOB_SECS")]
    pub follow_up_job_secs: Option<u64>,
    /// Seconds a client may take to send a request head; also the longest wait for the next
    /// request on a kept-alive connection [default: 10]
    #[arg(long, env = "LOTSE_HEADER_READ_TIMEOUT_SECS")]
    pub header_read_timeout_secs: Option<u64>,
    /// Seconds without anything read or written before a connection is closed [default: 60]
    #[arg(long, env = "LOTSE_IDLE_TIMEOUT_SECS")]
    pub idle_timeout_secs: Option<u64>,
    /// Open connections at most; more are answered 503 [default: 1024, less if the open-file
    /// limit is low]
    #[arg(long, env = "LOTSE_MAX_OPEN_CONNECTIONS")]
    pub max_open_connections: Option<u32>,
    /// A token that lets `/metrics` be read from other addresses than loopback, as
    /// `Authorization: Bearer TOKEN` (prefer the environment or the config file to a flag)
    #[arg(long, env = "LOTSE_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,
}

/// `lotse demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Size multiplier: 1 = 250 offers and 2,500 referrals; 400 = 100,000 offers and 1,000,000 referrals
    #[arg(long, env = "LOTSE_SCALE", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub scale: u32,
    /// Random seed: the same seed and date give the same data
    #[arg(long, env = "LOTSE_SEED", default_value_t = 1)]
    pub seed: u64,
    /// Generate as of this day (YYYY-MM-DD) [default: today]
    #[arg(long, env = "LOTSE_AS_OF", value_parser = parse_date)]
    pub as_of: Option<time::Date>,
}

fn parse_date(s: &str) -> Result<time::Date, String> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(s, format).map_err(|_| format!("expected a date like 2026-11-22, got {s:?}"))
}

/// `lotse backup FILE`.
#[derive(Debug, Args)]
pub struct BackupArgs {
    /// The backup file to write (must not exist)
    pub file: PathBuf,
}

/// `lotse restore FILE`.
#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// The backup file to restore from
    pub file: PathBuf,
}

/// `lotse user …`.
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account with a role in one programme.
    Add(UserAddArgs),
    /// Issue a one-time password-reset code for an account (shown once, valid 24 hours); with
    /// --second-factor, redeeming it also removes the account's second factor. Audited as
    /// `system:admin`. Coordinators can issue codes too, but never remove a second factor.
    Reset(UserResetArgs),
}

/// `lotse api-client …`.
#[derive(Debug, Subcommand)]
pub enum ApiClientCommand {
    /// Define a client acting in a role (and organisation) with scopes; prints its bearer token
    /// once (only its SHA-256 is stored). Audited as `system:admin`.
    Add(ApiClientAddArgs),
    /// List a programme's clients (name, id, role, scopes, live or revoked).
    List(ApiClientListArgs),
    /// Revoke a client: its token stops working at once. Audited as `system:admin`.
    Revoke(ApiClientRevokeArgs),
}

/// `lotse api-client add`.
#[derive(Debug, Args)]
pub struct ApiClientAddArgs {
    /// Programme slug, e.g. `duesseldorf`
    #[arg(long)]
    pub programme: String,
    /// The client's name, unique in the programme (a-z, digits, - _ .)
    #[arg(long)]
    pub name: String,
    /// The role it acts in
    #[arg(long, value_parser = ["prescriber", "link-worker", "offer-provider", "coordinator", "evaluator", "outcome-payer"])]
    pub role: String,
    /// Organisation it acts for (exact name), for prescriber, link-worker and offer-provider
    #[arg(long)]
    pub organisation: Option<String>,
    /// Scopes, comma-separated: worklist:read, case:read, consent:write, export:read,
    /// directory:read, offer:write, case:work, prescription:write, onward:answer (each must be one
    /// the role may use)
    #[arg(long)]
    pub scopes: String,
}

/// `lotse api-client list`.
#[derive(Debug, Args)]
pub struct ApiClientListArgs {
    /// Programme slug
    #[arg(long)]
    pub programme: String,
}

/// `lotse api-client revoke --programme P NAME`.
#[derive(Debug, Args)]
pub struct ApiClientRevokeArgs {
    /// Programme slug
    #[arg(long)]
    pub programme: String,
    /// The client's name
    pub name: String,
}

/// `lotse user reset USERNAME [--second-factor]`.
#[derive(Debug, Args)]
pub struct UserResetArgs {
    /// The account's login name
    pub username: String,
    /// Also remove the account's second factor when the code is redeemed (a lost phone); the
    /// user then sets one up again where the programme requires it
    #[arg(long)]
    pub second_factor: bool,
}

/// `lotse user add`.
#[derive(Debug, Args)]
pub struct UserAddArgs {
    /// Programme slug, e.g. `duesseldorf`
    #[arg(long)]
    pub programme: String,
    /// Login name (letters a-z, digits, . - _ @)
    #[arg(long)]
    pub username: String,
    /// Name shown in the UI
    #[arg(long)]
    pub name: String,
    /// Role in the programme
    #[arg(long, value_parser = ["prescriber", "link-worker", "offer-provider", "coordinator", "evaluator", "outcome-payer"])]
    pub role: String,
    /// Organisation the user acts for (exact name)
    #[arg(long)]
    pub organisation: Option<String>,
    /// Read the password from this file (first line)
    #[arg(long, conflicts_with = "password_stdin", required_unless_present = "password_stdin")]
    pub password_file: Option<PathBuf>,
    /// Read the password from standard input (first line)
    #[arg(long)]
    pub password_stdin: bool,
}

/// `lotse keys …`.
#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Print a new random data key (`ID:64-hex-digits`) to put first in LOTSE_DATA_KEYS.
    Generate {
        /// The key's id, e.g. `k2`
        #[arg(long, default_value = "k1")]
        id: String,
    },
    /// Re-encrypt every identity not sealed with the first configured key (after adding a new
    /// key first); the old key can be removed afterwards.
    Rotate,
}

/// `lotse export …`.
#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// Pseudonymised tables of the people who gave research consent, for evaluators.
    Research(ResearchArgs),
    /// The programme's published offers as Open Referral HSDS 3.0 JSON (services.json,
    /// organizations.json, taxonomies.json, taxonomy_terms.json).
    Hsds(HsdsExportArgs),
}

/// `lotse export hsds DIR`.
#[derive(Debug, Args)]
pub struct HsdsExportArgs {
    /// Programme slug, e.g. `duesseldorf`
    #[arg(long)]
    pub programme: String,
    /// The directory to create (must not exist)
    pub dir: std::path::PathBuf,
}

/// `lotse export research DIR`.
#[derive(Debug, Args)]
pub struct ResearchArgs {
    /// Programme slug, e.g. `duesseldorf`
    #[arg(long)]
    pub programme: String,
    /// The directory to create (must not exist)
    pub dir: std::path::PathBuf,
}

/// `lotse import …`.
#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Area sets, areas and postcodes from CSV (`areas.csv`: area_set,name,kind,parent,lat,lon,deprivation;
    /// `postcodes.csv`: postcode,lat,lon and one column per area set). All or nothing.
    Areas(ImportAreasArgs),
    /// Offers from Open Referral files: HSDS 3.0 JSON or ndjson, a directory with
    /// `services.json` (as `lotse export hsds` writes) or the tabular package (`services.csv` …),
    /// or ORUK 1.0 services. All or nothing unless `--partial`.
    Hsds(ImportHsdsArgs),
    /// A licensed instrument's wording in one language (SWEMWBS: its texts are never in the
    /// code). JSON: `source`, optional `instructions` and `stem`, `items` (one text per item, in
    /// order) and `responses` (`[answer, label]` for each answer of the scale). Replaces an
    /// earlier import of the same language; the instrument is then offered in that language.
    Instrument(ImportInstrumentArgs),
}

/// `lotse import instrument FILE`.
#[derive(Debug, Args)]
pub struct ImportInstrumentArgs {
    /// Programme slug, e.g. `duesseldorf`
    #[arg(long)]
    pub programme: String,
    /// The instrument's code: `swemwbs`
    #[arg(long)]
    pub instrument: String,
    /// The wording's language, a primary subtag (`en`, `de`, `da` …)
    #[arg(long)]
    pub language: String,
    /// The wording (JSON)
    pub file: std::path::PathBuf,
}

/// `lotse import hsds PATH`.
#[derive(Debug, Args)]
pub struct ImportHsdsArgs {
    /// Programme slug, e.g. `duesseldorf`
    #[arg(long)]
    pub programme: String,
    /// Import the records without problems and report the others (else one problem refuses all)
    #[arg(long)]
    pub partial: bool,
    /// A `.json` or `.ndjson` file, or a directory
    pub path: std::path::PathBuf,
}

/// `lotse import areas PATH`.
#[derive(Debug, Args)]
pub struct ImportAreasArgs {
    /// Programme slug, e.g. `duesseldorf`
    #[arg(long)]
    pub programme: String,
    /// A CSV file, or a directory holding `areas.csv` and/or `postcodes.csv`
    pub path: std::path::PathBuf,
}

/// `lotse jobs …`.
#[derive(Debug, Subcommand)]
pub enum JobsCommand {
    /// Run the follow-up job once, in every programme (onward referrals whose provider never
    /// answered lapse; with an e-mail relay, silent providers get a reminder), then the e-mail
    /// job where a programme has a relay; prints what each did and how long it took. `lotse
    /// serve` runs them too, so this is for cron when the server's runners are switched off.
    Run,
}

/// `lotse retention …`.
#[derive(Debug, Subcommand)]
pub enum RetentionCommand {
    /// Run the retention job once, in every programme; prints what it anonymised.
    Run,
}

/// `lotse audit …`.
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check every programme's hash chain; names the first broken entry.
    Verify(AuditVerifyArgs),
    /// Print a keyed checkpoint of every programme's chain head (one line per programme) to
    /// keep outside the database; `audit verify --checkpoint FILE` checks the chain against it.
    Checkpoint,
}

/// `lotse audit verify`.
#[derive(Debug, Args)]
pub struct AuditVerifyArgs {
    /// A file of checkpoints (`lotse audit checkpoint`, or lines from the server's log): each
    /// programme's chain must still extend its checkpoint
    #[arg(long)]
    pub checkpoint: Option<PathBuf>,
}

/// `lotse programme …`.
#[derive(Debug, Subcommand)]
pub enum ProgrammeCommand {
    /// List the programmes.
    List,
    /// Change a programme's settings: privacy, holiday calendar, the link workers' deadlines
    /// (audited).
    Set(Box<ProgrammeSetArgs>),
}

/// `lotse organisation …`.
#[derive(Debug, Subcommand)]
pub enum OrganisationCommand {
    /// Set whom a link facility is for, which the prescription form's suggestion reads
    /// (audited).
    Set(OrganisationSetArgs),
}

/// `lotse organisation set`.
#[derive(Debug, Args)]
pub struct OrganisationSetArgs {
    /// Programme slug, e.g. `duesseldorf`
    #[arg(long)]
    pub programme: String,
    /// The organisation's name (unique in the programme)
    #[arg(long)]
    pub organisation: String,
    /// Target groups, comma-separated: `older-people` (a zentrum plus), `young-people` (a
    /// youth centre), `everyone`, `families`, `women`, `men`, `migrants`,
    /// `people-with-disabilities`, `carers`; an empty value: everyone
    #[arg(long)]
    pub target_groups: String,
}

/// Whether a programme requires a second factor.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum SecondFactor {
    /// Roles that see identities must use TOTP.
    Required,
    /// Users may set one up; nobody must.
    Optional,
}

/// `lotse programme set SLUG`.
#[derive(Debug, Args)]
pub struct ProgrammeSetArgs {
    /// Programme slug, e.g. `duesseldorf`
    pub programme: String,
    /// Second factor for prescribers, link workers and providers
    #[arg(long, value_enum)]
    pub second_factor: Option<SecondFactor>,
    /// Days a person's data is kept after their last referral closed (30 to 36,500)
    #[arg(long)]
    pub retention_days: Option<u32>,
    /// The public holidays the link workers' due dates skip: `de-nw` (North Rhine-Westphalia),
    /// `dk` (Denmark) or `weekends-only`
    #[arg(long)]
    pub holiday_calendar: Option<String>,
    /// Working days after acceptance by which a link worker's first contact is due (1 to 30)
    #[arg(long)]
    pub first_contact_days: Option<String>,
    /// Working days after a failed contact attempt by which the next is due (1 to 20)
    #[arg(long)]
    pub days_between_attempts: Option<String>,
    /// Working days after contact by which the baseline questionnaire is due (1 to 60)
    #[arg(long)]
    pub baseline_days: Option<String>,
    /// Failed contact attempts before a person may be marked unreachable (1 to 10)
    #[arg(long)]
    pub contact_attempts: Option<String>,
    /// Working days after an onward referral was sent by which its provider should have
    /// answered; after them the link worker's worklist shows "provider silent" (1 to 30)
    #[arg(long)]
    pub provider_silent_days: Option<String>,
    /// Working days after an onward referral was sent at which it lapses if its provider has
    /// not answered (2 to 60, more than --provider-silent-days)
    #[arg(long)]
    pub lapse_days: Option<String>,
    /// Weeks after a case's latest questionnaire at which the next follow-up questionnaire is
    /// due (4 to 52)
    #[arg(long)]
    pub follow_up_weeks: Option<String>,
}

/// `lotse config …`.
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print a config file with every setting at its default.
    Example,
}
