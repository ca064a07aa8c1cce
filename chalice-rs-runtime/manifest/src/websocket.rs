//! WebSocket handlers: `#[on_ws_connect]`, `#[on_ws_disconnect]` and
//! `#[on_ws_message]` (the `$default` route, or `route = ".."`).
//!
//! Each attribute embeds one [`WebsocketFragment`]: the route key it answers,
//! the handler, where it is written, and (on `$connect`) its authorizer. Every
//! handler becomes its own Lambda function, running the app's one
//! `bootstrap`, told apart by its `_HANDLER`: [`WEBSOCKET_HANDLER_PREFIX`]
//! followed by the route key.

use serde::{Deserialize, Serialize};

/// The `_HANDLER` prefix of a WebSocket handler: `websocket:<route key>`.
pub const WEBSOCKET_HANDLER_PREFIX: &str = "websocket:";

/// The route key of the connect handler.
pub const CONNECT_ROUTE: &str = "$connect";
/// The route key of the disconnect handler.
pub const DISCONNECT_ROUTE: &str = "$disconnect";
/// The route key of messages no other route matches.
pub const DEFAULT_ROUTE: &str = "$default";

/// The longest route key API Gateway takes.
pub const MAX_ROUTE_KEY: usize = 128;

/// One WebSocket handler, as its attribute declared it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebsocketFragment {
    /// The route key: `$connect`, `$disconnect`, `$default` or a custom key.
    pub route_key: String,
    /// The Rust function's name.
    pub handler: String,
    /// `module_path!()` of the handler.
    pub module: String,
    /// `file!()` of the handler.
    pub file: String,
    /// Line of the attribute.
    pub line: u32,
    /// The authorizer of `$connect` (a REQUEST authorizer's name, or `iam`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorizer: Option<String>,
}

impl WebsocketFragment {
    /// Where the handler is written, for messages: `src/main.rs:12 (chat::join)`.
    pub fn location(&self) -> String {
        format!(
            "{}:{} ({}::{})",
            self.file, self.line, self.module, self.handler
        )
    }

    /// Its `_HANDLER` value: `websocket:<route key>`.
    pub fn lambda_handler(&self) -> String {
        format!("{WEBSOCKET_HANDLER_PREFIX}{}", self.route_key)
    }

    /// The attribute that declares it, for messages.
    pub fn attribute(&self) -> &'static str {
        match self.route_key.as_str() {
            CONNECT_ROUTE => "#[on_ws_connect]",
            DISCONNECT_ROUTE => "#[on_ws_disconnect]",
            _ => "#[on_ws_message]",
        }
    }

    /// Its function's name, the key of its settings in the config's
    /// `lambda_functions` (as Chalice names them): `websocket_connect`,
    /// `websocket_disconnect`, `websocket_message` for `$default`, and
    /// `websocket_message_<route key>` for a custom route.
    pub fn function_name(&self) -> String {
        function_name(&self.route_key)
    }
}

/// The function name of the handler of `route_key` (see
/// [`WebsocketFragment::function_name`]).
pub fn function_name(route_key: &str) -> String {
    match route_key {
        CONNECT_ROUTE => "websocket_connect".to_owned(),
        DISCONNECT_ROUTE => "websocket_disconnect".to_owned(),
        DEFAULT_ROUTE => "websocket_message".to_owned(),
        custom => format!("websocket_message_{custom}"),
    }
}

/// Why a custom route key cannot be used, or `None` when it can: 1 to
/// [`MAX_ROUTE_KEY`] characters of ASCII letters, digits, `_` and `-` (so
/// that it can name the route's Lambda function), and not starting with `$`
/// (the keys API Gateway reserves).
pub fn route_key_problem(route_key: &str) -> Option<String> {
    if route_key.is_empty() {
        return Some("a route key cannot be empty".to_owned());
    }
    if route_key.starts_with('$') {
        return Some(format!(
            "`{route_key}` is reserved by API Gateway: use `#[on_ws_connect]` for `$connect`, \
             `#[on_ws_disconnect]` for `$disconnect` and `#[on_ws_message]` without `route` for \
             `$default`"
        ));
    }
    if route_key.len() > MAX_ROUTE_KEY {
        return Some(format!(
            "a route key has at most {MAX_ROUTE_KEY} characters, `{route_key}` has {}",
            route_key.len()
        ));
    }
    if let Some(bad) = route_key
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '_' || *c == '-'))
    {
        return Some(format!(
            "`{route_key}` has `{bad}`: a route key here is ASCII letters, digits, `_` and `-` \
             (it names the route's Lambda function)"
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn route_keys_are_checked() {
        assert_eq!(route_key_problem("sendmessage"), None);
        assert_eq!(route_key_problem("send-message_2"), None);
        assert!(route_key_problem("").is_some());
        assert!(route_key_problem("$connect").is_some_and(|m| m.contains("#[on_ws_connect]")));
        assert!(route_key_problem("send message").is_some_and(|m| m.contains("` `")));
        assert!(route_key_problem(&"a".repeat(129)).is_some());
    }

    #[test]
    fn function_names_follow_chalice() {
        assert_eq!(function_name(CONNECT_ROUTE), "websocket_connect");
        assert_eq!(function_name(DISCONNECT_ROUTE), "websocket_disconnect");
        assert_eq!(function_name(DEFAULT_ROUTE), "websocket_message");
        assert_eq!(
            function_name("sendmessage"),
            "websocket_message_sendmessage"
        );
    }
}
