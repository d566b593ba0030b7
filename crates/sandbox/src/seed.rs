//! The demo org every Sandbox starts with: OAuth clients, four queues with agents and
//! traffic (Sales also takes calls and emails), inbound message flows (primary and fallback) plus flows of other
//! types, one published configuration and one active deployment, and `channels` more
//! published channels when asked.

use std::collections::{BTreeMap, HashMap, VecDeque};

use chrono::Duration as ChronoDuration;
use serde_json::{json, Value};
use tokio::time::Instant;

use genesys::models::{
    EntityRef, Flow, FlowVersion, MessageMediaSettings, Queue, QueueMediaSettings, ServiceLevel,
};

use super::catalog::seeded_catalog;
use super::state::{
    iso, ConfigurationRecord, DeploymentRecord, OAuthClientRecord, Org, RequestStats,
    SandboxOptions, SettleOutcome, SimClock, READONLY_CLIENT_ID, READONLY_CLIENT_SECRET,
};
use super::traffic::{uuid_from, Traffic, TrafficParams};

pub const PRIMARY_FLOW_NAME: &str = "Web Messaging Inbound";
pub const FALLBACK_FLOW_NAME: &str = "Web Messaging Fallback";
/// The seeded queue that takes calls and emails as well as web messages.
pub const BLENDED_QUEUE_NAME: &str = "Sales";

/// Every permission a view-only role has, for the read-only client.
const VIEW_PERMISSIONS: &[&str] = &[
    "webDeployments:configuration:view",
    "webDeployments:deployment:view",
    "routing:queue:view",
    "architect:flow:view",
    "analytics:queueObservation:view",
    "analytics:conversationDetail:view",
    "analytics:conversationAggregate:view",
    "audits:audit:view",
    "messaging:supportedContent:view",
    "knowledge:knowledgebase:view",
    "integrations:integration:view",
];

struct QueueSeed {
    name: String,
    description: &'static str,
    agents: usize,
    params: TrafficParams,
}

fn queue_seeds(extra: usize) -> Vec<QueueSeed> {
    let params = |arrivals: f64, handle: f64| TrafficParams {
        arrivals_per_hour: arrivals,
        handle_time_seconds: handle,
        patience_seconds: 900.0,
        on_queue_share: 0.85,
        forced_on_queue_agents: None,
        daily_curve: true,
        other_media: BTreeMap::new(),
    };
    let mut seeds = vec![
        QueueSeed {
            name: "Support".into(),
            description: "Website support chats (primary)",
            agents: 8,
            params: params(45.0, 420.0),
        },
        // A blended queue: its observations carry one conversation group per media
        // type, which is what a client adding up every group of a queue gets wrong.
        QueueSeed {
            name: BLENDED_QUEUE_NAME.into(),
            description: "Pre-sales calls, emails and web messages, one team",
            agents: 5,
            params: TrafficParams {
                other_media: BTreeMap::from([
                    ("email".to_string(), 6.0),
                    ("voice".to_string(), 30.0),
                ]),
                ..params(20.0, 300.0)
            },
        },
        QueueSeed {
            name: "Billing".into(),
            description: "Invoices and payments",
            agents: 4,
            params: params(12.0, 480.0),
        },
        QueueSeed {
            name: "Support Overflow".into(),
            description: "Fallback for Support when it is overloaded",
            agents: 6,
            params: params(4.0, 420.0),
        },
    ];
    seeds.extend((1..=extra).map(|n| QueueSeed {
        name: format!("Queue {n:02}"),
        description: "Additional queue",
        agents: 3,
        params: params(8.0, 360.0),
    }));
    seeds
}

const AGENT_NAMES: &[&str] = &[
    "Alex Moreau",
    "Bea Lindqvist",
    "Carlos Ruiz",
    "Dana Okafor",
    "Emre Yilmaz",
    "Fatima Zahra",
    "Gus Novak",
    "Hana Sato",
    "Ivan Petrov",
    "Jade Wong",
    "Kofi Mensah",
    "Lena Fischer",
    "Mia Rossi",
    "Noah Clarke",
    "Olga Ivanova",
    "Priya Nair",
    "Quinn Byrne",
    "Rosa Diaz",
    "Sven Holm",
    "Tara Singh",
    "Umar Farouk",
    "Vera Costa",
    "Wes Hart",
];

