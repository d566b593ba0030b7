"""Reads every request body a client sent to the Sandbox into the official SDK's model
for its endpoint (PureCloudPlatformClientV2), the other direction of official_sdk_check.

Usage: python request_conformance_check.py REQUESTS.json

REQUESTS.json is a list of {method, route, body} as the Sandbox recorded them. A body
fails when the SDK reads any of its values as `outdated_sdk_version` (its way of saying
"not in my enum"), or when a field the client sent is not in the model (the SDK drops
it). Prints one line per failure, then a summary; exits non-zero on any failure.
"""

import json
import sys

import PureCloudPlatformClientV2 as gc

WEB = "/api/v2/webdeployments"
MODELS = {
    ("POST", "/api/v2/analytics/queues/observations/query"): "QueueObservationQuery",
    ("POST", "/api/v2/analytics/conversations/aggregates/query"): "ConversationAggregationQuery",
    ("POST", "/api/v2/analytics/conversations/details/query"): "ConversationQuery",
    ("POST", "/api/v2/analytics/conversations/activity/query"): "ConversationActivityQuery",
    ("POST", "/api/v2/audits/query"): "AuditQueryRequest",
    ("POST", "/api/v2/audits/query/realtime"): "AuditRealtimeQueryRequest",
    ("POST", WEB + "/configurations"): "WebDeploymentConfigurationVersion",
    ("PUT", WEB + "/configurations/{configuration_id}/versions/draft"): "WebDeploymentConfigurationVersion",
    ("POST", WEB + "/deployments"): "WebDeployment",
    ("PUT", WEB + "/deployments/{deployment_id}"): "WebDeployment",
}
# Endpoints that take no body; a client that sends `{}` to them is fine.
NO_BODY = {("POST", WEB + "/configurations/{configuration_id}/versions/draft/publish")}


def outdated(value, path):
    """Paths where the SDK stored its unknown-enum marker."""
    if value == "outdated_sdk_version":
        return [path]
    if isinstance(value, dict):
        return [p for key, item in value.items() for p in outdated(item, f"{path}.{key}")]
    if isinstance(value, list):
        return [p for index, item in enumerate(value) for p in outdated(item, f"{path}[{index}]")]
    return []


def dropped(sent, kept, path):
    """Fields the client sent that the model does not have."""
    if isinstance(sent, dict) and isinstance(kept, dict):
        missing = [f"{path}.{key}" for key in sent if key not in kept and sent[key] is not None]
        return missing + [p for key in sent if key in kept for p in dropped(sent[key], kept[key], f"{path}.{key}")]
    if isinstance(sent, list) and isinstance(kept, list):
        return [p for index, (a, b) in enumerate(zip(sent, kept)) for p in dropped(a, b, f"{path}[{index}]")]
    return []


def main():
    with open(sys.argv[1], encoding="utf-8") as file:
        requests = json.load(file)
    client = gc.api_client.ApiClient()
    read = getattr(client, "_ApiClient__deserialize")
    failures = []
    for number, request in enumerate(requests):
        key = (request["method"], request["route"])
        label = f"#{number} {key[0]} {key[1]}"
        if key in NO_BODY:
            if request["body"] not in ({}, None):
                failures.append(f"{label}: takes no body, got {request['body']}")
            continue
        model = MODELS.get(key)
        if model is None:
            failures.append(f"{label}: no SDK model mapped for this endpoint")
            continue
        parsed = read(request["body"], model)
        as_dict = parsed.to_dict()
        for path in outdated(as_dict, "body"):
            failures.append(f"{label}: {model} reads {path} as outside its enum")
        kept = client.sanitize_for_serialization(parsed)
        for path in dropped(request["body"], kept, "body"):
            failures.append(f"{label}: {model} has no field {path}")
    for failure in failures:
        print(f"FAIL {failure}")
    if failures:
        sys.exit(1)
    print(f"{len(requests)} request bodies conform")


if __name__ == "__main__":
    main()
