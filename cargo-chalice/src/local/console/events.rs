//! What the console's pages are told, and the server-sent event stream
//! that tells them.

use bytes::Bytes;
use hyper::body::{Body, Frame, SizeHint};
use serde::Serialize;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::sync::{broadcast, mpsc};

/// A comment line sent this often keeps proxies from closing the stream and
/// finds pages that are gone.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// One request the gateway answered.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RequestEvent {
    /// Its number since the server started.
    pub sequence: u64,
    /// When it arrived, in milliseconds since the epoch.
    pub time_ms: u64,
    /// The HTTP method.
    pub method: String,
    /// The path (with the query string).
    pub path: String,
    /// The status answered.
    pub status: u16,
    /// How long the answer took, in milliseconds.
    pub duration_ms: f64,
    /// `cold` or `warm` (a function ran), else what answered: `gateway`,
    /// `preflight`, `Invoke API`.
    pub kind: String,
    /// The instance that ran it (0: none).
    pub instance: u64,
    /// The request ID (the function's `awsRequestId`).
    pub request_id: String,
    /// The function's log lines for this request (`START` to `REPORT`),
    /// kept while a page is open.
    pub log: Vec<String>,
}

/// What happens, as the pages receive it (`type` names the kind).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ConsoleEvent {
    /// A request was answered.
    Request(RequestEvent),
    /// A new build is in service.
    Reload {
        /// Reloads so far.
        reloads: u64,
        /// From the change to the new build in service.
        seconds: f64,
    },
    /// A rebuild failed (the compiler's errors); the last good build serves.
    BuildFailed {
        /// What failed, with the compiler's output.
        message: String,
    },
}

/// The body of `GET /_chalice/events`: one `data:` line of JSON per
/// [`ConsoleEvent`], as they happen, until the page goes.
#[derive(Debug)]
pub struct EventStream {
    frames: mpsc::Receiver<Bytes>,
}

impl EventStream {
    /// Forwards what `events` receives, from now on.
    pub fn new(mut events: broadcast::Receiver<ConsoleEvent>) -> Self {
        let (sender, frames) = mpsc::channel(64);
        tokio::spawn(async move {
            // Sent at once, so that the page knows the stream is open.
            if sender
                .send(Bytes::from_static(b": open\n\n"))
                .await
                .is_err()
            {
                return;
            }
            loop {
                let frame = match tokio::time::timeout(KEEP_ALIVE, events.recv()).await {
                    Ok(Ok(event)) => match serde_json::to_string(&event) {
                        Ok(json) => Bytes::from(format!("data: {json}\n\n")),
                        Err(_) => continue,
                    },
                    // The page was too slow: it misses some, and is told.
                    Ok(Err(broadcast::error::RecvError::Lagged(missed))) => {
                        Bytes::from(format!(": {missed} events missed\n\n"))
                    }
                    Ok(Err(broadcast::error::RecvError::Closed)) => return,
                    Err(_) => Bytes::from_static(b": keep-alive\n\n"),
                };
                if sender.send(frame).await.is_err() {
                    return;
                }
            }
        });
        Self { frames }
    }
}

impl Body for EventStream {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        self.frames
            .poll_recv(cx)
            .map(|frame| frame.map(|bytes| Ok(Frame::data(bytes))))
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt as _;

    #[tokio::test]
    async fn events_arrive_as_data_lines() {
        let (sender, receiver) = broadcast::channel(8);
        let mut stream = EventStream::new(receiver);
        let open = stream.frame().await.unwrap().unwrap().into_data().unwrap();
        assert_eq!(&open[..], b": open\n\n");
        sender
            .send(ConsoleEvent::BuildFailed {
                message: "error".into(),
            })
            .unwrap();
        let data = stream.frame().await.unwrap().unwrap().into_data().unwrap();
        assert_eq!(
            std::str::from_utf8(&data).unwrap(),
            "data: {\"type\":\"build_failed\",\"message\":\"error\"}\n\n"
        );
        drop(sender);
        assert!(stream.frame().await.is_none());
    }
}
