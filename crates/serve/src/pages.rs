//! The server-rendered pages (maud escapes every value), in Chinese or
//! English after the round's language. Every page works without
//! JavaScript; the one script only makes job progress live.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Extension, Form, Router};
use maud::{html, Markup, PreEscaped, DOCTYPE};
use serde::Deserialize;

use super::actions::{ActionError, DrawParams, ErrorKind, Marks};
use super::api::{self, ApiError, Download, PairQuery, SolveBody};
use super::auth::Caller;
use super::jobs::JobKind;
use super::store::Round;
use super::Shared;

const CSS: &str = include_str!("assets/console.css");
const JS: &str = include_str!("assets/console.js");

/// Panels per page on the panels page.
pub const PAGE_SIZE: usize = 50;

/// The programme shown for applications without one.
pub const NO_PROGRAMME: &str = "-";

/// The pages' routes.
pub fn routes(max_upload: usize) -> Router<Shared> {
    Router::new()
        .route("/", get(rounds_page))
        .route(
            "/rounds",
            post(upload).layer(DefaultBodyLimit::max(max_upload)),
        )
        .route("/rounds/{id}", get(round_page))
        .route("/rounds/{id}/solve", post(solve_form))
        .route("/rounds/{id}/draw", post(draw_form))
        .route("/rounds/{id}/events", get(events))
        .route("/rounds/{id}/panels", get(panels_page))
        .route("/rounds/{id}/replace", post(replace_form))
        .route("/rounds/{id}/explain", get(explain_page))
        .route("/rounds/{id}/report", get(report_page))
        .route("/rounds/{id}/files", get(files_page))
        .route("/rounds/{id}/history", post(history_form))
        .route("/history", get(history_page))
        .route("/template.xlsx", get(api::template))
        .route("/login", get(login_get).post(login_post))
        .route("/favicon.ico", get(|| async { StatusCode::NO_CONTENT }))
        .route("/logout", post(logout))
        .route(
            "/assets/console.css",
            get(|| async { ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], CSS) }),
        )
        .route(
            "/assets/console.js",
            get(|| async {
                (
                    [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
                    JS,
                )
            }),
        )
}

// ---------------------------------------------------------------- language

/// The language of a page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lang(bool);

impl Lang {
    /// `zh` or anything else (English).
    pub fn of(code: &str) -> Lang {
        Lang(code == "zh")
    }

    /// From the browser's `Accept-Language` (pages without a round).
    pub fn from_headers(h: &HeaderMap) -> Lang {
        let accept = h
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        Lang(accept.trim_start().to_ascii_lowercase().starts_with("zh"))
    }

    /// The text in this language.
    pub fn t<'a>(self, en: &'a str, zh: &'a str) -> &'a str {
        if self.0 {
            zh
        } else {
            en
        }
    }

    fn code(self) -> &'static str {
        if self.0 {
            "zh-CN"
        } else {
            "en"
        }
    }
}

// ---------------------------------------------------------------- layout

fn layout(
    l: Lang,
    title: &str,
    caller: Option<&Caller>,
    head_extra: Markup,
    body: Markup,
) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(l.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · panels" }
                link rel="stylesheet" href="/assets/console.css";
                (head_extra)
            }
            body {
                header.top {
                    a.brand href="/" { "panels · " (l.t("office console", "评审专家分配")) }
                    nav { a href="/" { (l.t("Rounds", "轮次")) } a href="/history" { (l.t("History", "历史记录")) } }
                    @if matches!(caller, Some(Caller::Session(_))) {
                        form method="post" action="/logout" {
                            button.secondary type="submit" { (l.t("Log out", "退出")) }
                        }
                    }
                }
                main { (body) }
                script src="/assets/console.js" {}
            }
        }
    }
}

fn page(status: StatusCode, markup: Markup) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        markup.into_string(),
    )
        .into_response()
}

fn csrf_field(app: &Shared, caller: &Caller) -> Markup {
    html! { input type="hidden" name="csrf" value=(app.auth.csrf_for(caller)); }
}

fn error_page(
    app: &Shared,
    l: Lang,
    caller: Option<&Caller>,
    e: &ApiError,
    back: Option<&str>,
) -> Response {
    let _ = app;
    let body = html! {
        h1.bad { (l.t("That did not work", "操作未完成")) }
        p { (kind_text(l, e.0.kind)) }
        (problems(l, &e.0))
        @if let Some(b) = back { p { a href=(b) { (l.t("Back", "返回")) } } }
    };
    page(
        e.status(),
        layout(l, l.t("Error", "错误"), caller, html! {}, body),
    )
}

/// What kind of failure an error page shows, in the page's language.
fn kind_text(l: Lang, kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::BadInput => l.t(
            "Something in the request or the file is wrong; change what is named below and try again.",
            "请求或文件有误：请按下面的说明修改后重试。",
        ),
        ErrorKind::Infeasible => l.t(
            "No assignment keeps every rule; why is below.",
            "在现行规则下无法完成分配，原因如下。",
        ),
        ErrorKind::Other => l.t(
            "Something failed on the server; nothing was kept.",
            "服务器出错，未保存任何结果。",
        ),
        ErrorKind::NotFound => l.t("Not found.", "未找到。"),
        ErrorKind::Busy => l.t(
            "Another action is running on this round; wait for it to finish.",
            "本轮正在进行其他操作，请等其完成后再试。",
        ),
        ErrorKind::Unauthorized => l.t("Log in first.", "请先登录。"),
        ErrorKind::Forbidden => l.t("Refused.", "请求被拒绝。"),
        ErrorKind::TooLarge => l.t("The upload is too large.", "上传的文件太大。"),
        ErrorKind::NotAvailable => l.t(
            "Not available in this build.",
            "此版本不提供该功能。",
        ),
        ErrorKind::WrongMethod => l.t(
            "This page does not take that kind of request.",
            "该页面不接受这种请求。",
        ),
    }
}

/// An error's message in the page's language: on a Chinese page the
/// console's own messages in Chinese, with the words the CLI and the API
/// use beside them; the library's messages (the loader's, the solver's)
/// as the CLI prints them.
fn message(l: Lang, e: &ActionError) -> Markup {
    html! {
        @match (l.0, &e.message_zh) {
            (true, Some(zh)) => {
                @if zh.contains('\n') { pre.bad { (zh) } } @else { p.bad { (zh) } }
                details { summary { "原文（与命令行和 API 相同）" } pre { (e.message) } }
            }
            _ => { pre.bad { (e.message) } }
        }
    }
}

/// The load problems as a table: file, where, column, what to change.
fn problems(l: Lang, e: &ActionError) -> Markup {
    html! {
        @if e.problems.is_empty() {
            (message(l, e))
        } @else {
            p { (l.t("Nothing was stored. Fix these in the file and upload it again", "未保存任何内容。请在文件中修改以下问题后重新上传"))
                (l.t(" (", "（")) (e.total_problems.unwrap_or(e.problems.len())) (l.t(").", "）。")) }
            table.errors {
                thead { tr {
                    th { (l.t("File / sheet", "文件 / 工作表")) }
                    th { (l.t("Row / place", "行 / 位置")) }
                    th { (l.t("Column", "列")) }
                    th { (l.t("What to change", "问题与修改方法")) }
                } }
                tbody {
                    @for p in &e.problems {
                        tr {
                            td { (p.file) }
                            td { (l.t(p.location.as_deref().unwrap_or(""), p.location_zh.as_deref().or(p.location.as_deref()).unwrap_or(""))) }
                            td { (if l.0 { p.column_zh.as_deref() } else { p.column.as_deref() }.or(p.field.as_deref()).unwrap_or("")) }
                            td { (l.t(&p.message, p.message_zh.as_deref().unwrap_or(&p.message))) }
                        }
                    }
                }
            }
        }
    }
}

fn check_csrf(app: &Shared, caller: &Caller, sent: Option<&str>) -> Result<(), ApiError> {
    if app.auth.csrf_ok(caller, sent) {
        Ok(())
    } else {
        Err(ApiError(
            ActionError::new(
                ErrorKind::Forbidden,
                "the form is stale or came from another site: reload the page and try again",
            )
            .zh("表单已过期或来自其他网站：请刷新页面后重试"),
        ))
    }
}

/// The words the API and the files use for statuses, actions, job states
/// and phases (`optimal`, `replace`, `failed`, `loading`), as a page in
/// `l` shows them; anything else as it is.
fn word(l: Lang, code: &str) -> &str {
    WORDS
        .iter()
        .find(|(c, _)| *c == code)
        .map_or(code, |(_, zh)| l.t(code, zh))
}

/// [`word`]'s table: the code and its Chinese.
const WORDS: [(&str, &str); 12] = [
    ("optimal", "最优"),
    ("feasible", "可行"),
    ("solve", "求解"),
    ("draw", "抽取"),
    ("replace", "替换"),
    ("running", "进行中"),
    ("done", "已完成"),
    ("failed", "失败"),
    ("interrupted", "已中断"),
    ("starting", "开始"),
    ("loading", "读取数据"),
    ("recording", "记录结果"),
];

/// The phases a running job reports, as the page's script shows them
/// (JSON: code → word).
fn phase_words(l: Lang) -> String {
    let map: serde_json::Map<String, serde_json::Value> = WORDS
        .iter()
        .map(|(c, _)| (c.to_string(), word(l, c).into()))
        .collect();
    serde_json::Value::Object(map).to_string()
}

/// The round `id`, or the error page for a round that does not exist (in
/// the request's language: there is no round to take it from).
fn round_or_error_page(
    app: &Shared,
    caller: &Caller,
    id: &str,
    headers: &HeaderMap,
) -> Result<Arc<Round>, Box<Response>> {
    api::round_of(app, id).map_err(|e| {
        let l = Lang::from_headers(headers);
        Box::new(error_page(app, l, Some(caller), &e, Some("/")))
    })
}

