//! Lifecycles of configurations and deployments, and the audit trail they leave.

use std::time::Duration;

use genesys::models::{
    AuditQueryFilter, AuditQueryRequest, AuditRealtimeQueryRequest, DeploymentStatus,
    WebDeployment, WebDeploymentConfigurationVersion,
};
use serde_json::{json, Value};

use crate::helpers::spawn_sandbox;

fn interval_around_now() -> String {
    let now = chrono::Utc::now();
    format!(
        "{}/{}",
        (now - chrono::Duration::days(1)).to_rfc3339(),
        (now + chrono::Duration::days(1)).to_rfc3339()
    )
}

async fn new_published_configuration(app: &crate::helpers::TestApp, name: &str) -> String {
    let draft: WebDeploymentConfigurationVersion = serde_json::from_value(json!({
        "name": name, "languages": ["en-us"], "defaultLanguage": "en-us",
        "messenger": {"enabled": true, "styles": {"primaryColor": "#0b6e4f"}, "launcherButton": {"visibility": "On"}}
    }))
    .unwrap();
    let created = app.client.configurations().create(&draft).await.unwrap();
    assert_eq!(created.status, Some(DeploymentStatus::Pending));
    assert_eq!(created.version.as_deref(), Some("DRAFT"));
    let id = created.id.unwrap();
    let early = app.client.configurations().publish(&id).await.unwrap_err();
    assert_eq!(
        early.status(),
        Some(400),
        "a Pending draft cannot be published"
    );
    tokio::time::advance(Duration::from_secs(3)).await;
    let published = app.client.configurations().publish(&id).await.unwrap();
    assert_eq!(published.version.as_deref(), Some("1"));
    id
}

#[tokio::test(start_paused = true)]
async fn a_deployment_can_be_made_to_end_in_error_or_stay_pending() {
    let app = spawn_sandbox().await;
    let configuration_id = new_published_configuration(&app, "Error path").await;
    let flow_id = app.flow_id(sandbox::PRIMARY_FLOW_NAME).await;
    let deployment: WebDeployment = serde_json::from_value(json!({
        "name": "Broken site", "allowedDomains": ["shop.example.com"],
        "configuration": {"id": configuration_id, "version": "1"}, "flow": {"id": flow_id}
    }))
    .unwrap();

    app.control("/sandbox/deployments/outcome", json!({"outcome": "Error"}))
        .await;
    let created = app.client.deployments().create(&deployment).await.unwrap();
    assert_eq!(created.status, Some(DeploymentStatus::Pending));
    assert!(created
        .snippet
        .as_deref()
        .unwrap()
        .contains(created.id.as_deref().unwrap()));
    tokio::time::advance(Duration::from_secs(3)).await;
    let id = created.id.unwrap();
    assert_eq!(
        app.client.deployments().get(&id).await.unwrap().status,
        Some(DeploymentStatus::Error)
    );

    app.control(
        "/sandbox/deployments/outcome",
        json!({"outcome": "StuckPending", "deploymentId": id}),
    )
    .await;
    let mut current = app.client.deployments().get(&id).await.unwrap();
    current.description = Some("retry".into());
    app.client
        .deployments()
        .update(&id, &current)
        .await
        .unwrap();
    tokio::time::advance(Duration::from_secs(600)).await;
    assert_eq!(
        app.client.deployments().get(&id).await.unwrap().status,
        Some(DeploymentStatus::Pending)
    );

    let conflict = app
        .client
        .configurations()
        .delete(&configuration_id)
        .await
        .unwrap_err();
    assert_eq!(
        (conflict.status(), conflict.code().as_str()),
        (Some(409), "resource.conflict")
    );
    app.client.deployments().delete(&id).await.unwrap();
    // 204 at once, then Deleting for the lifecycle delay: the configuration is still in use.
    assert_eq!(
        app.client.deployments().get(&id).await.unwrap().status,
        Some(DeploymentStatus::Deleting)
    );
    let still_used = app
        .client
        .configurations()
        .delete(&configuration_id)
        .await
        .unwrap_err();
    assert_eq!(still_used.status(), Some(409));
    tokio::time::advance(Duration::from_secs(3)).await;
    assert!(app
        .client
        .deployments()
        .get(&id)
        .await
        .unwrap_err()
        .is_not_found());
    app.client
        .configurations()
        .delete(&configuration_id)
        .await
        .unwrap();
    assert!(app
        .client
        .configurations()
        .draft(&configuration_id)
        .await
        .unwrap_err()
        .is_not_found());
}

