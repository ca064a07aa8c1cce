//! EventBridge schedule expressions, `rate(5 minutes)` and
//! `cron(0 3 * * ? *)`, parsed and checked as EventBridge checks them.
//!
//! `#[schedule]` parses its expression at compile time (a mistake is a
//! compile error at the user's string); `cargo chalice local` fires the
//! function at the times the parsed [`Schedule`] gives (UTC).
//!
//! Cron fields, in order: minutes (0-59), hours (0-23), day of month (1-31,
//! `?`, `L`, `W`), month (1-12 or `JAN`-`DEC`), day of week (1-7 or
//! `SUN`-`SAT`, 1 being Sunday; `?`, `L`, `#`), year (1970-2199). Each takes
//! `*`, `a`, `a-b`, `a/step`, `*/step`, `a-b/step` and comma lists; one of
//! day of month and day of week must be `?`.

use std::collections::BTreeSet;
use std::fmt;

/// A parsed schedule expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Schedule {
    /// `rate(N unit)`: every N minutes, hours or days from when the rule is made.
    Rate {
        /// N, at least 1.
        amount: u32,
        /// The unit.
        unit: RateUnit,
    },
    /// `cron(..)`: at the times matching every field (UTC).
    Cron(Cron),
}

/// The unit of a `rate(..)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateUnit {
    /// `minute` / `minutes`.
    Minutes,
    /// `hour` / `hours`.
    Hours,
    /// `day` / `days`.
    Days,
}

impl RateUnit {
    /// Seconds in one unit.
    pub fn seconds(self) -> u64 {
        match self {
            RateUnit::Minutes => 60,
            RateUnit::Hours => 3_600,
            RateUnit::Days => 86_400,
        }
    }
}

impl Schedule {
    /// Parses `rate(..)` or `cron(..)`, or says what is wrong.
    pub fn parse(expression: &str) -> Result<Self, ScheduleError> {
        let expression = expression.trim();
        if let Some(body) = inside(expression, "rate") {
            return parse_rate(body);
        }
        if let Some(body) = inside(expression, "cron") {
            return Cron::parse(body).map(Schedule::Cron);
        }
        Err(ScheduleError(format!(
            "`{expression}` is not a schedule expression: write `rate(5 minutes)` or `cron(0 3 * * ? *)`"
        )))
    }

    /// The period of a `rate(..)` in seconds; `None` for a `cron(..)`.
    pub fn period_seconds(&self) -> Option<u64> {
        match self {
            Schedule::Rate { amount, unit } => Some(u64::from(*amount) * unit.seconds()),
            Schedule::Cron(_) => None,
        }
    }
}

/// The text inside `name( .. )`, if `expression` has that form.
fn inside<'a>(expression: &'a str, name: &str) -> Option<&'a str> {
    expression
        .strip_prefix(name)?
        .trim_start()
        .strip_prefix('(')?
        .strip_suffix(')')
        .map(str::trim)
}

fn parse_rate(body: &str) -> Result<Schedule, ScheduleError> {
    let mut words = body.split_whitespace();
    let (Some(amount), Some(unit), None) = (words.next(), words.next(), words.next()) else {
        return Err(ScheduleError(format!(
            "`rate({body})` needs a number and a unit: `rate(5 minutes)`, `rate(1 hour)`, `rate(7 days)`"
        )));
    };
    let amount: u32 = amount.parse().ok().filter(|n| *n > 0).ok_or_else(|| {
        ScheduleError(format!(
            "`rate({body})`: the amount `{amount}` must be a whole number of at least 1"
        ))
    })?;
    let (parsed, singular) = match unit {
        "minute" => (RateUnit::Minutes, true),
        "minutes" => (RateUnit::Minutes, false),
        "hour" => (RateUnit::Hours, true),
        "hours" => (RateUnit::Hours, false),
        "day" => (RateUnit::Days, true),
        "days" => (RateUnit::Days, false),
        other => {
            return Err(ScheduleError(format!(
            "`rate({body})`: unknown unit `{other}`; the units are minute(s), hour(s) and day(s)"
        )))
        }
    };
    if singular != (amount == 1) {
        let plural = unit.trim_end_matches('s');
        let fixed = if amount == 1 {
            plural.to_owned()
        } else {
            format!("{plural}s")
        };
        return Err(ScheduleError(format!(
            "`rate({body})`: EventBridge wants `rate({amount} {fixed})` (singular for 1, plural otherwise)"
        )));
    }
    Ok(Schedule::Rate {
        amount,
        unit: parsed,
    })
}