pub fn demo_org(options: &SandboxOptions, clock: &SimClock) -> Org {
    let mut rng = fastrand::Rng::with_seed(options.seed);
    let now = clock.now();
    let created = iso(now - ChronoDuration::days(30));
    let org_id = uuid_from(&mut rng);
    let division = EntityRef {
        id: Some(uuid_from(&mut rng)),
        name: Some("Home".into()),
        self_uri: None,
        extra: Default::default(),
    };

    let flow = |rng: &mut fastrand::Rng, name: &str, flow_type: &str, description: &str| Flow {
        id: Some(uuid_from(rng)),
        name: Some(name.into()),
        division: Some(division.clone()),
        description: Some(description.into()),
        flow_type: Some(flow_type.into()),
        active: Some(true),
        system: Some(false),
        deleted: Some(false),
        published_version: Some(FlowVersion {
            id: Some("3.0".into()),
            name: Some("3.0".into()),
            version_type: Some("PUBLISH".into()),
            ..Default::default()
        }),
        ..Default::default()
    };
    let mut flows = vec![
        flow(
            &mut rng,
            PRIMARY_FLOW_NAME,
            "INBOUNDSHORTMESSAGE",
            "Routes website messages to Support",
        ),
        flow(
            &mut rng,
            FALLBACK_FLOW_NAME,
            "INBOUNDSHORTMESSAGE",
            "Routes website messages to Support Overflow",
        ),
        flow(&mut rng, "Main IVR", "INBOUNDCALL", "Phone entry point"),
        flow(
            &mut rng,
            "Support In-Queue Messages",
            "INQUEUESHORTMESSAGE",
            "Hold messages while waiting",
        ),
    ];
    for flow in &mut flows {
        flow.self_uri = flow.id.as_ref().map(|id| format!("/api/v2/flows/{id}"));
    }
    let primary_flow_id = flows[0].id.clone().unwrap_or_default();
    let fallback_flow_id = flows[1].id.clone().unwrap_or_default();

    let history_start = now - ChronoDuration::hours(i64::from(options.history_hours));
    let mut traffic = Traffic::new(options.seed, history_start);
    let mut queues = Vec::new();
    let mut agent_names = AGENT_NAMES.iter().cycle();
    for seed in queue_seeds(options.extra_queues) {
        let id = uuid_from(&mut rng);
        let names: Vec<String> = (0..seed.agents)
            .filter_map(|_| agent_names.next())
            .map(|n| n.to_string())
            .collect();
        let flow_id = match seed.name.as_str() {
            "Support" => Some(primary_flow_id.clone()),
            "Support Overflow" => Some(fallback_flow_id.clone()),
            _ => None,
        };
        traffic.add_queue(&id, flow_id, &names, seed.params.clone());
        queues.push(Queue {
            id: Some(id.clone()),
            name: Some(seed.name.clone()),
            description: Some(seed.description.into()),
            division: Some(division.clone()),
            date_created: Some(created.clone()),
            date_modified: Some(created.clone()),
            member_count: Some(seed.agents as i64),
            user_member_count: Some(seed.agents as i64),
            joined_member_count: Some(seed.agents as i64),
            media_settings: Some(QueueMediaSettings {
                call: seed
                    .params
                    .other_media
                    .contains_key("voice")
                    .then(|| json!({"alertingTimeoutSeconds": 8, "serviceLevel": {"percentage": 0.8, "durationMs": 20000}})),
                email: seed
                    .params
                    .other_media
                    .contains_key("email")
                    .then(|| json!({"alertingTimeoutSeconds": 300, "serviceLevel": {"percentage": 0.8, "durationMs": 86400000}})),
                message: Some(MessageMediaSettings {
                    enable_auto_answer: Some(false),
                    alerting_timeout_seconds: Some(30),
                    service_level: Some(ServiceLevel {
                        percentage: Some(0.8),
                        duration_ms: Some(120_000),
                        ..Default::default()
                    }),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            skill_evaluation_method: Some("ALL".into()),
            scoring_method: Some("TimestampAndPriority".into()),
            self_uri: Some(format!("/api/v2/routing/queues/{id}")),
            ..Default::default()
        });
    }
    traffic.advance_to(now);

    let clients = vec![
        OAuthClientRecord {
            id: options.client_id.clone(),
            secret: options.client_secret.clone(),
            name: "Web Messaging Desk (Sandbox)".into(),
            permissions: None,
        },
        OAuthClientRecord {
            id: READONLY_CLIENT_ID.into(),
            secret: READONLY_CLIENT_SECRET.into(),
            name: "Read-only auditor".into(),
            permissions: Some(VIEW_PERMISSIONS.iter().map(|p| p.to_string()).collect()),
        },
    ];

    let user_id = uuid_from(&mut rng);
    let mut org = Org {
        org_id,
        org_name: "Sandbox Org".into(),
        user_id,
        catalog: seeded_catalog(&mut rng, &created),
        clients,
        tokens: HashMap::new(),
        configurations: Vec::new(),
        deployments: Vec::new(),
        next_deployment_outcome: VecDeque::new(),
        deployment_outcomes: HashMap::new(),
        queues,
        flows,
        audit: Vec::new(),
        audit_queries: HashMap::new(),
        traffic,
        stats: RequestStats::default(),
        public_base_url: String::new(),
        guests: Default::default(),
        notification_channels: Vec::new(),
    };
    let channels = std::iter::once(("Support Messenger".to_string(), "Support Site".to_string()))
        .chain((1..=options.channels).map(|n| (format!("Channel {n:04}"), format!("Site {n:04}"))));
    for (configuration_name, deployment_name) in channels {
        seed_channel(
            &mut org,
            &mut rng,
            &created,
            &configuration_name,
            &deployment_name,
            &primary_flow_id,
        );
    }
    org
}

fn seed_channel(
    org: &mut Org,
    rng: &mut fastrand::Rng,
    created: &str,
    configuration_name: &str,
    deployment_name: &str,
    flow_id: &str,
) {
    let configuration_id = uuid_from(rng);
    let user = org.user_ref();
    let body = json!({
        "id": configuration_id,
        "name": configuration_name,
        "description": format!("{configuration_name} for the public website"),
        "languages": ["en-us", "fr"],
        "defaultLanguage": "en-us",
        "messenger": {
            "enabled": true,
            "styles": {"primaryColor": "#1f5fa8"},
            "launcherButton": {"visibility": "On", "displayType": "IconAndText"},
            "homeScreen": {"enabled": true, "logoUrl": "https://example.com/logo.png"},
            "fileUpload": {"enableAttachments": true, "modes": [{"fileTypes": ["image/png", "image/jpeg"], "maxFileSizeKB": 10240}]},
            "apps": {"conversations": {"enabled": true, "showAgentTypingIndicator": true, "showUserTypingIndicator": true,
                     "markdown": {"enabled": true}, "autoStart": {"enabled": true},
                     "conversationDisconnect": {"enabled": true, "type": "Send"},
                     "conversationClear": {"enabled": true}}},
            "sessionPersistenceType": "DomainOrSubdomainOnly"
        },
        "position": {"alignment": "Auto", "sideSpace": 20, "bottomSpace": 12},
        "headlessMode": {"enabled": false},
        "journeyEvents": {"enabled": false},
        "cobrowse": {"enabled": false},
        "dateCreated": created,
        "dateModified": created,
        "createdUser": user,
        "lastModifiedUser": user,
        "selfUri": format!("/api/v2/webdeployments/configurations/{configuration_id}"),
    });
    let Value::Object(mut draft) = body else {
        return;
    };
    let mut published = draft.clone();
    published.insert("version".into(), json!("1"));
    published.insert("status".into(), json!("Active"));
    published.insert("datePublished".into(), json!(created));
    published.insert("publishedUser".into(), user.clone());
    draft.insert("version".into(), json!("DRAFT"));
    let past = Instant::now();
    org.configurations.push(ConfigurationRecord {
        id: configuration_id.clone(),
        draft,
        draft_settles_at: past,
        versions: vec![published],
    });
    let deployment_id = uuid_from(rng);
    let flow_name = org.flow(flow_id).and_then(|f| f.name.clone());
    let deployment = json!({
        "id": deployment_id,
        "name": deployment_name,
        "description": format!("Messenger on {deployment_name}"),
        "allowAllDomains": false,
        "allowedDomains": ["www.example.com", "support.example.com"],
        "configuration": {"id": configuration_id, "version": "1", "name": configuration_name,
                          "selfUri": format!("/api/v2/webdeployments/configurations/{configuration_id}")},
        "flow": {"id": flow_id, "name": flow_name, "selfUri": format!("/api/v2/flows/{flow_id}")},
        "supportedContent": {"id": org.catalog.default_supported_content_id()},
        "dateCreated": created,
        "dateModified": created,
        "lastModifiedUser": user,
        "selfUri": format!("/api/v2/webdeployments/deployments/{deployment_id}"),
    });
    if let Value::Object(body) = deployment {
        org.deployments.push(DeploymentRecord {
            id: deployment_id,
            body,
            settles_at: past,
            outcome: SettleOutcome::Active,
            deleted_at: None,
            served: vec![(past, "1".to_string())],
        });
    }
}
