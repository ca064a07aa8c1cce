use chalice_rs_runtime::route;

#[route("/a", cors = Cors { allow_origin: "https://x.example", max_age: 999999, colour: "red" })]
async fn a() -> &'static str {
    "a"
}

#[route("/b", cors = "yes")]
async fn b() -> &'static str {
    "b"
}

fn main() {}