/// A parsed `cron(..)`: the values each field allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cron {
    /// Minutes, 0-59.
    pub minutes: BTreeSet<u8>,
    /// Hours, 0-23.
    pub hours: BTreeSet<u8>,
    /// Day of month.
    pub day_of_month: DayOfMonth,
    /// Months, 1-12.
    pub months: BTreeSet<u8>,
    /// Day of week.
    pub day_of_week: DayOfWeek,
    /// Years, 1970-2199.
    pub years: BTreeSet<u16>,
}

/// The day-of-month field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DayOfMonth {
    /// `?`: the day of week decides.
    Any,
    /// These days, 1-31 (`*` is all of them).
    Days(BTreeSet<u8>),
    /// `L`: the month's last day.
    Last,
    /// `LW`: the month's last weekday.
    LastWeekday,
    /// `15W`: the weekday nearest that day, within the month.
    NearestWeekday(u8),
}

/// The day-of-week field; days are 1 (Sunday) to 7 (Saturday).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DayOfWeek {
    /// `?`: the day of month decides.
    Any,
    /// These days of the week (`*` is all of them).
    Days(BTreeSet<u8>),
    /// `5L`: the month's last such day (`L` alone is every Saturday: [`DayOfWeek::Days`]).
    Last(u8),
    /// `6#3`: the month's `nth` (1-5) such day.
    Nth {
        /// The day of the week.
        day: u8,
        /// Which one in the month.
        nth: u8,
    },
}

const MONTHS: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
const DAYS: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

impl Cron {
    /// Parses the six fields of a `cron(..)`.
    pub fn parse(body: &str) -> Result<Self, ScheduleError> {
        let fields: Vec<&str> = body.split_whitespace().collect();
        if fields.len() != 6 {
            return Err(ScheduleError(format!(
                "`cron({body})` has {} fields; EventBridge takes six: minutes hours day-of-month \
                 month day-of-week year, as in `cron(0 3 * * ? *)`",
                fields.len()
            )));
        }
        let error = |field: &str, message: String| {
            ScheduleError(format!("`cron({body})`, {field}: {message}"))
        };
        let minutes = numbers(fields[0], 0, 59, &[]).map_err(|m| error("minutes", m))?;
        let hours = numbers(fields[1], 0, 23, &[]).map_err(|m| error("hours", m))?;
        let day_of_month = day_of_month(fields[2]).map_err(|m| error("day of month", m))?;
        let months = numbers(fields[3], 1, 12, &MONTHS).map_err(|m| error("month", m))?;
        let day_of_week = day_of_week(fields[4]).map_err(|m| error("day of week", m))?;
        let years = numbers(fields[5], 1970, 2199, &[])
            .map_err(|m| error("year", m))?
            .into_iter()
            .map(|year| year as u16)
            .collect();
        match (&day_of_month, &day_of_week) {
            (DayOfMonth::Any, DayOfWeek::Any) => Err(error(
                "day of month and day of week",
                "only one of them may be `?`".to_owned(),
            )),
            (DayOfMonth::Any, _) | (_, DayOfWeek::Any) => Ok(Cron {
                minutes: narrow(minutes),
                hours: narrow(hours),
                day_of_month,
                months: narrow(months),
                day_of_week,
                years,
            }),
            _ => Err(error(
                "day of month and day of week",
                "one of them must be `?` (EventBridge takes one or the other), as in `cron(0 3 * * ? *)`"
                    .to_owned(),
            )),
        }
    }
}

