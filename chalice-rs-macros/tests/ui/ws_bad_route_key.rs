use chalice_rs_runtime::{on_ws_connect, on_ws_message};

#[on_ws_message(route = "send message")]
async fn spaced() {}

#[on_ws_message(route = "$connect")]
async fn reserved() {}

#[on_ws_message(rout = "sendmessage")]
async fn misspelt() {}

#[on_ws_connect(route = "join")]
async fn join() {}

fn main() {}
