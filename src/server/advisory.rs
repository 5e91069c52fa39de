//! PostgreSQL's session-level advisory locks (`pg_advisory_lock` and kin), which migration
//! tools (Flyway, Liquibase, Alembic's users, golang-migrate, Rails) take so that two runs never
//! migrate at once. DuckDB has none, so the server keeps them: per database (a workspace's keys
//! never meet another's), held by sessions, released when a session ends — or, for the
//! transaction-level ones (`pg_advisory_xact_lock`), when its transaction ends.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

/// A lock's name: the database and PostgreSQL's key (one bigint, or two ints, which PostgreSQL
/// keeps apart).
type Key = (String, String);

/// Who holds a lock: a session, for itself or for its current transaction (`true`). A
/// session's two kinds of hold never conflict with each other, as in PostgreSQL.
type Holder = (i32, bool);

#[derive(Default)]
struct Holders {
    /// Holder → how many times it holds the lock exclusively / shared (locks stack).
    exclusive: HashMap<Holder, u32>,
    shared: HashMap<Holder, u32>,
}

impl Holders {
    fn can_take(&self, session: i32, shared: bool) -> bool {
        let others_exclusive = self.exclusive.keys().any(|(s, _)| *s != session);
        let others_shared = self.shared.keys().any(|(s, _)| *s != session);
        match shared {
            true => !others_exclusive,
            false => !others_exclusive && !others_shared,
        }
    }

    fn is_empty(&self) -> bool {
        self.exclusive.is_empty() && self.shared.is_empty()
    }

    /// Drop the holds `which` picks; how many transaction-level holds went.
    fn release(&mut self, which: impl Fn(&Holder) -> bool) -> usize {
        let mut transaction_holds = 0;
        for counts in [&mut self.exclusive, &mut self.shared] {
            counts.retain(|holder, n| {
                let gone = which(holder);
                if gone && holder.1 {
                    transaction_holds += *n as usize;
                }
                !gone
            });
        }
        transaction_holds
    }
}

/// Why waiting for a lock ended without it.
#[derive(Debug, PartialEq, Eq)]
pub enum NotTaken {
    /// lock_timeout passed.
    TimedOut,
    /// The statement was cancelled or the session ended.
    Cancelled,
}

#[derive(Default)]
pub struct AdvisoryLocks {
    held: Mutex<HashMap<Key, Holders>>,
    released: Condvar,
    /// Transaction-level holds of all sessions: while none, a transaction's end costs nothing.
    transaction_holds: AtomicUsize,
}

impl AdvisoryLocks {
    /// Take the lock for the session (or, `for_transaction`, for its current transaction),
    /// waiting while another session holds it (up to `timeout`, forever when `None`), checking
    /// `cancelled` as it waits.
    #[allow(clippy::too_many_arguments)]
    pub fn lock(
        &self,
        session: i32,
        key: Key,
        shared: bool,
        for_transaction: bool,
        timeout: Option<Duration>,
        cancelled: &dyn Fn() -> bool,
    ) -> Result<(), NotTaken> {
        let deadline = timeout.map(|t| Instant::now() + t);
        let mut held = self.held.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            let holders = held.entry(key.clone()).or_default();
            if holders.can_take(session, shared) {
                let counts = if shared {
                    &mut holders.shared
                } else {
                    &mut holders.exclusive
                };
                *counts.entry((session, for_transaction)).or_default() += 1;
                if for_transaction {
                    self.transaction_holds.fetch_add(1, Ordering::SeqCst);
                }
                return Ok(());
            }
            if cancelled() {
                return Err(NotTaken::Cancelled);
            }
            let slice = Duration::from_millis(50);
            let wait = match deadline {
                Some(d) if Instant::now() >= d => return Err(NotTaken::TimedOut),
                Some(d) => slice.min(d - Instant::now()),
                None => slice,
            };
            held = self
                .released
                .wait_timeout(held, wait)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }

    /// Take the lock if no other session holds it; whether it was taken.
    pub fn try_lock(&self, session: i32, key: Key, shared: bool, for_transaction: bool) -> bool {
        self.lock(
            session,
            key,
            shared,
            for_transaction,
            Some(Duration::ZERO),
            &|| false,
        )
        .is_ok()
    }

    /// Release one session-level hold of the lock; false when the session did not hold it
    /// (transaction-level holds go only with their transaction, as in PostgreSQL).
    pub fn unlock(&self, session: i32, key: &Key, shared: bool) -> bool {
        let mut held = self.held.lock().unwrap_or_else(|e| e.into_inner());
        let Some(holders) = held.get_mut(key) else {
            return false;
        };
        let counts = if shared {
            &mut holders.shared
        } else {
            &mut holders.exclusive
        };
        let released = match counts.get_mut(&(session, false)) {
            Some(n) if *n > 1 => {
                *n -= 1;
                true
            }
            Some(_) => {
                counts.remove(&(session, false));
                true
            }
            None => false,
        };
        if holders.is_empty() {
            held.remove(key);
        }
        drop(held);
        self.released.notify_all();
        released
    }

