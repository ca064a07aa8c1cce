use chalice_rs_runtime::route;

// `authorizer = ..` must name an `#[authorizer]` function or a `cognito_authorizer!`.
#[route("/secret", authorizer = no_such_auth)]
async fn secret() -> &'static str {
    "s"
}

fn not_an_authorizer() {}

#[route("/other", authorizer = not_an_authorizer)]
async fn other() -> &'static str {
    "o"
}

fn main() {}
