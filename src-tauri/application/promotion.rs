//! Promoting channels from one org to another (dev → test → production, or a region
//! move): compare what each side runs, plan the promotion with every id the channel
//! carries remapped onto the target org, then create the channel where it is new and
//! update it in place where it exists, so its deployment id and website snippet stay.
//!
//! A plan is shown before anything is written. A failed step leaves each channel either
//! promoted or untouched: an update that fails after its draft was written puts the old
//! draft back, and the deployment keeps the version it ran.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use crate::channel::{self, ChannelModels, PublishOptions, PublishOutcome, PublishRequest};
use crate::genesys::models::{
    DeploymentConfigurationRef, WebDeployment, WebDeploymentConfigurationVersion,
};
use crate::genesys::Client;
use crate::json_diff::{differences, Difference};
use crate::store::ChannelRouting;
use crate::transfer::remap::{id_slots, set_id, IdSlot};
pub use crate::transfer::remap::{DomainRule, IdMap, RefKind};
use crate::transfer::{self, ChannelDocument};

use super::channels::optional_listing;
use super::safety::{self, Confirmation, GuardedChange};
use super::{AppError, ErrorCode, Operation, Result, Session};

/// Which of the source org's channels to promote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    /// The channel whose deployment has this name.
    Name(String),
    Deployment(String),
    All,
}

/// One org's entities of a kind, by id and name.
#[derive(Debug, Clone, Default)]
struct Directory {
    entries: BTreeMap<RefKind, Vec<(String, String)>>,
}

impl Directory {
    async fn of(client: &Client) -> Result<Directory> {
        let (catalog, queue_api, flow_api) = (client.catalog(), client.queues(), client.flows());
        let (queues, flows, profiles, bases, integrations) = tokio::join!(
            queue_api.list_all(None),
            flow_api.list_inbound_message_flows(),
            catalog.supported_content(),
            catalog.knowledge_bases(),
            catalog.integrations()
        );
        let pairs = |items: Vec<(Option<String>, Option<String>)>| -> Vec<(String, String)> {
            items
                .into_iter()
                .filter_map(|(id, name)| Some((id?, name.unwrap_or_default())))
                .collect()
        };
        // A listing the profile may not read (403/404) leaves that kind empty: its ids
        // then show as not found, never as silently kept. Other failures are errors.
        let mut entries = BTreeMap::new();
        entries.insert(
            RefKind::Queue,
            pairs(queues?.into_iter().map(|q| (q.id, q.name)).collect()),
        );
        entries.insert(
            RefKind::Flow,
            pairs(flows?.into_iter().map(|f| (f.id, f.name)).collect()),
        );
        entries.insert(
            RefKind::SupportedContent,
            pairs(
                optional_listing(profiles)?
                    .unwrap_or_default()
                    .into_iter()
                    .map(|p| (p.id, p.name))
                    .collect(),
            ),
        );
        entries.insert(
            RefKind::KnowledgeBase,
            pairs(
                optional_listing(bases)?
                    .unwrap_or_default()
                    .into_iter()
                    .map(|b| (b.id, b.name))
                    .collect(),
            ),
        );
        entries.insert(
            RefKind::Integration,
            pairs(
                optional_listing(integrations)?
                    .unwrap_or_default()
                    .into_iter()
                    .map(|i| (i.id, i.name))
                    .collect(),
            ),
        );
        Ok(Directory { entries })
    }

    fn name_of(&self, kind: RefKind, id: &str) -> Option<&str> {
        self.entries
            .get(&kind)?
            .iter()
            .find(|(known, _)| known == id)
            .map(|(_, name)| name.as_str())
    }

    /// The id of the entity named (or with the id) `wanted`, when exactly one matches.
    fn find(&self, kind: RefKind, wanted: &str) -> std::result::Result<String, String> {
        let entries = self
            .entries
            .get(&kind)
            .map(Vec::as_slice)
            .unwrap_or_default();
        if let Some((id, _)) = entries.iter().find(|(id, _)| id == wanted) {
            return Ok(id.clone());
        }
        let named: Vec<&String> = entries
            .iter()
            .filter(|(_, name)| name.eq_ignore_ascii_case(wanted))
            .map(|(id, _)| id)
            .collect();
        match named.as_slice() {
            [id] => Ok((*id).clone()),
            [] => Err(format!(
                "no {} named `{wanted}` in the target",
                kind.as_str()
            )),
            _ => Err(format!(
                "{} {}s are named `{wanted}` in the target; map it by id",
                named.len(),
                kind.as_str()
            )),
        }
    }
}

