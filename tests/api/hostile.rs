//! A hostile or broken host: the real Sandbox behind a proxy that rewrites some of its
//! answers, as a compromised API host or another local user on a Sandbox profile's port
//! could. Whatever it sends, the app writes nothing outside the folder it was given,
//! does not panic and does not stall.

use std::path::Path;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use secrecy::SecretString;
use serde_json::{json, Value};
use webmsg_desk::genesys::{Client, ConnectionConfig, Environment};
use webmsg_desk::sandbox::{DEMO_CLIENT_ID, DEMO_CLIENT_SECRET};
use webmsg_desk::store::Store;
use webmsg_desk::transfer::{export_all, ExportAllOptions};

use crate::helpers::{spawn_sandbox, walk};

/// What the proxy changes in an answer: the route (`GET /api/v2/...`), and the JSON body
/// and headers it may rewrite.
type Rewrite = dyn Fn(&str, &mut Value, &mut HeaderMap) + Send + Sync;

#[derive(Clone)]
struct Proxy {
    upstream: String,
    http: reqwest::Client,
    rewrite: Arc<Rewrite>,
}

async fn forward(
    State(proxy): State<Proxy>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    let mut request = proxy
        .http
        .request(method.clone(), format!("{}{path}", proxy.upstream))
        .body(body);
    for (name, value) in &headers {
        if name != "host" {
            request = request.header(name, value);
        }
    }
    let Ok(answer) = request.send().await else {
        return StatusCode::BAD_GATEWAY.into_response();
    };
    let status = answer.status();
    let mut headers = answer.headers().clone();
    headers.remove("content-length");
    let bytes = answer.bytes().await.unwrap_or_default();
    let route = format!("{method} {}", uri.path());
    let mut json = serde_json::from_slice::<Value>(&bytes).unwrap_or(Value::Null);
    (proxy.rewrite)(&route, &mut json, &mut headers);
    let body = if json.is_null() {
        bytes.to_vec()
    } else {
        serde_json::to_vec(&json).unwrap()
    };
    (status, headers, body).into_response()
}

/// Serves a rewriting proxy in front of `upstream` on a loopback port; returns its URL.
pub(crate) async fn proxy(
    upstream: String,
    rewrite: impl Fn(&str, &mut Value, &mut HeaderMap) + Send + Sync + 'static,
) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let state = Proxy {
        upstream,
        http: reqwest::Client::new(),
        rewrite: Arc::new(rewrite),
    };
    let app = axum::Router::new().fallback(forward).with_state(state);
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}

pub(crate) fn client_at(url: &str) -> Client {
    Client::new(ConnectionConfig::new(
        Environment::parse(url).unwrap(),
        DEMO_CLIENT_ID,
        SecretString::from(DEMO_CLIENT_SECRET.to_string()),
    ))
    .unwrap()
}

