use chalice_rs_runtime::route;

#[route("/items/<id", methods = [GET])]
async fn item(id: u64) -> String {
    id.to_string()
}

fn main() {}
