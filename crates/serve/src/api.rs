//! The JSON API, `/api/v1/…` (documented in `docs/api.md`), and the
//! round operations the pages share with it.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::{header, Method, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use serde::{Deserialize, Serialize};

use super::actions::{self, ActionError, DrawParams, ErrorKind, Marks, SolveParams};
use super::auth::Caller;
use super::jobs::{self, JobKind, JobView, StartError};
use super::store::{now_rfc3339, HistoryMark, Round, RoundMeta, Step};
use super::Shared;

/// An error answer: the HTTP status and the error as data.
#[derive(Debug)]
pub struct ApiError(pub ActionError);

impl ApiError {
    /// The HTTP status of the error's kind.
    pub fn status(&self) -> StatusCode {
        match self.0.kind {
            ErrorKind::BadInput => StatusCode::BAD_REQUEST,
            ErrorKind::Infeasible => StatusCode::UNPROCESSABLE_ENTITY,
            ErrorKind::Other => StatusCode::INTERNAL_SERVER_ERROR,
            ErrorKind::NotFound => StatusCode::NOT_FOUND,
            ErrorKind::Busy => StatusCode::CONFLICT,
            ErrorKind::Unauthorized => StatusCode::UNAUTHORIZED,
            ErrorKind::Forbidden => StatusCode::FORBIDDEN,
            ErrorKind::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ErrorKind::NotAvailable => StatusCode::NOT_IMPLEMENTED,
            ErrorKind::WrongMethod => StatusCode::METHOD_NOT_ALLOWED,
        }
    }
}

impl From<ActionError> for ApiError {
    fn from(e: ActionError) -> ApiError {
        ApiError(e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status(), Json(serde_json::json!({ "error": self.0 }))).into_response()
    }
}

/// 401 for the API.
pub fn unauthorized() -> Response {
    let mut r = ApiError(ActionError::new(
        ErrorKind::Unauthorized,
        "send the console's token as 'Authorization: Bearer TOKEN'",
    ))
    .into_response();
    r.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        header::HeaderValue::from_static("Bearer"),
    );
    r
}

/// 403 as a JSON error (another host name, another site).
pub fn forbidden(message: &str) -> Response {
    ApiError(ActionError::new(ErrorKind::Forbidden, message)).into_response()
}

/// 404: `no {what}`, and the same in Chinese.
fn not_found(what: &str, zh: &str) -> ApiError {
    ApiError(ActionError::new(ErrorKind::NotFound, format!("no {what}")).zh(zh))
}

/// 404 before the first solve or draw.
fn no_panels_yet() -> ApiError {
    not_found(
        "panels yet: solve or draw first",
        "还没有评审组：请先求解或抽取",
    )
}

/// 409: the round is held by `what` (`a solve`, `a replacement`, …).
fn busy(what: &str) -> ApiError {
    let zh = match what {
        "a solve" => "求解",
        "a draw" => "抽取",
        "a replacement" => "替换",
        "an append to the history" => "追加历史记录",
        _ => "其他操作",
    };
    ApiError(
        ActionError::new(
            ErrorKind::Busy,
            format!("{what} is running on this round; wait for it to finish"),
        )
        .zh(format!("本轮正在进行{zh}，请等其完成后再试")),
    )
}

/// Takes the round's lock for `what`, or 409 naming what holds it.
fn hold(round: &Round, what: &'static str) -> Result<tokio::sync::OwnedMutexGuard<()>, ApiError> {
    let guard = round
        .lock
        .clone()
        .try_lock_owned()
        .map_err(|_| busy(&round.holder()))?;
    round.set_holder(what);
    Ok(guard)
}

/// The API's routes.
pub fn routes(max_upload: usize) -> Router<Shared> {
    Router::new()
        .route("/api/v1", get(about))
        .route(
            "/api/v1/rounds",
            get(list_rounds)
                .post(create_round)
                .layer(DefaultBodyLimit::max(max_upload)),
        )
        .route("/api/v1/template.xlsx", get(template))
        .route("/api/v1/history.csv", get(history_file))
        .route("/api/v1/rounds/{id}", get(round_status))
        .route("/api/v1/rounds/{id}/solve", post(solve))
        .route("/api/v1/rounds/{id}/draw", post(draw))
        .route("/api/v1/rounds/{id}/events", get(events))
        .route("/api/v1/rounds/{id}/replace", post(replace))
        .route("/api/v1/rounds/{id}/explain", get(explain))
        .route("/api/v1/rounds/{id}/verify", get(verify))
        .route("/api/v1/rounds/{id}/history", post(history))
        .route("/api/v1/rounds/{id}/files", get(files))
        .route("/api/v1/rounds/{id}/files/{name}", get(file))
        .route("/api/v1/rounds/{id}/{download}", get(download))
        .route_layer(DefaultBodyLimit::max(MAX_JSON_BODY))
}