    /// Release every lock the session holds (the session's end).
    pub fn release_all(&self, session: i32) {
        self.release_where(|(s, _)| *s == session);
    }

    /// Release the session's session-level locks (pg_advisory_unlock_all).
    pub fn unlock_all(&self, session: i32) {
        self.release_where(|(s, for_transaction)| *s == session && !for_transaction);
    }

    /// The session's transaction ended: its transaction-level locks go.
    pub fn transaction_ended(&self, session: i32) {
        if self.transaction_holds.load(Ordering::SeqCst) > 0 {
            self.release_where(|(s, for_transaction)| *s == session && *for_transaction);
        }
    }

    fn release_where(&self, which: impl Fn(&Holder) -> bool) {
        let mut held = self.held.lock().unwrap_or_else(|e| e.into_inner());
        let mut transaction_holds = 0;
        held.retain(|_, holders| {
            transaction_holds += holders.release(&which);
            !holders.is_empty()
        });
        self.transaction_holds
            .fetch_sub(transaction_holds, Ordering::SeqCst);
        drop(held);
        self.released.notify_all();
    }

    /// The locks held, as (database, key, session, shared), for pg_locks.
    pub fn held(&self) -> Vec<(String, String, i32, bool)> {
        let held = self.held.lock().unwrap_or_else(|e| e.into_inner());
        let mut out = Vec::new();
        for ((database, key), holders) in held.iter() {
            for (shared, counts) in [(false, &holders.exclusive), (true, &holders.shared)] {
                out.extend(
                    counts
                        .keys()
                        .map(|(s, _)| (database.clone(), key.clone(), *s, shared)),
                );
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(k: &str) -> Key {
        ("db".into(), k.into())
    }

    #[test]
    fn exclusive_shared_and_stacked_holds() {
        let locks = AdvisoryLocks::default();
        assert!(locks.try_lock(1, key("7"), false, false));
        assert!(
            locks.try_lock(1, key("7"), false, false),
            "a session stacks its own lock"
        );
        assert!(!locks.try_lock(2, key("7"), false, false));
        assert!(!locks.try_lock(2, key("7"), true, false));
        assert!(
            locks.try_lock(2, ("other".into(), "7".into()), false, false),
            "databases are apart"
        );
        assert!(locks.unlock(1, &key("7"), false));
        assert!(!locks.try_lock(2, key("7"), false, false), "still held once");
        assert!(locks.unlock(1, &key("7"), false));
        assert!(!locks.unlock(1, &key("7"), false));
        assert!(locks.try_lock(2, key("7"), true, false) && locks.try_lock(3, key("7"), true, false));
        assert!(!locks.try_lock(1, key("7"), false, false));
        locks.release_all(2);
        locks.release_all(3);
        assert!(locks.try_lock(1, key("7"), false, false));
    }

    #[test]
    fn transaction_holds_go_with_the_transaction() {
        let locks = AdvisoryLocks::default();
        assert!(locks.try_lock(1, key("5"), false, true));
        assert!(
            locks.try_lock(1, key("5"), false, false),
            "its own session-level hold"
        );
        assert!(!locks.try_lock(2, key("5"), true, true));
        assert!(locks.unlock(1, &key("5"), false));
        assert!(
            !locks.unlock(1, &key("5"), false),
            "unlock leaves the transaction's hold"
        );
        locks.unlock_all(1);
        assert!(!locks.try_lock(2, key("5"), false, false), "so does unlock_all");
        locks.transaction_ended(1);
        assert!(locks.try_lock(2, key("5"), false, true));
        locks.release_all(2);
        assert_eq!(locks.transaction_holds.load(Ordering::SeqCst), 0);
        assert!(locks.held().is_empty());
    }

    #[test]
    fn waiting_ends_with_the_holder_or_the_timeout() {
        let locks = std::sync::Arc::new(AdvisoryLocks::default());
        assert!(locks.try_lock(1, key("1"), false, false));
        let waiting = {
            let locks = std::sync::Arc::clone(&locks);
            std::thread::spawn(move || locks.lock(2, key("1"), false, false, None, &|| false))
        };
        std::thread::sleep(Duration::from_millis(100));
        locks.release_all(1);
        assert_eq!(waiting.join().unwrap(), Ok(()));
        assert_eq!(
            locks.lock(
                3,
                key("1"),
                false,
                false,
                Some(Duration::from_millis(80)),
                &|| false
            ),
            Err(NotTaken::TimedOut)
        );
        assert_eq!(
            locks.lock(3, key("1"), false, false, None, &|| true),
            Err(NotTaken::Cancelled)
        );
    }
}
