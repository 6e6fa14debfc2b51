//! `auth-cli`: the schema CLI. Generate schema files for diesel, SeaORM, plain SQL or MongoDB;
//! migrate a live database; check it for drift; report its status; clean up expired rows.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use auth_cli::commands::{self, Ctx, Format, GenerateArgs};
use auth_cli::connect::Limits;
use auth_cli::{config, generate};
use auth_core::sql::Dialect;
use clap::{Parser, Subcommand, ValueEnum};

/// The schema CLI of the auth adapters. Exit codes: 0 success, 1 the database differs from
/// the schema (`check`, `migrate --dry-run` with changes it refuses), 2 error.
#[derive(Parser)]
#[command(name = "auth-cli", version, about)]
struct Cli {
    /// Schema configuration (TOML); defaults to ./auth.toml when present, else Better Auth's
    /// default schema.
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    /// Database URL; defaults to DATABASE_URL from the environment or from the first .env in
    /// this directory or a parent.
    #[arg(long, global = true)]
    database_url: Option<String>,
    /// Seconds to wait for a database server to answer (the URL's connect_timeout, or
    /// MongoDB's connectTimeoutMS / serverSelectionTimeoutMS, win).
    #[arg(long, global = true, default_value_t = 10.0, value_name = "SECONDS")]
    connect_timeout: f64,
    /// Seconds a statement waits for a lock another session holds before giving up.
    #[arg(long, global = true, default_value_t = 10.0, value_name = "SECONDS")]
    lock_timeout: f64,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Writes schema files for an ORM or tool (never over files it did not write).
    Generate {
        /// What the files are for.
        #[arg(long, value_enum)]
        adapter: generate::Target,
        /// SQL dialect; required unless the database URL names one (not for mongo).
        #[arg(long, value_enum)]
        dialect: Option<DialectArg>,
        /// Output file (sql, mongo) or project directory (diesel, seaorm); sql and mongo print
        /// to stdout without it, diesel and seaorm write into the current directory.
        #[arg(long)]
        output: Option<PathBuf>,
        /// Overwrite files that auth-cli did not write.
        #[arg(long)]
        force: bool,
    },
    /// Creates missing tables, columns and indexes; never drops or rewrites data.
    Migrate {
        /// Print the statements that would run, change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Apply without asking (needed when not run from a terminal).
        #[arg(long, short = 'y')]
        yes: bool,
    },
    /// Lists every difference between the database and the schema; exits 1 if any.
    Check {
        /// Output format.
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Lists each table of the schema as applied or pending.
    Status,
    /// Creates the database if it does not exist, then migrates it.
    Setup {
        /// Apply without asking (needed when not run from a terminal).
        #[arg(long, short = 'y')]
        yes: bool,
    },
    /// Database-level commands.
    Database {
        #[command(subcommand)]
        command: DatabaseCommand,
    },
    /// Deletes expired sessions and verification values in bounded batches.
    Cleanup {
        /// Rows per batch.
        #[arg(long, default_value_t = 1000)]
        batch_size: u64,
        /// Count what would be deleted, delete nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Subcommand)]
enum DatabaseCommand {
    /// Creates the database the URL names, if it does not exist.
    Create,
}

/// A SQL dialect on the command line.
#[derive(Clone, Copy, ValueEnum)]
enum DialectArg {
    Postgres,
    Mysql,
    Sqlite,
}

impl From<DialectArg> for Dialect {
    fn from(d: DialectArg) -> Self {
        match d {
            DialectArg::Postgres => Dialect::Postgres,
            DialectArg::Mysql => Dialect::Mysql,
            DialectArg::Sqlite => Dialect::Sqlite,
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(commands::ERROR);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("{} {e}", auth_cli::style::Style::detect(true).red("error:"));
            ExitCode::from(commands::ERROR)
        }
    }
}

fn seconds(flag: &str, s: f64) -> Result<Duration, String> {
    Duration::try_from_secs_f64(s)
        .ok()
        .filter(|d| !d.is_zero())
        .ok_or_else(|| format!("--{flag} must be a positive number of seconds"))
}

async fn run(cli: Cli) -> Result<ExitCode, String> {
    config::load_dotenv()?;
    let (schema, origin) = config::load(cli.config.as_deref())?;
    let limits = Limits {
        connect: seconds("connect-timeout", cli.connect_timeout)?,
        lock: seconds("lock-timeout", cli.lock_timeout)?,
    };
    let ctx = Ctx {
        schema,
        origin,
        url: cli.database_url,
        limits,
    };
    match cli.command {
        Command::Generate {
            adapter,
            dialect,
            output,
            force,
        } => commands::generate(
            &ctx,
            GenerateArgs {
                target: adapter,
                dialect: dialect.map(Into::into),
                output,
                force,
            },
        ),
        Command::Migrate { dry_run, yes } => commands::migrate(ctx, dry_run, yes).await,
        Command::Check { format } => commands::check(ctx, format).await,
        Command::Status => commands::status(ctx).await,
        Command::Setup { yes } => commands::setup(ctx, yes).await,
        Command::Database {
            command: DatabaseCommand::Create,
        } => commands::create_database(&ctx)
            .await
            .map(|()| ExitCode::SUCCESS),
        Command::Cleanup {
            batch_size,
            dry_run,
        } => commands::cleanup(ctx, batch_size, dry_run).await,
    }
}