/// 404 for a path under `/api/` that is no endpoint.
pub fn no_such_endpoint() -> Response {
    not_found(
        "such endpoint (see docs/api.md)",
        "没有这个接口（见 docs/api.md）",
    )
    .into_response()
}

/// 405 as a JSON error, for a known path asked with a method it does not
/// take (the `Allow` header of `allow` kept).
pub fn wrong_method(method: &Method, path: &str, allow: Option<header::HeaderValue>) -> Response {
    let mut r = ApiError(ActionError::new(
        ErrorKind::WrongMethod,
        format!("{path} does not take {method}"),
    ))
    .into_response();
    if let Some(a) = allow {
        r.headers_mut().insert(header::ALLOW, a);
    }
    r
}

async fn about() -> Json<serde_json::Value> {
    Json(serde_json::json!({
        "api": "v1",
        "program": crate::draw::log::program(),
    }))
}

// ---------------------------------------------------------------- views

/// A round as the API shows it.
#[derive(Clone, Debug, Serialize)]
pub struct RoundView {
    /// What was uploaded (`round.json`).
    #[serde(flatten)]
    pub meta: RoundMeta,
    /// The current panels' status (`optimal`, `feasible`), if any.
    pub status: Option<String>,
    /// The current panels' objective.
    pub objective: Option<f64>,
    /// The current panels' bound.
    pub bound: Option<f64>,
    /// The step whose panels are current.
    pub current: Option<Step>,
    /// Every step, oldest first.
    pub steps: Vec<Step>,
    /// Appends of the round to the console's history, oldest first.
    pub history: Vec<HistoryMark>,
    /// The running or last job.
    pub job: Option<JobView>,
}

/// The view of a round.
///
/// # Errors
/// A `state.json` that does not read.
pub fn view(round: &Round) -> Result<RoundView, ApiError> {
    let state = round.state().map_err(ActionError::other)?;
    let current = state.current().cloned();
    let mut job = round
        .job
        .lock()
        .ok()
        .and_then(|j| j.as_ref().map(|j| j.view()))
        .or_else(|| round.job_record().map(jobs::view_of_record));
    // A `job.json` of an older version may name a file by its server path.
    if let Some(j) = &mut job {
        j.record.error = j.record.error.take().map(|e| round.relative(e));
    }
    Ok(RoundView {
        meta: round.meta.clone(),
        status: current.as_ref().map(|s| s.status.clone()),
        objective: current.as_ref().map(|s| s.objective),
        bound: current.as_ref().and_then(|s| s.bound),
        current,
        steps: state.steps,
        history: state.history,
        job,
    })
}

/// A round by id, or 404.
///
/// # Errors
/// 404 for an unknown id.
pub fn round_of(app: &Shared, id: &str) -> Result<Arc<Round>, ApiError> {
    app.store
        .get(id)
        .ok_or_else(|| not_found("such round", "没有这个轮次"))
}

/// Every round, newest first; a round whose folder does not read (edited
/// by hand) is listed with its id and its problem instead of failing the
/// whole list.
async fn list_rounds(State(app): State<Shared>) -> Json<Vec<serde_json::Value>> {
    let list = app
        .store
        .list()
        .iter()
        .map(|r| match view(r) {
            Ok(v) => serde_json::to_value(v).unwrap_or_default(),
            Err(e) => serde_json::json!({
                "id": r.id,
                "damaged": app.store.relative(&e.0.message),
            }),
        })
        .collect();
    Json(list)
}

async fn round_status(
    State(app): State<Shared>,
    Path(id): Path<String>,
) -> Result<Json<RoundView>, ApiError> {
    Ok(Json(view(&*round_of(&app, &id)?)?))
}

// ---------------------------------------------------------------- upload

/// An upload form as sent: the file and the other fields.
#[derive(Debug)]
pub struct UploadForm {
    /// The bytes of the field `file`.
    pub bytes: Vec<u8>,
    /// The client's name of the file (display only).
    pub name: String,
    /// The field `csrf` (pages).
    pub csrf: Option<String>,
    /// The field `history`: `console` (default) takes the console's
    /// history when the upload has none; `none` does not.
    pub take_history: bool,
}

