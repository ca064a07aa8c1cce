use chalice_rs_runtime::{on_ws_message, WebsocketContext};

#[on_ws_message(route = "sendmessage")]
async fn send(context: WebsocketContext) -> String {
    context.connection_id
}

#[on_ws_message(route = "sendmessage")]
async fn send_again(context: WebsocketContext) -> String {
    context.connection_id
}

fn main() {}
