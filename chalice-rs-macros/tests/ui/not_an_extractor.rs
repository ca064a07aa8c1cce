use chalice_rs_runtime::route;

struct Config;

// A plain value whose name is not in the path.
#[route("/items/<id>", methods = [GET])]
async fn item(id: u64, count: u32) -> String {
    format!("{id} {count}")
}

// A type that is not an extractor.
#[route("/settings", methods = [GET])]
async fn settings(_config: Config) -> &'static str {
    "settings"
}

fn main() {}