/// Reads the multipart fields `file`, `csrf` and `history`.
///
/// # Errors
/// No `file` field, a `history` other than `console` or `none`, or a body
/// over the size limit (413).
pub async fn read_upload(mut mp: Multipart) -> Result<UploadForm, ApiError> {
    let mut found = None;
    let (mut csrf, mut take_history) = (None, true);
    loop {
        let field = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => return Err(multipart_error(e.status(), e.body_text())),
        };
        match field.name() {
            Some("file") => {
                let name = field.file_name().unwrap_or("upload").to_string();
                let bytes = field
                    .bytes()
                    .await
                    .map_err(|e| multipart_error(e.status(), e.body_text()))?;
                found = Some((bytes.to_vec(), name));
            }
            Some(n @ ("csrf" | "history")) => {
                let n = n.to_string();
                let text = field
                    .text()
                    .await
                    .map_err(|e| multipart_error(e.status(), e.body_text()))?;
                if n == "csrf" {
                    csrf = Some(text);
                } else {
                    take_history = match text.trim() {
                        "" | "console" => true,
                        "none" => false,
                        other => {
                            return Err(ApiError(
                                ActionError::bad(format!(
                                    "history {other}: expected console or none"
                                ))
                                .zh(format!("历史记录选项 {other} 无效：应为 console 或 none")),
                            ))
                        }
                    };
                }
            }
            _ => {}
        }
    }
    let (bytes, name) = found.ok_or_else(|| {
        ApiError(
            ActionError::bad("send the round as the multipart field 'file'")
                .zh("请选择要上传的文件"),
        )
    })?;
    Ok(UploadForm {
        bytes,
        name,
        csrf,
        take_history,
    })
}

/// The multipart body of an upload, or a JSON 400 saying how to send it.
///
/// # Errors
/// The request is not `multipart/form-data`.
pub fn multipart_of(
    mp: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Multipart, ApiError> {
    mp.map_err(|e| {
        ApiError(ActionError::bad(format!(
            "send the round as multipart/form-data with the field 'file' ({})",
            e.body_text()
        )))
    })
}

/// A query string as its struct, or a JSON 400 naming what is missing.
///
/// # Errors
/// A missing or malformed field.
pub fn query_of<T>(
    q: Result<Query<T>, axum::extract::rejection::QueryRejection>,
) -> Result<T, ApiError> {
    q.map(|Query(q)| q).map_err(|e| {
        ApiError(ActionError::bad(format!(
            "the query string: {}",
            e.body_text()
                .trim_start_matches("Failed to deserialize query string: ")
        )))
    })
}

fn multipart_error(status: StatusCode, text: String) -> ApiError {
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError(
            ActionError::new(
                ErrorKind::TooLarge,
                "the upload is larger than this console takes (see --max-upload-mb)",
            )
            .zh("上传的文件超过本系统的上限（见 --max-upload-mb）"),
        )
    } else {
        ApiError(
            ActionError::bad(format!("the upload did not arrive whole: {text}"))
                .zh(format!("上传没有完整到达：{text}")),
        )
    }
}

/// Makes a round from uploaded bytes (on a blocking thread).
///
/// # Errors
/// As [`super::upload::make_round`].
pub async fn make_round(app: &Shared, form: UploadForm) -> Result<Arc<Round>, ApiError> {
    let app2 = app.clone();
    let round = tokio::task::spawn_blocking(move || {
        super::upload::make_round(
            &app2.store,
            &form.bytes,
            &form.name,
            app2.zip_limits,
            form.take_history,
        )
    })
    .await
    .map_err(|e| ApiError(ActionError::other(e.to_string())))??;
    round.log(serde_json::json!({
        "at": round.meta.created, "action": "upload", "form": round.meta.form,
        "upload_name": round.meta.upload_name, "upload_sha256": round.meta.upload_sha256,
        "input_sha256": round.meta.input_sha256, "history_records": round.meta.history_records,
        "history_used": round.meta.history_used,
        "notes": round.meta.notes.iter().map(|n| &n.text).collect::<Vec<_>>(),
    }));
    Ok(round)
}

async fn create_round(
    State(app): State<Shared>,
    mp: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Response, ApiError> {
    let form = read_upload(multipart_of(mp)?).await?;
    let round = make_round(&app, form).await?;
    let body = Json(serde_json::json!({ "id": round.id, "round": view(&round)? }));
    Ok((StatusCode::CREATED, body).into_response())
}

// ---------------------------------------------------------------- jobs

/// `?wait=true`: answer when the job has ended.
#[derive(Debug, Default, Deserialize)]
pub struct WaitQuery {
    /// Wait for the job to end before answering.
    #[serde(default)]
    pub wait: bool,
}

/// The body of `POST …/solve`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SolveBody {
    /// `auto`, `flow`, `mip` or `lagrange`.
    #[serde(default)]
    pub method: Option<String>,
    /// Seconds.
    #[serde(default)]
    pub time_limit: Option<f64>,
    /// `auto`, `all` or a number.
    #[serde(default)]
    pub candidates: Option<serde_json::Value>,
}

