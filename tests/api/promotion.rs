//! Promoting channels between two orgs: two Sandboxes seeded differently, so the same
//! names carry different ids on each side.

use serde_json::{json, Value};
use webmsg_desk::application::channels::PublishOptions;
use webmsg_desk::application::promotion::{self, PlanOptions, PlannedAction, Selection};
use webmsg_desk::application::{Operation, Session};
use webmsg_desk::sandbox::SandboxOptions;
use webmsg_desk::store::Store;
use webmsg_desk::transfer::remap::{IdMap, RefKind};

use crate::helpers::{spawn_sandbox_with, test_options, TestApp};

async fn two_orgs(source_channels: usize) -> (TestApp, TestApp) {
    let source = spawn_sandbox_with(SandboxOptions {
        channels: source_channels,
        ..test_options()
    })
    .await;
    let target = spawn_sandbox_with(SandboxOptions {
        seed: 2,
        ..test_options()
    })
    .await;
    (source, target)
}

fn session(app: &TestApp, profile: &str) -> Session {
    Session::new(app.client.clone(), Store::in_memory().unwrap(), profile)
}

/// The id of the catalog entry named `name` under `path` in `app`'s org.
async fn id_named(app: &TestApp, path: &str, name: &str) -> String {
    let (_, listing) = app.get_api(path).await;
    listing["entities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == name)
        .unwrap_or_else(|| panic!("{name} in {path}"))["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// The source's seeded channel, pointing at a knowledge base and a login integration.
async fn source_with_references(source: &TestApp) -> String {
    let help = id_named(source, "/api/v2/knowledge/knowledgebases", "Help Center").await;
    let login = id_named(source, "/api/v2/integrations", "Customer Login").await;
    source
        .republish_seeded(|draft| {
            draft["messenger"]["styles"]["primaryColor"] = json!("#7a1fa2");
            draft["messenger"]["apps"]["knowledge"] =
                json!({"enabled": true, "knowledgeBase": {"id": help}});
            draft["authenticationSettings"] = json!({"enabled": true, "integrationId": login});
        })
        .await
}

fn quiet() -> impl Fn(webmsg_desk::application::channels::Progress) + Send + Sync {
    |_| {}
}

#[tokio::test(flavor = "multi_thread")]
async fn a_promotion_remaps_every_id_and_updates_the_target_in_place() {
    let (source, target) = two_orgs(0).await;
    source_with_references(&source).await;
    let (from, to) = (session(&source, "dev"), session(&target, "prod"));
    let (target_deployment, _) = target.seeded_channel().await;
    let plan = promotion::plan(
        &from,
        &to,
        &Selection::Name("Support Site".into()),
        &PlanOptions::default(),
    )
    .await
    .unwrap();
    let channel = &plan.channels[0];
    assert!(
        matches!(&channel.action, PlannedAction::Update { deployment_id, .. } if *deployment_id == target_deployment),
        "{:?}",
        channel.action
    );
    assert!(!plan.is_blocked(), "{:?}", channel.blocked);
    let kinds: Vec<RefKind> = channel.references.iter().map(|r| r.kind).collect();
    for kind in [
        RefKind::Flow,
        RefKind::SupportedContent,
        RefKind::KnowledgeBase,
        RefKind::Integration,
    ] {
        assert!(kinds.contains(&kind), "{kind:?} in {kinds:?}");
    }
    for reference in &channel.references {
        assert_ne!(
            reference.target_id.as_deref(),
            Some(reference.source_id.as_str()),
            "{} keeps the source's id",
            reference.place
        );
    }
    assert!(
        channel
            .differences
            .iter()
            .any(|d| d.path == "configuration.messenger.styles.primaryColor"),
        "{:?}",
        channel.differences
    );

    let progress = quiet();
    let operation = Operation::new(&to, Default::default(), &progress);
    let report = promotion::promote(
        &operation,
        plan,
        &PublishOptions::default(),
        &Default::default(),
    )
    .await
    .unwrap();
    assert!(report.all_promoted(), "{report:?}");
    assert_eq!(report.channels[0].result, "updated");
    assert_eq!(
        report.channels[0].deployment_id.as_deref(),
        Some(target_deployment.as_str())
    );

    let (_, live) = target
        .get_api(&format!(
            "/api/v2/webdeployments/deployments/{target_deployment}/configurations"
        ))
        .await;
    let version = &live["configurationVersion"];
    assert_eq!(version["messenger"]["styles"]["primaryColor"], "#7a1fa2");
    assert_eq!(
        version["messenger"]["apps"]["knowledge"]["knowledgeBase"]["id"],
        json!(id_named(&target, "/api/v2/knowledge/knowledgebases", "Help Center").await)
    );
    assert_eq!(
        version["authenticationSettings"]["integrationId"],
        json!(id_named(&target, "/api/v2/integrations", "Customer Login").await)
    );
    let (_, deployment) = target
        .get_api(&format!(
            "/api/v2/webdeployments/deployments/{target_deployment}"
        ))
        .await;
    assert_eq!(
        deployment["supportedContent"]["id"],
        json!(
            id_named(
                &target,
                "/api/v2/conversations/messaging/supportedcontent",
                "Default Supported Content Profile"
            )
            .await
        )
    );
    assert_eq!(
        deployment["flow"]["id"],
        json!(target.flow_id("Web Messaging Inbound").await)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn all_channels_are_planned_new_ones_are_created_and_maps_are_honoured() {
    let (source, target) = two_orgs(1).await;
    let (from, to) = (session(&source, "dev"), session(&target, "prod"));
    let plan = promotion::plan(&from, &to, &Selection::All, &PlanOptions::default())
        .await
        .unwrap();
    let names: Vec<(&str, bool)> = plan
        .channels
        .iter()
        .map(|c| (c.name.as_str(), matches!(c.action, PlannedAction::Create)))
        .collect();
    assert!(names.contains(&("Support Site", false)), "{names:?}");
    assert!(names.contains(&("Site 0001", true)), "{names:?}");

    // A map to an entity the target lacks blocks the plan, naming what is missing.
    source_with_references(&source).await;
    let maps = PlanOptions {
        maps: vec![IdMap::parse("knowledgeBase:Help Center=Help Centre").unwrap()],
        domain_rules: vec![webmsg_desk::transfer::remap::DomainRule::parse(
            "www.example.com=shop.example.org",
        )
        .unwrap()],
    };
    let blocked = promotion::plan(&from, &to, &Selection::Name("Support Site".into()), &maps)
        .await
        .unwrap();
    assert!(blocked.is_blocked());
    assert!(
        blocked.channels[0].blocked[0].contains("Help Centre"),
        "{:?}",
        blocked.channels[0].blocked
    );
    assert!(blocked.channels[0]
        .domains
        .contains(&("www.example.com".into(), "shop.example.org".into())));
    let progress = quiet();
    let operation = Operation::new(&to, Default::default(), &progress);
    let refused = promotion::promote(
        &operation,
        blocked,
        &PublishOptions::default(),
        &Default::default(),
    )
    .await
    .unwrap_err();
    assert!(refused.message.contains("blocked"), "{}", refused.message);

    // The new channel is created in the target with the target's ids.
    let new_only = promotion::plan(
        &from,
        &to,
        &Selection::Name("Site 0001".into()),
        &PlanOptions::default(),
    )
    .await
    .unwrap();
    let report = promotion::promote(
        &operation,
        new_only,
        &PublishOptions::default(),
        &Default::default(),
    )
    .await
    .unwrap();
    assert_eq!(report.channels[0].result, "created", "{report:?}");
    let created = report.channels[0].deployment_id.clone().unwrap();
    let (_, deployment) = target
        .get_api(&format!("/api/v2/webdeployments/deployments/{created}"))
        .await;
    assert_eq!(deployment["name"], "Site 0001");
    assert_eq!(
        deployment["flow"]["id"],
        json!(target.flow_id("Web Messaging Inbound").await)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_promotion_that_fails_leaves_the_target_channel_as_it_was() {
    let (source, target) = two_orgs(0).await;
    source_with_references(&source).await;
    let (from, to) = (session(&source, "dev"), session(&target, "prod"));
    let (deployment, configuration) = target.seeded_channel().await;
    let draft_path =
        format!("/api/v2/webdeployments/configurations/{configuration}/versions/draft");
    let deployment_path = format!("/api/v2/webdeployments/deployments/{deployment}");
    let (_, draft_before) = target.get_api(&draft_path).await;
    let (_, deployment_before) = target.get_api(&deployment_path).await;
    let plan = promotion::plan(
        &from,
        &to,
        &Selection::Name("Support Site".into()),
        &PlanOptions::default(),
    )
    .await
    .unwrap();
    // The target's deployment update ends in Error.
    target
        .control(
            "/sandbox/deployments/outcome",
            json!({"outcome": "Error", "deploymentId": deployment}),
        )
        .await;
    let progress = quiet();
    let operation = Operation::new(&to, Default::default(), &progress);
    let report = promotion::promote(
        &operation,
        plan,
        &PublishOptions::default(),
        &Default::default(),
    )
    .await
    .unwrap();
    let channel = &report.channels[0];
    assert_eq!(channel.result, "untouched", "{channel:?}");
    assert!(
        channel.error.as_deref().unwrap().contains("put back"),
        "{channel:?}"
    );
    let strip = |mut value: Value, fields: &[&str]| {
        for field in fields {
            value.as_object_mut().unwrap().remove(*field);
        }
        value
    };
    let volatile = ["dateModified", "status", "lastModifiedUser", "version"];
    assert_eq!(
        strip(target.get_api(&draft_path).await.1, &volatile),
        strip(draft_before, &volatile)
    );
    let (_, deployment_after) = target.get_api(&deployment_path).await;
    assert_eq!(
        deployment_after["configuration"]["version"],
        deployment_before["configuration"]["version"]
    );
}
