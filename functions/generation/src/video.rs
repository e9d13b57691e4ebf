//! `POST /api/generation/video`: the provider's task is created here (so a
//! bad key or a refusal is answered at once), then a `GenerationJob`
//! follows it to the end. The answer is 202 with the generation, `running`.

use worker::{Headers, Method, Request, RequestInit, Response};

use webox_core::media::video::{self, VideoProvider, VideoRequest};
use webox_core::provider_failure::{self, Named};
use webox_core::{random, ApiError, ApiResult};
use webox_edge::media_api::{self, Body};
use webox_edge::respond::OrInternal;
use webox_edge::{args, config, db, guard, respond, Ctx};

use crate::job::Job;
use crate::{produce, store};

async fn fail(cx: &Ctx, id: &str, e: &ApiError) -> ApiResult<()> {
    crate::credits::fail(&cx.db()?, id, e.code, &e.message, cx.now).await
}

pub async fn create(mut cx: Ctx) -> ApiResult<Response> {
    let user = guard::authenticate(&cx).await?;
    let request = VideoRequest::parse(&cx.json_body().await?)?;
    let provider = request.provider;
    let key = produce::key_for(&cx, &user.user_id, provider, provider.key_provider(), provider.config_prefix()).await?;
    let db = cx.db()?;
    let id = random::id()?;
    let reserved = crate::credits::reserve(&db, &user.user_id, request.credits()).await?;
    let inserted = db::run(
        &db,
        "INSERT INTO generations (id, user_id, kind, provider, model, prompt, parameters, status, progress, credits_reserved, created_at, updated_at)
         VALUES (?1, ?2, 'video', ?3, ?4, ?5, ?6, 'queued', 0, ?7, ?8, ?8)",
        args![&id, &user.user_id, provider.id(), &request.model, &request.prompt, &serde_json::Value::Object(request.parameters.clone()).to_string(), reserved, cx.now],
    )
    .await;
    if let Err(e) = inserted {
        crate::credits::give_back(&db, &user.user_id, reserved).await?;
        return Err(e);
    }

    let base = produce::base(&cx.env, provider.config_prefix(), provider.default_base());
    let (path, body) = request.create_call();
    let created = async {
        let answer = media_api::send(provider, &format!("{base}{path}"), &video::headers(provider, &key), Body::Json(body)).await?;
        let text = String::from_utf8_lossy(&answer.body);
        if answer.status >= 400 {
            return Err(provider_failure::from_http(provider, answer.status, &text, answer.retry_after));
        }
        video::parse_created(provider, &text)
    }
    .await;
    let task_id = match created {
        Ok(task_id) => task_id,
        Err(e) => {
            fail(&cx, &id, &e).await?;
            return Err(e);
        }
    };
    db::run(&db, "UPDATE generations SET status = 'running', provider_task_id = ?1, updated_at = ?2 WHERE id = ?3", args![&task_id, cx.now, &id]).await?;

    let job = Job {
        generation_id: id.clone(),
        user_id: user.user_id.clone(),
        provider: provider.id().to_owned(),
        task_id,
        cost_micros: request.cost_micros(),
        started_at: cx.now,
        polls: 0,
        errors: 0,
        progress: 0,
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
        fail(&cx, &id, &error).await?;
        return Err(error);
    }

    let generation = store::owned_any(&db, &id, &user.user_id).await?;
    let secret = config::required(&cx.env, "JWT_SECRET_KEY")?;
    respond::json(202, &serde_json::json!({"generation": generation.json(&[], secret.as_bytes(), cx.now)}))
}

/// The providers this family offers for video, for `/providers`.
pub fn options(provider: VideoProvider) -> serde_json::Value {
    let models: Vec<_> = provider
        .models()
        .iter()
        .map(|model| {
            let (resolutions, durations, ratios) = provider.options(model);
            let mut options = serde_json::json!({"resolution": resolutions, "duration": durations, "aspect_ratio": ratios, "image_url": provider.needs_image(model)});
            if provider == VideoProvider::Pika {
                options["negative_prompt"] = serde_json::json!(true);
            }
            if provider != VideoProvider::Luma {
                options["seed"] = serde_json::json!({"min": 0, "max": 4_294_967_295_i64});
            }
            serde_json::json!({"id": model, "options": options})
        })
        .collect();
    serde_json::json!({"id": provider.id(), "name": provider.name(), "models": models})
}