fn round_lang(round: &Round) -> Lang {
    Lang::of(&round.meta.language)
}

fn fmt_num(x: f64) -> String {
    format!("{x:.6}")
}

// ---------------------------------------------------------------- rounds list and upload

async fn rounds_page(
    State(app): State<Shared>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
) -> Response {
    let l = Lang::from_headers(&headers);
    let rounds = app.store.list();
    let body = html! {
        h1 { (l.t("Rounds", "评审轮次")) }
        section.card {
            h2 { (l.t("New round", "新建轮次")) }
            p.muted { (l.t(
                "Upload the round as an Excel workbook, a zip of the CSV files, or a JSON bundle. It is stored only if it loads.",
                "上传本轮数据：Excel 工作簿、CSV 文件的 zip 压缩包或 JSON 数据包。只有通过校验的文件才会保存为轮次。")) }
            p.downloads {
                (l.t("No workbook yet? Download the blank template, fill it in, upload it:", "还没有工作簿？先下载空白模板，填写后上传："))
                " " a #template-zh href="/template.xlsx?lang=zh" download { (l.t("blank template (Chinese)", "空白模板（中文）")) }
                a #template-en href="/template.xlsx?lang=en" download { (l.t("blank template (English)", "空白模板（英文）")) }
            }
            form.inline method="post" action="/rounds" enctype="multipart/form-data" {
                (csrf_field(&app, &caller))
                label { (l.t("File", "文件")) input type="file" name="file" required accept=".xlsx,.zip,.json"; }
                label { (l.t("Past reviews", "历史评审记录"))
                    select name="history" {
                        option value="console" { (l.t("take this console's history", "使用本系统的历史记录")) }
                        option value="none" { (l.t("do not take it", "不使用")) }
                    } }
                button type="submit" { (l.t("Upload", "上传")) }
            }
            p.muted { (l.t(
                "A round whose policy has a year and whose file has no history of its own takes the rounds appended to this console's history.",
                "若本轮政策设定了年份且文件本身没有历史记录，将自动使用本系统已追加的历史记录。")) }
        }
        section.card {
            h2 { (l.t("All rounds", "全部轮次")) }
            @if rounds.is_empty() {
                p.muted { (l.t("No round yet.", "还没有轮次。")) }
            } @else {
                table {
                    thead { tr {
                        th { (l.t("Round", "轮次")) } th { (l.t("Uploaded file", "上传文件")) } th { (l.t("Uploaded", "上传时间")) }
                        th.num { (l.t("Applications", "申请")) } th.num { (l.t("Experts", "专家")) } th { (l.t("Panels", "评审组")) }
                    } }
                    tbody {
                        @for r in &rounds {
                            @let state = r.state().unwrap_or_default();
                            tr {
                                td { a href={"/rounds/" (r.id)} { (r.id) } }
                                td { (r.meta.upload_name) }
                                td { (r.meta.created) }
                                td.num { (r.meta.applications) }
                                td.num { (r.meta.experts) }
                                td { @if let Some(s) = state.current() {
                                    span class={"pill " (s.status)} title=(s.status) { (word(l, &s.status)) } " " (word(l, &s.action)) " " (fmt_num(s.objective))
                                } @else { span.muted { "—" } } }
                            }
                        }
                    }
                }
            }
        }
    };
    page(
        StatusCode::OK,
        layout(l, l.t("Rounds", "评审轮次"), Some(&caller), html! {}, body),
    )
}

async fn upload(
    State(app): State<Shared>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    mp: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Response {
    let l = Lang::from_headers(&headers);
    let result = async {
        let form = api::read_upload(api::multipart_of(mp)?).await?;
        check_csrf(&app, &caller, form.csrf.as_deref())?;
        api::make_round(&app, form).await
    }
    .await;
    match result {
        Ok(round) => Redirect::to(&format!("/rounds/{}", round.id)).into_response(),
        Err(e) => error_page(&app, l, Some(&caller), &e, Some("/")),
    }
}

// ---------------------------------------------------------------- round page

async fn round_page(
    State(app): State<Shared>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let round = match round_or_error_page(&app, &caller, &id, &headers) {
        Ok(r) => r,
        Err(page) => return *page,
    };
    let l = round_lang(&round);
    match round_body(&app, &caller, &round, l) {
        Ok((running, body)) => {
            let head = if running {
                html! { noscript { meta #refresh http-equiv="refresh" content="3"; } }
            } else {
                html! {}
            };
            page(
                StatusCode::OK,
                layout(l, &round.id, Some(&caller), head, body),
            )
        }
        Err(e) => error_page(&app, l, Some(&caller), &e, Some("/")),
    }
}

fn round_body(
    app: &Shared,
    caller: &Caller,
    round: &Arc<Round>,
    l: Lang,
) -> Result<(bool, Markup), ApiError> {
    let v = api::view(round)?;
    let loaded = round.instance()?;
    let inst = &loaded.0;
    let running = v.job.as_ref().is_some_and(|j| j.record.state == "running");
    let base = format!("/rounds/{}", round.id);
    let mut per_city: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for a in inst.app_ixs() {
        per_city.entry(inst.app_city(a)).or_default().0 += 1;
    }
    for e in inst.expert_ixs() {
        per_city.entry(inst.expert_city(e)).or_default().1 += 1;
    }
    let body = html! {
        h1 { (l.t("Round", "轮次")) " " (round.id) }
        p.muted { (round.meta.upload_name) " · " (round.meta.created) " · SHA-256 " code { (round.meta.input_sha256) } }
        div.grid {
            section.card.stat { (l.t("Applications", "申请")) b { (inst.applications.len()) } }
            section.card.stat { (l.t("Experts", "专家")) b { (inst.experts.len()) } }
            section.card.stat { (l.t("Cities", "城市")) b { (inst.cities.len()) } }
            section.card.stat {
                (l.t("Panels", "评审组"))
                @if let Some(s) = &v.current {
                    b { span class={"pill " (s.status)} title=(s.status) { (word(l, &s.status)) } }
                    (l.t("objective", "目标值")) " " (fmt_num(s.objective))
                    @if let Some(b) = s.bound { " · " (l.t("bound", "上界")) " " (fmt_num(b)) }
                } @else { b.muted { "—" } }
            }
        }
        section.card #job data-running=(running) data-events={(base) "/events"} data-words=(phase_words(l)) {
            h2 { (l.t("Solve or draw", "求解或抽取")) }
            @if let Some(j) = &v.job {
                p {
                    (l.t("Last job", "最近任务")) ": " strong { (word(l, &j.record.kind)) } " "
                    span class={"pill " (j.record.state)} title=(j.record.state) { (word(l, &j.record.state)) }
                    " " span.muted { (j.record.started) }
                    @if running {
                        " " span #job-phase { (word(l, j.phase.as_deref().unwrap_or(""))) }
                    }
                }
                @if running { progress #job-bar {} }
                @if let Some(e) = &j.record.error { (message(l, e)) }
                @if j.record.state == "interrupted" {
                    p.bad { (l.t("The server stopped during this job; nothing it was writing was kept. Start it again.",
                                 "服务器在任务进行中停止；未完成的结果没有保存。请重新开始。")) }
                }
            }
            div.grid {
                form method="post" action={(base) "/solve"} {
                    (csrf_field(app, caller))
                    h2 { (l.t("Solve (optimal panels)", "求解（最优评审组）")) }
                    label { (l.t("Method", "方法")) select name="method" {
                        option value="auto" { "auto" } option value="flow" { "flow" } option value="mip" { "mip" } option value="lagrange" { "lagrange" }
                    } }
                    label { (l.t("Time limit (s)", "时间上限（秒）")) input type="number" name="time_limit" min="1" max=(crate::solve::MAX_TIME_LIMIT_SECONDS) step="any"; }
                    p { button type="submit" disabled[running] { (l.t("Solve", "求解")) } }
                }
                form method="post" action={(base) "/draw"} {
                    (csrf_field(app, caller))
                    h2 { (l.t("Draw (logged random draw)", "抽取（留痕随机抽取）")) }
                    label { (l.t("Seed", "随机种子")) input type="number" name="seed" min="0" placeholder=(inst.policy.seed); }
                    label { (l.t("Max probability per pair", "每对最大概率")) input type="number" name="max_probability" min="0" max="1" step="any" placeholder=(inst.policy.max_probability.map_or(String::new(), |p| p.to_string())); }
                    p { button type="submit" disabled[running] { (l.t("Draw", "抽取")) } }
                }
            }
        }
        @if v.current.is_some() {
            section.card {
                h2 { (l.t("Results", "结果")) }
                p.downloads {
                    a href={(base) "/panels"} { (l.t("Panels", "评审组")) }
                    a href={(base) "/report"} { (l.t("Report", "公平性报告")) }
                }
                (downloads(round, l))
            }
        }
        @let unnamed = crate::io::unnamed_programmes(inst);
        @if !unnamed.is_empty() {
            section.card #notices {
                h2 { (l.t("Check these names", "请核对以下名称")) }
                @for u in &unnamed {
                    p.bad { (u.text(if l.0 { crate::io::office::Lang::Zh } else { crate::io::office::Lang::En })) }
                }
            }
        }
        @let notes: Vec<&super::store::RoundNote> = round.meta.notes.iter()
            .filter(|n| n.kind.as_deref() != Some("unnamed_programme")).collect();
        @if !notes.is_empty() {
            section.card #load-notes {
                h2 { (l.t("Notes on the upload", "读入提示")) }
                p.muted { (l.t("What loading the upload did or saw, as panels solve prints it; nothing here stopped the round.",
                    "读入上传文件时所做的处理和发现的情况（与 panels solve 的提示相同）；这些都不妨碍本轮继续。")) }
                ul { @for n in &notes { li { (if l.0 { &n.text_zh } else { &n.text }) } } }
            }
        }
        section.card {
            h2 { (l.t("Rules in force", "适用规则")) }
            (rules_table(inst, l))
        }
        section.card {
            h2 { (l.t("Cities", "城市")) }
            table {
                thead { tr { th { (l.t("City", "城市")) } th.num { (l.t("Applications", "申请")) } th.num { (l.t("Experts", "专家")) } } }
                tbody { @for (c, (a, e)) in &per_city { tr { td { (c) } td.num { (a) } td.num { (e) } } } }
            }
        }
        @if !v.steps.is_empty() {
            section.card {
                h2 { (l.t("Steps (audit trail)", "操作记录")) }
                table {
                    thead { tr { th { "#" } th { (l.t("Action", "操作")) } th { (l.t("When", "时间")) } th { (l.t("Status", "状态")) } th.num { (l.t("Objective", "目标值")) } th { (l.t("Files", "文件")) } } }
                    tbody { @for s in &v.steps { tr {
                        td { (s.n) } td { (word(l, &s.action)) } td { (s.at) } td { (word(l, &s.status)) } td.num { (fmt_num(s.objective)) }
                        td { a href={"/api/v1/rounds/" (round.id) "/files/" (s.panels)} { (s.panels) }
                             @if let Some(log) = &s.log { " " a href={"/api/v1/rounds/" (round.id) "/files/" (log)} { (log) } } }
                    } } }
                }
            }
        }
        section.card #history {
            h2 { (l.t("History", "历史记录")) }
            (history_used(round, inst, l))
            @for m in &v.history {
                p.ok { (l.t("Appended", "已追加")) " " (m.at) ": " (l.t("step", "步骤")) " " (m.step) ", "
                    (l.t("year", "年份")) " " (m.year) @if let Some(r) = &m.round { " " (r) } ", "
                    (m.added) " " (l.t("records", "条记录")) " (" (m.total) " " (l.t("in all", "共计")) ")" }
            }
            p.muted { (l.t(
                "Appends the current panels (every pair as reviewed, the declines of its replacements as declined) to this console's history, as panels history append does; rounds uploaded afterwards take it.",
                "将当前评审组（每对记为已评审，替换中的拒绝记为拒绝）追加到本系统的历史记录，与 panels history append 相同；之后上传的轮次将使用它。")) }
            @if v.history.is_empty() { form.inline method="post" action={(base) "/history"} {
                (csrf_field(app, caller))
                label { (l.t("Year", "年份")) input type="number" name="year" value=(inst.policy.year.map_or(String::new(), |y| y.to_string())) required; }
                label { (l.t("Round label (optional)", "轮次标签（可选）")) input type="text" name="round" placeholder="2026-spring"; }
                button.secondary type="submit" disabled[v.current.is_none() || running] { (l.t("Append this round to the history", "将本轮追加到历史记录")) }
            } } @else {
                p.muted { (l.t("A round is appended once.", "每轮只追加一次。")) }
            }
            p { a href="/history" { (l.t("The console's history", "本系统的历史记录")) } }
        }
    };
    Ok((running, body))
}

