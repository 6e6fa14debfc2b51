//! The mixed auth workload and its bookkeeping: every task counts what it wrote, and the
//! database's counts afterwards must equal the sums.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use auth_core::{Adapter, AuthDb, AuthStore, Error, NewSession, NewUser, Where, row};
use chrono::Utc;

/// How long and how hard to run.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Concurrent tasks.
    pub tasks: usize,
    /// Wall-clock budget for the workload (tasks stop starting iterations after it).
    pub duration: Duration,
    /// Most iterations per task.
    pub max_iterations: u64,
}

/// What the tasks did, summed.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    /// Adapter calls that returned (ok or not).
    pub operations: u64,
    /// Calls that returned an error.
    pub errors: u64,
    /// The first few error messages, by kind.
    pub error_samples: BTreeMap<String, String>,
    /// Users created (sign-ups that returned ok).
    pub users: u64,
    /// Sessions created (sign-ins that returned ok).
    pub sessions: u64,
    /// Sessions removed by the expiry cleanup (its returned counts).
    pub sessions_deleted: u64,
    /// Verification values created.
    pub verifications: u64,
    /// Verification values consumed (each by exactly one of two racing callers).
    pub consumed: u64,
    /// Verification values removed by the expiry cleanup.
    pub verifications_deleted: u64,
    /// Anomalies: a row the task wrote and could not find, or a value consumed twice.
    pub anomalies: u64,
    /// The first few anomalies.
    pub anomaly_samples: Vec<String>,
}

impl Tally {
    fn add(&mut self, o: Tally) {
        self.operations += o.operations;
        self.errors += o.errors;
        for (k, v) in o.error_samples {
            self.error_samples.entry(k).or_insert(v);
        }
        self.users += o.users;
        self.sessions += o.sessions;
        self.sessions_deleted += o.sessions_deleted;
        self.verifications += o.verifications;
        self.consumed += o.consumed;
        self.verifications_deleted += o.verifications_deleted;
        self.anomalies += o.anomalies;
        for a in o.anomaly_samples {
            if self.anomaly_samples.len() < 5 {
                self.anomaly_samples.push(a);
            }
        }
    }

    /// Records a call's result; `Some(value)` when it succeeded.
    fn record<T>(&mut self, r: auth_core::Result<T>) -> Option<T> {
        self.operations += 1;
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.errors += 1;
                let kind = kind(&e);
                self.error_samples.entry(kind).or_insert_with(|| e.to_string());
                None
            }
        }
    }

    fn anomaly(&mut self, what: String) {
        self.anomalies += 1;
        if self.anomaly_samples.len() < 5 {
            self.anomaly_samples.push(what);
        }
    }
}

fn kind(e: &Error) -> String {
    let dbg = format!("{e:?}");
    dbg.split(['(', ' ', '{']).next().unwrap_or("Error").to_string()
}

/// The outcome of one run on one backend.
#[derive(Debug, Clone)]
pub struct Report {
    /// The tasks' sums.
    pub tally: Tally,
    /// Wall time of the workload.
    pub elapsed: Duration,
    /// Rows in the database afterwards: users, sessions, verifications.
    pub counted: [i64; 3],
    /// What the tasks' sums say those counts must be (negative when more was removed than
    /// written: something doubled).
    pub expected: [i64; 3],
}

impl Report {
    /// Counts match, no anomalies.
    pub fn held(&self) -> bool {
        self.counted == self.expected && self.tally.anomalies == 0
    }
}

