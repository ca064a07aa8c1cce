//! `cargo chalice metrics`: a deployed stage's metrics over a window, from
//! CloudWatch `GetMetricData`, in the terminal. Per stage: the API's
//! requests, 4XX and 5XX answers and p50/p99 latency; per function: its
//! invocations, errors, throttles, duration and concurrent executions. Each
//! is a figure (the window's total, or its peak) and a sparkline with one
//! character per period ([`chart`]).
//!
//! The stage is found in `.chalice/deployed/<stage>.json`: its API (by the
//! API's name, `app_name`, and the API Gateway stage, CloudWatch's
//! dimensions) and its functions (by their Lambda names).

pub mod chart;

use crate::aws::{call_error, Aws, AwsError};
use aws_sdk_cloudwatch::primitives::DateTime;
use aws_sdk_cloudwatch::types::{
    Dimension, Metric, MetricDataQuery, MetricDataResult, MetricStat, ScanBy,
};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

/// The most periods a chart shows: the period grows with the window.
const MAX_POINTS: u64 = 60;
/// The most queries one `GetMetricData` call takes.
const MAX_QUERIES: usize = 500;

/// Why the metrics cannot be shown.
#[derive(Debug, thiserror::Error)]
pub enum MetricsError {
    /// The stage is not deployed, or its state cannot be read.
    #[error(transparent)]
    Deploy(Box<crate::deploy::DeployError>),
    /// CloudWatch refused or cannot be reached.
    #[error(transparent)]
    Aws(#[from] AwsError),
}

impl From<crate::deploy::DeployError> for MetricsError {
    fn from(error: crate::deploy::DeployError) -> Self {
        MetricsError::Deploy(Box::new(error))
    }
}

/// `cargo chalice metrics` options.
#[derive(Debug, Clone, clap::Args)]
pub struct MetricsArgs {
    /// The stage of .chalice/config.json.
    #[arg(long, default_value = "dev")]
    pub stage: String,
    /// How far back the window goes: 30m, 1h, 1d.
    #[arg(long, default_value = "1h")]
    pub since: String,
    /// Only this function: its key in `lambda_functions` (`api`, an authorizer's or an event function's name), its Lambda name or its logical ID (default: the API and every function).
    #[arg(long)]
    pub name: Option<String>,
    /// AWS access.
    #[command(flatten)]
    pub aws: crate::deploy::commands::AwsArgs,
}

/// `cargo chalice metrics`: prints the deployed stage's metrics.
pub fn run(project_dir: &std::path::Path, args: &MetricsArgs) -> Result<(), MetricsError> {
    use crate::deploy::{block_on, logs, DeployError, Target};
    let window = logs::parse_since(&args.since).map_err(DeployError::from)?;
    let target = Target::find(project_dir, &args.stage)?;
    let state = target.state.clone().ok_or_else(|| target.not_deployed())?;
    let functions =
        logs::select_functions(&state.resources, &state.stack_name, args.name.as_deref())
            .map_err(DeployError::from)?;
    // The API's CloudWatch name is `app_name`, the stack `<app_name>-<stage>`.
    let api_name = state
        .stack_name
        .strip_suffix(&format!("-{}", state.stage))
        .unwrap_or(&state.stack_name)
        .to_owned();
    let watched = Watched {
        api: (args.name.is_none() && state.rest_api_id.is_some())
            .then(|| (api_name, target.api_gateway_stage.clone())),
        functions: functions.into_iter().map(|f| f.function).collect(),
    };
    let options = target.aws_options(&args.aws);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    let report = block_on(async {
        let aws = Aws::load(&options).await?;
        target.check_region(&aws)?;
        collect(&aws, &watched, window, now)
            .await
            .map_err(|error| match error {
                MetricsError::Aws(error) => DeployError::Aws(error),
                MetricsError::Deploy(error) => *error,
            })
    })?;
    print!("{}", report.render());
    Ok(())
}

/// What to show: the API and the functions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Watched {
    /// The API: its name (`app_name`) and its API Gateway stage.
    pub api: Option<(String, String)>,
    /// The functions' Lambda names.
    pub functions: Vec<String>,
}

/// How a series' figure is made from its periods.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Figure {
    /// The sum over the window (counts).
    Total,
    /// The highest period (latency, duration, concurrency).
    Peak,
}

/// One metric over the window.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// What it is: `requests`, `p99 latency`.
    pub label: String,
    /// How the figure is made.
    pub figure: Figure,
    /// The figure's unit (`ms`), or nothing for counts.
    pub unit: &'static str,
    /// One value per period, oldest first; `None` without a datapoint.
    pub points: Vec<Option<f64>>,
}

