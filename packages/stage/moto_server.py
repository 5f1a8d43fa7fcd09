"""moto's server with five fixes the stage rehearsal needs (emulator quirks, kept out of the product).

1. With IAM enforcement on, moto re-computes each request's SigV4 signature from the URL as
   werkzeug re-quotes it, where an escaped `/` or `:` (`prefix=raw%2F`, a key `EUR%2FUSD`)
   comes back unescaped while every SDK signs it escaped: such requests then fail with
   SignatureDoesNotMatch. Here the check uses the request target exactly as it was sent.
2. A schedule rule (no event pattern) matches every event put on its bus in moto, and its
   target's input template is then rendered for them; on AWS it only fires on its schedule.
   Here schedule rules never match events (the harness renders schedule ticks itself).
3. A rule target without an input transformer gets the whole event on AWS; moto renders a
   default template instead that drops `account` and adds nothing of AWS's. Here such a
   target gets the event as EventBridge delivers it (AWS's keys, AWS's order).
4. An API destination target (with MOTO_EVENTS_INVOKE_HTTP=true) gets method, URL and the
   target's header parameters as literal strings only. Here it is called as EventBridge
   documents it: the connection's API-key header (name and value as created), the event as the
   JSON body, header parameters that are JSON paths (`$.id`) resolved against the event, a 5 s
   timeout; a failed delivery is logged and never fails PutEvents (on AWS it is retried, then
   dead-lettered; moto has neither, so neither is rehearsed).
5. DeleteObjects (POST ?delete) is authorised by AWS per key, as s3:DeleteObject on the
   object's ARN; moto asks for s3:DeleteObject on the bucket's ARN instead, so a role granted
   deletes under a prefix (catalog-sync: superseded versions) is denied every key. Here each
   key is checked on its object ARN; when any is denied, the whole request is treated as
   denied (stricter than AWS, which deletes the allowed ones: never looser).
Everything else is `python -m moto.server` unchanged.
"""
import copy
import json
import sys
from urllib.parse import urlparse

from moto import settings
from moto.core import authorization
from moto.core.responses import BaseResponse

_setup = BaseResponse.setup_class


def setup_class(self, request, full_url, headers, *args, **kwargs):
    environ = getattr(request, "environ", None)
    self._sent_target = None
    if isinstance(environ, dict):
        raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
        if raw:
            parsed = urlparse(raw)
            self._sent_target = parsed.path + ("?" + parsed.query if parsed.query else "")
    return _setup(self, request, full_url, headers, *args, **kwargs)


def authenticate_and_authorize(self, iam_request_cls, resource="*"):
    mixin = authorization.ActionAuthenticatorMixin
    if mixin.request_count < settings.INITIAL_NO_AUTH_ACTION_COUNT:
        mixin.request_count += 1
        return
    if self.headers.get("X-Amz-Target") in mixin.PUBLIC_OPERATIONS:
        return
    path = getattr(self, "_sent_target", None)
    if not path:
        parsed = urlparse(self.uri)
        path = parsed.path + ("?" + parsed.query if parsed.query else "")
    iam_request = iam_request_cls(
        account_id=self.current_account,
        method=self.method,
        path=path,
        data=self.data,
        body=self.raw_body,
        headers=self.headers,
        action=self._get_action(),
    )
    iam_request.check_signature()
    iam_request.check_action_permitted(resource)


from moto.events import utils as events_utils

_parse_template = events_utils.EventTemplateParser.parse
AWS_EVENT_KEYS = ["version", "id", "detail-type", "source", "account", "time", "region", "resources", "detail"]


def parse_template(input_template, input_paths_map, event):
    if not input_template and not input_paths_map:
        return {k: copy.deepcopy(event[k]) for k in AWS_EVENT_KEYS if k in event}
    return _parse_template(input_template, input_paths_map, event)


events_utils.EventTemplateParser.parse = staticmethod(parse_template)

import requests
from moto.events import models as events_models
from moto.core.utils import iso_8601_datetime_without_milliseconds, utcfromtimestamp
from moto.utilities.arns import parse_arn