/// How one id of the channel is carried into the target org.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PlannedReference {
    pub kind: RefKind,
    /// Where it sits, e.g. `deployment.flow.id` or `routing.queues.primary`.
    pub place: String,
    pub source_id: String,
    pub source_name: Option<String>,
    pub target_id: Option<String>,
    /// `name` (matched by name), `map` (given by the user), or why it is missing.
    pub matched_by: String,
}

/// What the promotion does to the target's copy of the channel.
#[derive(Debug, Clone, Serialize)]
#[serde(
    rename_all = "camelCase",
    rename_all_fields = "camelCase",
    tag = "kind"
)]
pub enum PlannedAction {
    /// A new channel in the target.
    Create,
    /// The target's channel of the same name, updated in place.
    Update {
        deployment_id: String,
        configuration_id: String,
    },
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChannelPlan {
    pub name: String,
    pub source_deployment_id: String,
    pub action: PlannedAction,
    pub references: Vec<PlannedReference>,
    /// Allowed domains in the source and as they will be in the target.
    pub domains: Vec<(String, String)>,
    /// Target (left) against what the promotion writes (right), after remapping.
    pub differences: Vec<Difference>,
    /// Why the channel cannot be promoted as planned (a reference missing in the target).
    pub blocked: Vec<String>,
    #[serde(skip)]
    configuration: WebDeploymentConfigurationVersion,
    #[serde(skip)]
    deployment: WebDeployment,
    #[serde(skip)]
    routing: ChannelRouting,
}

impl ChannelPlan {
    pub fn is_blocked(&self) -> bool {
        !self.blocked.is_empty()
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PromotionPlan {
    pub from_profile: String,
    pub to_profile: String,
    pub channels: Vec<ChannelPlan>,
    /// Channels the target has that the selection does not (with `All` only).
    pub target_only: Vec<String>,
}

impl PromotionPlan {
    pub fn is_blocked(&self) -> bool {
        self.channels.iter().any(ChannelPlan::is_blocked)
    }

    /// What a person types to promote into a production org: the channel's name, or
    /// `N channels` for several.
    pub fn confirmation_phrase(&self) -> String {
        match self.channels.as_slice() {
            [one] => one.name.clone(),
            several => format!("{} channels", several.len()),
        }
    }
}

/// Options of a plan: the user's own mappings and domain rules.
#[derive(Debug, Clone, Default)]
pub struct PlanOptions {
    pub maps: Vec<IdMap>,
    pub domain_rules: Vec<DomainRule>,
}

/// The source's channels that `selection` names, exported as documents.
async fn selected_documents(from: &Session, selection: &Selection) -> Result<Vec<ChannelDocument>> {
    let deployments = from.client.deployments().list_all().await?;
    let chosen: Vec<&WebDeployment> = match selection {
        Selection::All => deployments.iter().collect(),
        Selection::Deployment(id) => deployments
            .iter()
            .filter(|d| d.id.as_deref() == Some(id.as_str()))
            .collect(),
        Selection::Name(name) => deployments
            .iter()
            .filter(|d| d.name.eq_ignore_ascii_case(name.trim()))
            .collect(),
    };
    if chosen.is_empty() {
        return Err(AppError::new(
            ErrorCode::NotFound,
            format!("the source profile {} has no such channel", from.profile),
        ));
    }
    let chosen = chosen.into_iter().cloned().collect();
    Ok(transfer::export_listed(&from.client, &from.store, chosen).await?)
}

/// Plans the promotion of the selected channels from `from` to `to`. Reads both orgs;
/// writes nothing.
pub async fn plan(
    from: &Session,
    to: &Session,
    selection: &Selection,
    options: &PlanOptions,
) -> Result<PromotionPlan> {
    let documents = selected_documents(from, selection).await?;
    Box::pin(plan_documents(
        from.profile.clone(),
        Some(from),
        to,
        documents,
        options,
    ))
    .await
}

/// The channel documents of an `export --all` folder (every `*.json` but `index.json`),
/// in name order.
pub fn read_folder(folder: &std::path::Path) -> Result<Vec<ChannelDocument>> {
    let entries = std::fs::read_dir(folder)
        .map_err(|e| AppError::file(format!("{}: {e}", folder.display())))?;
    let mut paths: Vec<std::path::PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| {
            path.extension().is_some_and(|e| e == "json")
                && path.file_name().is_some_and(|n| n != "index.json")
                && path.is_file()
        })
        .collect();
    paths.sort();
    if paths.is_empty() {
        return Err(AppError::invalid(format!(
            "{} holds no exported channel",
            folder.display()
        )));
    }
    paths
        .iter()
        .map(|path| transfer::read_document(path).map_err(AppError::file))
        .collect()
}

/// Plans the promotion of exported documents (`channel import DIR/`) into `to`; names
/// of the entities the files point at are taken from their routing section, and from
/// `source` when given.
pub async fn plan_documents(
    from_profile: String,
    source: Option<&Session>,
    to: &Session,
    documents: Vec<ChannelDocument>,
    options: &PlanOptions,
) -> Result<PromotionPlan> {
    let source_directory = match source {
        Some(session) => Directory::of(&session.client).await?,
        None => Directory::default(),
    };
    let target_directory = Directory::of(&to.client).await?;
    let target_deployments = to.client.deployments().list_all().await?;
    let mut channels = Vec::with_capacity(documents.len());
    for document in documents {
        channels.push(
            plan_channel(
                &to.client,
                &document,
                &source_directory,
                &target_directory,
                &target_deployments,
                options,
            )
            .await?,
        );
    }
    let planned: Vec<&str> = channels.iter().map(|c| c.name.as_str()).collect();
    let target_only = target_deployments
        .iter()
        .filter(|d| {
            !planned
                .iter()
                .any(|name| name.eq_ignore_ascii_case(&d.name))
        })
        .map(|d| d.name.clone())
        .collect();
    Ok(PromotionPlan {
        from_profile,
        to_profile: to.profile.clone(),
        channels,
        target_only,
    })
}

/// The target entity for one source id: a user's map first, then the same name.
fn resolve(
    kind: RefKind,
    source_id: &str,
    source_name: Option<&str>,
    target: &Directory,
    maps: &[IdMap],
) -> (Option<String>, String) {
    let mapped = maps.iter().find(|m| {
        m.kind == kind && (m.source == source_id || Some(m.source.as_str()) == source_name)
    });
    if let Some(map) = mapped {
        return match target.find(kind, &map.target) {
            Ok(id) => (Some(id), "map".into()),
            Err(why) => (None, why),
        };
    }
    match source_name {
        Some(name) => match target.find(kind, name) {
            Ok(id) => (Some(id), "name".into()),
            Err(why) => (None, why),
        },
        None => (
            None,
            format!(
                "the source's {} {source_id} has no name to match by; map it by hand ({}:{source_id}=TARGET)",
                kind.as_str(),
                kind.as_str()
            ),
        ),
    }
}

/// Every id slot of a channel: its configuration's and deployment's, and its routing
/// record's (the primary queue and the fallback flow).
fn slots_of(document: &ChannelDocument, configuration: &Value, deployment: &Value) -> Vec<IdSlot> {
    let mut slots = id_slots(configuration, deployment);
    let routed = document
        .routing
        .queues
        .iter()
        .map(|q| (RefKind::Queue, q))
        .chain(
            document
                .routing
                .flows
                .iter()
                .filter(|f| f.role != "primary")
                .map(|f| (RefKind::Flow, f)),
        );
    for (kind, entity) in routed {
        if let Some(id) = &entity.id {
            slots.push(IdSlot {
                kind,
                section: "routing",
                pointer: format!("/{}s/{}", kind.as_str(), entity.role),
                id: id.clone(),
            });
        }
    }
    slots
}

/// What the source calls the entity behind `slot`: its org's name for it, else the
/// name the document's routing or deployment carries.
fn source_name(document: &ChannelDocument, source: &Directory, slot: &IdSlot) -> Option<String> {
    if let Some(name) = source.name_of(slot.kind, &slot.id) {
        return Some(name.to_string());
    }
    let routed = match slot.kind {
        RefKind::Queue => &document.routing.queues,
        RefKind::Flow => &document.routing.flows,
        _ => return None,
    };
    routed
        .iter()
        .find(|r| r.id.as_deref() == Some(slot.id.as_str()))
        .and_then(|r| r.name.clone())
        .or_else(|| {
            (slot.pointer == "/flow/id")
                .then(|| {
                    document
                        .deployment
                        .flow
                        .as_ref()
                        .and_then(|f| f.name.clone())
                })
                .flatten()
        })
}

/// The remapped models and routing record, every reference with how it was matched,
/// and what could not be.
struct Remapped {
    configuration: Value,
    deployment: Value,
    routing: ChannelRouting,
    references: Vec<PlannedReference>,
    blocked: Vec<String>,
}

fn remap(
    document: &ChannelDocument,
    mut configuration: Value,
    mut deployment: Value,
    source: &Directory,
    target: &Directory,
    maps: &[IdMap],
) -> Remapped {
    let mut references = Vec::new();
    let mut blocked = Vec::new();
    let mut routing = ChannelRouting::default();
    for slot in slots_of(document, &configuration, &deployment) {
        let source_name = source_name(document, source, &slot);
        let (target_id, matched_by) =
            resolve(slot.kind, &slot.id, source_name.as_deref(), target, maps);
        match (&target_id, slot.section) {
            (Some(id), "configuration") => set_id(&mut configuration, &slot.pointer, id),
            (Some(id), "deployment") => set_id(&mut deployment, &slot.pointer, id),
            (Some(id), _) => {
                let name = target.name_of(slot.kind, id).map(str::to_string);
                if slot.kind == RefKind::Queue {
                    routing.primary_queue_id = Some(id.clone());
                    routing.primary_queue_name = name;
                } else {
                    routing.fallback_flow_id = Some(id.clone());
                    routing.fallback_flow_name = name;
                }
            }
            (None, _) => blocked.push(format!("{}: {matched_by}", slot.place())),
        }
        references.push(PlannedReference {
            kind: slot.kind,
            place: slot.place(),
            source_id: slot.id.clone(),
            source_name,
            target_id,
            matched_by,
        });
    }
    if let Some(flow_id) = deployment.pointer("/flow/id").and_then(Value::as_str) {
        routing.primary_flow_id = Some(flow_id.to_string());
        routing.primary_flow_name = target.name_of(RefKind::Flow, flow_id).map(str::to_string);
    }
    Remapped {
        configuration,
        deployment,
        routing,
        references,
        blocked,
    }
}

async fn plan_channel(
    target_client: &Client,
    document: &ChannelDocument,
    source: &Directory,
    target: &Directory,
    target_deployments: &[WebDeployment],
    options: &PlanOptions,
) -> Result<ChannelPlan> {
    let as_json = |value: std::result::Result<Value, serde_json::Error>| {
        value.map_err(|e| AppError::invalid(format!("the channel could not be read: {e}")))
    };
    let Remapped {
        configuration,
        mut deployment,
        routing,
        references,
        blocked,
    } = remap(
        document,
        as_json(serde_json::to_value(document.configuration.writable()))?,
        as_json(serde_json::to_value(document.deployment.writable()))?,
        source,
        target,
        &options.maps,
    );
    let domains: Vec<(String, String)> = document
        .deployment
        .allowed_domains
        .clone()
        .unwrap_or_default()
        .into_iter()
        .map(|domain| {
            let rewritten = DomainRule::apply_all(&options.domain_rules, &domain);
            (domain, rewritten)
        })
        .collect();
    deployment["allowedDomains"] = Value::from(
        domains
            .iter()
            .map(|(_, rewritten)| rewritten.clone())
            .collect::<Vec<_>>(),
    );
    let configuration: WebDeploymentConfigurationVersion = serde_json::from_value(configuration)
        .map_err(|e| AppError::invalid(format!("the remapped configuration: {e}")))?;
    let mut deployment: WebDeployment = serde_json::from_value(deployment)
        .map_err(|e| AppError::invalid(format!("the remapped deployment: {e}")))?;
    let existing = target_deployments
        .iter()
        .find(|d| d.name.eq_ignore_ascii_case(&document.deployment.name));
    let (action, differences) = match existing {
        Some(found) => {
            let deployment_id = found.id.clone().unwrap_or_default();
            let configuration_id = found.configuration_id();
            let live = match found.configuration.as_ref().and_then(|c| c.version.clone()) {
                Some(version) => Some(
                    target_client
                        .configurations()
                        .version(&configuration_id, &version)
                        .await?,
                ),
                None => None,
            };
            let differences = compare_with(live.as_ref(), found, &configuration, &deployment);
            deployment.id = Some(deployment_id.clone());
            (
                PlannedAction::Update {
                    deployment_id,
                    configuration_id,
                },
                differences,
            )
        }
        None => (
            PlannedAction::Create,
            compare_with(None, &WebDeployment::default(), &configuration, &deployment),
        ),
    };
    Ok(ChannelPlan {
        name: document.deployment.name.clone(),
        source_deployment_id: document.deployment.id.clone().unwrap_or_default(),
        action,
        references,
        domains,
        differences,
        blocked,
        configuration,
        deployment,
        routing,
    })
}

/// Field by field: what the target runs against what the promotion writes.
fn compare_with(
    live: Option<&WebDeploymentConfigurationVersion>,
    live_deployment: &WebDeployment,
    configuration: &WebDeploymentConfigurationVersion,
    deployment: &WebDeployment,
) -> Vec<Difference> {
    let view = |configuration: Option<&WebDeploymentConfigurationVersion>,
                deployment: &WebDeployment| {
        serde_json::json!({
            "configuration": configuration.map(|c| serde_json::to_value(c.writable()).unwrap_or_default()),
            "deployment": {
                "allowAllDomains": deployment.allow_all_domains,
                "allowedDomains": deployment.allowed_domains,
                "flow": deployment.flow.as_ref().and_then(|f| f.id.clone()),
                "supportedContent": deployment.supported_content.as_ref().and_then(|s| s.id.clone()),
            }
        })
    };
    differences(
        &view(live, live_deployment),
        &view(Some(configuration), deployment),
    )
}

/// What happened to one channel.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PromotedChannel {
    pub name: String,
    /// `created`, `updated`, `untouched` (failed before any change stuck) or `skipped`.
    pub result: String,
    pub deployment_id: Option<String>,
    pub version: Option<String>,
    pub outcome: Option<PublishOutcome>,
    pub error: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PromotionReport {
    pub channels: Vec<PromotedChannel>,
}

impl PromotionReport {
    pub fn all_promoted(&self) -> bool {
        self.channels
            .iter()
            .all(|c| matches!(c.result.as_str(), "created" | "updated"))
    }
}

/// Carries out a plan into the target org (the `operation`'s session). A blocked plan
/// is refused whole; a production target needs the typed confirmation.
pub async fn promote(
    operation: &Operation<'_>,
    plan: PromotionPlan,
    options: &PublishOptions,
    confirmation: &Confirmation,
) -> Result<PromotionReport> {
    let session = operation.session;
    if plan.to_profile != session.profile {
        return Err(AppError::invalid(format!(
            "the plan is for {}, not {}",
            plan.to_profile, session.profile
        )));
    }
    if plan.is_blocked() {
        let reasons: Vec<String> = plan
            .channels
            .iter()
            .flat_map(|c| c.blocked.iter().map(move |b| format!("{}: {b}", c.name)))
            .collect();
        return Err(AppError::invalid(format!(
            "the plan is blocked; map what is missing in the target first:\n  {}",
            reasons.join("\n  ")
        )));
    }
    if session.production {
        safety::check_name(
            &session.profile,
            &plan.confirmation_phrase(),
            GuardedChange::Import,
            confirmation,
        )?;
    }
    let mut channels = Vec::with_capacity(plan.channels.len());
    for channel in plan.channels {
        if operation.cancel.is_cancelled() {
            channels.push(PromotedChannel {
                name: channel.name,
                result: "skipped".into(),
                deployment_id: None,
                version: None,
                outcome: None,
                error: Some("cancelled before it started".into()),
            });
            continue;
        }
        channels.push(Box::pin(promote_channel(operation, channel, options)).await);
    }
    Ok(PromotionReport { channels })
}

async fn promote_channel(
    operation: &Operation<'_>,
    plan: ChannelPlan,
    options: &PublishOptions,
) -> PromotedChannel {
    let name = plan.name.clone();
    let result = match plan.action.clone() {
        PlannedAction::Create => Box::pin(create(operation, plan, options)).await,
        PlannedAction::Update {
            deployment_id,
            configuration_id,
        } => {
            Box::pin(update(
                operation,
                plan,
                &deployment_id,
                &configuration_id,
                options,
            ))
            .await
        }
    };
    match result {
        Ok(done) => done,
        Err((deployment_id, error)) => PromotedChannel {
            name,
            result: "untouched".into(),
            deployment_id,
            version: None,
            outcome: None,
            error: Some(error),
        },
    }
}

type StepResult = std::result::Result<PromotedChannel, (Option<String>, String)>;

async fn create(
    operation: &Operation<'_>,
    plan: ChannelPlan,
    options: &PublishOptions,
) -> StepResult {
    let mut deployment = plan.deployment.clone();
    deployment.id = None;
    deployment.configuration = Some(DeploymentConfigurationRef::default());
    let routing_record = plan.routing.clone();
    let routing = move |deployment_id: &str| ChannelRouting {
        deployment_id: deployment_id.to_string(),
        ..routing_record.clone()
    };
    let models = ChannelModels::checked(plan.configuration.clone(), deployment, &routing).map_err(
        |report| {
            (
                None,
                format!("the remapped channel does not check: {}", report.errors),
            )
        },
    )?;
    let created = channel::create_from_models(&operation.pipeline(), models, options)
        .await
        .map_err(|e| (None, e.to_string()))?;
    let promoted = created.outcome.is_active();
    Ok(PromotedChannel {
        name: plan.name,
        result: if promoted { "created" } else { "untouched" }.into(),
        deployment_id: created.deployment_id,
        version: created.version,
        error: (!promoted).then(|| format!("the new channel ended {:?}", created.outcome)),
        outcome: Some(created.outcome),
    })
}

async fn update(
    operation: &Operation<'_>,
    plan: ChannelPlan,
    deployment_id: &str,
    configuration_id: &str,
    options: &PublishOptions,
) -> StepResult {
    let session = operation.session;
    let configurations = session.client.configurations();
    let fail = |error: String| (Some(deployment_id.to_string()), error);
    let old_draft = configurations
        .draft(configuration_id)
        .await
        .map_err(|e| fail(e.to_string()))?;
    let old_deployment = session
        .client
        .deployments()
        .get(deployment_id)
        .await
        .map_err(|e| fail(e.to_string()))?;
    let mut draft = plan.configuration.clone();
    draft.name = old_draft.name.clone();
    configurations
        .update_draft(configuration_id, &draft)
        .await
        .map_err(|e| fail(e.to_string()))?;
    let mut publish_options = options.clone();
    publish_options.deployment_changes = Some(channel::DeploymentChanges {
        domains: Some((
            plan.deployment.allow_all_domains.unwrap_or(false),
            plan.deployment.allowed_domains.clone().unwrap_or_default(),
        )),
        supported_content: plan
            .deployment
            .supported_content
            .as_ref()
            .and_then(|s| s.id.clone()),
        flow: plan.deployment.flow.as_ref().and_then(|f| f.id.clone()),
    });
    let request = PublishRequest {
        configuration_id: configuration_id.to_string(),
        deployment_id: deployment_id.to_string(),
        draft: None,
    };
    let outcome = channel::publish_channel(&operation.pipeline(), request, &publish_options).await;
    match outcome {
        Ok(outcome) if outcome.is_active() => {
            let mut routing = plan.routing.clone();
            routing.deployment_id = deployment_id.to_string();
            if let Err(error) = session.store.save_routing(&routing) {
                tracing::warn!(%error, "could not record the promoted channel's routing");
            }
            Ok(PromotedChannel {
                name: plan.name,
                result: "updated".into(),
                deployment_id: Some(deployment_id.to_string()),
                version: outcome_version(&outcome),
                outcome: Some(outcome),
                error: None,
            })
        }
        other => {
            // Nothing may stick: the draft goes back, and the deployment back to what it
            // ran if the publish had moved it.
            let why = match other {
                Ok(outcome) => format!("the publish ended {outcome:?}"),
                Err(error) => error.to_string(),
            };
            Err(fail(
                undo(
                    session,
                    configuration_id,
                    deployment_id,
                    &old_draft,
                    &old_deployment,
                    why,
                )
                .await,
            ))
        }
    }
}

/// Puts a channel back as it was before a failed update; says what happened.
async fn undo(
    session: &Session,
    configuration_id: &str,
    deployment_id: &str,
    old_draft: &WebDeploymentConfigurationVersion,
    old_deployment: &WebDeployment,
    why: String,
) -> String {
    let mut failures = Vec::new();
    if let Err(error) = session
        .client
        .configurations()
        .update_draft(configuration_id, old_draft)
        .await
    {
        failures.push(format!("putting the old draft back failed: {error}"));
    }
    let deployments = session.client.deployments();
    let moved = deployments
        .get(deployment_id)
        .await
        .map(|now| now.configuration != old_deployment.configuration)
        .unwrap_or(true);
    if moved {
        if let Err(error) = deployments
            .update(deployment_id, &old_deployment.writable())
            .await
        {
            failures.push(format!("putting the deployment back failed: {error}"));
        }
    }
    if failures.is_empty() {
        format!("{why}; the channel was put back as it was")
    } else {
        format!("{why}; {}", failures.join("; "))
    }
}

fn outcome_version(outcome: &PublishOutcome) -> Option<String> {
    match outcome {
        PublishOutcome::Active { version } | PublishOutcome::Submitted { version } => {
            Some(version.clone())
        }
        _ => None,
    }
}