/// Which history the round's rules read: the upload's own, or the
/// console's taken at upload, and a console history left out.
fn history_used(round: &Round, inst: &crate::model::Instance, l: Lang) -> Markup {
    use super::store::{HistoryFrom, HistoryUsed};
    // A round made before the source was recorded: told from what it took
    // and what its input holds.
    let told;
    let h = match (&round.meta.history_used, round.meta.history_records) {
        (Some(h), _) => h,
        (None, Some(n)) => {
            told = HistoryUsed {
                from: HistoryFrom::Console,
                records: n,
                console_records_not_taken: None,
            };
            &told
        }
        (None, None) if !inst.history.records.is_empty() => {
            told = HistoryUsed {
                from: HistoryFrom::Upload,
                records: inst.history.records.len(),
                console_records_not_taken: None,
            };
            &told
        }
        (None, None) => {
            return html! { p.muted { (l.t("This round reads no history (no past reviews in the upload, none taken from the console).", "本轮未使用历史记录（上传文件中没有往年评审记录，也未使用本系统的历史记录）。")) } };
        }
    };
    html! {
        @match h.from {
            HistoryFrom::Console => p { (l.t("Uploaded with this console's history:", "上传时已使用本系统的历史记录：")) " " (h.records) " " (l.t("past reviews", "条")) },
            HistoryFrom::Upload => p { (l.t("The rules read the upload's own history:", "本轮规则使用上传文件自带的历史记录：")) " " (h.records) " " (l.t("past reviews", "条")) },
        }
        @if let Some(n) = h.console_records_not_taken {
            p.bad { (l.t(
                &format!("This console's history ({n} past reviews) was not taken: an upload with past reviews of its own keeps them and reads no other. If they belong together, put the console's history (on its page, linked below) into the upload's history table and upload it again."),
                &format!("未使用本系统的历史记录（{n} 条）：上传文件自带往年评审记录时只使用其自带的记录。如需合并，请将本系统的历史记录（见下方链接的页面）加入上传文件的历史表后重新上传。"))) }
        }
    }
}

fn downloads(round: &Round, l: Lang) -> Markup {
    let base = format!("/api/v1/rounds/{}", round.id);
    let items = [
        (
            Download::PanelsXlsx,
            l.t("Reviewer workbook (.xlsx)", "评审工作簿（.xlsx）"),
        ),
        (
            Download::PanelsJson,
            l.t("Panels (.json)", "评审组（.json）"),
        ),
        (Download::PanelsCsv, l.t("Panels (.csv)", "评审组（.csv）")),
        (
            Download::AnonymousXlsx,
            l.t(
                "For applicants, anonymised (.xlsx)",
                "匿名版（给申请人，.xlsx）",
            ),
        ),
        (Download::ReportHtml, l.t("Report (.html)", "报告（.html）")),
        (Download::ReportMd, l.t("Report (.md)", "报告（.md）")),
        (
            Download::FiguresJson,
            l.t("Report figures (.json)", "报告数据（.json）"),
        ),
    ];
    html! {
        p.downloads {
            @for (d, label) in items { a href={(base) "/" (d.name())} download { (label) } }
            a href={"/rounds/" (round.id) "/files"} { (l.t("All files and logs", "全部文件与日志")) }
        }
    }
}

fn rules_table(inst: &crate::model::Instance, l: Lang) -> Markup {
    let p = &inst.policy;
    let opt = |x: Option<String>| x.unwrap_or_else(|| "—".into());
    let rows: Vec<(&str, &str, String)> = vec![
        ("panel_size", "每组专家人数", p.panel_size.to_string()),
        (
            "min_outside_share",
            "外地专家最低比例",
            p.min_outside_share.to_string(),
        ),
        ("min_outside", "外地专家最少人数", p.min_outside.to_string()),
        (
            "max_per_city",
            "每城市最多人数",
            opt(p.max_per_city.map(|x| x.to_string())),
        ),
        (
            "max_per_institution",
            "每单位最多人数",
            opt(p.max_per_institution.map(|x| x.to_string())),
        ),
        ("max_load", "每位专家最多评审数", p.max_load.to_string()),
        ("min_load", "每位专家最少评审数", p.min_load.to_string()),
        (
            "avoid_same_institution",
            "本单位回避",
            p.avoid_same_institution.to_string(),
        ),
        (
            "coauthor_hops",
            "合作关系回避层数",
            p.coauthor_hops.to_string(),
        ),
        (
            "coauthor_years",
            "合作关系回避年限",
            opt(p.coauthor_years.map(|x| x.to_string())),
        ),
        (
            "min_affinity",
            "最低匹配度",
            opt(p.min_affinity.map(|x| x.to_string())),
        ),
        ("seed", "随机种子", p.seed.to_string()),
        (
            "max_probability",
            "抽取最大概率",
            opt(p.max_probability.map(|x| x.to_string())),
        ),
        ("alternates", "候补人数", p.alternates.to_string()),
        ("min_senior", "高级职称最少人数", p.min_senior.to_string()),
        ("cover_fields", "覆盖全部学科", p.cover_fields.to_string()),
        (
            "min_outside_share_round",
            "全轮外地比例",
            opt(p.min_outside_share_round.map(|x| x.to_string())),
        ),
        (
            "max_copanel",
            "同组次数上限",
            opt(p.max_copanel.map(|x| x.to_string())),
        ),
        ("bonus_per_city", "跨城市加分", p.bonus_per_city.to_string()),
    ];
    html! {
        table {
            thead { tr { th { (l.t("Rule", "规则")) } th { (l.t("Value", "取值")) } } }
            tbody {
                @for (en, zh, v) in rows { tr { td { (l.t(en, zh)) @if l.0 { " " span.muted { code { (en) } } } } td { (v) } } }
                @for (city, share) in &p.min_outside_share_by_city {
                    tr { td { "min_outside_share_by_city · " (city) } td { (share) } }
                }
            }
        }
    }
}

// ---------------------------------------------------------------- solve and draw forms

#[derive(Debug, Deserialize)]
struct SolveForm {
    csrf: Option<String>,
    method: Option<String>,
    time_limit: Option<String>,
}

#[derive(Debug, Deserialize)]
struct DrawForm {
    csrf: Option<String>,
    seed: Option<String>,
    max_probability: Option<String>,
}