/// One task: a loop of sign-ups, sign-ins, session lookups and refreshes, verification values
/// consumed by two racing callers, and expiry cleanups.
async fn task(db: Arc<AuthDb>, t: usize, plan: Plan, deadline: Instant) -> Tally {
    let mut tally = Tally::default();
    let mut emails: Vec<String> = Vec::new();
    let mut live: Vec<String> = Vec::new();
    let mut i: u64 = 0;
    while i < plan.max_iterations && Instant::now() < deadline {
        i += 1;
        match i % 10 {
            // Sign-up.
            1 | 6 if emails.len() < 50 || i % 20 == 1 => {
                let email = format!("U{t}x{i}@Example.com");
                if tally.record(db.create_user(NewUser::new("Soak", email.as_str())).await).is_some() {
                    tally.users += 1;
                    emails.push(email);
                }
            }
            // Sign-in: find the user by email, create a session (every fifth already expired,
            // for the cleanup to find).
            2 | 5 if !emails.is_empty() => {
                let email = &emails[(i as usize / 10) % emails.len()];
                let Some(found) = tally.record(db.find_user_by_email(email).await) else { continue };
                let Some(user) = found else {
                    tally.anomaly(format!("user {email} written and not found"));
                    continue;
                };
                let expired = i % 50 == 5;
                let expires =
                    if expired { Utc::now() - chrono::Duration::hours(1) } else { Utc::now() + chrono::Duration::days(7) };
                if let Some(s) = tally.record(db.create_session(NewSession::new(&user.id, expires)).await) {
                    tally.sessions += 1;
                    if !expired {
                        live.push(s.token);
                        if live.len() > 50 {
                            live.remove(0);
                        }
                    }
                }
            }
            // Refresh a live session.
            4 if !live.is_empty() => {
                let token = &live[(i as usize) % live.len()];
                let changes = row! { "expiresAt" => Utc::now() + chrono::Duration::days(7) };
                if let Some(None) = tally.record(db.update_session(token, changes).await) {
                    tally.anomaly(format!("live session of task {t} missing on refresh"));
                }
            }
            // A verification value, consumed by two racing callers: exactly one gets it. Every
            // third iteration also leaves an expired one for the cleanup.
            7 => {
                let ident = format!("email-verification:{t}:{i}");
                if tally.record(db.create_verification(&ident, "code", Utc::now() + chrono::Duration::minutes(10)).await).is_some()
                {
                    tally.verifications += 1;
                    let now = Utc::now();
                    let (a, b) = tokio::join!(
                        db.consume_verification(&ident, "code", now),
                        db.consume_verification(&ident, "code", now)
                    );
                    let (a, b) = (tally.record(a), tally.record(b));
                    let got = [&a, &b].iter().filter(|r| matches!(r, Some(Some(_)))).count() as u64;
                    if a.is_some() && b.is_some() && got != 1 {
                        tally.anomaly(format!("verification {ident} consumed {got} times"));
                    }
                    tally.consumed += got;
                }
                if i % 30 == 7 {
                    let ident = format!("expired:{t}:{i}");
                    let r = db.create_verification(&ident, "old", Utc::now() - chrono::Duration::minutes(1)).await;
                    if tally.record(r).is_some() {
                        tally.verifications += 1;
                    }
                }
            }
            // Cleanup of expired sessions and verification values, now and then.
            0 if i.is_multiple_of(100) => {
                let now = Utc::now();
                if let Some(n) = tally.record(db.delete_expired_sessions(now).await) {
                    tally.sessions_deleted += n;
                }
                if let Some(n) = tally.record(db.delete_expired_verifications(now).await) {
                    tally.verifications_deleted += n;
                }
            }
            // Session lookups (the most frequent call of an auth server).
            _ if !live.is_empty() => {
                let token = &live[(i as usize * 7) % live.len()];
                if let Some(None) = tally.record(db.find_session(token).await) {
                    tally.anomaly(format!("live session of task {t} not found"));
                }
            }
            _ => {
                let email = format!("U{t}x{i}@Example.com");
                if tally.record(db.create_user(NewUser::new("Soak", email.as_str())).await).is_some() {
                    tally.users += 1;
                    emails.push(email);
                }
            }
        }
    }
    tally
}

/// Runs `plan` on `db` (a fresh, empty database with its tables), then a last cleanup, then
/// counts. `Err` when the tasks do not finish within the budget plus `grace` (a deadlock or a
/// hang) or when the final counting fails.
pub async fn run(db: AuthDb, plan: &Plan, grace: Duration) -> Result<Report, String> {
    let db = Arc::new(db);
    let start = Instant::now();
    let deadline = start + plan.duration;
    let handles: Vec<_> =
        (0..plan.tasks).map(|t| tokio::spawn(task(db.clone(), t, plan.clone(), deadline))).collect();
    let mut tally = Tally::default();
    let all = async {
        let mut out = Vec::new();
        for h in handles {
            out.push(h.await);
        }
        out
    };
    let results = tokio::time::timeout(plan.duration + grace, all)
        .await
        .map_err(|_| format!("tasks still running {grace:?} after the budget: a deadlock or a hang"))?;
    for r in results {
        tally.add(r.map_err(|e| format!("a task panicked: {e}"))?);
    }
    let elapsed = start.elapsed();

    let now = Utc::now();
    tally.sessions_deleted += db.delete_expired_sessions(now).await.map_err(|e| e.to_string())?;
    tally.verifications_deleted += db.delete_expired_verifications(now).await.map_err(|e| e.to_string())?;
    let count = |m: &'static str| {
        let db = db.clone();
        async move { db.count(m, &[]).await.map(|n| n as i64).map_err(|e| format!("count {m}: {e}")) }
    };
    let counted = [count("user").await?, count("session").await?, count("verification").await?];
    let expected = [
        tally.users as i64,
        tally.sessions as i64 - tally.sessions_deleted as i64,
        tally.verifications as i64 - tally.consumed as i64 - tally.verifications_deleted as i64,
    ];
    // Nothing expired may remain.
    let stale = db.count("session", &[Where::lt("expiresAt", now)]).await.map_err(|e| e.to_string())?;
    if stale != 0 {
        tally.anomaly(format!("{stale} expired sessions survived the cleanup"));
    }
    Ok(Report { tally, elapsed, counted, expected })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread")]
    async fn the_bookkeeping_holds_on_sqlite() {
        let path = std::env::temp_dir().join(format!("auth-soak-unit-{}.db", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let url = format!("file:{}", path.display());
        let db = auth_rusqlite::connect(&url, auth_core::Schema::better_auth()).await.expect("sqlite");
        let plan = Plan { tasks: 8, duration: Duration::from_secs(1), max_iterations: 300 };
        let report = run(db, &plan, Duration::from_secs(30)).await.expect("runs");
        let _ = std::fs::remove_file(&path);
        assert!(report.tally.users > 0 && report.tally.consumed > 0, "{report:?}");
        assert!(report.held(), "{report:?}");
    }
}
