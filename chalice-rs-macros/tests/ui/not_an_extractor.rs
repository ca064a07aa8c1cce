use chalice_rs_runtime::route;

#[route("/items/<id>", methods = [GET])]
async fn item(id: u64, count: u32) -> String {
    format!("{id} {count}")
}

fn main() {}