/// An optional number typed into a form; `what` names the field in
/// English and Chinese.
fn parse_opt<T: std::str::FromStr>(
    s: Option<&str>,
    (what, what_zh): (&str, &str),
) -> Result<Option<T>, ApiError> {
    match s.map(str::trim) {
        None | Some("") => Ok(None),
        Some(t) => t.parse().map(Some).map_err(|_| {
            ApiError(
                ActionError::bad(format!("{what}: {t} is not a number"))
                    .zh(format!("{what_zh}：{t} 不是数字")),
            )
        }),
    }
}

async fn solve_form(
    State(app): State<Shared>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Form(f): Form<SolveForm>,
) -> Response {
    let back = format!("/rounds/{id}");
    let result = (|| {
        let round = api::round_of(&app, &id)?;
        check_csrf(&app, &caller, f.csrf.as_deref())?;
        let body = SolveBody {
            method: f.method.clone(),
            time_limit: parse_opt(f.time_limit.as_deref(), ("time limit", "时间上限"))?,
            candidates: None,
        };
        api::start_job(&round, JobKind::Solve(body.params()?))?;
        Ok::<_, ApiError>(round)
    })();
    match result {
        Ok(_) => Redirect::to(&back).into_response(),
        Err(e) => error_page(
            &app,
            lang_of_id(&app, &id, &headers),
            Some(&caller),
            &e,
            Some(&back),
        ),
    }
}

async fn draw_form(
    State(app): State<Shared>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Form(f): Form<DrawForm>,
) -> Response {
    let back = format!("/rounds/{id}");
    let result = (|| {
        let round = api::round_of(&app, &id)?;
        check_csrf(&app, &caller, f.csrf.as_deref())?;
        let params = DrawParams {
            seed: parse_opt(f.seed.as_deref(), ("seed", "随机种子"))?,
            max_probability: parse_opt(
                f.max_probability.as_deref(),
                ("max probability", "每对最大概率"),
            )?,
        };
        api::start_job(&round, JobKind::Draw(params))?;
        Ok::<_, ApiError>(round)
    })();
    match result {
        Ok(_) => Redirect::to(&back).into_response(),
        Err(e) => error_page(
            &app,
            lang_of_id(&app, &id, &headers),
            Some(&caller),
            &e,
            Some(&back),
        ),
    }
}

/// The language of a page about round `id`: the round's, or, for an
/// unknown round, the browser's (as pages without a round).
fn lang_of_id(app: &Shared, id: &str, headers: &HeaderMap) -> Lang {
    app.store
        .get(id)
        .map_or_else(|| Lang::from_headers(headers), |r| round_lang(&r))
}

async fn events(State(app): State<Shared>, Path(id): Path<String>) -> Response {
    match api::round_of(&app, &id) {
        Ok(r) => api::job_events(r).into_response(),
        Err(e) => e.into_response(),
    }
}

// ---------------------------------------------------------------- panels

/// `?city=…&programme=…&q=…&page=…`
#[derive(Debug, Default, Deserialize)]
pub struct PanelsQuery {
    /// Only panels of applications in this city.
    #[serde(default)]
    pub city: Option<String>,
    /// Only panels of applications in this programme (`-`: applications
    /// without one).
    #[serde(default)]
    pub programme: Option<String>,
    /// Only panels whose application or experts match (id, name, title).
    #[serde(default)]
    pub q: Option<String>,
    /// Page, from 1.
    #[serde(default)]
    pub page: Option<usize>,
}

/// A round page's round and query string, or the error page: an unknown
/// round goes back to the list, a bad query to the round's panels.
fn round_and_query<T>(
    app: &Shared,
    caller: &Caller,
    (id, headers): (&str, &HeaderMap),
    q: Result<axum::extract::Query<T>, axum::extract::rejection::QueryRejection>,
) -> Result<(Arc<Round>, T), Box<Response>> {
    let round = api::round_of(app, id).map_err(|e| {
        let l = Lang::from_headers(headers);
        Box::new(error_page(app, l, Some(caller), &e, Some("/")))
    })?;
    let q = api::query_of(q).map_err(|e| {
        Box::new(error_page(
            app,
            round_lang(&round),
            Some(caller),
            &e,
            Some(&format!("/rounds/{id}/panels")),
        ))
    })?;
    Ok((round, q))
}

async fn panels_page(
    State(app): State<Shared>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    headers: HeaderMap,
    q: Result<Query<PanelsQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let (round, q) = match round_and_query(&app, &caller, (&id, &headers), q) {
        Ok(found) => found,
        Err(page) => return *page,
    };
    let l = round_lang(&round);
    let r2 = round.clone();
    let app2 = app.clone();
    let caller2 = caller.clone();
    let built = tokio::task::spawn_blocking(move || panels_body(&app2, &caller2, &r2, l, &q)).await;
    match built {
        Ok(Ok(body)) => page(
            StatusCode::OK,
            layout(l, l.t("Panels", "评审组"), Some(&caller), html! {}, body),
        ),
        Ok(Err(e)) => error_page(&app, l, Some(&caller), &e, Some(&format!("/rounds/{id}"))),
        Err(e) => error_page(
            &app,
            l,
            Some(&caller),
            &ApiError(ActionError::other(e.to_string())),
            None,
        ),
    }
}

