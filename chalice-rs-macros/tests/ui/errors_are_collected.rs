use chalice_rs_runtime::route;

// Every mistake of one attribute is reported at once.
#[route("/items/<id>/<id>", methods = [GET, GRAB], colour = "red", content_types = [])]
async fn item(id: u64) -> String {
    id.to_string()
}

fn main() {}
