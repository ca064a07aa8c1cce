use chalice_rs_runtime::{on_ws_message, WebsocketContext};

struct NotAnExtractor;

#[on_ws_message]
async fn message(context: WebsocketContext, nope: NotAnExtractor) -> String {
    let _ = nope;
    context.connection_id
}

#[on_ws_message(route = "typed")]
async fn returns_nothing_useful(context: WebsocketContext) -> NotAnExtractor {
    let _ = context;
    NotAnExtractor
}

fn main() {}
