use chalice_rs_runtime::route;

#[route("/items/<id>", methods = [GET, PUT])]
async fn get_item(id: u64) -> String {
    id.to_string()
}

#[route("/items/<id>", methods = [GET])]
async fn also_get_item(id: u64) -> String {
    id.to_string()
}

fn main() {}