fn files_outside(root: &Path, folder: &Path) -> Vec<String> {
    walk(root)
        .into_iter()
        .filter(|file| !file.starts_with(folder))
        .map(|file| file.display().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_export_of_every_channel_writes_nothing_outside_its_folder() {
    let app = spawn_sandbox().await;
    let (seeded, _) = app.seeded_channel().await;
    // The seeded channel's id is sent aimed two folders up, at a file beside the export
    // folder; a second channel claims the seeded channel's id and name to replace its file.
    let hostile_id = "/../../victim";
    let url = proxy(app.sandbox.base_url(), move |route, body, _| {
        if route == "GET /api/v2/webdeployments/deployments" {
            if let Some(entities) = body["entities"].as_array_mut() {
                let twin = entities
                    .iter()
                    .find(|d| d["id"] == seeded.as_str())
                    .cloned();
                for deployment in entities.iter_mut() {
                    if deployment["id"] == seeded.as_str() {
                        deployment["id"] = Value::from(hostile_id);
                    }
                }
                entities.extend(twin.clone());
                entities.extend(twin);
            }
        }
    })
    .await;
    let scratch = tempfile::tempdir().unwrap();
    let folder = scratch.path().join("exports").join("all");
    std::fs::write(scratch.path().join("exports-victim.json"), b"{}").unwrap();
    let store = Store::in_memory().unwrap();
    let summary = export_all(
        &client_at(&url),
        &store,
        &folder,
        &ExportAllOptions::default(),
        &|_, _| {},
    )
    .await
    .unwrap();

    assert_eq!(
        files_outside(scratch.path(), &folder),
        [scratch
            .path()
            .join("exports-victim.json")
            .display()
            .to_string()],
        "nothing was written outside {}",
        folder.display()
    );
    assert_eq!(
        std::fs::read(scratch.path().join("exports-victim.json")).unwrap(),
        b"{}"
    );
    let (failed_id, why) = &summary.failed[0];
    assert_eq!(failed_id, hostile_id);
    assert!(why.contains("not a UUID"), "{why}");
    // The two channels with one id each have a file of their own, and the index stays.
    let written: Vec<String> = summary
        .files
        .iter()
        .map(|f| f.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    let twins = written
        .iter()
        .filter(|name| name.starts_with("support-site-"))
        .count();
    assert_eq!(twins, 2, "{written:?}");
    let index: Value =
        serde_json::from_slice(&std::fs::read(folder.join("index.json")).unwrap()).unwrap();
    assert_eq!(index["schemaVersion"], 1);
    assert_eq!(summary.files.len(), written.len());
}

#[tokio::test(flavor = "multi_thread")]
async fn an_absurd_rate_limit_reset_neither_panics_nor_stalls_the_client() {
    let app = spawn_sandbox().await;
    let url = proxy(app.sandbox.base_url(), |route, _, headers| {
        if route.starts_with("GET /api/v2/routing/queues") {
            headers.insert(
                "inin-ratelimit-reset",
                u64::MAX.to_string().parse().unwrap(),
            );
            headers.insert("inin-ratelimit-count", "300".parse().unwrap());
        }
    })
    .await;
    let client = client_at(&url).background();
    let first = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        client.queues().list_all(None),
    )
    .await
    .expect("the first answer arrives");
    assert!(first.is_ok(), "{first:?}");
    // The window is spent and its reset absurd: the next background request waits for
    // the clamped reset (two minutes), not for ever, and the process is still here.
    let second = tokio::time::timeout(
        std::time::Duration::from_secs(3),
        client.queues().list_all(None),
    )
    .await;
    assert!(second.is_err(), "a spent window is waited out, not ignored");
}

/// A page whose name was rebound to 127.0.0.1 reaches the Sandbox with its own name in
/// `Host`: refused on every route, so it can neither log in nor fill the org.
#[tokio::test(flavor = "multi_thread")]
async fn a_foreign_host_is_refused_on_every_route_and_logins_cannot_fill_memory() {
    let app = spawn_sandbox().await;
    let (deployment, _) = app.seeded_channel().await;
    let token = app.token().await;
    let routes = [
        (reqwest::Method::POST, "/oauth/token".to_string()),
        (reqwest::Method::GET, "/api/v2/routing/queues".to_string()),
        (
            reqwest::Method::GET,
            format!("/webdeployments/v1/deployments/{deployment}/config.json"),
        ),
        (reqwest::Method::GET, "/sandbox/status".to_string()),
    ];
    for (method, path) in routes {
        let response = app
            .http
            .request(method.clone(), app.url(&path))
            .header("host", "rebound.evil.example")
            .bearer_auth(&token)
            .basic_auth("sandbox-client", Some("sandbox-secret"))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 403, "{method} {path}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["code"], "sandbox.host.refused", "{method} {path}");
    }

    // Logins from loopback are answered, but live tokens stay bounded.
    let logins = futures::stream::iter(0..10_100)
        .map(|_| {
            app.http
                .post(app.url("/oauth/token"))
                .basic_auth("sandbox-client", Some("sandbox-secret"))
                .form(&[("grant_type", "client_credentials")])
                .send()
        })
        .buffer_unordered(64)
        .filter(|answer| {
            let ok = answer.as_ref().is_ok_and(|r| r.status() == 200);
            async move { ok }
        })
        .count()
        .await;
    assert_eq!(logins, 10_100);
    let live = app.status().await["liveTokens"].as_u64().unwrap();
    assert!(live <= 10_000, "{live} live tokens");
}

/// An answer far larger than any Genesys answer is refused while it is read, not read
/// whole into memory.
#[tokio::test(flavor = "multi_thread")]
async fn an_enormous_answer_is_refused_not_read_whole() {
    let app = spawn_sandbox().await;
    let url = proxy(app.sandbox.base_url(), |route, body, _| {
        if route == "GET /api/v2/routing/queues" {
            *body = Value::String("x".repeat(40 << 20));
        }
    })
    .await;
    let error = client_at(&url)
        .queues()
        .list_all(None)
        .await
        .expect_err("a 40 MiB answer is not a page of queues");
    assert!(error.to_string().contains("larger than 32 MiB"), "{error}");
}

/// A flood of audit queries keeps at most 200 transactions (each holds its results): the
/// oldest then answer 404, the newest are there.
#[tokio::test(flavor = "multi_thread")]
async fn audit_query_transactions_are_bounded() {
    let app = spawn_sandbox().await;
    let token = app.token().await;
    let interval = "2026-01-01T00:00:00.000Z/2027-01-01T00:00:00.000Z";
    let mut ids = Vec::new();
    for _ in 0..250 {
        let submitted: Value = app
            .http
            .post(app.url("/api/v2/audits/query"))
            .bearer_auth(&token)
            .json(&serde_json::json!({"interval": interval, "serviceName": "WebDeployments"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        ids.push(submitted["id"].as_str().unwrap().to_string());
    }
    let status = |id: String| {
        let request = app
            .http
            .get(app.url(&format!("/api/v2/audits/query/{id}")))
            .bearer_auth(&token);
        async move { request.send().await.unwrap().status().as_u16() }
    };
    assert_eq!(status(ids[0].clone()).await, 404, "the oldest was dropped");
    assert_eq!(status(ids[249].clone()).await, 200, "the newest is kept");
}

/// Creating configurations without end stops at the Sandbox's bound with Genesys's
/// `resource.limit.exceeded` body, and the org keeps exactly that many.
#[tokio::test(flavor = "multi_thread")]
async fn configurations_are_bounded() {
    use webmsg_desk::sandbox::{SandboxOptions, MAX_CONFIGURATIONS};
    let app = crate::helpers::spawn_sandbox_with(SandboxOptions {
        rate_limit_per_minute: 1_000_000,
        ..crate::helpers::test_options()
    })
    .await;
    let token = app.token().await;
    let existing = app
        .http
        .get(app.url("/api/v2/webdeployments/configurations?pageSize=100"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap()["entities"]
        .as_array()
        .map_or(0, Vec::len);
    let create = |index: usize| {
        let request = app
            .http
            .post(app.url("/api/v2/webdeployments/configurations"))
            .bearer_auth(&token)
            .json(&serde_json::json!({
                "name": format!("Flood {index}"),
                "languages": ["en-us"],
                "defaultLanguage": "en-us",
            }));
        async move { request.send().await.unwrap() }
    };
    for index in existing..MAX_CONFIGURATIONS {
        assert_eq!(create(index).await.status(), 200, "configuration {index}");
    }
    let refused = create(MAX_CONFIGURATIONS).await;
    assert_eq!(refused.status(), 400);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["code"], "resource.limit.exceeded");
    assert_eq!(body["limit"]["namespace"], "web.deployments");
    assert_eq!(body["limit"]["value"], MAX_CONFIGURATIONS);
}

/// A body over the Sandbox's cap is refused with Genesys's 413 body before anything
/// reads it, and nothing is created.
#[tokio::test(flavor = "multi_thread")]
async fn oversized_request_bodies_are_refused() {
    use webmsg_desk::sandbox::MAX_REQUEST_BODY;
    let app = spawn_sandbox().await;
    let token = app.token().await;
    let padding = "x".repeat(MAX_REQUEST_BODY);
    let refused = app
        .http
        .post(app.url("/api/v2/webdeployments/configurations"))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body(serde_json::json!({"name": "Huge", "description": padding}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 413);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["code"], "request.entity.too.large");
    assert!(body["contextId"].is_string(), "{body}");
    let names: Vec<String> = app
        .client
        .configurations()
        .list_all(false)
        .await
        .unwrap()
        .into_iter()
        .map(|configuration| configuration.name)
        .collect();
    assert!(!names.iter().any(|name| name == "Huge"), "{names:?}");
}

#[tokio::test]
async fn the_client_writes_back_fields_it_does_not_know_and_the_sandbox_drops_them() {
    let app = crate::helpers::spawn_sandbox_with(webmsg_desk::sandbox::SandboxOptions {
        record_requests: true,
        ..crate::helpers::test_options()
    })
    .await;
    let (_, id) = app.seeded_channel().await;
    let draft_path = format!("/api/v2/webdeployments/configurations/{id}/versions/draft");
    // A newer API: the draft comes with fields this version does not model.
    let watched = draft_path.clone();
    let newer = proxy(app.sandbox.base_url(), move |route, body, _| {
        if route == format!("GET {watched}") {
            body["futureFeature"] = json!({"mode": "beta", "levels": [1, 2]});
            body["messenger"]["futureFlag"] = json!(true);
        }
    })
    .await;
    let client = client_at(&newer);
    let mut typed = client.configurations().draft(&id).await.unwrap();
    typed.description = Some("Edited by a typed client".into());
    client
        .configurations()
        .update_draft(&id, &typed)
        .await
        .unwrap();
    let sent = last_sent(&app, "PUT", "/versions/draft");
    assert_eq!(
        sent["futureFeature"],
        json!({"mode": "beta", "levels": [1, 2]})
    );
    assert_eq!(sent["messenger"]["futureFlag"], json!(true));

    // Like the API's typed models, the Sandbox stores none of it, at any depth.
    let (_, after) = app.get_api(&draft_path).await;
    assert!(after.get("futureFeature").is_none(), "{after:#}");
    assert!(after["messenger"].get("futureFlag").is_none(), "{after:#}");
    assert_eq!(after["description"], "Edited by a typed client");
    let deployment_path = format!(
        "/api/v2/webdeployments/deployments/{}",
        app.seeded_channel().await.0
    );
    let (_, mut deployment) = app.get_api(&deployment_path).await;
    deployment["hiddenToggle"] = json!("on");
    deployment["supportedContent"]["note"] = json!("x");
    let put = app
        .http
        .put(app.url(&deployment_path))
        .bearer_auth(app.token().await)
        .json(&deployment)
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), 200);
    let (_, stored) = app.get_api(&deployment_path).await;
    assert!(stored.get("hiddenToggle").is_none(), "{stored:#}");
    assert!(
        stored["supportedContent"].get("note").is_none(),
        "{stored:#}"
    );
}

/// The last body the Sandbox received for `method route`.
fn last_sent(app: &crate::helpers::TestApp, method: &str, route_end: &str) -> Value {
    app.sandbox
        .state()
        .recorded_requests()
        .into_iter()
        .rev()
        .find(|r| r.method == method && r.route.ends_with(route_end))
        .unwrap_or_else(|| panic!("no {method} …{route_end} was sent"))
        .body
}
