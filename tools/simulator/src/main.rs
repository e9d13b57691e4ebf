//! `webox-simulator [--port N] [--host 127.0.0.1]` — prints
//! `webox-simulator listening on http://HOST:PORT` once bound (port 0 picks
//! a free one), logs one line per request to stderr, stops on Ctrl-C/SIGTERM.

use std::io::Write;
use std::process::ExitCode;

use axum::extract::Request;
use axum::middleware::{self, Next};
use axum::response::Response;
use webox_simulator::{Config, Simulator};

async fn log_request(request: Request, next: Next) -> Response {
    let (method, path) = (request.method().clone(), request.uri().path().to_owned());
    let response = next.run(request).await;
    eprintln!("{method} {path} -> {}", response.status().as_u16());
    response
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(term) => term,
        Err(_) => return ctrl_c.await.unwrap_or(()),
    };
    tokio::select! {
        _ = ctrl_c => {},
        _ = term.recv() => {},
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let mut port: u16 = 8788;
    let mut host = String::from("127.0.0.1");
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match (arg.as_str(), args.next()) {
            ("--port", Some(p)) if p.parse::<u16>().is_ok() => port = p.parse().unwrap_or(port),
            ("--host", Some(h)) => host = h,
            _ => {
                eprintln!("usage: webox-simulator [--port N] [--host ADDR]");
                return ExitCode::from(2);
            }
        }
    }
    let config = Config::from_env();
    let app = Simulator::new(config).router().layer(middleware::from_fn(log_request));
    let listener = match tokio::net::TcpListener::bind((host.as_str(), port)).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("webox-simulator: cannot listen on {host}:{port}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let bound = listener.local_addr().map(|a| a.port()).unwrap_or(port);
    println!("webox-simulator listening on http://{host}:{bound}");
    let _ = std::io::stdout().flush();
    match axum::serve(listener, app).with_graceful_shutdown(shutdown_signal()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("webox-simulator: {e}");
            ExitCode::FAILURE
        }
    }
}
