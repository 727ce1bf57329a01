//! Serves "hello from cratecache" on the address given as the first argument (default 127.0.0.1:3000).
use hyper::service::{make_service_fn, service_fn};
use hyper::{Body, Request, Response, Server};
use std::convert::Infallible;

async fn hello(_: Request<Body>) -> Result<Response<Body>, Infallible> {
    Ok(Response::new(Body::from("hello from cratecache\n")))
}

#[tokio::main]
async fn main() {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:3000".to_string())
        .parse()
        .expect("address");
    let make_svc = make_service_fn(|_conn| async { Ok::<_, Infallible>(service_fn(hello)) });
    let server = Server::bind(&addr).serve(make_svc);
    println!("listening on {}", server.local_addr());
    if let Err(e) = server.await {
        eprintln!("server error: {e}");
    }
}