impl SolveBody {
    /// The solve parameters, checked.
    ///
    /// # Errors
    /// An unknown method or candidates value.
    pub fn params(&self) -> Result<SolveParams, ActionError> {
        let method = match self.method.as_deref().map(str::trim) {
            None | Some("") => Default::default(),
            Some(m) => m.parse::<crate::solve::Method>().map_err(|_| {
                ActionError::bad(format!("method {m}: expected auto, flow, mip or lagrange"))
                    .zh(format!("方法 {m} 无效：应为 auto、flow、mip 或 lagrange"))
            })?,
        };
        let candidates = match &self.candidates {
            None | Some(serde_json::Value::Null) => Default::default(),
            Some(serde_json::Value::String(s)) if s.trim().is_empty() => Default::default(),
            Some(serde_json::Value::String(s)) => s
                .parse()
                .map_err(|e| ActionError::bad(format!("candidates {s}: {e}")))?,
            Some(v) => v
                .to_string()
                .parse()
                .map_err(|e| ActionError::bad(format!("candidates {v}: {e}")))?,
        };
        actions::time_limit(self.time_limit)?;
        Ok(SolveParams {
            method,
            time_limit: self.time_limit,
            candidates,
        })
    }
}

/// The body of `POST …/draw`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DrawBody {
    /// The seed (default: the policy's).
    #[serde(default)]
    pub seed: Option<u64>,
    /// The cap on each pair's probability (default: the policy's).
    #[serde(default)]
    pub max_probability: Option<f64>,
}

/// Largest JSON request body (solve, draw, replace, history): 1 MiB.
pub const MAX_JSON_BODY: usize = 1 << 20;

/// A request body as bytes, or 413/400 as JSON errors.
type BodyBytes = Result<Bytes, axum::extract::rejection::BytesRejection>;

fn body_of(body: BodyBytes) -> Result<Bytes, ApiError> {
    body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError(ActionError::new(
                ErrorKind::TooLarge,
                format!("the request body is larger than {MAX_JSON_BODY} bytes"),
            ))
        } else {
            ApiError(ActionError::bad(format!(
                "the request body: {}",
                e.body_text()
            )))
        }
    })
}

fn json_body<T: serde::de::DeserializeOwned + Default>(body: &Bytes) -> Result<T, ApiError> {
    let Some(first) = body.iter().find(|b| !b.is_ascii_whitespace()) else {
        return Ok(T::default());
    };
    // serde reads a struct from a JSON array too (`[]`, `[7]`): only an
    // object names its fields, so only an object is a request body.
    if *first != b'{' {
        return Err(ApiError(ActionError::bad(
            "the request body: expected a JSON object such as {\"seed\": 7}".to_string(),
        )));
    }
    crate::io::from_slice_unique(body)
        .map_err(|e| ApiError(ActionError::bad(format!("the request body: {e}"))))
}

/// Starts a job on a round.
///
/// # Errors
/// 409 when the round is held.
pub fn start_job(round: &Arc<Round>, kind: JobKind) -> Result<Arc<jobs::Job>, ApiError> {
    jobs::start(round, kind).map_err(|e| match e {
        StartError::Busy => busy(&round.holder()),
        StartError::Io(m) => ApiError(ActionError::other(m)),
    })
}

async fn job_answer(
    round: &Arc<Round>,
    job: Arc<jobs::Job>,
    wait: bool,
) -> Result<Response, ApiError> {
    if wait {
        let mut rx = job.subscribe();
        let _ = rx.wait_for(|done| *done).await;
        return Ok(Json(view(round)?).into_response());
    }
    let body = serde_json::json!({
        "job": job.view(),
        "round": format!("/api/v1/rounds/{}", round.id),
        "events": format!("/api/v1/rounds/{}/events", round.id),
    });
    Ok((StatusCode::ACCEPTED, Json(body)).into_response())
}

async fn solve(
    State(app): State<Shared>,
    Path(id): Path<String>,
    Query(q): Query<WaitQuery>,
    body: BodyBytes,
) -> Result<Response, ApiError> {
    let round = round_of(&app, &id)?;
    let params = json_body::<SolveBody>(&body_of(body)?)?.params()?;
    let job = start_job(&round, JobKind::Solve(params))?;
    job_answer(&round, job, q.wait).await
}

async fn draw(
    State(app): State<Shared>,
    Path(id): Path<String>,
    Query(q): Query<WaitQuery>,
    body: BodyBytes,
) -> Result<Response, ApiError> {
    let round = round_of(&app, &id)?;
    let b: DrawBody = json_body(&body_of(body)?)?;
    let params = DrawParams {
        seed: b.seed,
        max_probability: b.max_probability,
    };
    let job = start_job(&round, JobKind::Draw(params))?;
    job_answer(&round, job, q.wait).await
}

