use chalice_rs_runtime::events::ScheduledEvent;
use chalice_rs_runtime::{schedule, ChaliceError};

#[schedule("rate(1 minutes)")]
async fn every_minute(_event: ScheduledEvent) -> Result<(), ChaliceError> {
    Ok(())
}

#[schedule("cron(0 3 * * * *)")]
async fn nightly(_event: ScheduledEvent) -> Result<(), ChaliceError> {
    Ok(())
}

#[schedule("cron(0 25 ? * MON-FRI *)")]
async fn weekdays(_event: ScheduledEvent) -> Result<(), ChaliceError> {
    Ok(())
}

#[schedule("every day")]
async fn daily(_event: ScheduledEvent) -> Result<(), ChaliceError> {
    Ok(())
}

fn main() {}
