//! Progress of a long operation on stderr: the elapsed time on a terminal (redrawn in place),
//! a line every ten seconds elsewhere, and what it waits for when a probe can tell (a lock
//! another session holds).

use std::io::{IsTerminal, Write};
use std::time::Duration;

use futures::future::BoxFuture;
use tokio::time::{Instant, interval_at, timeout};

/// Asks the database what the operation waits for; `Some(reason)` while it waits.
pub type Probe = Box<dyn Fn() -> BoxFuture<'static, Option<String>> + Send + Sync>;

/// Runs `work`, reporting progress as `label` once it runs longer than a second.
pub async fn run<T>(label: &str, probe: Option<Probe>, work: impl Future<Output = T>) -> T {
    let terminal = std::io::stderr().is_terminal();
    let start = Instant::now();
    let mut work = std::pin::pin!(work);
    let mut tick = interval_at(start + Duration::from_secs(1), Duration::from_secs(1));
    let (mut drawn, mut last_line) = (false, Duration::ZERO);
    loop {
        tokio::select! {
            out = &mut work => {
                if drawn {
                    eprint!("\r\x1b[2K");
                    let _ = std::io::stderr().flush();
                }
                return out;
            }
            _ = tick.tick() => {
                let elapsed = start.elapsed();
                let waiting = match &probe {
                    Some(p) => timeout(Duration::from_secs(1), p()).await.ok().flatten(),
                    None => None,
                };
                let line = match &waiting {
                    Some(why) => format!("{label}: {}s, waiting for {why}", elapsed.as_secs()),
                    None => format!("{label}: {}s", elapsed.as_secs()),
                };
                if terminal {
                    eprint!("\r\x1b[2K{line}");
                    let _ = std::io::stderr().flush();
                    drawn = true;
                } else if waiting.is_some() || elapsed - last_line >= Duration::from_secs(10) {
                    eprintln!("{line}");
                    last_line = elapsed;
                }
            }
        }
    }
}