/// Server-sent events of a round's job: `progress` events (the job as
/// JSON) about four times a second while it runs, then one `done` event
/// with the round, then the stream ends.
pub fn job_events(
    round: Arc<Round>,
) -> Sse<impl futures_util::Stream<Item = Result<Event, std::convert::Infallible>>> {
    let stream = futures_util::stream::unfold((round, false), |(round, ended)| async move {
        if ended {
            return None;
        }
        let job = round.job.lock().ok().and_then(|j| j.clone());
        let running = job
            .as_ref()
            .is_some_and(|j| j.view().record.state == "running");
        if running {
            tokio::time::sleep(Duration::from_millis(250)).await;
            let data = job
                .map(|j| serde_json::to_string(&j.view()).unwrap_or_default())
                .unwrap_or_default();
            return Some((
                Ok(Event::default().event("progress").data(data)),
                (round, false),
            ));
        }
        let data = view(&round)
            .ok()
            .and_then(|v| serde_json::to_string(&v).ok())
            .unwrap_or_default();
        Some((Ok(Event::default().event("done").data(data)), (round, true)))
    });
    Sse::new(stream).keep_alive(KeepAlive::default())
}

async fn events(State(app): State<Shared>, Path(id): Path<String>) -> Result<Response, ApiError> {
    Ok(job_events(round_of(&app, &id)?).into_response())
}

// ---------------------------------------------------------------- replace

/// Replaces marked pairs in the current panels: a new step.
///
/// # Errors
/// 409 when a job holds the round, 404 without panels, else as
/// [`actions::replace`].
pub async fn replace_step(round: &Arc<Round>, marks: Marks) -> Result<Step, ApiError> {
    let guard = hold(round, "a replacement")?;
    let round = round.clone();
    let step = tokio::task::spawn_blocking(move || -> Result<Step, ApiError> {
        let _guard = guard;
        let state = round.state().map_err(ActionError::other)?;
        let current = state.current().ok_or_else(no_panels_yet)?;
        let loaded = round.instance()?;
        let n = state.next_n();
        let (panels_name, log_name) = (format!("{n:03}-replace.panels.json"), format!("{n:03}-replace.log.json"));
        round.log(serde_json::json!({"at": now_rfc3339(), "action": "replace", "params": marks}));
        let result = actions::replace(
            &loaded.0,
            &loaded.1,
            round.meta.form.input_name(),
            &round.file(&current.panels),
            &current.panels,
            &marks,
            &round.file(&panels_name),
            &round.file(&log_name),
        );
        let done = match result {
            Ok(r) => r,
            Err(e) => {
                let e = round.relative(e);
                round.log(serde_json::json!({"at": now_rfc3339(), "action": "replace", "outcome": "failed", "message": e.message}));
                return Err(e.into());
            }
        };
        let step = Step {
            n,
            action: "replace".into(),
            at: now_rfc3339(),
            panels: panels_name,
            log: Some(log_name),
            status: done.panels.as_ref().map_or_else(|| "feasible".into(), |p| p.status.clone()),
            objective: done.objective_after,
            bound: None,
            params: serde_json::json!({
                "replaces": current.n, "marks": marks,
                "changed_pairs": done.changed_pairs, "changed_panels": done.changed_panels,
                "objective_before": done.objective_before,
            }),
        };
        round.push_step(step.clone()).map_err(ActionError::other)?;
        round.log(serde_json::json!({"at": step.at, "action": "replace", "outcome": "done", "step": n}));
        Ok(step)
    })
    .await
    .map_err(|e| ApiError(ActionError::other(e.to_string())))??;
    Ok(step)
}

async fn replace(
    State(app): State<Shared>,
    Path(id): Path<String>,
    body: BodyBytes,
) -> Result<Response, ApiError> {
    let round = round_of(&app, &id)?;
    let marks: Marks = json_body(&body_of(body)?)?;
    let step = replace_step(&round, marks).await?;
    Ok(Json(serde_json::json!({ "step": step, "round": view(&round)? })).into_response())
}

// ---------------------------------------------------------------- explain, verify, history

/// `?application=…&expert=…`
#[derive(Debug, Deserialize)]
pub struct PairQuery {
    /// Application id.
    pub application: String,
    /// Expert id.
    pub expert: String,
}

/// Explains a pair of a round.
///
/// # Errors
/// Unknown ids.
pub async fn explain_pair(round: Arc<Round>, q: PairQuery) -> Result<actions::Explained, ApiError> {
    tokio::task::spawn_blocking(move || {
        let loaded = round.instance()?;
        actions::explain(&loaded.0, q.application.trim(), q.expert.trim())
    })
    .await
    .map_err(|e| ApiError(ActionError::other(e.to_string())))?
    .map_err(ApiError)
}

