//! The open connections of the local WebSocket API: each one's context,
//! the commands its task takes (send, close), and the registry by id that
//! the connections API reads.

use super::events::ConnectionContext;
use bytes::Bytes;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::mpsc;

/// What the connections API asks of an open connection.
#[derive(Debug)]
pub enum Command {
    /// Send this data (a text frame when it is UTF-8).
    Send(Bytes),
    /// Close the connection.
    Close,
}

/// An open connection.
#[derive(Debug)]
pub struct Connection {
    /// What its events share.
    pub context: ConnectionContext,
    /// Its task's commands.
    pub commands: mpsc::UnboundedSender<Command>,
    /// When the client last sent a frame (ms since the epoch).
    pub(super) last_active: AtomicI64,
    /// The `$connect` authorizer's context, passed on to every event.
    pub(super) authorizer: Option<Value>,
}

impl Connection {
    /// When the client last sent a frame (ms since the epoch).
    pub fn last_active(&self) -> i64 {
        self.last_active.load(Ordering::Relaxed)
    }
}

/// The open connections by id.
#[derive(Debug, Default)]
pub struct Registry {
    connections: Mutex<HashMap<String, Arc<Connection>>>,
}

impl Registry {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<Connection>>> {
        self.connections
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The open connection `id`.
    pub fn get(&self, id: &str) -> Option<Arc<Connection>> {
        self.lock().get(id).cloned()
    }

    pub(super) fn insert(&self, connection: Arc<Connection>) {
        self.lock()
            .insert(connection.context.connection_id.clone(), connection);
    }

    pub(super) fn remove(&self, id: &str) {
        self.lock().remove(id);
    }
}