fn narrow(values: BTreeSet<u32>) -> BTreeSet<u8> {
    values.into_iter().map(|value| value as u8).collect()
}

fn day_of_month(field: &str) -> Result<DayOfMonth, String> {
    match field {
        "?" => return Ok(DayOfMonth::Any),
        "L" => return Ok(DayOfMonth::Last),
        "LW" => return Ok(DayOfMonth::LastWeekday),
        _ => {}
    }
    if let Some(day) = field.strip_suffix('W') {
        let day = value(day, 1, 31, &[])?;
        return Ok(DayOfMonth::NearestWeekday(day as u8));
    }
    numbers(field, 1, 31, &[]).map(|days| DayOfMonth::Days(narrow(days)))
}

fn day_of_week(field: &str) -> Result<DayOfWeek, String> {
    match field {
        "?" => return Ok(DayOfWeek::Any),
        // `L` alone is the week's last day, Saturday, every week (as in Quartz).
        "L" => return Ok(DayOfWeek::Days(BTreeSet::from([7]))),
        _ => {}
    }
    if let Some(day) = field.strip_suffix('L') {
        return Ok(DayOfWeek::Last(value(day, 1, 7, &DAYS)? as u8));
    }
    if let Some((day, nth)) = field.split_once('#') {
        let day = value(day, 1, 7, &DAYS)? as u8;
        let nth = value(nth, 1, 5, &[])? as u8;
        return Ok(DayOfWeek::Nth { day, nth });
    }
    numbers(field, 1, 7, &DAYS).map(|days| DayOfWeek::Days(narrow(days)))
}

/// The values a comma list of `*`, `a`, `a-b` and `../step` items allows.
fn numbers(field: &str, min: u32, max: u32, names: &[&str]) -> Result<BTreeSet<u32>, String> {
    let mut out = BTreeSet::new();
    for item in field.split(',') {
        let (range, step) = match item.split_once('/') {
            Some((range, step)) => {
                let step: u32 = step.parse().ok().filter(|step| *step > 0).ok_or_else(|| {
                    format!("the step `{step}` of `{item}` must be a number of at least 1")
                })?;
                (range, step)
            }
            None => (item, 1),
        };
        let (first, last) = match range {
            "*" => (min, max),
            _ => match range.split_once('-') {
                Some((a, b)) => (value(a, min, max, names)?, value(b, min, max, names)?),
                None if step > 1 => (value(range, min, max, names)?, max),
                None => {
                    let single = value(range, min, max, names)?;
                    (single, single)
                }
            },
        };
        if first > last {
            return Err(format!("the range `{range}` runs backwards"));
        }
        out.extend((first..=last).step_by(step as usize));
    }
    Ok(out)
}

/// One value: a number in `min..=max`, or one of `names` (the first being `min`).
fn value(text: &str, min: u32, max: u32, names: &[&str]) -> Result<u32, String> {
    if let Some(index) = names
        .iter()
        .position(|name| name.eq_ignore_ascii_case(text))
    {
        return Ok(min + index as u32);
    }
    let number: u32 = text.parse().map_err(|_| {
        if names.is_empty() {
            format!("`{text}` is not a number from {min} to {max}")
        } else {
            format!(
                "`{text}` is not a number from {min} to {max} nor one of {}",
                names.join(", ")
            )
        }
    })?;
    if !(min..=max).contains(&number) {
        return Err(format!("{number} is out of range ({min} to {max})"));
    }
    Ok(number)
}

/// Why a schedule expression is not one EventBridge takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleError(pub String);

impl fmt::Display for ScheduleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ScheduleError {}

#[cfg(test)]
mod tests {
    use super::*;

    fn set<T: Ord + Copy>(values: &[T]) -> BTreeSet<T> {
        values.iter().copied().collect()
    }

