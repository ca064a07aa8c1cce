//! How a function's logs are written (`log_format`, `log_level`): Lambda's
//! `LoggingConfig`, and the `AWS_LAMBDA_LOG_FORMAT`/`AWS_LAMBDA_LOG_LEVEL`
//! variables Lambda gives the function, which the runtime's `tracing`
//! subscriber reads (and `cargo chalice local` sets the same way).

use super::AppError;

/// The log formats Lambda takes.
pub const LOG_FORMATS: &[&str] = &["Text", "JSON"];
/// The application log levels Lambda takes (JSON format only).
pub const LOG_LEVELS: &[&str] = &["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"];

/// A function's log settings, checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FunctionLogs {
    /// `Text` or `JSON`; `None`: Lambda's default (`Text`).
    pub format: Option<String>,
    /// The application log level (JSON only).
    pub level: Option<String>,
}

impl FunctionLogs {
    /// The variables Lambda sets for these settings: `AWS_LAMBDA_LOG_FORMAT`
    /// and, with a level, `AWS_LAMBDA_LOG_LEVEL`.
    pub fn environment(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if let Some(format) = &self.format {
            out.push(("AWS_LAMBDA_LOG_FORMAT", format.clone()));
        }
        if let Some(level) = &self.level {
            out.push(("AWS_LAMBDA_LOG_LEVEL", level.clone()));
        }
        out
    }
}

/// Checks `log_format` and `log_level` (`which` names the function in
/// errors).
pub fn resolve(
    which: &str,
    format: Option<&str>,
    level: Option<&str>,
) -> Result<FunctionLogs, AppError> {
    let named = |key: &str, value: &str, allowed: &[&str]| {
        let close = crate::suggest::closest(value, allowed.iter().copied())
            .or_else(|| {
                // `json` for `JSON`, `WARNING` for `WARN`.
                let upper = value.to_ascii_uppercase();
                allowed
                    .iter()
                    .copied()
                    .find(|a| upper.starts_with(&a.to_ascii_uppercase()))
            })
            .map(|c| format!(" (did you mean `{c}`?)"))
            .unwrap_or_default();
        AppError::Config(format!(
            "`{key}`{which} is `{value}`{close}; Lambda takes {}",
            allowed.join(", ")
        ))
    };
    if let Some(format) = format.filter(|f| !LOG_FORMATS.contains(f)) {
        return Err(named("log_format", format, LOG_FORMATS));
    }
    if let Some(level) = level.filter(|l| !LOG_LEVELS.contains(l)) {
        return Err(named("log_level", level, LOG_LEVELS));
    }
    if level.is_some() && format != Some("JSON") {
        return Err(AppError::Config(format!(
            "`log_level`{which} needs `\"log_format\": \"JSON\"`: Lambda filters application logs by level in the JSON format only"
        )));
    }
    Ok(FunctionLogs {
        format: format.map(str::to_owned),
        level: level.map(str::to_owned),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_with_a_level_sets_both_variables() {
        let logs = resolve("", Some("JSON"), Some("DEBUG")).unwrap();
        assert_eq!(
            logs.environment(),
            [
                ("AWS_LAMBDA_LOG_FORMAT", "JSON".to_owned()),
                ("AWS_LAMBDA_LOG_LEVEL", "DEBUG".to_owned())
            ]
        );
        assert!(resolve("", None, None).unwrap().environment().is_empty());
    }

    #[test]
    fn what_lambda_refuses_is_named() {
        let message = resolve(" of the function `work`", Some("json"), None)
            .unwrap_err()
            .to_string();
        assert_eq!(
            message,
            "`log_format` of the function `work` is `json` (did you mean `JSON`?); Lambda takes Text, JSON"
        );
        let message = resolve("", Some("Text"), Some("INFO"))
            .unwrap_err()
            .to_string();
        assert!(
            message.contains("needs `\"log_format\": \"JSON\"`"),
            "{message}"
        );
        let message = resolve("", Some("JSON"), Some("WARNING"))
            .unwrap_err()
            .to_string();
        assert!(message.contains("(did you mean `WARN`?)"), "{message}");
    }
}
