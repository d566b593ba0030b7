//! Property tests of the parsers that take input from outside: the Sandbox's control
//! endpoints (over HTTP, as any local process would reach them) and the import file.

use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde_json::{json, Map, Value};
use webmsg_desk::transfer;

use crate::helpers::spawn_sandbox;

/// Numbers at and past every bound the controls check, plus the ones that once panicked.
fn extremes() -> Vec<Value> {
    vec![
        json!(0),
        json!(-1),
        json!(1e300),
        json!(-1e300),
        json!(1e9),
        json!(u32::MAX),
        json!(u64::MAX),
        json!(i64::MIN),
        json!(429),
        json!(600),
        json!(0.000001),
    ]
}

fn number() -> impl Strategy<Value = Value> {
    prop_oneof![
        // Values a control takes, so some bodies are accepted and reach the handlers.
        3 => (0u32..=60).prop_map(Value::from),
        1 => any::<i64>().prop_map(Value::from),
        1 => any::<u64>().prop_map(Value::from),
        1 => any::<f64>()
            .prop_filter("JSON has no NaN or infinity", |f| f.is_finite())
            .prop_map(Value::from),
        2 => prop::sample::select(extremes()),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        number(),
        ".{0,12}".prop_map(Value::from),
        prop::sample::select(vec![
            "status",
            "dropConnection",
            "malformedJson",
            "slow",
            "dropSocket",
            "flowError",
            "Active",
            "Error",
            "StuckPending",
            "voice",
            "message",
        ])
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map(".{0,8}", inner, 0..4)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

/// Each control with the fields it reads, so generated bodies get past the first check.
fn controls(support: &str) -> Vec<(String, &'static [&'static str])> {
    vec![
        (
            "/sandbox/faults".into(),
            &["kind", "status", "retryAfter", "count"],
        ),
        ("/sandbox/faults/latency".into(), &["ms"]),
        (
            "/sandbox/deployments/outcome".into(),
            &["outcome", "deploymentId"],
        ),
        (
            format!("/sandbox/queues/{support}/traffic"),
            &[
                "arrivalsPerHour",
                "otherMedia",
                "handleTimeSeconds",
                "patienceSeconds",
                "onQueueAgents",
                "releaseAgents",
                "dailyCurve",
                "endConversations",
                "addWaiting",
            ],
        ),
        ("/sandbox/speed".into(), &["speed"]),
        ("/sandbox/guest/faults".into(), &["kind", "count"]),
    ]
}

fn control_body(fields: &'static [&'static str]) -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => prop::collection::btree_map(prop::sample::select(fields), json_value(), 1..=fields.len())
            .prop_map(|fields| {
                let object: Map<String, Value> = fields
                    .into_iter()
                    .map(|(key, value)| (key.to_string(), value))
                    .collect();
                serde_json::to_vec(&Value::Object(object)).unwrap()
            }),
        1 => json_value().prop_map(|value| serde_json::to_vec(&value).unwrap()),
        1 => prop::collection::vec(any::<u8>(), 0..64),
    ]
}

