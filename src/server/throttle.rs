//! Failed logins per client address: after a few, each further failure is answered late; after
//! many, the address is refused outright for a while. Guessing passwords then costs an attacker
//! time, and a flood of bad logins cannot keep the argon2id threads busy.
//!
//! Successful logins clear the address. The table is bounded: past its size, the oldest
//! entries go first.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::error::{sqlstate, PgError};

/// Failures older than this are forgotten.
const WINDOW: Duration = Duration::from_secs(300);
/// Failures answered at once; later ones wait `STEP` more each, up to `MAX_DELAY`.
const FREE_FAILURES: u32 = 3;
const STEP: Duration = Duration::from_millis(250);
const MAX_DELAY: Duration = Duration::from_secs(2);
/// From this many failures within the window, the address is refused until the window passes.
const REFUSE_AFTER: u32 = 10;
/// Addresses remembered at most.
const CAPACITY: usize = 100_000;

struct Failures {
    count: u32,
    last: Instant,
}

#[derive(Default)]
pub struct LoginThrottle {
    failures: Mutex<HashMap<IpAddr, Failures>>,
    /// Logins that failed, and attempts refused because of earlier failures.
    pub failed: AtomicU64,
    pub refused: AtomicU64,
}

impl LoginThrottle {
    /// May `ip` try to log in now? Refused with 28000 after too many recent failures.
    pub fn admit(&self, ip: IpAddr) -> Result<(), PgError> {
        let failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        match failures.get(&ip) {
            Some(f) if f.count >= REFUSE_AFTER && f.last.elapsed() < WINDOW => {
                self.refused.fetch_add(1, Ordering::Relaxed);
                Err(PgError::fatal(
                    sqlstate::INVALID_AUTHORIZATION,
                    "too many failed login attempts from this address; try again later",
                ))
            }
            _ => Ok(()),
        }
    }

    /// A login from `ip` failed: how long to wait before saying so.
    pub fn failed(&self, ip: IpAddr) -> Duration {
        self.failed.fetch_add(1, Ordering::Relaxed);
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        if failures.len() >= CAPACITY && !failures.contains_key(&ip) {
            failures.retain(|_, f| f.last.elapsed() < WINDOW);
            if failures.len() >= CAPACITY {
                if let Some(oldest) = failures.iter().min_by_key(|(_, f)| f.last).map(|(ip, _)| *ip) {
                    failures.remove(&oldest);
                }
            }
        }
        let entry = failures.entry(ip).or_insert(Failures {
            count: 0,
            last: Instant::now(),
        });
        if entry.last.elapsed() >= WINDOW {
            entry.count = 0;
        }
        entry.count += 1;
        entry.last = Instant::now();
        STEP.saturating_mul(entry.count.saturating_sub(FREE_FAILURES))
            .min(MAX_DELAY)
    }

    /// A login from `ip` succeeded: its failures are forgotten.
    pub fn succeeded(&self, ip: IpAddr) {
        self.failures
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&ip);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_slow_down_then_refuse_and_success_forgives() {
        let t = LoginThrottle::default();
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        let delays: Vec<_> = (0..REFUSE_AFTER).map(|_| t.failed(ip)).collect();
        assert_eq!(delays[0], Duration::ZERO);
        assert_eq!(delays[FREE_FAILURES as usize - 1], Duration::ZERO);
        assert_eq!(delays[FREE_FAILURES as usize], STEP);
        assert_eq!(
            *delays.last().unwrap(),
            STEP.saturating_mul(REFUSE_AFTER - FREE_FAILURES).min(MAX_DELAY)
        );
        assert!(t.admit(ip).is_err());
        assert!(t.admit("192.0.2.2".parse().unwrap()).is_ok());
        t.succeeded(ip);
        assert!(t.admit(ip).is_ok());
        assert_eq!(t.failed.load(Ordering::Relaxed), REFUSE_AFTER as u64);
    }
}

/// Statements per minute per workspace (`max_queries_per_minute`): counted in windows of one
/// minute; past the limit a statement is refused with 53400 until the next window, and other
/// workspaces are not affected.
#[derive(Default)]
pub struct QueryRate {
    windows: Mutex<HashMap<String, (Instant, u64)>>,
}

impl QueryRate {
    /// Count `statements` more for `workspace`, or refuse them.
    pub fn admit(&self, workspace: &str, limit: u64, statements: u64) -> Result<(), PgError> {
        let mut windows = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        let window = windows
            .entry(workspace.to_string())
            .or_insert_with(|| (Instant::now(), 0));
        if window.0.elapsed() >= Duration::from_secs(60) {
            *window = (Instant::now(), 0);
        }
        if window.1 + statements > limit {
            return Err(PgError::new(
                "53400",
                format!("workspace \"{workspace}\" ran more than {limit} statements in a minute"),
            )
            .with_hint("Wait a moment, or ask the operator to raise max_queries_per_minute."));
        }
        window.1 += statements;
        Ok(())
    }
}
