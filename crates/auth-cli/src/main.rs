//! `auth-cli`: the schema CLI. Generate schema files for diesel, SeaORM, plain SQL or MongoDB;
//! migrate a live database; check it for drift; clean up expired rows.

use std::path::PathBuf;
use std::process::ExitCode;

use auth_cli::{commands, config, generate};
use auth_core::sql::Dialect;
use clap::{Parser, Subcommand, ValueEnum};

/// The schema CLI of the auth adapters.
#[derive(Parser)]
#[command(name = "auth-cli", version, about)]
struct Cli {
    /// Schema configuration (TOML); defaults to ./auth.toml when present, else Better Auth's
    /// default schema.
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Writes schema files for an ORM or tool.
    Generate {
        /// What the files are for.
        #[arg(long, value_enum)]
        adapter: generate::Target,
        /// SQL dialect (ignored for mongo).
        #[arg(long, value_enum, default_value = "sqlite")]
        dialect: DialectArg,
        /// Output file (sql, mongo) or directory (diesel, seaorm); sql and mongo print to
        /// stdout without it, diesel and seaorm write under the current directory.
        #[arg(long)]
        output: Option<PathBuf>,
    },
    /// Creates missing tables, columns and indexes; never drops or rewrites data.
    Migrate {
        /// Database URL (else DATABASE_URL from the environment or .env).
        #[arg(long)]
        database_url: Option<String>,
        /// Print what would be done, change nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Lists every difference between the database and the configured schema; exits 1 if any.
    Check {
        /// Database URL (else DATABASE_URL from the environment or .env).
        #[arg(long)]
        database_url: Option<String>,
    },
    /// Deletes expired sessions and verification values in bounded batches.
    Cleanup {
        /// Database URL (else DATABASE_URL from the environment or .env).
        #[arg(long)]
        database_url: Option<String>,
        /// Rows per batch.
        #[arg(long, default_value_t = 1000)]
        batch_size: u64,
    },
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
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<ExitCode, String> {
    let (schema, origin) = config::load(cli.config.as_deref())?;
    match cli.command {
        Command::Generate {
            adapter,
            dialect,
            output,
        } => commands::generate(&schema, &origin, adapter, dialect.into(), output.as_deref()),
        Command::Migrate {
            database_url,
            dry_run,
        } => commands::migrate(&config::database_url(database_url)?, schema, dry_run).await,
        Command::Check { database_url } => {
            commands::check(&config::database_url(database_url)?, schema).await
        }
        Command::Cleanup {
            database_url,
            batch_size,
        } => commands::cleanup(&config::database_url(database_url)?, schema, batch_size).await,
    }
}