    #[test]
    fn rates_take_singular_for_one_and_plural_otherwise() {
        assert_eq!(
            Schedule::parse("rate(5 minutes)").unwrap().period_seconds(),
            Some(300)
        );
        assert_eq!(
            Schedule::parse("rate(1 day)").unwrap().period_seconds(),
            Some(86_400)
        );
        for (bad, says) in [
            ("rate(1 minutes)", "rate(1 minute)"),
            ("rate(2 hour)", "rate(2 hours)"),
            ("rate(0 days)", "at least 1"),
            ("rate(5 weeks)", "unknown unit `weeks`"),
            ("rate(5)", "a number and a unit"),
            ("every 5 minutes", "not a schedule expression"),
        ] {
            let error = Schedule::parse(bad).unwrap_err().to_string();
            assert!(error.contains(says), "{bad}: {error}");
        }
    }

    #[test]
    fn cron_fields_expand_to_their_values() {
        let Schedule::Cron(cron) =
            Schedule::parse("cron(0/15 9-17 ? JAN,mar MON-FRI 2026-2027)").unwrap()
        else {
            panic!("not cron");
        };
        assert_eq!(cron.minutes, set(&[0, 15, 30, 45]));
        assert_eq!(cron.hours, (9..=17).collect());
        assert_eq!(cron.day_of_month, DayOfMonth::Any);
        assert_eq!(cron.months, set(&[1, 3]));
        assert_eq!(cron.day_of_week, DayOfWeek::Days(set(&[2, 3, 4, 5, 6])));
        assert_eq!(cron.years, set(&[2026, 2027]));
        let Schedule::Cron(cron) = Schedule::parse("cron(30 2 L * ? *)").unwrap() else {
            panic!("not cron");
        };
        assert_eq!(cron.day_of_month, DayOfMonth::Last);
        assert_eq!(cron.years.len(), 230);
        for (expression, day_of_week) in [
            ("cron(0 3 ? * 6#3 *)", DayOfWeek::Nth { day: 6, nth: 3 }),
            ("cron(0 3 ? * FRIL *)", DayOfWeek::Last(6)),
            ("cron(0 3 ? * L *)", DayOfWeek::Days(set(&[7]))),
        ] {
            let Schedule::Cron(cron) = Schedule::parse(expression).unwrap() else {
                panic!("not cron");
            };
            assert_eq!(cron.day_of_week, day_of_week, "{expression}");
        }
        let Schedule::Cron(cron) = Schedule::parse("cron(0 3 15W * ? *)").unwrap() else {
            panic!("not cron");
        };
        assert_eq!(cron.day_of_month, DayOfMonth::NearestWeekday(15));
    }

    #[test]
    fn cron_mistakes_name_the_field() {
        for (bad, says) in [
            ("cron(0 3 * * *)", "has 5 fields"),
            ("cron(60 3 * * ? *)", "minutes: 60 is out of range"),
            ("cron(0 24 * * ? *)", "hours: 24 is out of range"),
            ("cron(0 3 * * * *)", "one of them must be `?`"),
            ("cron(0 3 ? * ? *)", "only one of them may be `?`"),
            (
                "cron(0 3 ? FOO * *)",
                "month: `FOO` is not a number from 1 to 12 nor one of JAN",
            ),
            ("cron(0 3 ? * 8 *)", "day of week: 8 is out of range"),
            ("cron(0 3 ? * * 1969)", "year: 1969 is out of range"),
            ("cron(0/0 3 ? * * *)", "minutes: the step `0`"),
            (
                "cron(0 5-3 ? * * *)",
                "hours: the range `5-3` runs backwards",
            ),
            (
                "cron(0 3 ? * 2#6 *)",
                "day of week: 6 is out of range (1 to 5)",
            ),
        ] {
            let error = Schedule::parse(bad).unwrap_err().to_string();
            assert!(error.contains(says), "{bad}: {error}");
        }
    }
}
