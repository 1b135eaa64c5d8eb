//! Runs the chosen subcommand. Errors carry context written for the operator.

use std::io::BufRead;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use lotse_app::demo::{DEMO_ACCOUNTS, DEMO_PASSWORD, DemoOptions};
use lotse_app::email::Relays;
use lotse_app::{Clock, SystemClock};
use lotse_domain::checkpoint::{Checkpoint, CheckpointKeys};
use lotse_store::crypto::DataKeys;
use lotse_store::db::PoolSettings;
use lotse_store::{DatabaseUrl, Db, Engine};
use tracing_subscriber::EnvFilter;

use crate::cli::{
    AuditCommand, Cli, Command, ConfigCommand, ExportCommand, ImportCommand, JobsCommand, KeysCommand, LogFormat,
    OrganisationCommand, ProgrammeCommand, RetentionCommand, UserCommand,
};
use crate::config::{self, Common};
use crate::progress;

fn init_tracing(common: &Common) -> anyhow::Result<()> {
    let filter = EnvFilter::try_new(&common.log).with_context(|| format!("invalid log filter {:?}", common.log))?;
    // Colours only on a terminal, so log files and collectors get plain text.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr()) && std::env::var_os("NO_COLOR").is_none();
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(ansi);
    match common.log_format {
        LogFormat::Json => builder.json().flatten_event(true).with_current_span(true).try_init(),
        LogFormat::Text => builder.try_init(),
    }
    .map_err(|e| anyhow::anyhow!("cannot set up logging: {e}"))
}

/// Whether a command may create the key files beside a SQLite database: `serve`, `demo` and
/// `migrate` may (they set a database up); every other command only reads them, so a typo in
/// a path never leaves a fresh key file that opens nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyFiles {
    /// Create `<database>.keys` (and `<database>.checkpoint-key`) when missing.
    Create,
    /// Use them only if they exist.
    Existing,
}

/// The data key file beside a SQLite database, and the audit checkpoint key file.
const DATA_KEYS_SUFFIX: &str = ".keys";
const CHECKPOINT_KEY_SUFFIX: &str = ".checkpoint-key";

fn beside(path: &std::path::Path, suffix: &str) -> std::path::PathBuf {
    std::path::PathBuf::from(format!("{}{suffix}", path.display()))
}

/// Opens (creating a SQLite file if needed) and migrates the database.
async fn open_db(common: &Common, max_connections: u32, key_files: KeyFiles) -> anyhow::Result<Db> {
    let url = DatabaseUrl::parse(&common.database_url)
        .context("invalid database URL (--database-url / LOTSE_DATABASE_URL)")?;
    // Unusable keys are refused before the database is touched (no file created, nothing migrated).
    configured_data_keys(common)?;
    if let Some(path) = url.sqlite_path() {
        let dir = path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(std::path::Path::new("."));
        if !dir.is_dir() {
            bail!(
                "cannot create the database {}: the directory {} does not exist",
                path.display(),
                dir.display()
            );
        }
    }
    let settings = PoolSettings {
        max_connections,
        connect_timeout: Duration::from_secs(5),
    };
    let db = Db::connect(&url, settings).await.with_context(|| {
        let hint = match url.engine() {
            Engine::Sqlite => "check that the file's directory exists and is writable",
            Engine::Postgres => "check that PostgreSQL is running and the URL (host, port, user, database) is right",
        };
        format!("cannot open the database {url} ({hint})")
    })?;
    let applied = lotse_store::migrate::run(&db)
        .await
        .with_context(|| format!("cannot migrate the database {url}"))?;
    if applied > 0 {
        tracing::info!(migrations = applied, "database migrated");
        // A migration that adds or changes indexes leaves SQLite without statistics for them,
        // and until `serve` refreshes them at its start, every other command (a cron job's
        // `lotse jobs run`) plans its joins without them (BENCHMARKS.md: with a relay
        // configured, a job run took 2.7-4.4 s instead of 0.03-0.25 s at scale 400 until the
        // indexes of migration 0045 had statistics).
        if db.engine() == Engine::Sqlite {
            db.optimize()
                .await
                .context("cannot refresh the planner statistics after migrating")?;
        }
    }
    if key_files == KeyFiles::Create {
        checkpoint_keys(common, true)?;
    }
    let db = match data_keys(common, &url, key_files)? {
        Some(keys) => db.with_keys(keys),
        None => return Ok(db),
    };
    // TOTP secrets stored before they were sealed are sealed now, so none is read as plain text.
    let sealed = lotse_store::credential::seal_plain_secrets(&db)
        .await
        .context("cannot seal the stored TOTP secrets with the data key")?;
    if sealed > 0 {
        tracing::info!(secrets = sealed, "sealed plain TOTP secrets with the data key");
    }
    Ok(db)
}

/// The data keys configured apart from the database: `LOTSE_DATA_KEYS`, else `data_keys_file`.
fn configured_data_keys(common: &Common) -> anyhow::Result<Option<DataKeys>> {
    if let Some(spec) = std::env::var("LOTSE_DATA_KEYS").ok().filter(|s| !s.trim().is_empty()) {
        return Ok(Some(DataKeys::parse(&spec).context("LOTSE_DATA_KEYS is not usable")?));
    }
    if let Some(path) = &common.data_keys_file {
        return read_data_keys(path).map(Some);
    }
    Ok(None)
}

