//! When a schedule fires next: EventBridge's `cron(..)` and `rate(..)`
//! evaluated in UTC over the fields [`Schedule::parse`] expanded.
//!
//! Day-of-month `L` is the month's last day, `LW` its last weekday (Monday
//! to Friday), `15W` the weekday nearest the 15th without leaving the month
//! (a Saturday 1st moves to Monday the 3rd, a Sunday last day to the Friday
//! before); day-of-week `5L` is the month's last Thursday and `6#3` its third
//! Friday (no firing in a month without a fifth such day). A day that the
//! month does not have (`31`, `30W` in February) never matches.

use chalice_rs_runtime::manifest::schedule::{Cron, DayOfMonth, DayOfWeek, Schedule};
use std::time::Duration;
use time::{Date, Month, OffsetDateTime, Time, Weekday};

/// The first time strictly after `after` at which `schedule` fires, `None`
/// when it never does again (a cron whose last year is past).
///
/// A `rate(..)` fires every period from `anchor` (when the schedule started).
pub fn next_after(
    schedule: &Schedule,
    anchor: OffsetDateTime,
    after: OffsetDateTime,
) -> Option<OffsetDateTime> {
    match schedule {
        Schedule::Rate { .. } => {
            let period = schedule.period_seconds().unwrap_or(60);
            Some(next_rate(anchor, period, after))
        }
        Schedule::Cron(cron) => next_cron(cron, after),
    }
}

/// `anchor + k × period` for the smallest `k ≥ 1` landing after `after`.
fn next_rate(anchor: OffsetDateTime, period_seconds: u64, after: OffsetDateTime) -> OffsetDateTime {
    let period = Duration::from_secs(period_seconds.max(1));
    if after < anchor {
        return anchor + period;
    }
    let elapsed = (after - anchor).unsigned_abs();
    let periods = elapsed.as_secs() / period.as_secs() + 1;
    anchor + Duration::from_secs(periods.saturating_mul(period.as_secs()))
}

/// The first whole minute strictly after `after` that every field of `cron` allows.
pub fn next_cron(cron: &Cron, after: OffsetDateTime) -> Option<OffsetDateTime> {
    let after = after.to_offset(time::UtcOffset::UTC);
    let minute_start = after.replace_second(0).ok()?.replace_nanosecond(0).ok()?;
    let start = minute_start + Duration::from_secs(60);
    let (year, month, day) = (start.year(), u8::from(start.month()), start.day());
    let (hour, minute) = (start.hour(), start.minute());
    let first_year = u16::try_from(year).ok()?;
    for &y in cron.years.range(first_year..) {
        let y = i32::from(y);
        for &m in &cron.months {
            if (y, m) < (year, month) {
                continue;
            }
            for d in matching_days(cron, y, m) {
                if (y, m, d) < (year, month, day) {
                    continue;
                }
                let same_day = (y, m, d) == (year, month, day);
                for &h in &cron.hours {
                    if same_day && h < hour {
                        continue;
                    }
                    let same_hour = same_day && h == hour;
                    if let Some(&min) = cron
                        .minutes
                        .iter()
                        .find(|&&min| !same_hour || min >= minute)
                    {
                        let date = Date::from_calendar_date(y, Month::try_from(m).ok()?, d).ok()?;
                        let time = Time::from_hms(h, min, 0).ok()?;
                        return Some(date.with_time(time).assume_utc());
                    }
                }
            }
        }
    }
    None
}

/// The days of `month` (1-12) of `year` that both day fields allow, in order.
pub fn matching_days(cron: &Cron, year: i32, month: u8) -> Vec<u8> {
    let Ok(month_value) = Month::try_from(month) else {
        return Vec::new();
    };
    let days = time::util::days_in_month(month_value, year);
    let weekday = |day: u8| {
        Date::from_calendar_date(year, month_value, day)
            .map(Date::weekday)
            .unwrap_or(Weekday::Monday)
    };
    let by_month = day_of_month(&cron.day_of_month, days, &weekday);
    (1..=days)
        .filter(|&day| {
            by_month
                .as_ref()
                .is_none_or(|allowed| allowed.contains(&day))
        })
        .filter(|&day| day_of_week_allows(&cron.day_of_week, day, days, weekday(day)))
        .collect()
}