#[test]
fn no_control_body_makes_the_sandbox_fail_or_stop_answering() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let app = runtime.block_on(spawn_sandbox());
    let support = runtime.block_on(app.queue_id("Support"));
    let requests = prop::sample::select(controls(&support))
        .prop_flat_map(|(path, fields)| (Just(path), control_body(fields)));
    let post = |path: &str, body: Vec<u8>| {
        runtime.block_on(async {
            app.control_request(reqwest::Method::POST, path)
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .unwrap()
                .status()
        })
    };
    // Every field of every control at every extreme, alone: the bounds, one by one.
    for (path, fields) in controls(&support) {
        for field in fields {
            for value in extremes() {
                let body = serde_json::to_vec(&json!({ *field: value })).unwrap();
                let status = post(&path, body);
                assert!(
                    status.is_success() || status == 400,
                    "{path} answered {status} to {{{field:?}: {value}}}"
                );
            }
        }
    }
    let accepted = std::cell::Cell::new(0);
    // A fixed seed: the same 1000 bodies every run, so CI is repeatable; change the
    // seed to explore further.
    let mut runner = TestRunner::new_with_rng(
        Config {
            cases: 1000,
            failure_persistence: None,
            ..Config::default()
        },
        TestRng::from_seed(RngAlgorithm::ChaCha, &[7; 32]),
    );
    runner
        .run(&requests, |(path, body)| {
            let status = post(&path, body.clone());
            accepted.set(accepted.get() + usize::from(status.is_success()));
            prop_assert!(
                status.is_success() || status == 400,
                "{path} answered {status} to {}",
                String::from_utf8_lossy(&body)
            );
            Ok(())
        })
        .unwrap();
    // The generated bodies reach past the parsers into the handlers, not only their errors.
    assert!(accepted.get() > 0, "no generated body was ever accepted");
    // The simulation still runs and the API still answers once the controls are reset.
    runtime.block_on(async {
        for path in ["/sandbox/faults", "/sandbox/guest/faults"] {
            app.control_request(reqwest::Method::DELETE, path)
                .send()
                .await
                .unwrap();
        }
        app.control("/sandbox/faults/latency", json!({"ms": 0}))
            .await;
        app.control("/sandbox/speed", json!({"speed": 1.0})).await;
        let queues = tokio::time::timeout(
            std::time::Duration::from_secs(10),
            app.client.queues().list_all(None),
        )
        .await
        .expect("the API answers within 10 s")
        .unwrap();
        assert!(!queues.is_empty());
    });
}

/// Every leaf of `value`, as a JSON pointer.
fn pointers(value: &Value, at: String, found: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                pointers(
                    inner,
                    format!("{at}/{}", key.replace('~', "~0").replace('/', "~1")),
                    found,
                );
            }
        }
        Value::Array(items) => {
            for (index, inner) in items.iter().enumerate() {
                pointers(inner, format!("{at}/{index}"), found);
            }
        }
        _ => {}
    }
    found.push(at);
}

#[test]
fn no_edited_export_file_makes_the_import_panic() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let app = runtime.block_on(spawn_sandbox());
    let store = webmsg_desk::store::Store::in_memory().unwrap();
    let deployment_id = runtime.block_on(async {
        app.client.deployments().list_all().await.unwrap()[0]
            .id
            .clone()
            .unwrap()
    });
    let exported = runtime
        .block_on(transfer::export_channel(
            &app.client,
            &store,
            &deployment_id,
        ))
        .unwrap();
    let original = serde_json::to_value(&exported).unwrap();
    let mut leaves = Vec::new();
    pointers(&original, String::new(), &mut leaves);
    let folder = tempfile::tempdir().unwrap();
    let file = folder.path().join("edited.json");
    let mut runner = TestRunner::new_with_rng(
        Config {
            cases: 256,
            failure_persistence: None,
            ..Config::default()
        },
        TestRng::from_seed(RngAlgorithm::ChaCha, &[11; 32]),
    );
    runner
        .run(
            &(
                prop::collection::vec((prop::sample::select(leaves), json_value()), 1..4),
                any::<bool>(),
            ),
            |(edits, truncate)| {
                let mut edited = original.clone();
                for (pointer, value) in edits {
                    if let Some(slot) = edited.pointer_mut(&pointer) {
                        *slot = value;
                    }
                }
                let mut bytes = serde_json::to_vec(&edited).unwrap();
                if truncate {
                    bytes.truncate(bytes.len() / 2);
                }
                std::fs::write(&file, &bytes).unwrap();
                // Either a document or a sentence naming the file; then the checks and the
                // plan's listing of hidden settings take whatever parsed.
                match transfer::read_document(&file) {
                    Ok(document) => {
                        let _ = transfer::carried_settings(&document);
                        let mut configuration = document.configuration.writable();
                        let mut deployment = document.deployment.writable();
                        let _ = webmsg_desk::validate::check_configuration(&mut configuration);
                        let _ = webmsg_desk::validate::check_deployment(&mut deployment);
                    }
                    Err(message) => prop_assert!(message.contains("edited.json"), "{message}"),
                }
                Ok(())
            },
        )
        .unwrap();
}
