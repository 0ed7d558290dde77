//! `panels serve`: the office console, a local web app and JSON API over
//! the library (see `docs/console.md` and `docs/api.md`).
//!
//! - [`store`]: rounds on disk, one folder each (the audit trail).
//! - [`upload`]: what an upload is, zip bombs and hostile names.
//! - [`actions`]: one library call per action (load, solve, draw,
//!   replace, report, export, explain), the same as the CLI's.
//! - [`jobs`]: solves and draws on a blocking thread, with progress.
//! - [`auth`]: token, sessions, CSRF.
//! - [`api`]: `/api/v1/…` (JSON); [`pages`]: the server-rendered pages.
//!
//! **Invariant:** handlers call one function of [`actions`] (or
//! [`jobs::start`]) per action; nothing here re-implements a rule.

#![deny(missing_docs)]

// The crates below, under the module names they had in one crate, so that
// paths read `crate::model::Instance` wherever they are used.
use panels_core::{eligibility, history, model};
use panels_io as io;
use panels_report as report;
use panels_solve as solve;
use panels_solve::draw;
use panels_verify as verify;

pub mod actions;
pub mod api;
pub mod auth;
pub mod jobs;
pub mod pages;
pub mod store;
pub mod upload;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;

/// Options of `panels serve`.
#[derive(Clone, Debug)]
pub struct ServeOptions {
    /// The data folder (`./panels-data`).
    pub data: PathBuf,
    /// Where to listen (`127.0.0.1:8080`).
    pub bind: SocketAddr,
    /// A file holding the token.
    pub token_file: Option<PathBuf>,
    /// Largest upload in bytes.
    pub max_upload: usize,
}

/// Largest upload by default: 256 MiB.
pub const DEFAULT_MAX_UPLOAD: usize = 256 << 20;

/// What every handler shares.
#[derive(Debug)]
pub struct App {
    /// The rounds.
    pub store: store::Store,
    /// Who may ask.
    pub auth: auth::Auth,
    /// Largest upload in bytes.
    pub max_upload: usize,
    /// Caps on zip uploads.
    pub zip_limits: upload::ZipLimits,
}

/// Shared state.
pub type Shared = Arc<App>;

impl App {
    /// Opens the data folder.
    ///
    /// # Errors
    /// The folder cannot be made or read.
    pub fn open(
        data: &std::path::Path,
        auth: auth::Auth,
        max_upload: usize,
    ) -> Result<App, String> {
        Ok(App {
            store: store::Store::open(data)?,
            auth,
            max_upload,
            zip_limits: upload::ZipLimits::default(),
        })
    }
}

/// The whole console: pages, API and the guard in front of both.
pub fn router(app: Shared) -> Router {
    Router::new()
        .merge(api::routes(app.max_upload))
        .merge(pages::routes(app.max_upload))
        .fallback(|req: Request| async move {
            if req.uri().path().starts_with("/api/") {
                api::no_such_endpoint()
            } else {
                pages::not_found_page(req.headers())
            }
        })
        .layer(axum::middleware::from_fn_with_state(app.clone(), guard))
        .with_state(app)
}