fn read_data_keys(path: &std::path::Path) -> anyhow::Result<DataKeys> {
    let spec =
        std::fs::read_to_string(path).with_context(|| format!("cannot read the data keys file {}", path.display()))?;
    DataKeys::parse(&spec).with_context(|| format!("the data keys file {} is not usable", path.display()))
}

/// The data keys: `LOTSE_DATA_KEYS`, else `data_keys_file`, else (SQLite only) the key file
/// beside the database, created on first use by the commands that may ([`KeyFiles::Create`]).
/// Without keys everything runs, but what reads or writes identities answers that no data key
/// is configured.
fn data_keys(common: &Common, url: &DatabaseUrl, key_files: KeyFiles) -> anyhow::Result<Option<DataKeys>> {
    if let Some(keys) = configured_data_keys(common)? {
        return Ok(Some(keys));
    }
    let Some(db_path) = url.sqlite_path() else {
        return Ok(None);
    };
    let path = beside(&db_path, DATA_KEYS_SUFFIX);
    if path.is_file() {
        return read_data_keys(&path).map(Some);
    }
    if key_files == KeyFiles::Existing {
        return Ok(None);
    }
    let spec = DataKeys::generate_spec("k1");
    write_private(&path, &format!("{spec}\n"))?;
    tracing::warn!(
        file = %path.display(),
        "created a data key for identity fields; back it up apart from the database: without it no name can be read"
    );
    Ok(Some(DataKeys::parse(&spec)?))
}

/// The audit checkpoint keys: `LOTSE_AUDIT_CHECKPOINT_KEY`, else `audit_checkpoint_key_file`,
/// else (SQLite only) `<database file>.checkpoint-key`, created on first use when `create`.
/// `None`: PostgreSQL without a configured key (or no key file yet and `create` off).
fn checkpoint_keys(common: &Common, create: bool) -> anyhow::Result<Option<CheckpointKeys>> {
    if let Some(spec) = std::env::var("LOTSE_AUDIT_CHECKPOINT_KEY")
        .ok()
        .filter(|s| !s.trim().is_empty())
    {
        return Ok(Some(
            CheckpointKeys::parse(&spec).context("LOTSE_AUDIT_CHECKPOINT_KEY is not usable")?,
        ));
    }
    if let Some(path) = &common.audit_checkpoint_key_file {
        let spec = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the audit checkpoint key file {}", path.display()))?;
        return Ok(Some(CheckpointKeys::parse(&spec).with_context(|| {
            format!("the audit checkpoint key file {} is not usable", path.display())
        })?));
    }
    let url = DatabaseUrl::parse(&common.database_url).context("invalid database URL")?;
    let Some(db_path) = url.sqlite_path() else {
        return Ok(None);
    };
    let path = std::path::PathBuf::from(format!("{}.checkpoint-key", db_path.display()));
    if path.is_file() {
        let spec = std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
        return Ok(Some(
            CheckpointKeys::parse(&spec).with_context(|| format!("{} is not usable", path.display()))?,
        ));
    }
    if !create {
        return Ok(None);
    }
    // Same form as a data key, but its own key: a checkpoint key opens no identity.
    let spec = DataKeys::generate_spec("c1");
    write_private(&path, &format!("{spec}\n"))?;
    tracing::warn!(
        file = %path.display(),
        "created an audit checkpoint key; keep a copy apart from the database, with the checkpoints"
    );
    Ok(Some(CheckpointKeys::parse(&spec)?))
}

const NO_CHECKPOINT_KEY: &str = "no audit checkpoint key is configured: set LOTSE_AUDIT_CHECKPOINT_KEY or \
    audit_checkpoint_key_file (`lotse keys generate --id c1` makes one; it must not be a data key); on SQLite, \
    `lotse serve`, `lotse demo` or `lotse migrate` create <database>.checkpoint-key";

/// Logs a checkpoint of every programme's chain head now and then every `period` (the audit
/// chains anchored outside the database: the log goes to a collector the database's writers
/// cannot rewrite). Stable fields: `audit.programme`, `audit.seq`, `audit.checkpoint` (the
/// whole line, ready for a checkpoint file).
fn spawn_checkpoints(
    db: Db,
    clock: Arc<dyn Clock>,
    keys: CheckpointKeys,
    period: Duration,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(period);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            interval.tick().await;
            match lotse_app::admin::audit_checkpoints(&db, clock.as_ref(), false).await {
                Ok(checkpoints) => {
                    for c in checkpoints {
                        match c.to_line(&keys) {
                            Ok(line) => tracing::info!(
                                audit.programme = %c.slug,
                                audit.seq = c.seq,
                                audit.checkpoint = %line,
                                "audit checkpoint"
                            ),
                            Err(e) => tracing::error!(error = %e, "cannot key the audit checkpoint"),
                        }
                    }
                }
                Err(e) => tracing::error!(error = %e, "cannot take the audit checkpoint"),
            }
        }
    })
}

/// Runs the follow-up job every `period` (the first run at once) until aborted, logging what
/// each run did; a failed run is logged and the next one tries again.
fn spawn_follow_up(db: Db, clock: Arc<dyn Clock>, relays: Relays, period: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(period);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            interval.tick().await;
            match lotse_app::follow_up::run(&db, clock.as_ref(), &relays).await {
                Ok(reports) => {
                    for r in reports {
                        tracing::info!(
                            job.programme = %r.programme,
                            job.lapsed = r.lapsed,
                            job.reminded = r.reminded,
                            job.skipped = r.skipped,
                            "follow-up job"
                        );
                    }
                }
                Err(e) => tracing::error!(error = %e, "the follow-up job failed; it runs again later"),
            }
        }
    })
}