async fn explain(
    State(app): State<Shared>,
    Path(id): Path<String>,
    q: Result<Query<PairQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<actions::Explained>, ApiError> {
    let round = round_of(&app, &id)?;
    Ok(Json(explain_pair(round, query_of(q)?).await?))
}

async fn verify(
    State(app): State<Shared>,
    Path(id): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let round = round_of(&app, &id)?;
    let (ok, text) = tokio::task::spawn_blocking(move || -> Result<(bool, String), ApiError> {
        let state = round.state().map_err(ActionError::other)?;
        let current = state
            .current()
            .ok_or_else(|| not_found("panels yet", "还没有评审组"))?;
        let loaded = round.instance()?;
        Ok(actions::verify(&loaded.0, &round.file(&current.panels))?)
    })
    .await
    .map_err(|e| ApiError(ActionError::other(e.to_string())))??;
    Ok(Json(serde_json::json!({ "ok": ok, "text": text })))
}

/// The body of `POST …/history`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HistoryBody {
    /// The round's year (default: the policy's `year`).
    #[serde(default)]
    pub year: Option<i32>,
    /// The round's label, when a year has several rounds.
    #[serde(default)]
    pub round: Option<String>,
}

/// Appends the round's current panels (and the declines of the replace
/// logs that led to them) to the console's history, as `panels history
/// append input PANELS --year Y [--round R] --replace-log LOG… --to
/// DATA/history.csv`.
///
/// # Errors
/// 409 when a job holds the round, 404 without panels, 400 without a year
/// or for a round already in the history; nothing is written then.
pub async fn history_step(
    app: &Shared,
    round: &Arc<Round>,
    body: HistoryBody,
) -> Result<HistoryMark, ApiError> {
    let guard = hold(round, "an append to the history")?;
    let (app, round) = (app.clone(), round.clone());
    tokio::task::spawn_blocking(move || -> Result<HistoryMark, ApiError> {
        let _guard = guard;
        let state = round.state().map_err(ActionError::other)?;
        let current = state
            .current()
            .ok_or_else(no_panels_yet)?;
        let loaded = round.instance()?;
        let year = body.year.or(loaded.0.policy.year).ok_or_else(|| {
            ActionError::bad("give the round's year ({\"year\": 2026}): its policy has none")
                .zh("请填写本轮的年份：本轮政策没有设定年份")
        })?;
        let label = body
            .round
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(str::to_string);
        if let Some(m) = state.history.first() {
            let what = format!(
                "year {}{}, step {}",
                m.year,
                m.round.as_deref().map(|r| format!(", round {r}")).unwrap_or_default(),
                m.step
            );
            let when = format!(
                "{} 年{}，步骤 {}",
                m.year,
                m.round.as_deref().map(|r| format!("，轮次 {r}")).unwrap_or_default(),
                m.step
            );
            return Err(ApiError(if m.pending {
                ActionError::bad(format!(
                    "this round's append to history.csv was started at {} ({what}) and not confirmed (the console stopped or a write failed); look in history.csv before doing anything: a round is appended once",
                    m.at
                ))
                .zh(format!(
                    "本轮于 {} 开始追加到 history.csv（{when}），但未确认完成（控制台停止或写入失败）；请先查看 history.csv：每轮只追加一次",
                    m.at
                ))
            } else {
                ActionError::bad(format!(
                    "this round was appended to history.csv at {} ({what}, {} records); a round is appended once",
                    m.at, m.added
                ))
                .zh(format!(
                    "本轮已于 {} 追加到 history.csv（{when}，{} 条记录）；每轮只追加一次",
                    m.at, m.added
                ))
            }));
        }
        let logs = state.current_replace_logs();
        let mut mark = HistoryMark {
            at: now_rfc3339(),
            step: current.n,
            year,
            round: label,
            replace_logs: logs,
            added: 0,
            total: 0,
            pending: true,
        };
        // The round is recorded before the history file is written: a
        // kill or a failed write between the two can never let the same
        // round in twice.
        round
            .push_history(mark.clone())
            .map_err(|e| ActionError::other(format!("{}; nothing was appended", app.store.relative(&e))))?;
        let held = app
            .store
            .history_lock
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        let done = actions::history_append(
            (&loaded.0, &loaded.1),
            &round.file(&current.panels),
            &mark.replace_logs.iter().map(|l| round.file(l)).collect::<Vec<_>>(),
            year,
            mark.round.as_deref(),
            app.store.history_path(),
        )
        .map_err(|e| relabel_paths(e, &round, app.store.history_path()));
        drop(held);
        let done = match done {
            Ok(d) => d,
            Err(mut e) => {
                // history.csv is written whole or not at all: nothing was
                // added; the pending mark goes.
                if let Err(w) = round.drop_pending_history() {
                    e.message = format!(
                        "{}; nothing was added to history.csv, but the round still reads as appended ({})",
                        e.message,
                        app.store.relative(&w)
                    );
                }
                return Err(ApiError(e));
            }
        };
        mark.added = done.added;
        mark.total = done.total;
        mark.pending = false;
        if let Err(e) = round.push_history(mark.clone()) {
            // The records are in history.csv and the round reads as
            // appended (pending): the answer says so.
            round.log(serde_json::json!({"at": now_rfc3339(), "action": "history", "outcome": "appended, not confirmed", "message": app.store.relative(&e)}));
            return Err(ApiError(ActionError::other(format!(
                "{} records were appended to history.csv ({} in all), but confirming it in the round failed: {}; the round reads as appended and will not be appended again",
                done.added,
                done.total,
                app.store.relative(&e)
            ))));
        }
        round.log(serde_json::json!({"at": mark.at, "action": "history", "outcome": "done", "mark": mark}));
        Ok(mark)
    })
    .await
    .map_err(|e| ApiError(ActionError::other(e.to_string())))?
}