impl Series {
    /// The figure of the window; `None` without any datapoint.
    pub fn value(&self) -> Option<f64> {
        let mut values = self.points.iter().flatten().copied().peekable();
        values.peek()?;
        Some(match self.figure {
            Figure::Total => values.sum(),
            Figure::Peak => values.fold(f64::NEG_INFINITY, f64::max),
        })
    }
}

/// The series of the API or of one function.
#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    /// `API todo (stage api)`, `function todo-prod`.
    pub title: String,
    /// Its metrics.
    pub series: Vec<Series>,
}

/// The stage's metrics over a window.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// How far back the window goes.
    pub window: Duration,
    /// Seconds per point.
    pub period: u64,
    /// The API's section first, then each function's.
    pub sections: Vec<Section>,
}

impl Report {
    /// Whether any metric has a datapoint in the window.
    pub fn has_data(&self) -> bool {
        self.sections
            .iter()
            .flat_map(|s| &s.series)
            .any(|s| s.value().is_some())
    }

    /// The report for the terminal: per section, one line per metric with
    /// its figure and chart; a clear line when the window has no data.
    pub fn render(&self) -> String {
        let window = describe(self.window);
        let mut out = format!(
            "last {window}, one point per {}:\n",
            describe(Duration::from_secs(self.period))
        );
        if !self.has_data() {
            let _ = writeln!(
                out,
                "no data in the window: nothing was invoked in the last {window} (or CloudWatch has not received it yet); try a longer `--since`"
            );
            return out;
        }
        for section in &self.sections {
            let _ = writeln!(out, "\n{}", section.title);
            for series in &section.series {
                let figure = match series.value() {
                    None => "-".to_owned(),
                    Some(value) => {
                        let kind = match series.figure {
                            Figure::Total => "",
                            Figure::Peak => " peak",
                        };
                        format!("{}{}{kind}", chart::figure(value), series.unit)
                    }
                };
                let _ = writeln!(
                    out,
                    "  {:<22} {:>14}  {}",
                    series.label,
                    figure,
                    chart::sparkline(&series.points)
                );
            }
        }
        out
    }
}