_send_to_targets = events_models.Rule.send_to_targets


def send_to_targets(self, original_event, transform_input=True):
    if self.scheduled_expression and not self.event_pattern.get_pattern():
        return None
    return _send_to_targets(self, original_event, transform_input)


events_models.Rule.send_to_targets = send_to_targets


def _json_path(event, path):
    value = event
    for key in path[2:].split("."):
        if not isinstance(value, dict) or key not in value:
            return ""
        value = value[key]
    return value if isinstance(value, str) else json.dumps(value)


def send_to_api_destination(self, target, event):
    backend = events_models.events_backends[self.account_id][self.region_name]
    destination = backend.destinations[parse_arn(target["Arn"]).resource_id.split("/")[0]]
    connection = backend.connections[parse_arn(destination.connection_arn).resource_id.split("/")[0]]
    headers = {"Content-Type": "application/json; charset=utf-8"}
    for name, value in target.get("HttpParameters", {}).get("HeaderParameters", {}).items():
        headers[name] = _json_path(event, value) if value.startswith("$.") else value
    api_key = (connection.auth_parameters or {}).get("ApiKeyAuthParameters")
    if connection.authorization_type == "API_KEY" and api_key:
        headers[api_key["ApiKeyName"]] = api_key["ApiKeyValue"]
    if "time" in event and not isinstance(event["time"], str):
        event = {**event, "time": iso_8601_datetime_without_milliseconds(utcfromtimestamp(float(event["time"])))}
    try:
        requests.request(
            method=destination.http_method,
            url=destination.invocation_endpoint,
            headers=headers,
            data=json.dumps(event),
            timeout=5,
        )
    except requests.RequestException as err:
        print(f"api destination {destination.name}: delivery failed: {err}", file=sys.stderr)


def send_to_targets_http(self, original_event, transform_input=True):
    if not settings.events_invoke_http():
        return send_to_targets(self, original_event, transform_input)
    # moto's own loop, minus its API destination call: those targets are sent above.
    api_targets = [t for t in self.targets if parse_arn(t["Arn"]).resource_type == "api-destination"]
    if self.scheduled_expression and not self.event_pattern.get_pattern():
        return None
    if not self.event_pattern.matches_event(original_event):
        return None
    others = [t for t in self.targets if t not in api_targets]
    saved = self.targets
    try:
        self.targets = others
        _send_to_targets(self, original_event, transform_input)
    finally:
        self.targets = saved
    for target in api_targets:
        transformer = target.get("InputTransformer", {})
        event = events_utils.EventTemplateParser.parse(
            input_template=transformer.get("InputTemplate"),
            input_paths_map=transformer.get("InputPathsMap", {}),
            event=original_event,
        )
        send_to_api_destination(self, target, event)
    return None


from moto.s3 import responses as s3_responses
from moto.s3.exceptions import BucketAccessDeniedError, S3AccessDeniedError

_delete_keys = s3_responses.S3Response._bucket_response_delete_keys


def delete_keys(self, bucket_name, authenticated=True):
    if not authenticated:
        import xmltodict

        objects = xmltodict.parse(self.body, strip_whitespace=False)["Delete"].get("Object", [])
        objects = objects if isinstance(objects, list) else [objects]
        try:
            for obj in objects:
                self._authenticate_and_authorize_s3_action(bucket_name=bucket_name, key_name=obj["Key"])
            authenticated = True
        except (BucketAccessDeniedError, S3AccessDeniedError):
            authenticated = False
    return _delete_keys(self, bucket_name, authenticated=authenticated)


s3_responses.S3Response._bucket_response_delete_keys = delete_keys
events_models.Rule.send_to_targets = send_to_targets_http
BaseResponse.setup_class = setup_class
authorization.ActionAuthenticatorMixin._authenticate_and_authorize_action = authenticate_and_authorize

if __name__ == "__main__":
    from moto.server import main

    main(sys.argv[1:])