/// Messages name files as the round folder and the data folder do
/// (`001-solve.panels.json`, `history.csv`), never by server paths, and
/// the CLI's flags by the API's fields (`--year` → `year`).
fn relabel_paths(mut e: ActionError, round: &Round, history: &std::path::Path) -> ActionError {
    let dir = format!("{}/", round.dir.display());
    let as_in_folder = |m: &str| {
        m.replace(&history.display().to_string(), "history.csv")
            .replace(&dir, "")
    };
    e.message = as_in_folder(&e.message)
        .replace("give --round", "give a round label")
        .replace("--year ", "year ")
        .replace("--round ", "round ");
    e.message_zh = e.message_zh.as_deref().map(as_in_folder);
    e
}

async fn history(
    State(app): State<Shared>,
    Path(id): Path<String>,
    body: BodyBytes,
) -> Result<Response, ApiError> {
    let round = round_of(&app, &id)?;
    let b: HistoryBody = json_body(&body_of(body)?)?;
    let mark = history_step(&app, &round, b).await?;
    Ok(Json(serde_json::json!({
        "appended": mark,
        "history": "/api/v1/history.csv",
        "round": view(&round)?,
    }))
    .into_response())
}

/// The console's history file, as written (404 before the first append).
async fn history_file(State(app): State<Shared>) -> Result<Response, ApiError> {
    let path = app.store.history_path().to_path_buf();
    file_response("console", path, "history.csv").await
}

/// `?lang=zh|en` (default `zh`).
#[derive(Debug, Default, Deserialize)]
pub struct TemplateQuery {
    /// `zh` or `en`.
    #[serde(default)]
    pub lang: Option<String>,
}

/// The blank workbook an office fills in, as `panels template --lang
/// zh|en` writes it (the same bytes).
///
/// # Errors
/// A language other than `zh` or `en`.
pub async fn template(Query(q): Query<TemplateQuery>) -> Result<Response, ApiError> {
    use crate::io::office::Lang;
    let lang = match q.lang.as_deref().map(str::trim) {
        None | Some("") | Some("zh") => Lang::Zh,
        Some("en") => Lang::En,
        Some(other) => {
            return Err(ApiError(ActionError::bad(format!(
                "lang {other}: expected zh or en"
            ))))
        }
    };
    let name = match lang {
        Lang::Zh => "template-zh.xlsx",
        Lang::En => "template-en.xlsx",
    };
    let bytes = tokio::task::spawn_blocking(move || actions::template(lang))
        .await
        .map_err(|e| ApiError(ActionError::other(e.to_string())))??;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"panels-{name}\""),
            ),
        ],
        Body::from(bytes),
    )
        .into_response())
}

// ---------------------------------------------------------------- downloads

/// What can be downloaded of the current panels, by the name in the URL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Download {
    /// The panels file as written (`panels.json`).
    PanelsJson,
    /// One row per pair.
    PanelsCsv,
    /// The reviewer workbook.
    PanelsXlsx,
    /// For the applicants.
    AnonymousXlsx,
    /// For the applicants, CSV.
    AnonymousCsv,
    /// The fairness report.
    ReportHtml,
    /// The fairness report, Markdown.
    ReportMd,
    /// The report's figures as data (`panels report --out x.json`).
    FiguresJson,
}

impl Download {
    /// By the name in the URL.
    pub fn from_name(name: &str) -> Option<Download> {
        Some(match name {
            "panels.json" => Download::PanelsJson,
            "panels.csv" => Download::PanelsCsv,
            "panels.xlsx" => Download::PanelsXlsx,
            "anonymous.xlsx" => Download::AnonymousXlsx,
            "anonymous.csv" => Download::AnonymousCsv,
            "report.html" => Download::ReportHtml,
            "report.md" => Download::ReportMd,
            "figures.json" => Download::FiguresJson,
            _ => return None,
        })
    }

    /// The name in the URL.
    pub fn name(self) -> &'static str {
        match self {
            Download::PanelsJson => "panels.json",
            Download::PanelsCsv => "panels.csv",
            Download::PanelsXlsx => "panels.xlsx",
            Download::AnonymousXlsx => "anonymous.xlsx",
            Download::AnonymousCsv => "anonymous.csv",
            Download::ReportHtml => "report.html",
            Download::ReportMd => "report.md",
            Download::FiguresJson => "figures.json",
        }
    }
}