/// `30s`, `10m`, `2h`, `1d` for a duration.
fn describe(duration: Duration) -> String {
    let seconds = duration.as_secs();
    match seconds {
        s if s % 86_400 == 0 => format!("{}d", s / 86_400),
        s if s % 3_600 == 0 => format!("{}h", s / 3_600),
        s if s % 60 == 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

/// The period for a window: at most [`MAX_POINTS`] points, a whole number
/// of minutes (CloudWatch's standard resolution).
pub fn period_for(window: Duration) -> u64 {
    let per_point = window.as_secs().div_ceil(MAX_POINTS).max(60);
    per_point.div_ceil(60) * 60
}

/// One query: a series of a section.
struct Query {
    section: usize,
    label: &'static str,
    namespace: &'static str,
    metric: &'static str,
    dimensions: Vec<(&'static str, String)>,
    stat: &'static str,
    figure: Figure,
    unit: &'static str,
}

/// The queries and the (empty) sections of `watched`.
fn plan(watched: &Watched) -> (Vec<Section>, Vec<Query>) {
    let mut sections = Vec::new();
    let mut queries = Vec::new();
    if let Some((api_name, stage)) = &watched.api {
        let dimensions = vec![("ApiName", api_name.clone()), ("Stage", stage.clone())];
        for (label, metric, stat, figure, unit) in [
            ("requests", "Count", "Sum", Figure::Total, ""),
            ("4XX", "4XXError", "Sum", Figure::Total, ""),
            ("5XX", "5XXError", "Sum", Figure::Total, ""),
            ("p50 latency", "Latency", "p50", Figure::Peak, " ms"),
            ("p99 latency", "Latency", "p99", Figure::Peak, " ms"),
        ] {
            queries.push(Query {
                section: sections.len(),
                label,
                namespace: "AWS/ApiGateway",
                metric,
                dimensions: dimensions.clone(),
                stat,
                figure,
                unit,
            });
        }
        sections.push(Section {
            title: format!("API {api_name} (stage {stage})"),
            series: Vec::new(),
        });
    }
    for function in &watched.functions {
        for (label, metric, stat, figure, unit) in [
            ("invocations", "Invocations", "Sum", Figure::Total, ""),
            ("errors", "Errors", "Sum", Figure::Total, ""),
            ("throttles", "Throttles", "Sum", Figure::Total, ""),
            (
                "duration (average)",
                "Duration",
                "Average",
                Figure::Peak,
                " ms",
            ),
            (
                "duration (maximum)",
                "Duration",
                "Maximum",
                Figure::Peak,
                " ms",
            ),
            (
                "concurrent executions",
                "ConcurrentExecutions",
                "Maximum",
                Figure::Peak,
                "",
            ),
        ] {
            queries.push(Query {
                section: sections.len(),
                label,
                namespace: "AWS/Lambda",
                metric,
                dimensions: vec![("FunctionName", function.clone())],
                stat,
                figure,
                unit,
            });
        }
        sections.push(Section {
            title: format!("function {function}"),
            series: Vec::new(),
        });
    }
    (sections, queries)
}

/// The periods of a query: from `start` (seconds since the epoch),
/// `points` periods of `period` seconds.
#[derive(Debug, Clone, Copy)]
struct Window {
    start: u64,
    period: u64,
    points: usize,
}

/// Puts each datapoint of `results` (query `q<index>`) into its period of
/// `values[index]`.
fn place(
    values: &mut BTreeMap<usize, Vec<Option<f64>>>,
    results: &[MetricDataResult],
    window: Window,
) {
    for result in results {
        let Some(index) = result
            .id()
            .and_then(|id| id.strip_prefix('q'))
            .and_then(|n| n.parse::<usize>().ok())
        else {
            continue;
        };
        let series = values
            .entry(index)
            .or_insert_with(|| vec![None; window.points]);
        for (timestamp, value) in result.timestamps().iter().zip(result.values()) {
            let Ok(offset) = u64::try_from(timestamp.secs() - window.start as i64) else {
                continue;
            };
            if let Some(slot) = usize::try_from(offset / window.period)
                .ok()
                .and_then(|slot| series.get_mut(slot))
            {
                *slot = Some(*value);
            }
        }
    }
}

/// The metrics of `watched` over the `window` ending at `now` (seconds
/// since the epoch).
pub async fn collect(
    aws: &Aws,
    watched: &Watched,
    window: Duration,
    now: u64,
) -> Result<Report, MetricsError> {
    let period = period_for(window);
    // Periods aligned on the clock, the last one ending after `now`.
    let end = (now / period + 1) * period;
    let start = end.saturating_sub(window.as_secs().div_ceil(period) * period);
    let points = usize::try_from((end - start) / period).unwrap_or(0);
    let (mut sections, queries) = plan(watched);
    let client = aws_sdk_cloudwatch::Client::new(&aws.config);
    let mut values: BTreeMap<usize, Vec<Option<f64>>> = BTreeMap::new();
    for (chunk_index, chunk) in queries.chunks(MAX_QUERIES).enumerate() {
        let base = chunk_index * MAX_QUERIES;
        let data_queries: Vec<MetricDataQuery> = chunk
            .iter()
            .enumerate()
            .map(|(i, query)| {
                let metric = Metric::builder()
                    .namespace(query.namespace)
                    .metric_name(query.metric)
                    .set_dimensions(Some(
                        query
                            .dimensions
                            .iter()
                            .map(|(name, value)| {
                                Dimension::builder().name(*name).value(value).build()
                            })
                            .collect(),
                    ))
                    .build();
                MetricDataQuery::builder()
                    .id(format!("q{}", base + i))
                    .metric_stat(
                        MetricStat::builder()
                            .metric(metric)
                            .period(i32::try_from(period).unwrap_or(i32::MAX))
                            .stat(query.stat)
                            .build(),
                    )
                    .return_data(true)
                    .build()
            })
            .collect();
        let mut token: Option<String> = None;
        for _page in 0..100 {
            let page = client
                .get_metric_data()
                .start_time(DateTime::from_secs(start as i64))
                .end_time(DateTime::from_secs(end as i64))
                .scan_by(ScanBy::TimestampAscending)
                .set_metric_data_queries(Some(data_queries.clone()))
                .set_next_token(token.clone())
                .send()
                .await
                .map_err(|e| call_error("CloudWatch.GetMetricData", e))?;
            place(
                &mut values,
                page.metric_data_results(),
                Window {
                    start,
                    period,
                    points,
                },
            );
            token = page.next_token().map(str::to_owned);
            if token.is_none() {
                break;
            }
        }
    }
    for (index, query) in queries.iter().enumerate() {
        sections[query.section].series.push(Series {
            label: query.label.to_owned(),
            figure: query.figure,
            unit: query.unit,
            points: values.remove(&index).unwrap_or_else(|| vec![None; points]),
        });
    }
    Ok(Report {
        window,
        period,
        sections,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_period_keeps_charts_short_in_whole_minutes() {
        assert_eq!(period_for(Duration::from_secs(600)), 60);
        assert_eq!(period_for(Duration::from_secs(3_600)), 60);
        assert_eq!(period_for(Duration::from_secs(86_400)), 1_440);
        assert_eq!(period_for(Duration::from_secs(7 * 86_400)), 10_080);
    }

    #[test]
    fn a_report_gives_totals_peaks_and_charts() {
        let report = Report {
            window: Duration::from_secs(3_600),
            period: 60,
            sections: vec![Section {
                title: "function shop-prod".to_owned(),
                series: vec![
                    Series {
                        label: "invocations".to_owned(),
                        figure: Figure::Total,
                        unit: "",
                        points: vec![Some(2.0), None, Some(6.0)],
                    },
                    Series {
                        label: "duration (maximum)".to_owned(),
                        figure: Figure::Peak,
                        unit: " ms",
                        points: vec![Some(12.5), Some(80.25), None],
                    },
                    Series {
                        label: "errors".to_owned(),
                        figure: Figure::Total,
                        unit: "",
                        points: vec![None, None, None],
                    },
                ],
            }],
        };
        let text = report.render();
        assert!(text.starts_with("last 1h, one point per 1m:\n"), "{text}");
        assert!(
            text.contains("\nfunction shop-prod\n  invocations                         8  ▃·█\n"),
            "{text}"
        );
        assert!(
            text.contains("  duration (maximum)       80.2 ms peak  ▂█·\n"),
            "{text}"
        );
        assert!(
            text.contains("  errors                              -  ···\n"),
            "{text}"
        );
    }

    #[test]
    fn datapoints_go_into_their_periods() {
        let mut values = BTreeMap::new();
        let result = |id: &str, points: &[(i64, f64)]| {
            let mut builder = MetricDataResult::builder().id(id);
            for (at, value) in points {
                builder = builder.timestamps(DateTime::from_secs(*at)).values(*value);
            }
            builder.build()
        };
        place(
            &mut values,
            &[
                // Before the window, in its periods, after it: kept in between.
                result(
                    "q0",
                    &[(999, 9.0), (1_000, 1.0), (1_130, 3.0), (1_300, 7.0)],
                ),
                result("q3", &[(1_061, 2.5)]),
                result("other", &[(1_000, 1.0)]),
            ],
            Window {
                start: 1_000,
                period: 60,
                points: 3,
            },
        );
        assert_eq!(values[&0], [Some(1.0), None, Some(3.0)]);
        assert_eq!(values[&3], [None, Some(2.5), None]);
        assert_eq!(values.len(), 2);
    }

    #[test]
    fn every_metric_is_asked_with_its_dimensions() {
        let (sections, queries) = plan(&Watched {
            api: Some(("shop".to_owned(), "api".to_owned())),
            functions: vec!["shop-prod".to_owned()],
        });
        assert_eq!(sections.len(), 2);
        let asked: Vec<String> = queries
            .iter()
            .map(|q| format!("{} {} {}", q.namespace, q.metric, q.stat))
            .collect();
        assert_eq!(
            asked,
            [
                "AWS/ApiGateway Count Sum",
                "AWS/ApiGateway 4XXError Sum",
                "AWS/ApiGateway 5XXError Sum",
                "AWS/ApiGateway Latency p50",
                "AWS/ApiGateway Latency p99",
                "AWS/Lambda Invocations Sum",
                "AWS/Lambda Errors Sum",
                "AWS/Lambda Throttles Sum",
                "AWS/Lambda Duration Average",
                "AWS/Lambda Duration Maximum",
                "AWS/Lambda ConcurrentExecutions Maximum",
            ]
        );
        assert_eq!(
            queries[0].dimensions,
            [("ApiName", "shop".to_owned()), ("Stage", "api".to_owned())]
        );
        assert_eq!(
            queries[5].dimensions,
            [("FunctionName", "shop-prod".to_owned())]
        );
    }

    #[test]
    fn no_data_says_so() {
        let report = Report {
            window: Duration::from_secs(600),
            period: 60,
            sections: vec![Section {
                title: "function shop-prod".to_owned(),
                series: vec![Series {
                    label: "invocations".to_owned(),
                    figure: Figure::Total,
                    unit: "",
                    points: vec![None; 10],
                }],
            }],
        };
        assert!(!report.has_data());
        assert!(report
            .render()
            .contains("no data in the window: nothing was invoked in the last 10m"));
    }
}
