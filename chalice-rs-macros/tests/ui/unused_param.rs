use chalice_rs_runtime::route;

#[route("/items/<id>", methods = [GET])]
async fn item() -> &'static str {
    "no id"
}

fn main() {}
