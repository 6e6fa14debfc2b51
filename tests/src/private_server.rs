//! Private PostgreSQL, MariaDB and Redis servers for fault tests: a fresh data directory in
//! a temporary folder, a free port, readiness polling, and stop/start on demand, so the shared
//! servers stay up. Dropping a [`PrivateServer`] kills the server and removes its folder, also
//! when a test panics.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Which server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// PostgreSQL (`initdb`, `pg_ctl`), run as the `postgres` user when we are root.
    Postgres,
    /// MariaDB (`mariadb-install-db`, `mariadbd --user=root`).
    Mariadb,
    /// Redis (`redis-server`), keeping its data in an append-only file across restarts.
    Redis,
}

/// A server of our own; stopped and deleted on drop.
pub struct PrivateServer {
    kind: Kind,
    dir: PathBuf,
    port: u16,
    bin: PathBuf,
    /// MariaDB and Redis run as our children; PostgreSQL is managed by `pg_ctl`.
    child: Option<Child>,
    running: bool,
}

/// Outside CI: `Err(reason)` means "print `skipped (reason)` and return". With `CI=true` a
/// missing prerequisite is a failure, so this panics instead.
pub fn skip_or_fail(reason: String) -> String {
    if std::env::var("CI").is_ok_and(|v| v == "true" || v == "1") {
        panic!("CI=true and the fault test cannot run: {reason}");
    }
    eprintln!("skipped ({reason})");
    reason
}

fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    l.local_addr().expect("local addr").port()
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn pg_bin_dir() -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|p| p.join("initdb").exists() && p.join("pg_ctl").exists())
        .collect();
    dirs.sort();
    dirs.pop()
}

fn which(name: &str) -> Option<PathBuf> {
    ["/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin"]
        .iter()
        .map(|d| Path::new(d).join(name))
        .find(|p| p.exists())
}

/// Runs `cmd`, as the `postgres` user when we are root (PostgreSQL refuses root).
fn as_pg_user(program: &Path, root: bool) -> Command {
    if root {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(program);
        c
    } else {
        Command::new(program)
    }
}