/// In front of every request: the host and cross-site checks, then the
/// token (401 before any body is read), then security headers.
async fn guard(State(app): State<Shared>, mut req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let headers = req.headers();
    if !app.auth.required() && auth::foreign_host(headers) {
        return api::forbidden("this console answers only as localhost, 127.0.0.1 or [::1]");
    }
    let writes = req.method() != Method::GET && req.method() != Method::HEAD;
    if writes && auth::cross_site(headers) {
        return api::forbidden("requests from other sites are refused");
    }
    let method = req.method().clone();
    let public = path == "/login" || path == "/favicon.ico" || path.starts_with("/assets/");
    let caller = app.auth.caller(headers);
    let mut resp = match (caller, public) {
        (Some(caller), _) => {
            req.extensions_mut().insert(caller);
            next.run(req).await
        }
        (None, public) if app.auth.bearer_sent(headers) => {
            // A wrong token waits, as a wrong login does, after every
            // wrong guess before it: guessing is slow, in parallel too.
            app.auth.wrong_token_wait().await;
            if public {
                next.run(req).await
            } else if path.starts_with("/api/") {
                api::unauthorized()
            } else {
                pages::login_page(StatusCode::UNAUTHORIZED, false, req.headers())
            }
        }
        (None, true) => next.run(req).await,
        (None, false) if path.starts_with("/api/") => api::unauthorized(),
        (None, false) => pages::login_page(StatusCode::UNAUTHORIZED, false, headers),
    };
    if resp.status() == StatusCode::METHOD_NOT_ALLOWED && path.starts_with("/api/") {
        let allow = resp.headers().get(header::ALLOW).cloned();
        resp = api::wrong_method(&method, &path, allow);
    }
    if resp.status().is_client_error() || resp.status().is_server_error() {
        resp = without_server_paths(&app, resp).await;
    }
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'self'; form-action 'self'; base-uri 'none'",
        ),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert("x-frame-options", HeaderValue::from_static("SAMEORIGIN"));
    resp
}

/// An error answer with the data folder's path taken out of its text
/// (files named as in the data folder, never by the server's paths).
async fn without_server_paths(app: &Shared, resp: Response) -> Response {
    let (parts, body) = resp.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 16 << 20).await else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "").into_response();
    };
    let bytes = match std::str::from_utf8(&bytes) {
        Ok(text) => axum::body::Bytes::from(app.store.relative(text)),
        Err(_) => bytes,
    };
    let mut resp = Response::from_parts(parts, axum::body::Body::from(bytes));
    resp.headers_mut().remove(header::CONTENT_LENGTH);
    resp
}

/// Runs `panels serve` until interrupted.
///
/// The data folder is locked (`DATA/.lock`, an OS file lock released when
/// the process ends, even by a kill) and the port bound before anything
/// in the folder is touched: a second server on the same folder, or on a
/// port in use, refuses to start and changes nothing (the start-up
/// clean-up of a killed server's leftovers runs only for the folder's
/// one server).
///
/// # Errors
/// A bind address off loopback without a way to make a token, a data
/// folder that cannot be used or that another server holds, or a port
/// that cannot be bound.
pub fn serve(opts: &ServeOptions) -> Result<(), String> {
    let loopback = opts.bind.ip().is_loopback();
    std::fs::create_dir_all(&opts.data).map_err(|e| format!("{}: {e}", opts.data.display()))?;
    let _lock = lock_data_folder(&opts.data)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind(opts.bind))
        .map_err(|e| {
            format!(
                "{}: {e}; nothing in {} was touched",
                opts.bind,
                opts.data.display()
            )
        })?;
    let auth = auth::setup(opts.token_file.as_deref(), &opts.data, loopback)?;
    let app = Arc::new(App::open(&opts.data, auth, opts.max_upload)?);
    runtime.block_on(async move {
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        eprintln!(
            "panels console on http://{addr}/ (data in {}; {})",
            opts.data.display(),
            if app.auth.required() {
                "token required"
            } else {
                "open on loopback"
            }
        );
        axum::serve(listener, router(app))
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
            .map_err(|e| e.to_string())
    })
}

/// Takes the data folder's lock, `DATA/.lock`: an exclusive OS lock on
/// the open file, held until the returned file is dropped or the process
/// ends (a kill releases it too, so no stale lock is left).
///
/// # Errors
/// Another `panels serve` holds the folder, or the file cannot be opened.
pub fn lock_data_folder(data: &std::path::Path) -> Result<std::fs::File, String> {
    let path = data.join(".lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    #[cfg(unix)]
    {
        use rustix::fs::{flock, FlockOperation};
        if let Err(e) = flock(&file, FlockOperation::NonBlockingLockExclusive) {
            return Err(if e == rustix::io::Errno::WOULDBLOCK {
                format!(
                    "another panels serve is using the data folder {}; stop it first (nothing was touched)",
                    data.display()
                )
            } else {
                format!("{}: {e}", path.display())
            });
        }
    }
    Ok(file)
}
