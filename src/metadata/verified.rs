//! Passwords that passed argon2id once, remembered so that a client that reconnects with the
//! same password is not made to wait for argon2id again: the price of a login then comes close
//! to PostgreSQL's SCRAM, while a wrong password still costs a full argon2id check.
//!
//! What is kept is an HMAC-SHA256 of the password under a key drawn at random for this process
//! (never stored, never shown), tied to the user's stored argon2id hash: changing the password
//! (or a hash of any kind changing) makes the entry worthless. The credentials table itself
//! keeps only argon2id hashes; someone who could read this process's memory could test guesses
//! faster than against argon2id, which is why the entries live only here and only for users
//! who logged in.

use std::collections::HashMap;
use std::sync::Mutex;

use ring::hmac;
use ring::rand::SystemRandom;

/// At most this many users are remembered (a login beyond it forgets everyone, rarely).
const CAPACITY: usize = 10_000;

pub struct VerifiedPasswords {
    key: hmac::Key,
    /// user -> (the argon2id hash the password was checked against, HMAC of the password).
    entries: Mutex<HashMap<String, (String, hmac::Tag)>>,
}

impl VerifiedPasswords {
    pub fn new() -> Option<VerifiedPasswords> {
        let key = hmac::Key::generate(hmac::HMAC_SHA256, &SystemRandom::new()).ok()?;
        Some(VerifiedPasswords {
            key,
            entries: Mutex::new(HashMap::new()),
        })
    }

    /// Forget every remembered password (a password changed, or a user went).
    pub fn forget_all(&self) {
        self.entries.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }

    /// Did this user log in before with this password, against this same stored hash?
    pub fn knows(&self, user: &str, stored_hash: &str, password: &str) -> bool {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        match entries.get(user) {
            Some((hash, tag)) if hash == stored_hash => {
                // Constant-time comparison.
                hmac::verify(&self.key, password.as_bytes(), tag.as_ref()).is_ok()
            }
            _ => false,
        }
    }

    /// Remember a password that argon2id just accepted.
    pub fn remember(&self, user: &str, stored_hash: &str, password: &str) {
        let tag = hmac::sign(&self.key, password.as_bytes());
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= CAPACITY && !entries.contains_key(user) {
            entries.clear();
        }
        entries.insert(user.to_string(), (stored_hash.to_string(), tag));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_same_password_against_the_same_hash() {
        let v = VerifiedPasswords::new().unwrap();
        assert!(!v.knows("ann", "$argon2id$h1", "pw"));
        v.remember("ann", "$argon2id$h1", "pw");
        assert!(v.knows("ann", "$argon2id$h1", "pw"));
        assert!(!v.knows("ann", "$argon2id$h1", "pw2"));
        assert!(!v.knows("ann", "$argon2id$h2", "pw")); // the password was changed
        assert!(!v.knows("bob", "$argon2id$h1", "pw"));
    }
}