/// The file of a download for the current step, made on first request
/// (as the CLI's `export` or `report` would) and kept in the round folder.
///
/// # Errors
/// 404 without panels; as the action otherwise.
pub async fn derived(round: Arc<Round>, what: Download) -> Result<(PathBuf, String), ApiError> {
    tokio::task::spawn_blocking(move || -> Result<(PathBuf, String), ApiError> {
        let state = round.state().map_err(ActionError::other)?;
        let step = state.current().ok_or_else(no_panels_yet)?;
        let panels = round.file(&step.panels);
        if what == Download::PanelsJson {
            return Ok((panels, step.panels.clone()));
        }
        let stem = step.panels.trim_end_matches(".panels.json");
        let name = format!("{stem}.{}", what.name());
        let path = round.file(&name);
        let _held = round.derive.lock().unwrap_or_else(|p| p.into_inner());
        if path.is_file() {
            return Ok((path, name));
        }
        let loaded = round.instance()?;
        let (inst, hash) = (&loaded.0, &loaded.1);
        match what {
            Download::PanelsJson => {}
            Download::PanelsCsv | Download::PanelsXlsx => {
                actions::export(inst, hash, &panels, &path, false, loaded.2)?
            }
            Download::AnonymousXlsx | Download::AnonymousCsv => {
                actions::export(inst, hash, &panels, &path, true, loaded.2)?
            }
            Download::ReportHtml | Download::ReportMd | Download::FiguresJson => actions::report(
                inst,
                hash,
                round.meta.form.input_name(),
                round.meta.form != super::store::InputForm::CsvZip,
                &panels,
                &step.panels,
                // A draw's or a replacement's report ties its panels to
                // the step's log.
                step.log
                    .as_deref()
                    .filter(|_| matches!(step.action.as_str(), "draw" | "replace"))
                    .map(|log| (round.file(log), log)),
                &path,
            )?,
        }
        round.log(serde_json::json!({"at": now_rfc3339(), "action": "export", "file": name}));
        Ok((path, name))
    })
    .await
    .map_err(|e| ApiError(ActionError::other(e.to_string())))?
}

/// A file of the round as a response: its type by extension; reports
/// shown inline, everything else as an attachment named `ROUND-NAME`.
pub async fn file_response(
    round_id: &str,
    path: PathBuf,
    name: &str,
) -> Result<Response, ApiError> {
    let bytes = tokio::task::spawn_blocking(move || std::fs::read(&path))
        .await
        .map_err(|e| ApiError(ActionError::other(e.to_string())))?
        .map_err(|_| not_found("such file", "没有这个文件"))?;
    let ext = name.rsplit('.').next().unwrap_or("");
    let kind = match ext {
        "json" => "application/json",
        "csv" => "text/csv; charset=utf-8",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "html" => "text/html; charset=utf-8",
        "md" => "text/markdown; charset=utf-8",
        "log" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    };
    let disposition = if ext == "html" {
        format!("inline; filename=\"{round_id}-{name}\"")
    } else {
        format!("attachment; filename=\"{round_id}-{name}\"")
    };
    Ok((
        [
            (header::CONTENT_TYPE, kind.to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        Body::from(bytes),
    )
        .into_response())
}

async fn download(
    State(app): State<Shared>,
    Path((id, name)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let round = round_of(&app, &id)?;
    let what =
        Download::from_name(&name).ok_or_else(|| not_found("such download", "没有这个下载项"))?;
    let (path, file) = derived(round.clone(), what).await?;
    file_response(&round.id, path, &file).await
}

/// The files of a round folder (not directories or temporary files).
pub fn round_files(round: &Round) -> Vec<(String, u64)> {
    let mut v: Vec<(String, u64)> = std::fs::read_dir(&round.dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_str()?.to_string();
            let meta = e.metadata().ok()?;
            (meta.is_file() && !name.starts_with('.')).then_some((name, meta.len()))
        })
        .collect();
    v.sort();
    v
}

async fn files(
    State(app): State<Shared>,
    Path(id): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let round = round_of(&app, &id)?;
    let list: Vec<_> = round_files(&round)
        .into_iter()
        .map(|(name, bytes)| serde_json::json!({"name": name, "bytes": bytes, "url": format!("/api/v1/rounds/{id}/files/{name}")}))
        .collect();
    Ok(Json(serde_json::json!({ "files": list })))
}

async fn file(
    State(app): State<Shared>,
    Path((id, name)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let round = round_of(&app, &id)?;
    // Only names the folder listing gives; never a path from the client.
    if !round_files(&round).iter().any(|(n, _)| *n == name) {
        return Err(not_found("such file", "没有这个文件"));
    }
    let path = round.file(&name);
    file_response(&round.id, path, &name).await
}

/// The caller of a request (set by the guard).
pub type CallerExt = Extension<Caller>;
