//! Throttling and quotas as the deployed stage applies them: a token bucket
//! per route (`throttling`: the route's own limits, else the stage's
//! defaults, as a method setting overrides `*/*`), one per API key
//! (`usage_plan.throttle`), and a request count per key and period
//! (`usage_plan.quota`). A request over a rate answers 429 `Too Many
//! Requests`; over the quota, 429 `Limit Exceeded`.
//!
//! The counts live as long as the build in service: a reload starts them
//! afresh. Quota periods follow UTC calendar days, ISO weeks and months.

use crate::config::{ThrottleLimits, UsagePlan};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// Why a request is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limited {
    /// Over a rate: 429 `Too Many Requests`.
    Throttled,
    /// Over the usage plan's quota: 429 `Limit Exceeded`.
    QuotaExceeded,
}

/// A token bucket: `burst` requests at once, refilled at `rate` per second.
#[derive(Debug)]
struct TokenBucket {
    rate: f64,
    burst: f64,
    tokens: f64,
    last: Instant,
}

impl TokenBucket {
    /// A full bucket for `limits`; `None` when they set no rate and no burst.
    fn new(limits: &ThrottleLimits) -> Option<Self> {
        let (rate, burst) = match (limits.rate_limit, limits.burst_limit) {
            (None, None) => return None,
            // API Gateway needs both; a missing burst allows one second's worth.
            (Some(rate), None) => (rate, rate.ceil().max(1.0)),
            (None, Some(burst)) => (f64::from(burst), f64::from(burst)),
            (Some(rate), Some(burst)) => (rate, f64::from(burst)),
        };
        Some(Self {
            rate,
            burst,
            tokens: burst,
            last: Instant::now(),
        })
    }

    fn try_take(&mut self, now: Instant) -> bool {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.last = now;
        self.tokens = (self.tokens + elapsed * self.rate).min(self.burst);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// A quota period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Period {
    Day,
    Week,
    Month,
}

impl Period {
    /// A number that changes when a new period starts (UTC).
    fn index(self, unix_seconds: u64) -> u64 {
        let days = unix_seconds / 86_400;
        match self {
            Period::Day => days,
            // 1970-01-01 was a Thursday; ISO weeks start on Monday.
            Period::Week => (days + 3) / 7,
            Period::Month => {
                let date = time::OffsetDateTime::from_unix_timestamp(
                    i64::try_from(unix_seconds).unwrap_or(i64::MAX),
                )
                .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
                u64::try_from(date.year()).unwrap_or(0) * 12 + u64::from(u8::from(date.month()))
            }
        }
    }
}

#[derive(Debug)]
struct KeyUsage {
    bucket: Option<TokenBucket>,
    period: u64,
    used: u64,
}

/// The stage's and the usage plan's limits, with their counts.
#[derive(Debug)]
pub struct Limits {
    stage: ThrottleLimits,
    /// Limits by `"METHOD /resource/path"`.
    route_limits: HashMap<String, ThrottleLimits>,
    /// The routes' buckets, made on first use.
    routes: Mutex<HashMap<String, Option<TokenBucket>>>,
    key_throttle: ThrottleLimits,
    quota: Option<(u64, Period)>,
    keys: Mutex<HashMap<String, KeyUsage>>,
}

impl Limits {
    /// The limits of the stage (`stage`: every route's defaults), of the
    /// routes `throttling.routes` names (`(method, resource path, limits)`, as
    /// the resolved app's [`crate::app::rest_api::RestApi::route_throttles`]) and of
    /// `usage_plan` (already validated by the config).
    pub fn new(
        stage: ThrottleLimits,
        routes: Vec<(String, String, ThrottleLimits)>,
        usage_plan: &UsagePlan,
    ) -> Self {
        let route_limits = routes
            .into_iter()
            .map(|(method, resource_path, limits)| (format!("{method} {resource_path}"), limits))
            .collect();
        let quota = usage_plan.quota.as_ref().map(|quota| {
            let period = match quota.period.to_ascii_uppercase().as_str() {
                "DAY" => Period::Day,
                "WEEK" => Period::Week,
                _ => Period::Month,
            };
            (u64::from(quota.limit), period)
        });
        Self {
            stage,
            route_limits,
            routes: Mutex::new(HashMap::new()),
            key_throttle: usage_plan.throttle.clone().unwrap_or_default(),
            quota,
            keys: Mutex::new(HashMap::new()),
        }
    }

