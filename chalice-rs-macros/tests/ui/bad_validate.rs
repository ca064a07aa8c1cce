use chalice_rs_runtime::{route, Json};

// `validate = true` without a `Json<T>` to take the model from.
#[route("/a", methods = [POST], validate = true)]
async fn no_body() -> &'static str {
    "a"
}

// A generic body type cannot name an API Gateway model.
#[route("/b", methods = [POST], validate = true)]
async fn generic(Json(body): Json<Vec<String>>) -> Json<Vec<String>> {
    Json(body)
}

// A body type that is not `JsonSchema`.
struct Plain;

impl<'de> serde::Deserialize<'de> for Plain {
    fn deserialize<D: serde::Deserializer<'de>>(_: D) -> Result<Self, D::Error> {
        Ok(Plain)
    }
}

#[route("/c", methods = [POST], validate = true)]
async fn plain(Json(_body): Json<Plain>) -> &'static str {
    "c"
}

fn main() {}