/// Runs the e-mail job every `period` (the first run at once) until aborted, logging each
/// programme where it did something; a failed run is logged and the next one tries again.
fn spawn_email(db: Db, clock: Arc<dyn Clock>, relays: Relays, period: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(period);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            interval.tick().await;
            match lotse_app::email::deliver(&db, clock.as_ref(), &relays).await {
                Ok(reports) => {
                    for r in reports
                        .iter()
                        .filter(|r| r.sent + r.failed + r.dropped > 0 || r.skipped)
                    {
                        tracing::info!(
                            job.programme = %r.programme,
                            job.sent = r.sent,
                            job.failed = r.failed,
                            job.dropped = r.dropped,
                            job.skipped = r.skipped,
                            "e-mail job"
                        );
                    }
                }
                Err(e) => tracing::error!(error = %e, "the e-mail job failed; it runs again later"),
            }
        }
    })
}

/// The configured relays, each programme looked up (none configured: no relays).
async fn resolve_relays(db: &Db, email: &config::EmailSettings) -> anyhow::Result<Relays> {
    let Some(public_url) = email.public_url.as_deref() else {
        return Ok(Relays::none());
    };
    Relays::resolve(db, public_url, email.relays.clone())
        .await
        .context("the e-mail settings are wrong")
}

/// Writes a new file readable only by its owner.
fn write_private(path: &std::path::Path, text: &str) -> anyhow::Result<()> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    file.write_all(text.as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// The key files that travel with a backup of a SQLite database: the data key file and the
/// checkpoint key file beside it, where they are the keys in use (not overridden by the
/// environment or the config file) and exist.
fn travelling_key_files(common: &Common, db_path: &std::path::Path) -> Vec<(&'static str, std::path::PathBuf)> {
    let data_in_use =
        std::env::var("LOTSE_DATA_KEYS").map_or(true, |s| s.trim().is_empty()) && common.data_keys_file.is_none();
    let checkpoint_in_use = std::env::var("LOTSE_AUDIT_CHECKPOINT_KEY").map_or(true, |s| s.trim().is_empty())
        && common.audit_checkpoint_key_file.is_none();
    [
        (DATA_KEYS_SUFFIX, data_in_use),
        (CHECKPOINT_KEY_SUFFIX, checkpoint_in_use),
    ]
    .into_iter()
    .filter(|(_, in_use)| *in_use)
    .map(|(suffix, _)| (suffix, beside(db_path, suffix)))
    .filter(|(_, path)| path.is_file())
    .collect()
}

/// Copies a key file to a new file with mode 0600 (never over an existing one).
fn copy_private(from: &std::path::Path, to: &std::path::Path) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(from).with_context(|| format!("cannot read {}", from.display()))?;
    write_private(to, &text)
}

/// `lotse backup FILE`: the database, and beside it (mode 0600) the key files it needs, so a
/// restore elsewhere can read its identities; or a refusal that changes nothing.
async fn backup(common: &Common, file: &std::path::Path) -> anyhow::Result<ExitCode> {
    let url = DatabaseUrl::parse(&common.database_url).context("invalid database URL")?;
    let keys = url
        .sqlite_path()
        .map(|db_path| travelling_key_files(common, &db_path))
        .unwrap_or_default();
    for (suffix, _) in &keys {
        let target = beside(file, suffix);
        if target.exists() {
            bail!(
                "{} exists already: choose a new backup file name (a backup never overwrites a file)",
                target.display()
            );
        }
    }
    let db = open_db(common, 2, KeyFiles::Existing).await?;
    let written = lotse_store::backup::backup(&db, file).await;
    db.close().await;
    written.context("backup failed")?;
    let mut copied = Vec::new();
    for (suffix, source) in &keys {
        let target = beside(file, suffix);
        if let Err(e) = copy_private(source, &target) {
            for path in copied.iter().chain([&file.to_path_buf()]) {
                std::fs::remove_file(path).ok();
            }
            return Err(e.context(format!(
                "backup refused: the key file {} could not be copied beside it, so the backup was removed",
                source.display()
            )));
        }
        copied.push(target);
    }
    println!("backup written to {}", file.display());
    for path in &copied {
        println!(
            "key file written to {} (mode 0600): a restore needs it; keep both apart from other copies of the database",
            path.display()
        );
    }
    if configured_data_keys(common)?.is_some() {
        println!("the data keys come from LOTSE_DATA_KEYS or data_keys_file: keep them, a restore needs them");
    }
    Ok(ExitCode::SUCCESS)
}