/// The days the day-of-month field allows; `None` for `?` (any day).
fn day_of_month(field: &DayOfMonth, days: u8, weekday: &dyn Fn(u8) -> Weekday) -> Option<Vec<u8>> {
    let is_weekend = |day: u8| matches!(weekday(day), Weekday::Saturday | Weekday::Sunday);
    match field {
        DayOfMonth::Any => None,
        DayOfMonth::Days(set) => Some(set.iter().copied().filter(|d| *d <= days).collect()),
        DayOfMonth::Last => Some(vec![days]),
        DayOfMonth::LastWeekday => Some(
            (1..=days)
                .rev()
                .find(|d| !is_weekend(*d))
                .into_iter()
                .collect(),
        ),
        DayOfMonth::NearestWeekday(day) => {
            let day = *day;
            if day > days {
                return Some(Vec::new());
            }
            let nearest = match weekday(day) {
                Weekday::Saturday if day == 1 => day + 2,
                Weekday::Saturday => day - 1,
                Weekday::Sunday if day == days => day - 2,
                Weekday::Sunday => day + 1,
                _ => day,
            };
            Some(vec![nearest])
        }
    }
}

/// Whether the day-of-week field allows `day` (of a month of `days` days,
/// falling on `weekday`). Days of the week are 1 (Sunday) to 7 (Saturday).
fn day_of_week_allows(field: &DayOfWeek, day: u8, days: u8, weekday: Weekday) -> bool {
    let number = weekday.number_from_sunday();
    match field {
        DayOfWeek::Any => true,
        DayOfWeek::Days(set) => set.contains(&number),
        DayOfWeek::Last(wanted) => *wanted == number && day + 7 > days,
        DayOfWeek::Nth { day: wanted, nth } => *wanted == number && (day - 1) / 7 + 1 == *nth,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn cron(expression: &str) -> Cron {
        match Schedule::parse(expression).expect("valid") {
            Schedule::Cron(cron) => cron,
            Schedule::Rate { .. } => panic!("not a cron"),
        }
    }

    /// The next `count` firings of `expression` after `after`.
    fn firings(expression: &str, after: OffsetDateTime, count: usize) -> Vec<String> {
        let cron = cron(expression);
        let mut out = Vec::new();
        let mut at = after;
        while out.len() < count {
            let Some(next) = next_cron(&cron, at) else {
                break;
            };
            out.push(
                next.format(&time::format_description::well_known::Rfc3339)
                    .unwrap(),
            );
            at = next;
        }
        out
    }

    #[test]
    fn plain_fields_fire_at_the_next_matching_minute() {
        assert_eq!(
            firings("cron(0 3 * * ? *)", datetime!(2026-05-01 02:59:59 UTC), 2),
            ["2026-05-01T03:00:00Z", "2026-05-02T03:00:00Z"]
        );
        // Strictly after: a firing time itself gives the next one.
        assert_eq!(
            firings("cron(0 3 * * ? *)", datetime!(2026-05-01 03:00:00 UTC), 1),
            ["2026-05-02T03:00:00Z"]
        );
        assert_eq!(
            firings(
                "cron(0/15 9-10 ? * MON-FRI *)",
                datetime!(2026-05-01 10:40 UTC),
                3
            ),
            // 2026-05-01 is a Friday: the next weekday is Monday the 4th.
            [
                "2026-05-01T10:45:00Z",
                "2026-05-04T09:00:00Z",
                "2026-05-04T09:15:00Z"
            ]
        );
        // Day 31 only in the months that have it.
        assert_eq!(
            firings("cron(0 0 31 * ? *)", datetime!(2026-01-31 12:00 UTC), 3),
            [
                "2026-03-31T00:00:00Z",
                "2026-05-31T00:00:00Z",
                "2026-07-31T00:00:00Z"
            ]
        );
    }

    #[test]
    fn last_day_of_the_month_follows_leap_years() {
        assert_eq!(
            firings("cron(30 2 L * ? *)", datetime!(2027-12-31 03:00 UTC), 3),
            [
                "2028-01-31T02:30:00Z",
                "2028-02-29T02:30:00Z",
                "2028-03-31T02:30:00Z"
            ]
        );
        assert_eq!(
            firings("cron(0 0 L 2 ? *)", datetime!(2099-03-01 00:00 UTC), 2),
            // 2100 is not a leap year (divisible by 100, not by 400).
            ["2100-02-28T00:00:00Z", "2101-02-28T00:00:00Z"]
        );
        assert_eq!(
            firings("cron(0 0 29 2 ? *)", datetime!(2026-01-01 00:00 UTC), 2),
            ["2028-02-29T00:00:00Z", "2032-02-29T00:00:00Z"]
        );
    }

    #[test]
    fn weekday_fields_stay_within_the_month() {
        // LW: May 2026 ends on a Sunday, so its last weekday is Friday the 29th.
        assert_eq!(
            firings("cron(0 12 LW * ? *)", datetime!(2026-05-01 00:00 UTC), 2),
            ["2026-05-29T12:00:00Z", "2026-06-30T12:00:00Z"]
        );
        // 15W: 2026-08-15 is a Saturday (→ Friday 14th), 2026-11-15 a Sunday (→ Monday 16th).
        assert_eq!(
            firings(
                "cron(0 12 15W 8,11 ? 2026)",
                datetime!(2026-01-01 00:00 UTC),
                2
            ),
            ["2026-08-14T12:00:00Z", "2026-11-16T12:00:00Z"]
        );
        // 1W on a Saturday 1st does not go back into the previous month:
        // 2026-08-01 is a Saturday → Monday the 3rd.
        assert_eq!(
            firings("cron(0 12 1W 8 ? 2026)", datetime!(2026-01-01 00:00 UTC), 1),
            ["2026-08-03T12:00:00Z"]
        );
        // 31W on a Sunday 31st does not go forward: 2026-05-31 → Friday the 29th.
        assert_eq!(
            firings(
                "cron(0 12 31W 5 ? 2026)",
                datetime!(2026-01-01 00:00 UTC),
                1
            ),
            ["2026-05-29T12:00:00Z"]
        );
        // 30W never fires in February.
        assert_eq!(
            firings(
                "cron(0 12 30W 2 ? 2026-2028)",
                datetime!(2026-01-01 00:00 UTC),
                1
            ),
            Vec::<String>::new()
        );
    }

    #[test]
    fn last_and_nth_weekdays_of_the_month() {
        // 5L: the last Thursday.
        assert_eq!(
            firings("cron(0 18 ? * 5L *)", datetime!(2026-01-01 00:00 UTC), 3),
            [
                "2026-01-29T18:00:00Z",
                "2026-02-26T18:00:00Z",
                "2026-03-26T18:00:00Z"
            ]
        );
        // 6#3: the third Friday.
        assert_eq!(
            firings("cron(0 9 ? * 6#3 *)", datetime!(2026-01-01 00:00 UTC), 2),
            ["2026-01-16T09:00:00Z", "2026-02-20T09:00:00Z"]
        );
        // 2#5: the fifth Monday, only in months that have one.
        assert_eq!(
            firings("cron(0 9 ? * MON#5 *)", datetime!(2026-01-01 00:00 UTC), 3),
            [
                "2026-03-30T09:00:00Z",
                "2026-06-29T09:00:00Z",
                "2026-08-31T09:00:00Z"
            ]
        );
    }

    #[test]
    fn years_bound_the_schedule() {
        assert_eq!(
            firings(
                "cron(0 0 1 1 ? 2027,2029)",
                datetime!(2026-06-01 00:00 UTC),
                5
            ),
            ["2027-01-01T00:00:00Z", "2029-01-01T00:00:00Z"]
        );
        assert_eq!(
            next_cron(
                &cron("cron(0 0 1 1 ? 2025)"),
                datetime!(2026-06-01 00:00 UTC)
            ),
            None
        );
        assert_eq!(
            firings("cron(59 23 31 12 ? *)", datetime!(2199-12-31 23:58 UTC), 2),
            ["2199-12-31T23:59:00Z"]
        );
        // Across a year end.
        assert_eq!(
            firings("cron(0 0 1 * ? *)", datetime!(2026-12-15 00:00 UTC), 2),
            ["2027-01-01T00:00:00Z", "2027-02-01T00:00:00Z"]
        );
    }

    #[test]
    fn rates_fire_every_period_from_their_start() {
        let schedule = Schedule::parse("rate(5 minutes)").unwrap();
        let anchor = datetime!(2026-05-01 10:00:30 UTC);
        assert_eq!(
            next_after(&schedule, anchor, anchor),
            Some(datetime!(2026-05-01 10:05:30 UTC))
        );
        assert_eq!(
            next_after(&schedule, anchor, datetime!(2026-05-01 10:05:29 UTC)),
            Some(datetime!(2026-05-01 10:05:30 UTC))
        );
        assert_eq!(
            next_after(&schedule, anchor, datetime!(2026-05-01 10:05:30 UTC)),
            Some(datetime!(2026-05-01 10:10:30 UTC))
        );
        // Missed periods (the machine slept) are not made up: the next one is in the future.
        assert_eq!(
            next_after(&schedule, anchor, datetime!(2026-05-01 12:31:00 UTC)),
            Some(datetime!(2026-05-01 12:35:30 UTC))
        );
        let daily = Schedule::parse("rate(1 day)").unwrap();
        assert_eq!(
            next_after(&daily, anchor, anchor),
            Some(datetime!(2026-05-02 10:00:30 UTC))
        );
    }
}
