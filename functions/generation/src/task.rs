//! Generations made as provider tasks (videos, Suno/Udio songs): the task is
//! created here, while the request waits (so a bad key or a refusal is
//! answered at once), then a `GenerationJob` follows it to the end. The
//! answer is 202 with the generation, `running`.

use serde_json::{Map, Value};
use worker::{Headers, Method, Request, RequestInit, Response};

use webox_core::media::task::TaskProvider;
use webox_core::provider_failure::Named;
use webox_core::{ApiError, ApiResult};
use webox_edge::media_api::{self, Body};
use webox_edge::respond::OrInternal;
use webox_edge::{args, config, db, respond, Ctx};

use crate::job::Job;
use crate::{produce, store};

/// What to start, as recorded.
pub struct TaskOrder<'a> {
    pub user_id: &'a str,
    pub provider: TaskProvider,
    pub key: &'a str,
    pub model: &'a str,
    pub prompt: &'a str,
    pub parameters: &'a Map<String, Value>,
    pub cost_micros: i64,
    pub credits: i64,
    /// The task-creating call: path under the provider's base, JSON body.
    pub call: (String, Value),
}

async fn fail(cx: &Ctx, id: &str, e: &ApiError) -> ApiResult<()> {
    crate::credits::fail(&cx.db()?, id, e.code, &e.message, cx.now).await
}

pub async fn start(cx: &Ctx, order: TaskOrder<'_>) -> ApiResult<Response> {
    let provider = order.provider;
    let db = cx.db()?;
    let new = crate::credits::NewGeneration {
        user_id: order.user_id,
        kind: provider.kind().as_str(),
        provider: provider.id(),
        model: order.model,
        prompt: order.prompt,
        parameters: order.parameters,
        status: "queued",
        credits: order.credits,
    };
    let id = crate::credits::open(&db, &new, cx.now).await?;

    let base = produce::base(&cx.env, provider.config_prefix(), provider.default_base());
    let (path, body) = order.call;
    let created = async {
        let answer = media_api::send(provider, &format!("{base}{path}"), &provider.headers(order.key), Body::Json(body)).await?;
        let text = String::from_utf8_lossy(&answer.body);
        if answer.status >= 400 {
            return Err(provider.from_http(answer.status, &text, answer.retry_after));
        }
        provider.parse_created(&text)
    }
    .await;
    let task_id = match created {
        Ok(task_id) => task_id,
        Err(e) => {
            fail(cx, &id, &e).await?;
            return Err(e);
        }
    };
    db::run(&db, "UPDATE generations SET status = 'running', provider_task_id = ?1, updated_at = ?2 WHERE id = ?3", args![&task_id, cx.now, &id]).await?;

    let job = Job {
        generation_id: id.clone(),
        user_id: order.user_id.to_owned(),
        kind: provider.kind().as_str().to_owned(),
        provider: provider.id().to_owned(),
        task_id,
        cost_micros: order.cost_micros,
        started_at: cx.now,
        polls: 0,
        errors: 0,
        progress: 0,
        download_errors: 0,
    };
    let headers = Headers::new();
    headers.set("Content-Type", "application/json").or_internal("a header")?;
    let mut init = RequestInit::new();
    init.with_method(Method::Post).with_headers(headers).with_body(Some(serde_json::to_string(&job).or_internal("a job")?.into()));
    let start = Request::new_with_init("https://generation-job/start", &init).or_internal("a job request")?;
    let stub = cx.env.durable_object("GENERATION_JOBS").or_internal("the GENERATION_JOBS binding")?.get_by_name(&id).or_internal("a job stub")?;
    if let Err(e) = stub.fetch_with_request(start).await {
        worker::console_error!("starting generation job {id}: {e}");
        let error = ApiError::new(500, "job_not_started", format!("the {} task was created but could not be followed; try again", provider.name()));
        fail(cx, &id, &error).await?;
        return Err(error);
    }

    let (generation, _) = store::with_files(&db, &id, Some(order.user_id), None).await?;
    let secret = config::required(&cx.env, "JWT_SECRET_KEY")?;
    respond::json(202, &serde_json::json!({"generation": generation.json(&[], secret.as_bytes(), cx.now)}))
}