fn panels_body(
    app: &Shared,
    caller: &Caller,
    round: &Arc<Round>,
    l: Lang,
    q: &PanelsQuery,
) -> Result<Markup, ApiError> {
    let state = round.state().map_err(ActionError::other)?;
    let step = state.current().ok_or_else(|| {
        ApiError(
            ActionError::new(ErrorKind::NotFound, "no panels yet: solve or draw first")
                .zh("还没有评审组：请先求解或抽取"),
        )
    })?;
    let loaded = round.instance()?;
    let inst = &loaded.0;
    let file = round.panels(&step.panels)?;
    let needle =
        q.q.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_lowercase);
    let city = q.city.as_deref().filter(|c| !c.is_empty());
    let programme = q.programme.as_deref().filter(|c| !c.is_empty());
    let programme_of = |a| inst.programme_name(a).unwrap_or(NO_PROGRAMME);
    // One index per page: `Instance::app_by_id` scans the applications.
    let index = inst.app_index();
    let app_of = |id: &str| index.get(id).copied();
    let matches = |rec: &crate::io::panels::PanelRecord| -> bool {
        let Some(a) = app_of(&rec.application) else {
            return false;
        };
        if city.is_some_and(|c| inst.app_city(a) != c) {
            return false;
        }
        if programme.is_some_and(|p| programme_of(a) != p) {
            return false;
        }
        let Some(n) = &needle else { return true };
        let app = &inst.applications[a.ix()];
        let hit = |s: &str| s.to_lowercase().contains(n.as_str());
        hit(&app.id)
            || app.title.as_deref().is_some_and(hit)
            || rec.experts.iter().any(|e| {
                hit(e)
                    || inst
                        .expert_by_id(e)
                        .and_then(|x| inst.experts[x.ix()].name.as_deref())
                        .is_some_and(hit)
            })
    };
    let shown: Vec<_> = file.panels.iter().filter(|r| matches(r)).collect();
    let locked: std::collections::HashSet<&str> = file.locked.iter().map(String::as_str).collect();
    // The per-city and per-programme views: panels and seats of each.
    let mut by_city: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    let mut by_programme: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for rec in &file.panels {
        if let Some(a) = app_of(&rec.application) {
            for (map, key) in [
                (&mut by_city, inst.app_city(a)),
                (&mut by_programme, programme_of(a)),
            ] {
                let e = map.entry(key).or_default();
                e.0 += 1;
                e.1 += rec.experts.len();
            }
        }
    }
    let has_programmes = !inst.programmes.names().is_empty();
    let pages = shown.len().div_ceil(PAGE_SIZE).max(1);
    let page_no = q.page.unwrap_or(1).clamp(1, pages);
    let slice = &shown[(page_no - 1) * PAGE_SIZE..(page_no * PAGE_SIZE).min(shown.len())];
    let base = format!("/rounds/{}", round.id);
    let link = |p: usize| {
        let mut s = format!("{base}/panels?page={p}");
        if let Some(c) = city {
            s.push_str(&format!("&city={}", urlencode(c)));
        }
        if let Some(c) = programme {
            s.push_str(&format!("&programme={}", urlencode(c)));
        }
        if let Some(n) = q.q.as_deref().filter(|s| !s.trim().is_empty()) {
            s.push_str(&format!("&q={}", urlencode(n)));
        }
        s
    };
    Ok(html! {
        h1 { (l.t("Panels", "评审组")) " · " a href=(base) { (round.id) } }
        p {
            span class={"pill " (step.status)} title=(step.status) { (word(l, &step.status)) } " "
            (l.t("step", "步骤")) " " (step.n) " (" (word(l, &step.action)) ") · " (l.t("objective", "目标值")) " " (fmt_num(step.objective))
            " · " (file.panels.len()) " " (l.t("panels", "个评审组"))
        }
        div.grid {
            section.card.views #by-city {
                h2 { (l.t("By city", "按城市")) }
                table {
                    thead { tr { th { (l.t("City", "城市")) } th.num { (l.t("Panels", "评审组")) } th.num { (l.t("Seats", "席位")) } } }
                    tbody { @for (c, (n, seats)) in &by_city { tr {
                        td { a href={(base) "/panels?city=" (urlencode(c))} { (c) } } td.num { (n) } td.num { (seats) }
                    } } }
                }
            }
            @if has_programmes {
                section.card.views #by-programme {
                    h2 { (l.t("By programme", "按项目类别")) }
                    table {
                        thead { tr { th { (l.t("Programme", "项目类别")) } th.num { (l.t("Panels", "评审组")) } th.num { (l.t("Seats", "席位")) } } }
                        tbody { @for (p, (n, seats)) in &by_programme { tr {
                            td { a href={(base) "/panels?programme=" (urlencode(p))} { (p) } } td.num { (n) } td.num { (seats) }
                        } } }
                    }
                }
            }
        }
        form.inline method="get" action={(base) "/panels"} {
            label { (l.t("City", "城市")) select name="city" {
                option value="" { (l.t("all", "全部")) }
                @for c in inst.cities.names() { option value=(c) selected[city == Some(c.as_str())] { (c) } }
            } }
            @if has_programmes {
                label { (l.t("Programme", "项目类别")) select name="programme" {
                    option value="" { (l.t("all", "全部")) }
                    @for p in by_programme.keys() { option value=(p) selected[programme == Some(*p)] { (p) } }
                } }
            }
            label { (l.t("Search id, name or title", "搜索编号、姓名或题目")) input type="search" name="q" value=(q.q.clone().unwrap_or_default()); }
            button type="submit" { (l.t("Filter", "筛选")) }
        }
        p.muted { (shown.len()) " " (l.t("shown", "条符合")) " · " (l.t("page", "第")) " " (page_no) " / " (pages) }
        form method="post" action={(base) "/replace"} {
            (csrf_field(app, caller))
            table {
                thead { tr {
                    th { (l.t("Application", "申请")) } th { (l.t("City", "城市")) }
                    @if has_programmes { th { (l.t("Programme", "项目类别")) } }
                    th { (l.t("Experts (tick to mark)", "专家（勾选以标记）")) }
                } }
                tbody {
                    @for rec in slice {
                        @let a = app_of(&rec.application);
                        tr {
                            td { strong { (rec.application) }
                                 @if locked.contains(rec.application.as_str()) { " " span.pill.locked title="locked" { (l.t("locked", "已锁定")) } }
                                 br;
                                 span.muted { (a.and_then(|a| inst.applications[a.ix()].title.as_deref()).unwrap_or("")) } }
                            td { (a.map_or("", |a| inst.app_city(a))) }
                            @if has_programmes { td { (a.map_or("", programme_of)) } }
                            td {
                                @for (i, e) in rec.experts.iter().enumerate() {
                                    @let ex = inst.expert_by_id(e);
                                    @let pair = format!("{}:{}", rec.application, e);
                                    label.expert {
                                        span {
                                            input type="checkbox" name="mark" value=(pair);
                                            " "
                                            a href={(base) "/explain?application=" (urlencode(&rec.application)) "&expert=" (urlencode(e))} { (e) }
                                            " " (ex.and_then(|x| inst.experts[x.ix()].name.as_deref()).unwrap_or(""))
                                            " · " span.muted { (ex.map_or("", |x| inst.expert_city(x))) " · " (ex.map_or("", |x| inst.expert_institution(x)))
                                            @if let Some(s) = rec.scores.as_ref().and_then(|s| s.get(i)) { " · " (format!("{s:.3}")) } }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            p.pager {
                @if page_no > 1 { a href=(link(page_no - 1)) { "‹ " (l.t("previous", "上一页")) } }
                span { (page_no) " / " (pages) }
                @if page_no < pages { a href=(link(page_no + 1)) { (l.t("next", "下一页")) " ›" } }
            }
            section.card {
                h2 { (l.t("Replace marked experts", "替换已标记的专家")) }
                p.muted { (l.t("Ticked pairs, and any typed below (one APPLICATION:EXPERT per line), are replaced with the fewest changes under the same rules as the CLI; the change is logged. A locked panel is kept as it is until it is unlocked (tick one of its experts, mark as unlocked).",
                               "勾选的专家以及下面填写的配对（每行一个 申请编号:专家编号）将按与命令行相同的规则以最少改动替换，并记录日志。已锁定的评审组保持不变，直到解除锁定（勾选该组任一专家，标记为解除锁定）。")) }
                label { (l.t("Mark as", "标记为")) select name="as" {
                    option value="decline" { (l.t("declined", "拒绝参加")) }
                    option value="withdraw" { (l.t("withdrawn", "退出本轮")) }
                    option value="lock" { (l.t("locked (keep)", "锁定（保留）")) }
                    option value="unlock" { (l.t("unlocked (may change again)", "解除锁定（可再调整）")) }
                } }
                label { (l.t("Let other seats move", "允许调整其他席位")) input type="checkbox" name="allow_moves" value="true"; }
                label { (l.t("More pairs", "更多配对")) textarea name="more" rows="3" cols="40" placeholder="A0001:E0353" {} }
                p { button type="submit" { (l.t("Replace", "替换")) } }
            }
        }
    })
}

fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

async fn replace_form(
    State(app): State<Shared>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let back = format!("/rounds/{id}/panels");
    let get = |k: &str| fields.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let result = async {
        let round = api::round_of(&app, &id)?;
        check_csrf(&app, &caller, get("csrf"))?;
        let mut pairs: Vec<String> = fields
            .iter()
            .filter(|(k, _)| k == "mark")
            .map(|(_, v)| v.clone())
            .collect();
        pairs.extend(
            get("more")
                .unwrap_or("")
                .split(['\n', ',', ';'])
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string),
        );
        let mut marks = Marks {
            allow_moves: get("allow_moves") == Some("true"),
            ..Marks::default()
        };
        match get("as").map(str::trim).unwrap_or("decline") {
            "" | "decline" => marks.decline = pairs,
            "withdraw" => marks.withdraw = pairs,
            "lock" => marks.lock = pairs,
            "unlock" => marks.unlock = pairs,
            other => {
                return Err(ApiError(
                    ActionError::bad(format!(
                        "as {other}: expected decline, withdraw, lock or unlock"
                    ))
                    .zh(format!(
                        "标记方式 {other} 无效：应为拒绝参加、退出本轮、锁定或解除锁定"
                    )),
                ))
            }
        }
        api::replace_step(&round, marks).await
    }
    .await;
    match result {
        Ok(_) => Redirect::to(&back).into_response(),
        Err(e) => error_page(
            &app,
            lang_of_id(&app, &id, &headers),
            Some(&caller),
            &e,
            Some(&back),
        ),
    }
}

// ---------------------------------------------------------------- explain, report, history

async fn explain_page(
    State(app): State<Shared>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    headers: HeaderMap,
    q: Result<Query<PairQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let (round, q) = match round_and_query(&app, &caller, (&id, &headers), q) {
        Ok(found) => found,
        Err(page) => return *page,
    };
    let l = round_lang(&round);
    let title = format!("{} · {}", q.application, q.expert);
    match api::explain_pair(round.clone(), q).await {
        Ok(x) => {
            let body = html! {
                h1 { (l.t("Why this pair", "配对说明")) ": " (title) }
                p {
                    @if x.no_review_left {
                        span.bad { (l.t("eligible, but takes no review this round (no reviews left)", "符合条件，但本轮不能再评审（评审次数已满）")) }
                    } @else if x.eligible {
                        span.ok { (l.t("eligible", "符合条件")) }
                    } @else {
                        span.bad { (l.t("not eligible", "不符合条件")) }
                    }
                }
                pre { (if l.0 { &x.text_zh } else { &x.text }) }
                p { a href={"/rounds/" (round.id) "/panels"} { (l.t("Back to the panels", "返回评审组")) } }
            };
            page(
                StatusCode::OK,
                layout(l, &title, Some(&caller), html! {}, body),
            )
        }
        Err(e) => error_page(
            &app,
            l,
            Some(&caller),
            &e,
            Some(&format!("/rounds/{id}/panels")),
        ),
    }
}

async fn report_page(
    State(app): State<Shared>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let round = match round_or_error_page(&app, &caller, &id, &headers) {
        Ok(r) => r,
        Err(page) => return *page,
    };
    let l = round_lang(&round);
    // Made here (once per step), so the frame below shows it at once.
    if let Err(e) = api::derived(round.clone(), Download::ReportHtml).await {
        return error_page(&app, l, Some(&caller), &e, Some(&format!("/rounds/{id}")));
    }
    let body = html! {
        h1 { (l.t("Fairness report", "公平性报告")) " · " a href={"/rounds/" (round.id)} { (round.id) } }
        (downloads(&round, l))
        iframe.report src={"/api/v1/rounds/" (round.id) "/report.html"} title=(l.t("Fairness report", "公平性报告")) {}
    };
    page(
        StatusCode::OK,
        layout(l, l.t("Report", "报告"), Some(&caller), html! {}, body),
    )
}

/// Every file of the round folder (the list `GET /api/v1/rounds/ID/files`
/// gives as JSON), each with its size and a download link.
async fn files_page(
    State(app): State<Shared>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let round = match round_or_error_page(&app, &caller, &id, &headers) {
        Ok(r) => r,
        Err(page) => return *page,
    };
    let l = round_lang(&round);
    let r2 = round.clone();
    let files = tokio::task::spawn_blocking(move || api::round_files(&r2))
        .await
        .unwrap_or_default();
    let api_base = format!("/api/v1/rounds/{}", round.id);
    let body = html! {
        h1 { (l.t("Files of the round", "本轮全部文件")) " · " a href={"/rounds/" (round.id)} { (round.id) } }
        p.muted { (l.t(
            "Everything in the round's folder: the upload as received, the input as panels reads it, every step's panels and logs, and the downloads made so far. The same list as data: ",
            "轮次文件夹中的全部文件：原样保存的上传文件、panels 读取的输入、每一步的评审组和日志，以及已生成的下载文件。同一列表的数据形式："))
            a href={(api_base) "/files"} { "files (JSON)" } }
        table #files {
            thead { tr { th { (l.t("File", "文件")) } th.num { (l.t("Size", "大小")) } th { (l.t("What it is", "说明")) } } }
            tbody { @for (name, bytes) in &files { tr {
                td { a href={(api_base) "/files/" (urlencode(name))} download { (name) } }
                td.num { (size_text(*bytes)) }
                td.muted { (file_kind(l, name)) }
            } } }
        }
    };
    page(
        StatusCode::OK,
        layout(l, l.t("Files", "文件"), Some(&caller), html! {}, body),
    )
}

/// Bytes as an officer reads them: `812 B`, `14.2 KB`, `3.5 MB`.
fn size_text(bytes: u64) -> String {
    match bytes {
        b if b < 1024 => format!("{b} B"),
        b if b < 1024 * 1024 => format!("{:.1} KB", b as f64 / 1024.0),
        b => format!("{:.1} MB", b as f64 / (1024.0 * 1024.0)),
    }
}

/// What a file of the round folder is, by its name (the names the server
/// makes; docs/console.md, "Data layout").
fn file_kind(l: Lang, name: &str) -> &'static str {
    let step = name
        .split_once('-')
        .filter(|(n, _)| n.len() == 3 && n.bytes().all(|b| b.is_ascii_digit()))
        .map(|(_, rest)| rest);
    match (name, step) {
        ("round.json", _) => l.t("what was uploaded", "上传信息"),
        ("state.json", _) => l.t("the steps done", "操作记录"),
        ("job.json", _) => l.t("the last solve or draw", "最近一次求解或抽取"),
        ("console.log", _) => l.t("every action, one line each", "每次操作的日志"),
        (n, _) if n.starts_with("upload.") => l.t("the upload as received", "原样保存的上传文件"),
        (n, _) if n.starts_with("input.") => l.t("the input panels reads", "panels 读取的输入"),
        (_, Some(rest)) if rest.ends_with(".panels.json") => l.t("panels", "评审组"),
        (_, Some(rest)) if rest.ends_with(".log.json") => l.t("audit log", "审计日志"),
        (_, Some(rest)) if rest.ends_with(".report.html") || rest.ends_with(".report.md") => {
            l.t("fairness report", "公平性报告")
        }
        (_, Some(rest)) if rest.ends_with(".figures.json") => l.t("report figures", "报告数据"),
        (_, Some(rest)) if rest.contains(".anonymous.") => {
            l.t("for applicants, anonymised", "匿名版（给申请人）")
        }
        (_, Some(rest)) if rest.ends_with(".panels.xlsx") => l.t("reviewer workbook", "评审工作簿"),
        (_, Some(rest)) if rest.ends_with(".panels.csv") => {
            l.t("panels, one row per pair", "评审组（每对一行）")
        }
        _ => "",
    }
}

#[derive(Debug, Deserialize)]
struct HistoryForm {
    csrf: Option<String>,
    year: Option<String>,
    round: Option<String>,
}

async fn history_form(
    State(app): State<Shared>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Form(f): Form<HistoryForm>,
) -> Response {
    let back = format!("/rounds/{id}");
    let result = async {
        let round = api::round_of(&app, &id)?;
        check_csrf(&app, &caller, f.csrf.as_deref())?;
        let body = api::HistoryBody {
            year: parse_opt(f.year.as_deref(), ("year", "年份"))?,
            round: f.round.clone(),
        };
        api::history_step(&app, &round, body).await
    }
    .await;
    match result {
        Ok(_) => Redirect::to(&format!("{back}#history")).into_response(),
        Err(e) => error_page(
            &app,
            lang_of_id(&app, &id, &headers),
            Some(&caller),
            &e,
            Some(&back),
        ),
    }
}

/// Records per (year, round) of the console's history, with how many
/// were declined.
type HistorySummary = BTreeMap<(i32, String), (usize, usize)>;

async fn history_page(
    State(app): State<Shared>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
) -> Response {
    let l = Lang::from_headers(&headers);
    let app2 = app.clone();
    let read = tokio::task::spawn_blocking(move || -> Result<(usize, HistorySummary), String> {
        let _held = app2
            .store
            .history_lock
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        let path = app2.store.history_path();
        if !path.exists() {
            return Ok((0, BTreeMap::new()));
        }
        let bytes = std::fs::read(path).map_err(|e| format!("history.csv: {e}"))?;
        let records = crate::io::history_file::read_history_bytes(
            std::path::Path::new("history.csv"),
            crate::io::history_file::HistoryForm::Csv,
            &bytes,
        )
        .map_err(|e| e.to_string())?;
        let mut by: HistorySummary = BTreeMap::new();
        for r in &records {
            let e = by
                .entry((r.year, r.round.as_deref().unwrap_or_default().to_string()))
                .or_default();
            e.0 += 1;
            if r.outcome.declined() {
                e.1 += 1;
            }
        }
        Ok((records.len(), by))
    })
    .await;
    let (total, by) = match read {
        Ok(Ok(x)) => x,
        Ok(Err(m)) => {
            return error_page(
                &app,
                l,
                Some(&caller),
                &ApiError(ActionError::bad(m)),
                Some("/"),
            )
        }
        Err(e) => {
            return error_page(
                &app,
                l,
                Some(&caller),
                &ApiError(ActionError::other(e.to_string())),
                Some("/"),
            )
        }
    };
    let body = html! {
        h1 { (l.t("History", "历史记录")) }
        section.card {
            p.muted { (l.t(
                "Past reviews of the rounds appended on their round pages (history.csv in the data folder, as panels history append writes it). A round uploaded afterwards takes them when its policy has a year and its file has no history of its own; its repeat, rest and decline rules then count them.",
                "在各轮次页面追加的历史评审记录（数据目录中的 history.csv，与 panels history append 写出的相同）。之后上传的轮次若政策设定了年份且文件本身没有历史记录，将使用这些记录，回避、轮休和拒绝等规则据此计算。")) }
            @if total == 0 {
                p.muted { (l.t("No round appended yet.", "尚未追加任何轮次。")) }
            } @else {
                p { (total) " " (l.t("records", "条记录")) " · " a #history-download href="/api/v1/history.csv" download { "history.csv" } }
                table {
                    thead { tr { th { (l.t("Year", "年份")) } th { (l.t("Round", "轮次")) } th.num { (l.t("Records", "记录")) } th.num { (l.t("Declined", "拒绝")) } } }
                    tbody { @for ((year, round), (n, declined)) in &by {
                        tr { td { (year) } td { (round) } td.num { (n) } td.num { (declined) } }
                    } }
                }
            }
        }
    };
    page(
        StatusCode::OK,
        layout(l, l.t("History", "历史记录"), Some(&caller), html! {}, body),
    )
}

// ---------------------------------------------------------------- login

/// 404 for a page that does not exist, in the browser's language.
pub fn not_found_page(headers: &HeaderMap) -> Response {
    let l = Lang::from_headers(headers);
    let body = html! {
        h1.bad { (l.t("No such page", "页面不存在")) }
        p { a href="/" { (l.t("Rounds", "评审轮次")) } }
    };
    page(
        StatusCode::NOT_FOUND,
        layout(l, l.t("Not found", "页面不存在"), None, html! {}, body),
    )
}

/// The login form in the browser's language, with `status` (401 when a
/// page was asked without a session) and, after a wrong token, `wrong`.
pub fn login_page(status: StatusCode, wrong: bool, headers: &HeaderMap) -> Response {
    let l = Lang::from_headers(headers);
    let body = html! {
        h1 { (l.t("Log in", "登录")) }
        section.card {
            @if wrong { p.bad { (l.t("That token is not right.", "令牌不正确。")) } }
            form method="post" action="/login" {
                label { (l.t("Token", "访问令牌")) input type="password" name="token" autocomplete="current-password" required autofocus; }
                p { button type="submit" { (l.t("Log in", "登录")) } }
            }
            p.muted { (l.t("The token was printed when the console started, or is in its --token-file.",
                           "令牌在控制台启动时显示，或保存在 --token-file 指定的文件中。")) }
        }
    };
    page(
        status,
        layout(l, l.t("Log in", "登录"), None, html! {}, body),
    )
}

async fn login_get(State(app): State<Shared>, headers: HeaderMap) -> Response {
    if !app.auth.required() {
        return Redirect::to("/").into_response();
    }
    login_page(StatusCode::OK, false, &headers)
}

#[derive(Debug, Deserialize)]
struct LoginForm {
    token: String,
}

async fn login_post(
    State(app): State<Shared>,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Response {
    if !app.auth.token_matches(&f.token) {
        // Wrong guesses wait one after another, bearer tokens too.
        app.auth.wrong_token_wait().await;
        return login_page(StatusCode::UNAUTHORIZED, true, &headers);
    }
    let session = app.auth.new_session();
    (
        StatusCode::SEE_OTHER,
        [
            (header::SET_COOKIE, super::auth::session_cookie(&session)),
            (header::LOCATION, "/".to_string()),
        ],
    )
        .into_response()
}

async fn logout(State(app): State<Shared>, headers: HeaderMap) -> Response {
    app.auth.end_session(&headers);
    (
        StatusCode::SEE_OTHER,
        [
            (
                header::SET_COOKIE,
                format!(
                    "{}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0",
                    super::auth::SESSION_COOKIE
                ),
            ),
            (header::LOCATION, "/login".to_string()),
        ],
    )
        .into_response()
}

#[allow(dead_code)]
fn raw(s: &str) -> PreEscaped<&str> {
    PreEscaped(s)
}

#[cfg(test)]
mod zh_problem_tests {
    //! Load problems on a Chinese page: each kind worded in Chinese, with
    //! the place (row, line, sheet, column) in Chinese words.

    use std::path::Path;

    use super::{problems, Lang};
    use crate::actions::ActionError;
    use crate::io::xlsx::{Table, XCell};
    use crate::io::{CsvInput, LoadErrors};

    /// The problem table as a Chinese page shows it (quotes unescaped).
    fn zh_page(errors: &LoadErrors) -> String {
        problems(Lang(true), &ActionError::load(errors))
            .into_string()
            .replace("&quot;", "\"")
    }

    fn bundle(text: &[u8]) -> LoadErrors {
        crate::io::load_bundle_from_bytes(Path::new("round.json"), text).expect_err("bad input")
    }

    const POLICY: &str = r#"{"panel_size": 1, "year": 2026}"#;
    const APPS: &str = "id,city,institution\nA1,长沙,中南大学\n";

    fn csv(experts: &str, policy: &str, history: Option<&str>) -> LoadErrors {
        let input = CsvInput {
            experts: Some(experts.as_bytes().to_vec()),
            applications: Some(APPS.as_bytes().to_vec()),
            policy: Some(policy.as_bytes().to_vec()),
            history: history.map(|h| h.as_bytes().to_vec()),
            ..CsvInput::default()
        };
        crate::io::load_csv_from_bytes(Path::new("round"), &input).expect_err("bad input")
    }

    fn sheet(name: &str, header: &[&str], rows: &[&[&str]]) -> Table {
        Table {
            name: name.into(),
            header: header.iter().map(|h| h.to_string()).collect(),
            rows: rows
                .iter()
                .map(|r| r.iter().map(|c| XCell::Text(c.to_string())).collect())
                .collect(),
        }
    }

    /// A CSV round whose experts' table is these bytes (any encoding).
    fn csv_bytes(experts: &[u8]) -> LoadErrors {
        let input = CsvInput {
            experts: Some(experts.to_vec()),
            applications: Some(APPS.as_bytes().to_vec()),
            policy: Some(POLICY.as_bytes().to_vec()),
            ..CsvInput::default()
        };
        crate::io::load_csv_from_bytes(Path::new("round"), &input).expect_err("bad input")
    }

    /// A CSV round with a `policy.csv` (key/value rows) of `rows`.
    fn csv_policy_rows(rows: &str) -> LoadErrors {
        let input = CsvInput {
            experts: Some(b"id,city,institution\nE1,\xe6\xad\xa6\xe6\xb1\x89,U\n".to_vec()),
            applications: Some(APPS.as_bytes().to_vec()),
            policy_csv: Some(format!("key,value\n{rows}").into_bytes()),
            ..CsvInput::default()
        };
        crate::io::load_csv_from_bytes(Path::new("round"), &input).expect_err("bad input")
    }

    /// A bundle of one expert E1 and one application A1 with `extra`
    /// top-level keys, and `policy`, `expert` and `application` fields
    /// merged in.
    fn bundle_with(
        policy: serde_json::Value,
        application: serde_json::Value,
        extra: serde_json::Value,
    ) -> LoadErrors {
        let mut v = serde_json::json!({
            "policy": {"panel_size": 1},
            "experts": [{"id": "E1", "city": "武汉", "institution": "武汉大学"}],
            "applications": [{"id": "A1", "city": "长沙", "institution": "中南大学"}]
        });
        for (k, x) in policy.as_object().unwrap() {
            v["policy"][k] = x.clone();
        }
        for (k, x) in application.as_object().unwrap() {
            v["applications"][0][k] = x.clone();
        }
        for (k, x) in extra.as_object().unwrap() {
            v[k] = x.clone();
        }
        bundle(v.to_string().as_bytes())
    }

    fn workbook(tables: &[Table]) -> LoadErrors {
        let name = Path::new("专家库.xlsx");
        let bytes = crate::io::xlsx::tables_xlsx_bytes(name, tables).unwrap();
        crate::io::xlsx::load_xlsx_from_bytes(name, &bytes).expect_err("bad input")
    }

    fn policy_sheet() -> Table {
        sheet("参数", &["参数", "值"], &[&["panel_size", "1"]])
    }

    fn apps_sheet() -> Table {
        sheet(
            "申报项目",
            &["项目编号", "城市", "申报单位"],
            &[&["A1", "长沙", "中南大学"]],
        )
    }

    /// Each bad input, with the Chinese a page must show for it (the
    /// message and its place).
    fn cases() -> Vec<(&'static str, LoadErrors, Vec<&'static str>)> {
        let e = "id,city,institution,max_load,available\n";
        vec![
            (
                "a missing value",
                csv(&format!("{e}E1,,武汉大学,3,是\n"), POLICY, None),
                vec!["缺少此项", "第 2 行（编号 E1）"],
            ),
            (
                "only spaces",
                csv(&format!("{e}\"  \",武汉,武汉大学,3,是\n"), POLICY, None),
                vec!["为空（只有空格）", "第 2 行"],
            ),
            (
                "a word for a number",
                csv(&format!("{e}E1,武汉,武汉大学,ten,是\n"), POLICY, None),
                vec!["应为非负整数，实际为 \"ten\"", "第 2 行（编号 E1）", "D 列"],
            ),
            (
                "a number too large",
                csv(&format!("{e}E1,武汉,武汉大学,99999999999,是\n"), POLICY, None),
                vec!["应为不超过", "的非负整数，实际为 99999999999"],
            ),
            (
                "a bad yes/no",
                csv(&format!("{e}E1,武汉,武汉大学,3,maybe\n"), POLICY, None),
                vec!["应为是/否", "实际为 \"maybe\"", "E 列"],
            ),
            (
                "a decimal comma",
                bundle(
                    r#"{"policy": {"panel_size": 1, "min_outside_share": "0,5"},
                    "experts": [{"id": "E1", "city": "武汉", "institution": "武汉大学"}],
                    "applications": [{"id": "A1", "city": "长沙", "institution": "中南大学"}]}"#
                        .as_bytes(),
                ),
                vec!["应为数字", "逗号不是小数点", "policy"],
            ),
            (
                "a share out of range",
                csv(
                    &format!("{e}E1,武汉,武汉大学,3,是\n"),
                    r#"{"panel_size": 1, "min_outside_share": 2}"#,
                    None,
                ),
                vec!["比例应在 0 到 1 之间，实际为 2"],
            ),
            (
                "a panel of 0",
                csv(
                    &format!("{e}E1,武汉,武汉大学,3,是\n"),
                    r#"{"panel_size": 0}"#,
                    None,
                ),
                vec!["至少应为 1，实际为 0"],
            ),
            (
                "an unknown policy key",
                csv(
                    &format!("{e}E1,武汉,武汉大学,3,是\n"),
                    r#"{"panel_size": 1, "max_lod": 3}"#,
                    None,
                ),
                vec!["未知的字段；是否应为 max_load？"],
            ),
            (
                "a bad choice",
                csv(
                    &format!("{e}E1,武汉,武汉大学,3,是\n"),
                    r#"{"panel_size": 1, "avoid_repeat": "sometimes"}"#,
                    None,
                ),
                vec!["应为 off、institution、team 或 both，实际为 \"sometimes\""],
            ),
            (
                "a bad history year and outcome",
                csv(
                    &format!("{e}E1,武汉,武汉大学,3,是\n"),
                    POLICY,
                    Some(
                        "year,institution,expert,outcome\n99999999999,中南大学,E1,maybe\n,中南大学,E1,\n",
                    ),
                ),
                vec![
                    "应为 -2147483648 到 2147483647 之间的整数，实际为 99999999999",
                    "未知的评审结果 \"maybe\"",
                    "缺少年份（那一轮评审的年份）",
                    "第 3 行",
                ],
            ),
            (
                "a misspelt header and a short row",
                csv(
                    "id,cty,institution,max_load\nE1,武汉,武汉大学,3\nE2,武汉\n",
                    POLICY,
                    None,
                ),
                vec![
                    "B 列“cty”不是已知的列；是否应为 city",
                    "缺少必需的列 city",
                ],
            ),
            (
                "a short row",
                csv(
                    "id,city,institution,max_load\nE1,武汉,武汉大学,3\nE2,武汉\n",
                    POLICY,
                    None,
                ),
                vec!["这一行只有 2 个单元格，但表头有 4 个", "第 3 行"],
            ),
            (
                "history rules without the round's year",
                csv(
                    &format!("{e}E1,武汉,武汉大学,3,是\n"),
                    r#"{"panel_size": 1, "max_declines": 1}"#,
                    Some("year,institution,expert\n2025,中南大学,E1\n"),
                ),
                vec!["需要本轮的年份：请在参数中加上 year（如 2026）"],
            ),
            (
                "an unknown top-level key",
                bundle(br#"{"expertz": [], "experts": [], "applications": []}"#),
                vec!["未知的键；是否应为 experts？"],
            ),
            (
                "bytes that are not UTF-8",
                bundle(b"{\"experts\": [{\"id\": \"E\xff\"}]}"),
                vec!["不是有效的 UTF-8 编码", "第 1 行（第 "],
            ),
            (
                "an empty table",
                csv("", POLICY, None),
                vec!["文件为空；需要一个表头行"],
            ),
            (
                "an id given twice",
                csv(
                    &format!("{e}E1,武汉,武汉大学,3,是\nE1,武汉,华中科技大学,3,是\n"),
                    POLICY,
                    None,
                ),
                vec!["专家编号 \"E1\" 重复；首次出现在 experts.csv 第 2 行", "第 3 行"],
            ),
            (
                "a missing sheet",
                workbook(&[policy_sheet(), apps_sheet()]),
                vec!["缺少工作表“专家”"],
            ),
            (
                "a sheet near a table's name",
                workbook(&[
                    policy_sheet(),
                    sheet(
                        "专家",
                        &["专家编号", "城市", "工作单位"],
                        &[&["E1", "武汉", "武汉大学"]],
                    ),
                    apps_sheet(),
                    sheet("conflictz", &["专家编号", "项目编号"], &[&["E1", "A1"]]),
                ]),
                vec!["工作表 \"conflictz\" 不是表格名称"],
            ),
            (
                "a bad cell in a sheet",
                workbook(&[
                    policy_sheet(),
                    sheet(
                        "专家",
                        &["专家编号", "城市", "工作单位", "评审上限"],
                        &[&["E1", "武汉", "武汉大学", "十"]],
                    ),
                    apps_sheet(),
                ]),
                vec!["应为非负整数，实际为 \"十\"", "工作表 专家 第 2 行", "D 列“评审上限”"],
            ),
            (
                "a JSON syntax error",
                bundle(b"{\n  \"experts\": [,]\n}"),
                vec!["JSON 语法错误：此处应为一个值", "第 2 行第 "],
            ),
            (
                "a JSON file cut off",
                bundle(b"{\"experts\": ["),
                vec!["文件提前结束（是否被截断？）：列表还没有结束，文件就结束了"],
            ),
            (
                "a JSON value of the wrong shape",
                bundle(br#"{"policy": {"panel_size": 1}, "experts": 3, "applications": []}"#),
                vec!["JSON 内容不符合格式"],
            ),
            (
                "a key given twice in policy.json",
                csv(
                    &format!("{e}E1,武汉,武汉大学,3,是\n"),
                    r#"{"panel_size": 1, "panel_size": 2}"#,
                    None,
                ),
                vec!["键 \"panel_size\" 在同一对象中出现了两次；请只保留一个"],
            ),
            (
                "a key given twice in policy rows",
                csv_policy_rows("panel_size,1\npanel_size,2\n"),
                vec!["panel_size 出现了两次；首次出现在第 2 行", "第 3 行"],
            ),
            (
                "a control character",
                csv(&format!("{e}E\u{1}1,武汉,武汉大学,3,是\n"), POLICY, None),
                vec!["的第 2 个字符是控制字符 U+0001；请删除它"],
            ),
            (
                "an overlong list cell",
                csv(
                    &format!("id,city,institution,keywords\nE1,武汉,武汉大学,{}\n", "k;".repeat(10_001)),
                    POLICY,
                    None,
                ),
                vec!["列表有 10002 项，最多读取 10000 项"],
            ),
            (
                "a quote that never closes",
                csv("id,city,institution\n\"E1,武汉,武汉大学\n", POLICY, None),
                vec!["没有结束引号"],
            ),
            (
                "a repeated header row",
                csv(
                    "id,city,institution\nE1,武汉,武汉大学\nid,city,institution\nE2,长沙,湖南大学\n",
                    POLICY,
                    None,
                ),
                vec!["第 3 行重复了表头（第 1 行）；请删除这一行"],
            ),
            (
                "a column named twice",
                csv("id,city,institution,备注,备注\nE1,武汉,武汉大学,a,b\n", POLICY, None),
                vec!["E 列“备注”在表头中出现了两次"],
            ),
            (
                "a value under no header",
                csv("id,city,institution,\nE1,武汉,武汉大学,备用\n", POLICY, None),
                vec!["D 列有内容，但表头中没有列名"],
            ),
            (
                "two columns of one field",
                csv("id,city,城市,institution\nE1,武汉,武汉,武汉大学\n", POLICY, None),
                vec!["B 列“city”和 C 列“城市”都是 city（"],
            ),
            (
                "UTF-16 that does not decode",
                csv_bytes(b"\xff\xfei\x00d\x00,"),
                vec!["文件以 UTF-16LE 字节顺序标记开头，但不是有效的 UTF-16LE 编码"],
            ),
            (
                "a workbook under a table's name",
                csv_bytes(b"PK\x03\x04rest"),
                vec!["这是一个 zip 文件"],
            ),
            (
                "a damaged workbook",
                crate::io::xlsx::load_xlsx_from_bytes(Path::new("专家库.xlsx"), b"PK\x03\x04junk")
                    .expect_err("bad input"),
                vec!["不是可读取的 .xlsx 工作簿"],
            ),
            (
                "an old workbook",
                crate::io::xlsx::load_xlsx_from_bytes(
                    Path::new("专家库.xlsx"),
                    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest",
                )
                .expect_err("bad input"),
                vec!["这是 Excel 97–2003 工作簿（.xls）"],
            ),
            (
                "a file that is not there",
                crate::io::load_instance(Path::new("/nonexistent/round.json"))
                    .expect_err("bad input"),
                vec!["文件或文件夹不存在"],
            ),
            (
                "a history file of another kind",
                crate::io::history_file::read_history_file(Path::new("历史.txt"))
                    .expect_err("bad input"),
                vec!["历史文件的扩展名必须是 .csv、.json 或 .xlsx"],
            ),
            (
                "a minimum load above the maximum",
                csv("id,city,institution,max_load,min_load\nE1,武汉,武汉大学,1,3\n", POLICY, None),
                vec!["最少评审数 min_load 3（该专家自己的）大于评审上限 max_load 1（该专家自己的）"],
            ),
            (
                "an avoid entry that is no expert",
                bundle_with(
                    serde_json::json!({}),
                    serde_json::json!({"avoid": ["E9"]}),
                    serde_json::json!({}),
                ),
                vec!["\"E9\" 不是专家编号"],
            ),
            (
                "a conflict with nobody",
                bundle_with(
                    serde_json::json!({}),
                    serde_json::json!({}),
                    serde_json::json!({"conflicts": [{"expert": "E1", "with": "X9"}]}),
                ),
                vec!["\"X9\" 既不是项目编号，也不是已知人员"],
            ),
            (
                "a co-authorship with oneself",
                bundle_with(
                    serde_json::json!({}),
                    serde_json::json!({}),
                    serde_json::json!({"coauthorships": [{"a": "P1", "b": "P1"}]}),
                ),
                vec!["合作关系把 \"P1\" 与其本人相连"],
            ),
            (
                "an application id that is an expert's",
                bundle_with(
                    serde_json::json!({}),
                    serde_json::json!({"id": "E1"}),
                    serde_json::json!({}),
                ),
                vec!["项目编号 \"E1\" 同时也是专家编号（experts[0]）"],
            ),
            (
                "an affinity pair given twice",
                bundle_with(
                    serde_json::json!({}),
                    serde_json::json!({}),
                    serde_json::json!({"affinity": [
                        {"application": "A1", "expert": "E1", "score": 0.5},
                        {"application": "A1", "expert": "E1", "score": 0.6}
                    ]}),
                ),
                vec!["匹配度配对（A1，E1）重复；首次出现在 affinity[0]"],
            ),
            (
                "a per-city rule for a city without applications",
                bundle_with(
                    serde_json::json!({"min_outside_share_by_city": {"武昌": 0.5}}),
                    serde_json::json!({}),
                    serde_json::json!({}),
                ),
                vec!["没有任何申报项目位于城市 \"武昌\"；申报项目所在城市为 长沙"],
            ),
            (
                "a programme no application is in",
                bundle_with(
                    serde_json::json!({"programmes": {"人才计化": {"panel_size": 1}}}),
                    serde_json::json!({"programme": "人才计划"}),
                    serde_json::json!({}),
                ),
                vec!["没有任何申报项目属于计划 \"人才计化\"；申报项目的计划类别为 人才计划"],
            ),
            (
                "an unknown rule of a programme",
                bundle_with(
                    serde_json::json!({"programmes": {"人才计划": {"max_lod": 1}}}),
                    serde_json::json!({"programme": "人才计划"}),
                    serde_json::json!({}),
                ),
                vec!["计划 人才计划：未知的规则 max_lod；是否应为 max_load？"],
            ),
            (
                "a programme's rules that are no object",
                bundle_with(
                    serde_json::json!({"programmes": {"人才计划": 3}}),
                    serde_json::json!({"programme": "人才计划"}),
                    serde_json::json!({}),
                ),
                vec!["计划 人才计划：应为由规则组成的对象，实际为 3"],
            ),
            (
                "a year that is no year",
                csv(
                    &format!("{e}E1,武汉,武汉大学,3,是\n"),
                    POLICY,
                    Some("year,institution,expert\n2025年3月,中南大学,E1\n"),
                ),
                vec!["应为年份（如 2025 或 2025年），实际为 \"2025年3月\""],
            ),
        ]
    }

    #[test]
    fn every_kind_reads_in_chinese_with_a_chinese_place() {
        for (what, errors, want) in cases() {
            let page = zh_page(&errors);
            for w in want {
                assert!(page.contains(w), "{what}: {w:?} not in {page}\n({errors})");
            }
        }
    }

    #[test]
    fn no_english_place_words_on_a_chinese_page() {
        for (what, errors, _) in cases() {
            let page = zh_page(&errors);
            for word in [
                "row ",
                "line ",
                "column ",
                "sheet ",
                "field ",
                "byte offset",
                "(id ",
                "expected",
                "missing",
                "unknown",
            ] {
                assert!(
                    !page.contains(word),
                    "{what}: {word:?} on a Chinese page: {page}\n({errors})"
                );
            }
        }
    }

    #[test]
    fn english_pages_keep_the_cli_words() {
        let errors = csv(
            "id,city,institution,max_load\nE1,武汉,武汉大学,ten\n",
            POLICY,
            None,
        );
        let page = problems(Lang(false), &ActionError::load(&errors)).into_string();
        assert!(page.contains("row 2 (id E1)"), "{page}");
        assert!(
            page.contains("expected a non-negative integer, got &quot;ten&quot;"),
            "{page}"
        );
        assert!(errors.to_string().contains(
            "experts.csv row 2 (id E1), field max_load (column D): expected a non-negative integer"
        ));
    }
}