#[tokio::test(start_paused = true)]
async fn every_change_leaves_an_audit_entry_readable_both_ways() {
    let app = spawn_sandbox().await;
    let configuration_id = new_published_configuration(&app, "Audited").await;
    let mut deployment = app.client.deployments().list_all().await.unwrap().remove(0);
    let deployment_id = deployment.id.clone().unwrap();
    let fallback = app.flow_id(sandbox::FALLBACK_FLOW_NAME).await;
    let primary = deployment.flow.as_ref().unwrap().id.clone().unwrap();
    deployment.flow.as_mut().unwrap().id = Some(fallback.clone());
    app.client
        .deployments()
        .update(&deployment_id, &deployment)
        .await
        .unwrap();

    let query = AuditQueryRequest {
        interval: interval_around_now(),
        service_name: Some("WebDeployments".into()),
        ..Default::default()
    };
    let entries = app
        .client
        .audits()
        .query_all(&query, Duration::from_secs(1), Duration::from_secs(30))
        .await
        .unwrap();
    let actions: Vec<(String, String)> = entries
        .iter()
        .map(|e| (e.entity_type.clone().unwrap(), e.action.clone().unwrap()))
        .collect();
    assert_eq!(
        actions,
        [
            ("Configuration".to_string(), "Create".to_string()),
            ("ConfigurationVersion".into(), "Publish".into()),
            ("Deployment".into(), "Update".into())
        ]
    );
    let flow_change = entries[2]
        .property_changes
        .as_ref()
        .unwrap()
        .iter()
        .find(|c| c.property.as_deref() == Some("flow.id"))
        .unwrap();
    assert_eq!(flow_change.old_values.as_deref(), Some(&[primary][..]));
    assert_eq!(flow_change.new_values.as_deref(), Some(&[fallback][..]));

    let realtime = app
        .client
        .audits()
        .realtime_query(&AuditRealtimeQueryRequest {
            interval: interval_around_now(),
            service_name: Some("WebDeployments".into()),
            filters: Some(vec![AuditQueryFilter {
                property: "EntityId".into(),
                value: configuration_id.clone(),
            }]),
            page_size: Some(1),
            page_number: Some(2),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        (realtime.total, realtime.page_count, realtime.entities.len()),
        (Some(2), Some(2), 1)
    );
    assert_eq!(realtime.entities[0].action.as_deref(), Some("Publish"));
    let mapping = app.client.audits().service_mapping().await.unwrap();
    assert_eq!(mapping.services[0].name, "WebDeployments");
}

#[tokio::test]
async fn audit_results_are_paged_with_a_cursor_after_the_query_succeeds() {
    let app = spawn_sandbox().await;
    let token = app.token().await;
    for n in 0..3 {
        let body = json!({"name": format!("Audit page {n}")});
        app.http
            .post(app.url("/api/v2/webdeployments/configurations"))
            .bearer_auth(&token)
            .json(&body)
            .send()
            .await
            .unwrap();
    }
    let submitted: Value = app
        .http
        .post(app.url("/api/v2/audits/query"))
        .bearer_auth(&token)
        .json(&json!({"interval": interval_around_now(), "serviceName": "WebDeployments", "sort": [{"name": "Timestamp", "sortOrder": "descending"}]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(submitted["state"], "Running");
    let id = submitted["id"].as_str().unwrap();
    let early = app
        .http
        .get(app.url(&format!("/api/v2/audits/query/{id}/results")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(
        early.status(),
        400,
        "results before the status says Succeeded are refused"
    );
    let status: Value = app
        .http
        .get(app.url(&format!("/api/v2/audits/query/{id}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(status["state"], "Succeeded");
    let first: Value = app
        .http
        .get(app.url(&format!("/api/v2/audits/query/{id}/results?pageSize=2")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(first["entities"].as_array().unwrap().len(), 2);
    assert_eq!(
        first["entities"][0]["entity"]["name"], "Audit page 2",
        "descending order"
    );
    let cursor = first["cursor"].as_str().unwrap();
    let second: Value = app
        .http
        .get(app.url(&format!(
            "/api/v2/audits/query/{id}/results?pageSize=2&cursor={cursor}"
        )))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(second["entities"].as_array().unwrap().len(), 1);
    assert!(second.get("cursor").is_none());
}

/// One raw request from a plain thread; the status line, or why there was none.
fn status_line(base_url: &str) -> Result<String, String> {
    use std::io::{BufRead, Write};
    let address = base_url.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(address).map_err(|e| e.to_string())?;
    stream
        .set_read_timeout(Some(Duration::from_secs(2)))
        .map_err(|e| e.to_string())?;
    write!(
        stream,
        "GET /api/v2/organizations/me HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
    )
    .map_err(|e| e.to_string())?;
    let mut line = String::new();
    std::io::BufReader::new(stream)
        .read_line(&mut line)
        .map_err(|e| e.to_string())?;
    Ok(line.trim_end().to_string())
}

#[test]
fn the_embedded_sandbox_keeps_answering_while_the_app_runtime_is_busy() {
    // The app's runtime, reduced to one thread that is about to be kept busy.
    let app_runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let sandbox = app_runtime
        .block_on(async { sandbox::DetachedSandbox::start(crate::helpers::test_options(), 0) })
        .unwrap();
    let base_url = sandbox.base_url().to_string();
    let answered = std::thread::spawn(move || status_line(&base_url));
    app_runtime.block_on(async {
        // Busy without yielding, as a long computation on a worker would be, until the
        // request has its answer or has given up (after 2 s): a Sandbox on this runtime
        // could not answer meanwhile.
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while !answered.is_finished() && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
    });
    let line = answered.join().unwrap().unwrap();
    assert!(
        line.starts_with("HTTP/1.1 401"),
        "a request without a token is refused at once: {line}"
    );
    drop(sandbox);
}