    /// Counts a request to `method resource_path` against the stage's limits.
    pub fn admit_route(&self, method: &str, resource_path: &str) -> Result<(), Limited> {
        let key = format!("{method} {resource_path}");
        let mut routes = lock(&self.routes);
        let bucket = routes.entry(key).or_insert_with_key(|key| {
            TokenBucket::new(self.route_limits.get(key).unwrap_or(&self.stage))
        });
        match bucket {
            Some(bucket) => {
                if bucket.try_take(Instant::now()) {
                    Ok(())
                } else {
                    Err(Limited::Throttled)
                }
            }
            None => Ok(()),
        }
    }

    /// Counts a request made with API key `key` against the usage plan.
    pub fn admit_key(&self, key: &str) -> Result<(), Limited> {
        let unix_seconds = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let mut keys = lock(&self.keys);
        let usage = keys.entry(key.to_owned()).or_insert_with(|| KeyUsage {
            bucket: TokenBucket::new(&self.key_throttle),
            period: 0,
            used: 0,
        });
        if let Some(bucket) = &mut usage.bucket {
            if !bucket.try_take(Instant::now()) {
                return Err(Limited::Throttled);
            }
        }
        if let Some((limit, period)) = self.quota {
            let index = period.index(unix_seconds);
            if usage.period != index {
                usage.period = index;
                usage.used = 0;
            }
            if usage.used >= limit {
                return Err(Limited::QuotaExceeded);
            }
            usage.used += 1;
        }
        Ok(())
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Quota;
    use std::time::Duration;

    #[test]
    fn a_bucket_allows_its_burst_then_refills_at_its_rate() {
        let mut bucket = TokenBucket::new(&ThrottleLimits {
            rate_limit: Some(10.0),
            burst_limit: Some(2),
        })
        .unwrap();
        let start = bucket.last;
        assert!(bucket.try_take(start));
        assert!(bucket.try_take(start));
        assert!(!bucket.try_take(start));
        // 100 ms at 10 per second: one more.
        assert!(bucket.try_take(start + Duration::from_millis(100)));
        assert!(!bucket.try_take(start + Duration::from_millis(100)));
    }

    #[test]
    fn a_routes_limits_replace_the_stage_defaults() {
        let stage = ThrottleLimits {
            rate_limit: Some(0.001),
            burst_limit: Some(3),
        };
        let routes = vec![(
            "POST".to_owned(),
            "/items".to_owned(),
            ThrottleLimits {
                rate_limit: Some(0.001),
                burst_limit: Some(1),
            },
        )];
        let limits = Limits::new(stage, routes, &UsagePlan::default());
        assert_eq!(limits.admit_route("POST", "/items"), Ok(()));
        assert_eq!(
            limits.admit_route("POST", "/items"),
            Err(Limited::Throttled)
        );
        // Every other route gets the stage's defaults, each its own bucket.
        for _ in 0..3 {
            assert_eq!(limits.admit_route("GET", "/items"), Ok(()));
        }
        assert_eq!(limits.admit_route("GET", "/items"), Err(Limited::Throttled));
        assert_eq!(limits.admit_route("GET", "/"), Ok(()));
    }

    #[test]
    fn the_quota_counts_per_key() {
        let plan = UsagePlan {
            throttle: None,
            quota: Some(Quota {
                limit: 2,
                period: "DAY".to_owned(),
            }),
        };
        let limits = Limits::new(ThrottleLimits::default(), Vec::new(), &plan);
        assert_eq!(limits.admit_key("a"), Ok(()));
        assert_eq!(limits.admit_key("a"), Ok(()));
        assert_eq!(limits.admit_key("a"), Err(Limited::QuotaExceeded));
        assert_eq!(limits.admit_key("b"), Ok(()));
    }

    #[test]
    fn periods_change_at_utc_boundaries() {
        // 2026-11-30 is a Monday; 2026-12-01 starts a month.
        let monday = 1_795_996_800; // 2026-11-30T00:00:00Z
        assert_eq!(Period::Day.index(monday - 1) + 1, Period::Day.index(monday));
        assert_eq!(
            Period::Week.index(monday - 1) + 1,
            Period::Week.index(monday)
        );
        assert_eq!(
            Period::Week.index(monday),
            Period::Week.index(monday + 6 * 86_400)
        );
        let december = monday + 86_400;
        assert_eq!(
            Period::Month.index(december - 1) + 1,
            Period::Month.index(december)
        );
    }
}
