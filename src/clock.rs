//! The clock the application reads "now" from. In production it is the system time; tests set
//! it (`TestApp::clock`) to walk across a deadline without sleeping. Decisions that depend on
//! the time of day — a consultation's state, whether a submission is in time — read this
//! clock, never SQL `now()`.

use chrono::{DateTime, Utc};
use std::sync::{Arc, RwLock};

/// System time, or a fixed instant once [`Clock::set`] was called. Clones share the setting.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    fixed: Arc<RwLock<Option<DateTime<Utc>>>>,
}

impl Clock {
    /// The system clock.
    pub fn system() -> Clock {
        Clock::default()
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.fixed
            .read()
            .map(|fixed| *fixed)
            .unwrap_or_default()
            .unwrap_or_else(Utc::now)
    }

    /// Stops the clock at `at` (tests).
    pub fn set(&self, at: DateTime<Utc>) {
        if let Ok(mut fixed) = self.fixed.write() {
            *fixed = Some(at);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn runs_on_system_time_until_set_and_clones_share_the_setting() {
        let clock = Clock::system();
        let before = Utc::now();
        assert!(clock.now() >= before);
        let at = Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap();
        let shared = clock.clone();
        shared.set(at);
        assert_eq!(clock.now(), at);
    }
}