/// `lotse restore FILE`: replaces the SQLite database after checking that the data keys it
/// will be opened with read the backup's identities. The keys come from the configuration,
/// else from the key file beside the backup (installed beside the restored database when it
/// has none), else from the key file already beside the database.
async fn restore(common: &Common, file: &std::path::Path) -> anyhow::Result<ExitCode> {
    let url = DatabaseUrl::parse(&common.database_url).context("invalid database URL")?;
    let Some(target) = url.sqlite_path() else {
        bail!("lotse restore works on SQLite; for PostgreSQL use pg_restore (see the README)");
    };
    let backup_keys = beside(file, DATA_KEYS_SUFFIX);
    let target_keys = beside(&target, DATA_KEYS_SUFFIX);
    let mut install = Vec::new();
    let keys = if let Some(keys) = configured_data_keys(common)? {
        Some(keys)
    } else if backup_keys.is_file() {
        let keys = read_data_keys(&backup_keys)?;
        if target_keys.is_file() {
            let same = std::fs::read_to_string(&target_keys).ok().map(|t| t.trim().to_owned())
                == std::fs::read_to_string(&backup_keys).ok().map(|t| t.trim().to_owned());
            if !same {
                bail!(
                    "restore refused; the database was not changed: {} holds other data keys than {}. \
                     Move {} away first (keep it while any database or backup needs it), or restore to a new path",
                    target_keys.display(),
                    backup_keys.display(),
                    target_keys.display()
                );
            }
        } else {
            install.push((backup_keys.clone(), target_keys.clone()));
        }
        Some(keys)
    } else if target_keys.is_file() {
        Some(read_data_keys(&target_keys)?)
    } else {
        None
    };
    let backup_checkpoint = beside(file, CHECKPOINT_KEY_SUFFIX);
    let target_checkpoint = beside(&target, CHECKPOINT_KEY_SUFFIX);
    if backup_checkpoint.is_file() && !target_checkpoint.exists() {
        install.push((backup_checkpoint, target_checkpoint));
    }
    lotse_store::backup::restore(file, &target, keys.as_ref())
        .await
        .context("restore failed; the database was not changed")?;
    println!("restored {} from {}", target.display(), file.display());
    for (from, to) in install {
        copy_private(&from, &to).with_context(|| {
            format!(
                "the database was restored, but {} could not be copied to {}: copy it by hand (mode 0600) before starting lotse",
                from.display(),
                to.display()
            )
        })?;
        println!("key file {} copied to {} (mode 0600)", from.display(), to.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs a subcommand.
pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    if let Command::Config(ConfigCommand::Example) = cli.command {
        print!("{}", config::EXAMPLE);
        return Ok(ExitCode::SUCCESS);
    }
    let (file, _) = config::load_file(cli.global.config.as_deref())?;
    let common = config::common(&cli.global, &file);
    init_tracing(&common)?;
    for name in config::unknown_env() {
        tracing::warn!(variable = %name, "unknown LOTSE_* environment variable ignored (see `lotse config example`)");
    }
    let clock = SystemClock;
    match cli.command {
        Command::Serve(args) => {
            let settings = config::serve(&args, &file)?;
            let email = config::email(&file)?;
            serve(&common, &settings, &email, Arc::new(clock)).await
        }
        Command::Demo(args) => {
            let db = open_db(&common, 4, KeyFiles::Create).await?;
            let as_of = args.as_of.unwrap_or_else(|| clock.now().date());
            seed_demo(
                &db,
                &clock,
                DemoOptions {
                    scale: args.scale,
                    seed: args.seed,
                    as_of,
                },
            )
            .await?;
            db.close().await;
            Ok(ExitCode::SUCCESS)
        }
        Command::Migrate => {
            let db = open_db(&common, 1, KeyFiles::Create).await?;
            println!(
                "the database is up to date ({} migrations)",
                lotse_store::migrate::SQLITE.iter().count()
            );
            db.close().await;
            Ok(ExitCode::SUCCESS)
        }
        Command::Backup(args) => backup(&common, &args.file).await,
        Command::Restore(args) => restore(&common, &args.file).await,
        Command::User(UserCommand::Add(args)) => {
            let password = if args.password_stdin {
                let mut line = String::new();
                std::io::stdin()
                    .lock()
                    .read_line(&mut line)
                    .context("cannot read the password from standard input")?;
                line
            } else if let Some(path) = &args.password_file {
                std::fs::read_to_string(path)
                    .with_context(|| format!("cannot read the password file {}", path.display()))?
            } else {
                bail!("give the password with --password-file FILE or --password-stdin");
            };
            let password = password.lines().next().unwrap_or_default().to_owned();
            let role = lotse_domain::user::Role::from_code(&args.role).context("unknown role")?;
            let db = open_db(&common, 2, KeyFiles::Existing).await?;
            let new = lotse_app::admin::NewUser {
                programme: &args.programme,
                username: &args.username,
                display_name: &args.name,
                password: &password,
                role,
                organisation: args.organisation.as_deref(),
            };
            let id = lotse_app::admin::add_user(&db, &clock, &new).await?;
            db.close().await;
            println!(
                "created user {} ({id}) as {} in {}",
                args.username.to_lowercase(),
                role.code(),
                args.programme
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::User(UserCommand::Reset(args)) => {
            let db = open_db(&common, 2, KeyFiles::Existing).await?;
            let result =
                lotse_app::password_reset::issue_as_admin(&db, &clock, &args.username, args.second_factor).await;
            db.close().await;
            let code = result?;
            let valid = lotse_app::password_reset::CODE_LIFETIME.whole_hours();
            println!("reset code: {code}");
            println!(
                "hand it to {} in person or by phone; valid {valid} hours, usable once{}",
                args.username.to_lowercase(),
                if args.second_factor {
                    "; redeeming it also removes the second factor"
                } else {
                    "; the second factor stays"
                }
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Keys(KeysCommand::Generate { id }) => {
            let spec = DataKeys::generate_spec(&id);
            DataKeys::parse(&spec).context("invalid key id (1 to 16 letters, digits or -)")?;
            println!("{spec}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Keys(KeysCommand::Rotate) => {
            let db = open_db(&common, 2, KeyFiles::Existing).await?;
            let result = lotse_app::admin::reseal_identities(&db, &SystemClock).await;
            let secrets = match &result {
                Ok(_) => Some(lotse_store::credential::reseal_secrets(&db).await),
                Err(_) => None,
            };
            db.close().await;
            for (slug, people, notes) in result? {
                println!("{slug}: {people} people and {notes} reasons, notes and plans re-encrypted");
            }
            if let Some(secrets) = secrets {
                let n = secrets.context("cannot re-encrypt the TOTP secrets")?;
                println!("second factors: {n} TOTP secrets re-encrypted");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Import(ImportCommand::Areas(args)) => {
            let files = crate::import::read_import_files(&args.path, &["areas.csv", "postcodes.csv"])?;
            let db = open_db(&common, 2, KeyFiles::Existing).await?;
            let report = lotse_app::area_import::import_areas(&db, &args.programme, &files).await;
            db.close().await;
            let report = report?;
            println!(
                "{}: {} area set(s) created, {} area(s) added, {} changed, {} postcode(s) written",
                args.programme, report.area_sets_created, report.areas_added, report.areas_updated, report.postcodes
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Import(ImportCommand::Instrument(args)) => {
            let file = crate::import::read_import_files(&args.file, &[])?;
            let text = file
                .first()
                .map(|f| String::from_utf8(f.bytes.clone()))
                .transpose()
                .map_err(|_| anyhow::anyhow!("{} is not UTF-8 text", args.file.display()))?
                .unwrap_or_default();
            let db = open_db(&common, 2, KeyFiles::Existing).await?;
            let imported = lotse_app::questionnaires::import_wording(
                &db,
                &lotse_app::SystemClock,
                &args.programme,
                &args.instrument,
                &args.language,
                &text,
            )
            .await;
            db.close().await;
            imported?;
            println!(
                "{}: the {} wording in {} is imported; it is offered in that language from now on",
                args.programme, args.instrument, args.language
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Import(ImportCommand::Hsds(args)) => {
            let files = crate::import::read_hsds_files(&args.path)?;
            let db = open_db(&common, 2, KeyFiles::Existing).await?;
            let report =
                lotse_app::hsds::import::import(&db, &lotse_app::SystemClock, &args.programme, &files, args.partial)
                    .await;
            db.close().await;
            let report = report?;
            for note in &report.notes {
                println!("note: {note}");
            }
            for skipped in &report.skipped {
                println!("skipped: {skipped}");
            }
            println!(
                "{}: {} offer(s) added, {} replaced, {} provider(s) added, {} record(s) skipped, {} note(s)",
                args.programme,
                report.created,
                report.updated,
                report.organisations_created,
                report.skipped.len(),
                report.notes.len()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Export(ExportCommand::Hsds(args)) => {
            if args.dir.exists() {
                anyhow::bail!(
                    "{} exists; choose a new directory (an export never overwrites)",
                    args.dir.display()
                );
            }
            let labels = lotse_web::hsds::english_labels()?;
            let db = open_db(&common, 2, KeyFiles::Existing).await?;
            let today = lotse_app::Clock::now(&lotse_app::SystemClock).date();
            let export = lotse_app::hsds::export::export(&db, &args.programme, today, &labels).await;
            db.close().await;
            let export = export.map_err(|e| match e {
                lotse_app::directory::DirectoryError::NotFound => anyhow::anyhow!("no programme {}", args.programme),
                other => anyhow::anyhow!(other),
            })?;
            crate::export::write_hsds(&args.dir, &export.files()?)?;
            println!(
                "{}: {} service(s), {} organization(s) written to {}",
                args.programme,
                export.services.len(),
                export.organizations.len(),
                args.dir.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Export(ExportCommand::Research(args)) => {
            if args.dir.exists() {
                anyhow::bail!(
                    "{} exists; choose a new directory (an export never overwrites)",
                    args.dir.display()
                );
            }
            let db = open_db(&common, 2, KeyFiles::Existing).await?;
            let export =
                lotse_app::research_export::research_export(&db, &lotse_app::SystemClock, &args.programme).await;
            db.close().await;
            let export = export?;
            crate::export::write_research(&args.dir, &export)?;
            println!(
                "{}: {} people with research consent, {} referrals, {} questionnaire responses written to {}",
                export.programme,
                export.people.len(),
                export.referrals.len(),
                export.responses.len(),
                args.dir.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Retention(RetentionCommand::Run) => {
            let db = open_db(&common, 2, KeyFiles::Existing).await?;
            let reports = lotse_app::data_subject::run_retention(&db, &lotse_app::SystemClock)
                .await
                .context("the retention job failed; nothing was changed in the programme it was working on")?;
            db.close().await;
            for r in &reports {
                println!(
                    "{}: {} people anonymised (retention {} days after the last referral closed)",
                    r.programme, r.erased, r.retention_days
                );
            }
            if reports.is_empty() {
                println!("no programmes, nothing to do");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Jobs(JobsCommand::Run) => {
            let email = config::email(&file)?;
            let db = open_db(&common, 2, KeyFiles::Existing).await?;
            let relays = resolve_relays(&db, &email).await?;
            // How long each job took, for the operator's cron log (wall time on this machine).
            let started = std::time::Instant::now();
            let reports = lotse_app::follow_up::run(&db, &lotse_app::SystemClock, &relays)
                .await
                .context("the follow-up job failed; nothing was changed in the programme it was working on")?;
            let follow_up_took = started.elapsed();
            let started = std::time::Instant::now();
            let delivered = lotse_app::email::deliver(&db, &lotse_app::SystemClock, &relays)
                .await
                .context("the e-mail job failed; what it had delivered stays delivered");
            let email_took = started.elapsed();
            db.close().await;
            for r in &reports {
                if r.skipped {
                    println!(
                        "{}: skipped, another runner holds the programme's job lock",
                        r.programme
                    );
                } else if relays.has_slug(&r.programme) {
                    println!(
                        "{}: {} onward referrals lapsed, {} reminders to silent providers made due",
                        r.programme, r.lapsed, r.reminded
                    );
                } else {
                    println!("{}: {} onward referrals lapsed", r.programme, r.lapsed);
                }
            }
            if reports.is_empty() {
                println!("no programmes, nothing to do");
            }
            println!("follow-up job: {:.2} s", follow_up_took.as_secs_f64());
            let delivered = delivered?;
            for r in &delivered {
                if r.skipped {
                    println!(
                        "{}: e-mail skipped, another runner holds the programme's job lock",
                        r.programme
                    );
                } else {
                    println!(
                        "{}: {} e-mails to providers sent, {} members told something new waits, {} failed (tried again later unless the last try), {} dropped",
                        r.programme, r.sent, r.notified, r.failed, r.dropped
                    );
                }
            }
            if !delivered.is_empty() {
                println!("e-mail job: {:.2} s", email_took.as_secs_f64());
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Audit(AuditCommand::Verify(args)) => {
            let checkpoints = match &args.checkpoint {
                None => Vec::new(),
                Some(path) => {
                    let keys = checkpoint_keys(&common, false)?.context(NO_CHECKPOINT_KEY)?;
                    let bytes = std::fs::read(path)
                        .with_context(|| format!("cannot read the checkpoint file {}", path.display()))?;
                    let text = String::from_utf8_lossy(&bytes);
                    Checkpoint::parse_file(&text, &keys)
                        .with_context(|| format!("the checkpoint file {} is refused", path.display()))?
                }
            };
            let db = open_db(&common, 2, KeyFiles::Existing).await?;
            let result = lotse_app::admin::verify_audit_against(&db, &checkpoints).await;
            db.close().await;
            let (reports, missing) = result.context("cannot read the audit log")?;
            let mut broken = !missing.is_empty();
            for r in &reports {
                match (&r.report.broken, r.checkpoint) {
                    (None, None) if args.checkpoint.is_some() => {
                        println!(
                            "{}: ok, {} entries (no checkpoint for this programme)",
                            r.slug, r.report.entries
                        );
                    }
                    (None, None) => println!("{}: ok, {} entries", r.slug, r.report.entries),
                    (None, Some(seq)) => println!(
                        "{}: ok, {} entries; extends the checkpoint at entry {seq}",
                        r.slug, r.report.entries
                    ),
                    (Some(b), _) => {
                        broken = true;
                        println!("{}: BROKEN after {} good entries: {b}", r.slug, r.report.entries);
                    }
                }
            }
            for c in &missing {
                println!(
                    "{}: BROKEN: the checkpoint records entry {} but the database has no such programme ({})",
                    c.slug, c.seq, c.programme
                );
            }
            if reports.is_empty() && missing.is_empty() {
                println!("no programmes, nothing to verify");
            }
            Ok(if broken { ExitCode::FAILURE } else { ExitCode::SUCCESS })
        }
        Command::Audit(AuditCommand::Checkpoint) => {
            let keys = checkpoint_keys(&common, false)?.context(NO_CHECKPOINT_KEY)?;
            let db = open_db(&common, 2, KeyFiles::Existing).await?;
            let result = lotse_app::admin::audit_checkpoints(&db, &clock, true).await;
            db.close().await;
            let checkpoints = result.context("no checkpoint taken")?;
            if checkpoints.is_empty() {
                bail!("no programmes, no checkpoint to take");
            }
            for c in &checkpoints {
                println!("{}", c.to_line(&keys)?);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Programme(ProgrammeCommand::List) => {
            let db = open_db(&common, 1, KeyFiles::Existing).await?;
            for p in lotse_store::programme::list(&db).await? {
                println!("{}\t{}\t{}", p.slug.as_str(), p.link_work_model.code(), p.name);
            }
            db.close().await;
            Ok(ExitCode::SUCCESS)
        }
        Command::Programme(ProgrammeCommand::Set(args)) => {
            let db = open_db(&common, 1, KeyFiles::Existing).await?;
            let second_factor = args
                .second_factor
                .map(|s| matches!(s, crate::cli::SecondFactor::Required));
            let link_work = lotse_app::admin::LinkWorkChanges {
                holiday_calendar: args.holiday_calendar.clone(),
                first_contact_working_days: args.first_contact_days.clone(),
                working_days_between_contact_attempts: args.days_between_attempts.clone(),
                baseline_questionnaire_working_days: args.baseline_days.clone(),
                contact_attempts_before_unreachable: args.contact_attempts.clone(),
                provider_silent_working_days: args.provider_silent_days.clone(),
                onward_lapse_working_days: args.lapse_days.clone(),
                follow_up_questionnaire_weeks: args.follow_up_weeks.clone(),
            };
            // Wrong link-work values are refused before anything changes (checked here against
            // the defaults; every field is checked on its own).
            if link_work.any() {
                let defaults = lotse_domain::programme_settings::LinkWorkSettings {
                    holiday_calendar: lotse_domain::calendar::HolidayCalendar::WeekendsOnly,
                    next_action: lotse_domain::next_action::NextActionSettings::default(),
                    contact_attempts_before_unreachable: 3,
                };
                link_work.apply_to(&defaults)?;
            }
            let privacy_given = second_factor.is_some() || args.retention_days.is_some();
            let mut result = if link_work.any() && !privacy_given {
                Ok(None)
            } else {
                lotse_app::admin::set_privacy(&db, &SystemClock, &args.programme, second_factor, args.retention_days)
                    .await
                    .map(Some)
            };
            if result.is_ok() && link_work.any() {
                result = lotse_app::admin::set_link_work(&db, &SystemClock, &args.programme, &link_work)
                    .await
                    .map(Some);
            }
            db.close().await;
            let Some(p) = result? else {
                anyhow::bail!("nothing was changed");
            };
            println!(
                "{}: second factor {}, retention {} days, holiday calendar {}, first contact within {} working days, \
                 a new attempt after {}, the baseline questionnaire within {}, unreachable after {} attempts, \
                 a provider silent after {} and its onward referral lapsed after {} working days, \
                 a follow-up questionnaire every {} weeks",
                p.slug.as_str(),
                if p.second_factor_required {
                    "required"
                } else {
                    "optional"
                },
                p.retention_days,
                p.holiday_calendar.code(),
                p.next_action.first_contact_working_days,
                p.next_action.working_days_between_contact_attempts,
                p.next_action.baseline_questionnaire_working_days,
                p.contact_attempts_before_unreachable,
                p.next_action.provider_silent_working_days,
                p.next_action.onward_lapse_working_days,
                p.next_action.follow_up_questionnaire_weeks
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Organisation(OrganisationCommand::Set(args)) => {
            // A wrong code is refused before the database is opened.
            lotse_app::admin::parse_target_groups(&args.target_groups)?;
            let db = open_db(&common, 1, KeyFiles::Existing).await?;
            let result = lotse_app::admin::set_target_groups(
                &db,
                &SystemClock,
                &args.programme,
                &args.organisation,
                &args.target_groups,
            )
            .await;
            db.close().await;
            let groups: Vec<&str> = result?.iter().map(|g| g.code()).collect();
            println!(
                "{}: target groups {}",
                args.organisation,
                if groups.is_empty() {
                    "(everyone)".to_owned()
                } else {
                    groups.join(", ")
                }
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Config(ConfigCommand::Example) => Ok(ExitCode::SUCCESS),
        Command::ApiClient(command) => api_client(&common, command).await,
    }
}

async fn seed_demo(db: &Db, clock: &dyn Clock, options: DemoOptions) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let bar = progress::bar(0, "seeding demo referrals");
    let summary = lotse_app::demo::seed(db, clock, options, &mut |done, total| {
        bar.set_length(total);
        bar.set_position(done);
    })
    .await
    .context("cannot seed the demo data")?;
    bar.finish_and_clear();
    for p in &summary.programmes {
        println!(
            "seeded {}: {} areas, {} organisations, {} offers, {} referrals, {} events, {} users",
            p.slug, p.areas, p.organisations, p.offers, p.referrals, p.events, p.users
        );
    }
    println!(
        "demo data seeded in {:.1} s (scale {}, seed {}, as of {})",
        started.elapsed().as_secs_f64(),
        options.scale,
        options.seed,
        options.as_of
    );
    Ok(())
}

fn print_demo_accounts() {
    println!("Demo accounts (password for all: {DEMO_PASSWORD}):");
    for account in DEMO_ACCOUNTS {
        println!(
            "  {:<28} {:<14} {}",
            account.username,
            account.role.code(),
            account.programme
        );
    }
}

/// SIGTERM, registered when created: made before the server says it listens, so a SIGTERM
/// right after start stops it gracefully too (not by the default action, which kills it).
struct StopSignals {
    #[cfg(unix)]
    term: Option<tokio::signal::unix::Signal>,
}

impl StopSignals {
    fn register() -> Self {
        Self {
            #[cfg(unix)]
            term: tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok(),
        }
    }
}

async fn wait_for_signal(signals: StopSignals) {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match signals.term {
            Some(mut s) => {
                s.recv().await;
            }
            None => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}

async fn serve(
    common: &Common,
    settings: &config::Serve,
    email: &config::EmailSettings,
    clock: Arc<dyn Clock>,
) -> anyhow::Result<ExitCode> {
    // Each connection needs a file descriptor: use what the operator allows.
    let file_limit = crate::server::raise_file_limit();
    let sqlite = DatabaseUrl::parse(&common.database_url).is_ok_and(|u| u.engine() == Engine::Sqlite);
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    let max_connections = settings
        .max_connections
        .unwrap_or_else(|| config::default_max_connections(sqlite, cores));
    let db = open_db(common, max_connections, KeyFiles::Create).await?;
    if settings.demo {
        if lotse_app::demo::database_is_empty(&db).await? {
            seed_demo(&db, clock.as_ref(), DemoOptions::today(clock.as_ref())).await?;
        } else {
            println!("the database already holds programmes: demo data not seeded again");
        }
        print_demo_accounts();
    }
    // Fresh planner statistics on SQLite, which keeps none of its own (cheap when they are
    // current). PostgreSQL's autovacuum keeps its statistics: a full ANALYZE at every start of
    // every instance would only delay start-up on a large database.
    if db.engine() == Engine::Sqlite {
        db.optimize().await.context("cannot refresh the planner statistics")?;
    }
    let web = lotse_web::WebConfig {
        secure_cookies: settings.secure_cookies,
        request_timeout: Duration::from_secs(settings.request_timeout_secs),
        throttle: lotse_app::auth::Throttle {
            max_failures: settings.login_max_failures,
            window: time::Duration::seconds(i64::try_from(settings.login_lockout_secs).unwrap_or(900)),
            lockout: time::Duration::seconds(i64::try_from(settings.login_lockout_secs).unwrap_or(900)),
            address_max_failures: settings.login_address_max_failures,
            second_factor_max_failures: settings.second_factor_max_failures,
        },
        metrics_token: settings
            .metrics_token
            .as_ref()
            .map(|t| secrecy::ExposeSecret::expose_secret(t).to_owned()),
        trusted_proxies: settings.trusted_proxies.clone(),
        ..lotse_web::WebConfig::default()
    };
    let checkpoint_keys = checkpoint_keys(common, true)?;
    if checkpoint_keys.is_none() {
        tracing::warn!("{NO_CHECKPOINT_KEY}; no audit checkpoints are logged");
    }
    let checkpoints = checkpoint_keys.map(|keys| {
        spawn_checkpoints(
            db.clone(),
            clock.clone(),
            keys,
            Duration::from_secs(settings.audit_checkpoint_secs),
        )
    });
    let relays = resolve_relays(&db, email).await?;
    let follow_up = (settings.follow_up_job_secs > 0).then(|| {
        spawn_follow_up(
            db.clone(),
            clock.clone(),
            relays.clone(),
            Duration::from_secs(settings.follow_up_job_secs),
        )
    });
    let mail = (email.email_job_secs > 0 && !relays.is_empty()).then(|| {
        spawn_email(
            db.clone(),
            clock.clone(),
            relays.clone(),
            Duration::from_secs(email.email_job_secs),
        )
    });
    let state = lotse_web::AppState::new(lotse_app::App::new(db.clone()).with_email(relays), clock, web)
        .context("broken translation files")?;
    let app = lotse_web::router(state);
    let listener = tokio::net::TcpListener::bind(&settings.addr).await.with_context(|| {
        format!(
            "cannot listen on {} (in use, or not an address of this machine?)",
            settings.addr
        )
    })?;
    let local = listener.local_addr().context("cannot read the listening address")?;
    let signals = StopSignals::register();
    println!("Lotse is listening on http://{local}/");
    tracing::info!(addr = %local, "listening");

    let limits = crate::server::Limits {
        header_read_timeout: Duration::from_secs(settings.header_read_timeout_secs),
        idle_timeout: Duration::from_secs(settings.idle_timeout_secs),
        max_open: settings
            .max_open_connections
            .and_then(|n| usize::try_from(n).ok())
            .unwrap_or_else(|| crate::server::default_max_open(file_limit)),
    };
    tracing::info!(
        max_open_connections = limits.max_open,
        open_file_limit = file_limit,
        "connection limits"
    );

    let signalled = Arc::new(tokio::sync::Notify::new());
    let notify = signalled.clone();
    // Handlers can extract `ConnectInfo<SocketAddr>` (the accept loop adds it to each request).
    let server = crate::server::serve(listener, app, limits, async move {
        wait_for_signal(signals).await;
        tracing::info!("shutting down: finishing in-flight requests");
        notify.notify_one();
    });
    let mut server = std::pin::pin!(server);
    tokio::select! {
        () = &mut server => {},
        () = signalled.notified() => {
            let grace = Duration::from_secs(settings.shutdown_grace_secs);
            if tokio::time::timeout(grace, &mut server).await.is_err() {
                tracing::warn!("grace period over: closing remaining connections");
            }
        }
    }
    for task in [checkpoints, follow_up, mail].into_iter().flatten() {
        task.abort();
    }
    db.close().await;
    tracing::info!("stopped; database closed");
    Ok(ExitCode::SUCCESS)
}

async fn api_client(common: &Common, command: crate::cli::ApiClientCommand) -> anyhow::Result<ExitCode> {
    use crate::cli::ApiClientCommand as C;
    match command {
        C::Add(args) => {
            let role = lotse_domain::user::Role::from_code(&args.role).context("unknown role")?;
            let db = open_db(common, 1, KeyFiles::Existing).await?;
            let new = lotse_app::api_client::NewApiClient {
                programme: &args.programme,
                name: &args.name,
                role,
                organisation: args.organisation.as_deref(),
                scopes: &args.scopes,
            };
            let result = lotse_app::api_client::add(&db, &SystemClock, &new).await;
            db.close().await;
            let issued = result?;
            let scopes: Vec<&str> = issued.scopes.iter().map(|s| s.code()).collect();
            eprintln!(
                "created API client {} ({}) as {} in {} with {}; the token is shown once:",
                args.name,
                issued.id,
                role.code(),
                args.programme,
                scopes.join(",")
            );
            println!("{}", issued.token);
        }
        C::List(args) => {
            let db = open_db(common, 1, KeyFiles::Existing).await?;
            let result = lotse_app::api_client::list(&db, &args.programme).await;
            db.close().await;
            for c in result? {
                let scopes: Vec<&str> = c.scopes.iter().map(|s| s.code()).collect();
                println!(
                    "{}\t{}\t{}\t{}\t{}",
                    c.name,
                    c.id,
                    c.role.code(),
                    scopes.join(","),
                    if c.revoked_at.is_some() { "revoked" } else { "live" }
                );
            }
        }
        C::Revoke(args) => {
            let db = open_db(common, 1, KeyFiles::Existing).await?;
            let result = lotse_app::api_client::revoke(&db, &SystemClock, &args.programme, &args.name).await;
            db.close().await;
            let id = result?;
            println!("revoked API client {} ({id}) in {}", args.name, args.programme);
        }
    }
    Ok(ExitCode::SUCCESS)
}