fn run(mut cmd: Command, what: &str) -> Result<(), String> {
    let out = cmd.stdin(Stdio::null()).output().map_err(|e| format!("{what}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{what} failed ({}): {} {}",
            out.status,
            String::from_utf8_lossy(&out.stdout).trim(),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

impl PrivateServer {
    /// Creates the data directory and starts the server; `Err` says why it cannot (missing
    /// binary, no `postgres` user, ...).
    pub fn start(kind: Kind) -> Result<Self, String> {
        let port = free_port();
        let base = std::env::temp_dir().join(format!("auth-faults-{}-{port}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        std::fs::create_dir_all(&base).map_err(|e| format!("temp dir: {e}"))?;
        let mut server = match kind {
            Kind::Postgres => {
                let bin = pg_bin_dir().ok_or("no PostgreSQL binaries under /usr/lib/postgresql/*/bin")?;
                let root = is_root();
                if root {
                    run(
                        {
                            let mut c = Command::new("chown");
                            c.args(["-R", "postgres:postgres"]).arg(&base);
                            c
                        },
                        "chown the data folder to postgres",
                    )?;
                }
                let data = base.join("data");
                let mut init = as_pg_user(&bin.join("initdb"), root);
                init.arg("-D").arg(&data).args(["-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"]);
                run(init, "initdb")?;
                PrivateServer { kind, dir: base, port, bin, child: None, running: false }
            }
            Kind::Mariadb => {
                let install = which("mariadb-install-db").ok_or("mariadb-install-db not found")?;
                let bin = which("mariadbd").or_else(|| which("mysqld")).ok_or("mariadbd not found")?;
                let data = base.join("data");
                let mut init = Command::new(install);
                init.arg("--no-defaults")
                    .arg(format!("--datadir={}", data.display()))
                    .args(["--user=root", "--auth-root-authentication-method=normal", "--skip-test-db"]);
                run(init, "mariadb-install-db")?;
                PrivateServer { kind, dir: base, port, bin, child: None, running: false }
            }
            Kind::Redis => {
                let bin = which("redis-server").ok_or("redis-server not found")?;
                std::fs::create_dir_all(base.join("data")).map_err(|e| format!("data dir: {e}"))?;
                PrivateServer { kind, dir: base, port, bin, child: None, running: false }
            }
        };
        server.resume()?;
        Ok(server)
    }

    /// A URL to `database` on this server.
    pub fn url(&self, database: &str) -> String {
        match self.kind {
            Kind::Postgres => format!("postgres://postgres@127.0.0.1:{}/{database}", self.port),
            Kind::Mariadb => format!("mysql://root@127.0.0.1:{}/{database}", self.port),
            Kind::Redis => format!("redis://127.0.0.1:{}/{database}", self.port),
        }
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Starts the (stopped) server again on the same port and data, and waits until it accepts
    /// connections.
    pub fn resume(&mut self) -> Result<(), String> {
        let data = self.dir.join("data");
        match self.kind {
            Kind::Postgres => {
                let mut c = as_pg_user(&self.bin.join("pg_ctl"), is_root());
                c.arg("-D")
                    .arg(&data)
                    .arg("-l")
                    .arg(self.dir.join("pg.log"))
                    .arg("-o")
                    .arg(format!(
                        "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=40",
                        self.port,
                        self.dir.display()
                    ))
                    .args(["-w", "-t", "30", "start"]);
                run(c, "pg_ctl start")?;
            }
            Kind::Mariadb => {
                let log = std::fs::File::create(self.dir.join(format!("mariadb-{}.log", self.port)))
                    .map_err(|e| format!("log file: {e}"))?;
                let child = Command::new(&self.bin)
                    .arg("--no-defaults")
                    .arg(format!("--datadir={}", data.display()))
                    .arg(format!("--port={}", self.port))
                    .arg(format!("--socket={}", self.dir.join("mysqld.sock").display()))
                    .arg(format!("--pid-file={}", self.dir.join("mysqld.pid").display()))
                    .args([
                        "--bind-address=127.0.0.1",
                        "--user=root",
                        "--skip-grant-tables",
                        "--skip-name-resolve",
                        "--innodb-buffer-pool-size=16M",
                        "--innodb-log-file-size=8M",
                        "--max-connections=60",
                    ])
                    .stdin(Stdio::null())
                    .stdout(Stdio::null())
                    .stderr(log)
                    .spawn()
                    .map_err(|e| format!("mariadbd: {e}"))?;
                self.child = Some(child);
            }
            Kind::Redis => {
                let child = Command::new(&self.bin)
                    .args(["--bind", "127.0.0.1", "--port", &self.port.to_string(), "--save", ""])
                    .args(["--appendonly", "yes", "--appendfsync", "always", "--dir"])
                    .arg(&data)
                    .stdin(Stdio::null())
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .spawn()
                    .map_err(|e| format!("redis-server: {e}"))?;
                self.child = Some(child);
            }
        }
        self.running = true;
        self.wait_ready(Duration::from_secs(40))
    }

    /// Waits until the port accepts connections and the server answers.
    fn wait_ready(&mut self, limit: Duration) -> Result<(), String> {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(child) = &mut self.child
                && let Ok(Some(status)) = child.try_wait()
            {
                self.child = None;
                self.running = false;
                return Err(format!("{:?} exited during start-up: {status}", self.kind));
            }
            if TcpStream::connect(("127.0.0.1", self.port)).is_ok() && self.answers() {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!("{:?} not ready after {limit:?}", self.kind));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The server answers a query (checked with its own client tool).
    fn answers(&self) -> bool {
        let port = self.port.to_string();
        let out = match self.kind {
            Kind::Postgres => Command::new("psql")
                .args(["-h", "127.0.0.1", "-p", &port, "-U", "postgres", "-d", "postgres", "-tAc", "SELECT 1"])
                .output(),
            Kind::Mariadb => Command::new("mysql").args(["-h", "127.0.0.1", "-P", &port, "-uroot", "-e", "SELECT 1"]).output(),
            Kind::Redis => Command::new("redis-cli").args(["-h", "127.0.0.1", "-p", &port, "ping"]).output(),
        };
        out.is_ok_and(|o| o.status.success())
    }

    /// Stops the server abruptly (PostgreSQL `pg_ctl stop -m immediate`, MariaDB and Redis
    /// SIGKILL): open
    /// connections see their socket close; nothing is shut down cleanly.
    pub fn crash(&mut self) {
        if !self.running {
            return;
        }
        match self.kind {
            Kind::Postgres => {
                let mut c = as_pg_user(&self.bin.join("pg_ctl"), is_root());
                c.arg("-D").arg(self.dir.join("data")).args(["-m", "immediate", "-w", "-t", "20", "stop"]);
                let _ = run(c, "pg_ctl stop");
            }
            Kind::Mariadb | Kind::Redis => {
                if let Some(mut child) = self.child.take() {
                    let _ = child.kill();
                    let _ = child.wait();
                }
            }
        }
        self.running = false;
    }
}

impl Drop for PrivateServer {
    fn drop(&mut self) {
        self.crash();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
