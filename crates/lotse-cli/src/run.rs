//! Runs the chosen subcommand. Errors carry context written for the operator.

use std::io::BufRead;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use lotse_app::demo::{DEMO_ACCOUNTS, DEMO_PASSWORD, DemoOptions};
use lotse_app::{Clock, SystemClock};
use lotse_store::crypto::DataKeys;
use lotse_store::db::PoolSettings;
use lotse_store::{DatabaseUrl, Db, Engine};
use tracing_subscriber::EnvFilter;

use crate::cli::{
    AuditCommand, Cli, Command, ConfigCommand, ExportCommand, KeysCommand, LogFormat, ProgrammeCommand,
    RetentionCommand, UserCommand,
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

/// Opens (creating a SQLite file if needed) and migrates the database.
async fn open_db(common: &Common, max_connections: u32) -> anyhow::Result<Db> {
    let url = DatabaseUrl::parse(&common.database_url)
        .context("invalid database URL (--database-url / LOTSE_DATABASE_URL)")?;
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
    }
    Ok(match data_keys(common, &url)? {
        Some(keys) => db.with_keys(keys),
        None => db,
    })
}

/// The data keys: `LOTSE_DATA_KEYS`, else `data_keys_file`, else (SQLite only) the key file
/// beside the database, created on first use. PostgreSQL without keys runs, but everything
/// that reads or writes identities answers that no data key is configured.
fn data_keys(common: &Common, url: &DatabaseUrl) -> anyhow::Result<Option<DataKeys>> {
    if let Some(spec) = std::env::var("LOTSE_DATA_KEYS").ok().filter(|s| !s.trim().is_empty()) {
        return Ok(Some(DataKeys::parse(&spec).context("LOTSE_DATA_KEYS is not usable")?));
    }
    if let Some(path) = &common.data_keys_file {
        let spec = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the data keys file {}", path.display()))?;
        return Ok(Some(DataKeys::parse(&spec).with_context(|| {
            format!("the data keys file {} is not usable", path.display())
        })?));
    }
    let Some(db_path) = url.sqlite_path() else {
        return Ok(None);
    };
    let path = std::path::PathBuf::from(format!("{}.keys", db_path.display()));
    if path.is_file() {
        let spec = std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
        return Ok(Some(
            DataKeys::parse(&spec).with_context(|| format!("{} is not usable", path.display()))?,
        ));
    }
    let spec = DataKeys::generate_spec("k1");
    write_private(&path, &format!("{spec}\n"))?;
    tracing::warn!(
        file = %path.display(),
        "created a data key for identity fields; back it up apart from the database: without it no name can be read"
    );
    Ok(Some(DataKeys::parse(&spec)?))
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
            serve(&common, &settings, Arc::new(clock)).await
        }
        Command::Demo(args) => {
            let db = open_db(&common, 4).await?;
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
            let db = open_db(&common, 1).await?;
            println!(
                "the database is up to date ({} migrations)",
                lotse_store::migrate::SQLITE.iter().count()
            );
            db.close().await;
            Ok(ExitCode::SUCCESS)
        }
        Command::Backup(args) => {
            let db = open_db(&common, 2).await?;
            lotse_store::backup::backup(&db, &args.file)
                .await
                .context("backup failed")?;
            db.close().await;
            println!("backup written to {}", args.file.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Restore(args) => {
            let url = DatabaseUrl::parse(&common.database_url).context("invalid database URL")?;
            let Some(target) = url.sqlite_path() else {
                bail!("lotse restore works on SQLite; for PostgreSQL use pg_restore (see the README)");
            };
            lotse_store::backup::restore(&args.file, &target)
                .await
                .context("restore failed; the database was not changed")?;
            println!("restored {} from {}", target.display(), args.file.display());
            Ok(ExitCode::SUCCESS)
        }
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
            let db = open_db(&common, 2).await?;
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
        Command::Keys(KeysCommand::Generate { id }) => {
            let spec = DataKeys::generate_spec(&id);
            DataKeys::parse(&spec).context("invalid key id (1 to 16 letters, digits or -)")?;
            println!("{spec}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Keys(KeysCommand::Rotate) => {
            let db = open_db(&common, 2).await?;
            let result = lotse_app::admin::reseal_identities(&db, &SystemClock).await;
            db.close().await;
            for (slug, n) in result? {
                println!("{slug}: {n} people re-encrypted");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Export(ExportCommand::Research(args)) => {
            if args.dir.exists() {
                anyhow::bail!(
                    "{} exists; choose a new directory (an export never overwrites)",
                    args.dir.display()
                );
            }
            let db = open_db(&common, 2).await?;
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
            let db = open_db(&common, 2).await?;
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
        Command::Audit(AuditCommand::Verify) => {
            let db = open_db(&common, 2).await?;
            let reports = lotse_app::admin::verify_audit(&db)
                .await
                .context("cannot read the audit log")?;
            db.close().await;
            let mut broken = false;
            for (slug, report) in &reports {
                match &report.broken {
                    None => println!("{slug}: ok, {} entries", report.entries),
                    Some(b) => {
                        broken = true;
                        println!("{slug}: BROKEN after {} good entries: {b}", report.entries);
                    }
                }
            }
            if reports.is_empty() {
                println!("no programmes, nothing to verify");
            }
            Ok(if broken { ExitCode::FAILURE } else { ExitCode::SUCCESS })
        }
        Command::Programme(ProgrammeCommand::List) => {
            let db = open_db(&common, 1).await?;
            for p in lotse_store::programme::list(&db).await? {
                println!("{}\t{}\t{}", p.slug.as_str(), p.link_work_model.code(), p.name);
            }
            db.close().await;
            Ok(ExitCode::SUCCESS)
        }
        Command::Programme(ProgrammeCommand::Set(args)) => {
            let db = open_db(&common, 1).await?;
            let second_factor = args
                .second_factor
                .map(|s| matches!(s, crate::cli::SecondFactor::Required));
            let result =
                lotse_app::admin::set_privacy(&db, &SystemClock, &args.programme, second_factor, args.retention_days)
                    .await;
            db.close().await;
            let p = result?;
            println!(
                "{}: second factor {}, retention {} days",
                p.slug.as_str(),
                if p.second_factor_required {
                    "required"
                } else {
                    "optional"
                },
                p.retention_days
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Config(ConfigCommand::Example) => Ok(ExitCode::SUCCESS),
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

async fn wait_for_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}

async fn serve(common: &Common, settings: &config::Serve, clock: Arc<dyn Clock>) -> anyhow::Result<ExitCode> {
    let db = open_db(common, settings.max_connections).await?;
    if settings.demo {
        if lotse_app::demo::database_is_empty(&db).await? {
            seed_demo(&db, clock.as_ref(), DemoOptions::today(clock.as_ref())).await?;
        } else {
            println!("the database already holds programmes: demo data not seeded again");
        }
        print_demo_accounts();
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
        trusted_proxies: settings.trusted_proxies.clone(),
        ..lotse_web::WebConfig::default()
    };
    let state = lotse_web::AppState::new(db.clone(), clock, web).context("broken translation files")?;
    let app = lotse_web::router(state);
    let listener = tokio::net::TcpListener::bind(&settings.addr).await.with_context(|| {
        format!(
            "cannot listen on {} (in use, or not an address of this machine?)",
            settings.addr
        )
    })?;
    let local = listener.local_addr().context("cannot read the listening address")?;
    println!("Lotse is listening on http://{local}/");
    tracing::info!(addr = %local, "listening");

    let signalled = Arc::new(tokio::sync::Notify::new());
    let notify = signalled.clone();
    // With the peer address of every connection (the per-address sign-in limit needs it).
    let app = app.into_make_service_with_connect_info::<std::net::SocketAddr>();
    let server = axum::serve(listener, app).with_graceful_shutdown(async move {
        wait_for_signal().await;
        tracing::info!("shutting down: finishing in-flight requests");
        notify.notify_one();
    });
    let mut server = std::pin::pin!(server.into_future());
    tokio::select! {
        result = &mut server => result.context("the server stopped")?,
        () = signalled.notified() => {
            let grace = Duration::from_secs(settings.shutdown_grace_secs);
            if let Ok(result) = tokio::time::timeout(grace, &mut server).await {
                result.context("the server stopped")?;
            } else {
                tracing::warn!("grace period over: closing remaining connections");
            }
        }
    }
    db.close().await;
    tracing::info!("stopped; database closed");
    Ok(ExitCode::SUCCESS)
}
