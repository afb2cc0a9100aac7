//! `SVH_RATE_LIMIT`: requests per token subject, on this replica. A
//! generic cell rate algorithm: a subject may send N at once, and then one
//! more each `per / N`; a refusal says how long until the next one fits.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::config::RateLimit;

#[derive(Clone)]
pub struct RateLimiter {
    limit: RateLimit,
    /// Per subject, the time at which its bucket is empty again ("theoretical arrival time").
    full_until: Arc<Mutex<HashMap<String, Instant>>>,
}

/// Subjects kept before those whose buckets have emptied are forgotten.
const PRUNE_AT: usize = 10_000;

impl RateLimiter {
    pub fn new(limit: RateLimit) -> Self {
        Self { limit, full_until: Arc::default() }
    }

    /// Counts one request of `subject`; Err(wait) when it is over the limit.
    pub fn admit(&self, subject: &str) -> Result<(), Duration> {
        self.admit_at(subject, Instant::now())
    }

    fn admit_at(&self, subject: &str, now: Instant) -> Result<(), Duration> {
        let interval = self.limit.per / self.limit.requests;
        // The most a bucket may hold ahead of now: N requests' worth, less the one being admitted.
        let burst = self.limit.per - interval;
        let mut subjects = self.full_until.lock().unwrap_or_else(|e| e.into_inner());
        if subjects.len() >= PRUNE_AT {
            subjects.retain(|_, until| *until > now);
        }
        let until = subjects.get(subject).copied().filter(|u| *u > now).unwrap_or(now);
        if until - now > burst {
            return Err(until - now - burst);
        }
        subjects.insert(subject.to_owned(), until + interval);
        Ok(())
    }

    /// `Retry-After` for a wait: whole seconds, rounded up, at least 1.
    pub fn retry_after(wait: Duration) -> u64 {
        (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter(s: &str) -> RateLimiter {
        RateLimiter::new(s.parse().unwrap())
    }

    #[test]
    fn n_at_once_then_one_per_interval_per_subject() {
        let l = limiter("5/s");
        let t = Instant::now();
        for _ in 0..5 {
            l.admit_at("a", t).unwrap();
        }
        let wait = l.admit_at("a", t).unwrap_err();
        assert_eq!(wait, Duration::from_millis(200));
        assert_eq!(RateLimiter::retry_after(wait), 1);
        // Another subject is unaffected.
        l.admit_at("b", t).unwrap();
        // One more fits each 200 ms, and no more.
        l.admit_at("a", t + Duration::from_millis(200)).unwrap();
        assert!(l.admit_at("a", t + Duration::from_millis(250)).is_err());
        // After a quiet second the whole burst is back.
        let later = t + Duration::from_secs(3);
        for _ in 0..5 {
            l.admit_at("a", later).unwrap();
        }
        assert!(l.admit_at("a", later).is_err());
    }

    #[test]
    fn per_minute_waits_are_given_in_whole_seconds() {
        let l = limiter("2/m");
        let t = Instant::now();
        l.admit_at("a", t).unwrap();
        l.admit_at("a", t).unwrap();
        let wait = l.admit_at("a", t).unwrap_err();
        assert_eq!(RateLimiter::retry_after(wait), 30);
        assert_eq!(RateLimiter::retry_after(Duration::from_millis(29_001)), 30);
        assert_eq!(RateLimiter::retry_after(Duration::from_millis(1)), 1);
        for bad in ["0/s", "5", "5/h", "x/m", "-1/s"] {
            assert!(bad.parse::<RateLimit>().is_err(), "{bad}");
        }
    }
}
