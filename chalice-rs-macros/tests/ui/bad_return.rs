use chalice_rs_runtime::route;

struct Item {
    name: String,
}

#[route("/items", methods = [GET])]
async fn items() -> Item {
    Item { name: "a".to_owned() }
}

fn main() {}
