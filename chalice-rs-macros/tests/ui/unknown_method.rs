use chalice_rs_runtime::route;

#[route("/items", methods = [GET, FETCH])]
async fn items() -> &'static str {
    "items"
}

fn main() {}
