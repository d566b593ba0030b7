"""Drives the Sandbox with Genesys's official Python SDK (PureCloudPlatformClientV2).

Usage: python official_sdk_check.py BASE_URL CLIENT_ID CLIENT_SECRET

The SDK deserialises every response into its own models: a null enum, a wrong field
name or an unknown envelope fails here. Prints one line per check and exits non-zero on
the first failure.
"""

import datetime
import sys

import PureCloudPlatformClientV2 as gc
from PureCloudPlatformClientV2.rest import ApiException


def check(label, condition, detail=""):
    if not condition:
        print(f"FAIL {label} {detail}")
        sys.exit(1)
    print(f"ok   {label} {detail}")


def main():
    base, client_id, client_secret, org_now = sys.argv[1:5]
    gc.configuration.host = base
    client = gc.api_client.ApiClient()
    client.host = base
    client.get_client_credentials_token(client_id, client_secret)
    check("token", bool(client.access_token))

    routing = gc.RoutingApi(client)
    queues = routing.get_routing_queues(page_size=2, page_number=1)
    check("queues page", queues.page_size == 2 and queues.page_count >= 2 and len(queues.entities) == 2, f"total={queues.total}")
    support = routing.get_routing_queues(name="Support").entities[0]
    ewt = routing.get_routing_queue_estimatedwaittime(support.id)
    check("estimated wait", ewt.results[0].formula in ("BEST", "POSITION-IN-QUEUE"), f"{ewt.results[0].estimated_wait_time_seconds} s")

    flows = gc.ArchitectApi(client).get_flows(type=["inboundshortmessage"])
    check("inbound message flows", len(flows.entities) == 2 and flows.entities[0].type == "INBOUNDSHORTMESSAGE")

    web = gc.WebDeploymentsApi(client)
    configurations = web.get_webdeployments_configurations()
    configuration = configurations.entities[0]
    check("configurations", configuration.version == "DRAFT" and configuration.status == "Active", configuration.name)
    versions = web.get_webdeployments_configuration_versions(configuration.id)
    check("versions", [v.version for v in versions.entities][:2] == ["DRAFT", "1"])
    deployments = web.get_webdeployments_deployments()
    deployment = deployments.entities[0]
    check("deployments", deployment.status == "Active" and deployment.configuration.version == "1", deployment.name)
    live = web.get_webdeployments_deployment_configurations(deployment.id)
    check("active configuration", live.configuration_version.messenger.styles.primary_color == "#1f5fa8")

    draft = web.get_webdeployments_configuration_versions_draft(configuration.id)
    draft.description = "Edited by the official SDK"
    written = web.put_webdeployments_configuration_versions_draft(configuration.id, draft)
    check("draft write", written.description == "Edited by the official SDK" and written.status in ("Pending", "Active"), f"status={written.status}")

    conversations = gc.ConversationsApi(client)
    profiles = conversations.get_conversations_messaging_supportedcontent(page_size=25, page_number=1)
    default = conversations.get_conversations_messaging_supportedcontent_supported_content_id("default")
    check("supported content", profiles.total == 2 and default.id == profiles.entities[0].id
          and default.media_types.allow.inbound[0].type == "image/jpeg", default.name)
    bases = gc.KnowledgeApi(client).get_knowledge_knowledgebases(page_size="1")
    check("knowledge bases", len(bases.entities) == 1 and bases.next_uri is not None, bases.entities[0].name)
    integrations = gc.IntegrationsApi(client).get_integrations(page_size=25, page_number=1)
    logins = [i for i in integrations.entities if i.integration_type.id == "openid-connect"]
    check("integrations", len(logins) == 1 and logins[0].intended_state == "ENABLED", logins[0].name)

    notifications = gc.NotificationsApi(client)
    channel = notifications.post_notifications_channels()
    topic = gc.ChannelTopic()
    topic.id = f"v2.analytics.queues.{support.id}.observations"
    subscribed = notifications.put_notifications_channel_subscriptions(channel.id, [topic])
    available = notifications.get_notifications_availabletopics(expand=["requiresPermissions"])
    check("notifications", channel.connect_uri.startswith("ws") and subscribed.entities[0].state == "Permitted"
          and any(t.requires_permissions for t in available.entities), channel.id)

    query = gc.QueueObservationQuery()
    query.filter = gc.QueueObservationQueryFilter()
    query.filter.type = "or"
    predicate = gc.QueueObservationQueryPredicate()
    predicate.dimension = "queueId"
    predicate.value = support.id
    query.filter.predicates = [predicate]
    query.metrics = ["oWaiting", "oInteracting", "oOnQueueUsers", "oLongestWaiting"]
    observed = gc.AnalyticsApi(client).post_analytics_queues_observations_query(query)
    metrics = sorted({d.metric for r in observed.results for d in r.data})
    check("queue observations", metrics == ["oInteracting", "oLongestWaiting", "oOnQueueUsers", "oWaiting"], str(metrics))

    # The org's clock, not this machine's: the Sandbox may run at a chosen hour.
    now = datetime.datetime.fromisoformat(org_now)
    interval = f"{(now - datetime.timedelta(hours=6)).isoformat()}/{(now + datetime.timedelta(hours=1)).isoformat()}"
    details_query = gc.ConversationQuery()
    details_query.interval = interval
    paging = gc.PagingSpec()
    paging.page_size = 5
    paging.page_number = 1
    details_query.paging = paging
    details = gc.AnalyticsApi(client).post_analytics_conversations_details_query(details_query)
    check("conversation details", details.total_hits > 0 and len(details.conversations) == 5, f"totalHits={details.total_hits}")

    audit = gc.AuditQueryRequest()
    audit.interval = interval
    audit.service_name = "WebDeployments"
    submitted = gc.AuditApi(client).post_audits_query(audit)
    status = gc.AuditApi(client).get_audits_query_transaction_id(submitted.id)
    results = gc.AuditApi(client).get_audits_query_transaction_id_results(submitted.id)
    check("audit query", status.state == "Succeeded" and any(e.action == "Update" for e in results.entities))

    try:
        routing.get_routing_queue("00000000-0000-4000-8000-000000000000")
        check("404 error", False)
    except ApiException as error:
        check("404 error", error.status == 404 and "not.found" in error.body)


main()
