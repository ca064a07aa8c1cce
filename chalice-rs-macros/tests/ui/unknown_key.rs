use chalice_rs_runtime::route;

#[route("/items", methods = [GET], timeout = 3)]
async fn items() -> &'static str {
    "items"
}

fn main() {}
