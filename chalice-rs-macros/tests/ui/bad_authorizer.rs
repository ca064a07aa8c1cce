use chalice_rs_runtime::authorizer;
use chalice_rs_runtime::authorizer::{AuthRequest, AuthResponse};

// A TOKEN authorizer given REQUEST keys, and an unknown key.
#[authorizer(headers = ["X-Key"], timeout = 3)]
async fn token(request: AuthRequest) -> AuthResponse {
    let _ = request;
    AuthResponse::unauthorized()
}

// A cached REQUEST authorizer without identity sources.
#[authorizer(kind = request)]
async fn request(request: AuthRequest) -> AuthResponse {
    let _ = request;
    AuthResponse::unauthorized()
}

fn main() {}
