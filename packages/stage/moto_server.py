"""moto's server with three fixes the stage rehearsal needs (emulator quirks, kept out of the product).

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
Everything else is `python -m moto.server` unchanged.
"""
import copy
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

from moto.events import models as events_models

_send_to_targets = events_models.Rule.send_to_targets


def send_to_targets(self, original_event, transform_input=True):
    if self.scheduled_expression and not self.event_pattern.get_pattern():
        return None
    return _send_to_targets(self, original_event, transform_input)


events_models.Rule.send_to_targets = send_to_targets
BaseResponse.setup_class = setup_class
authorization.ActionAuthenticatorMixin._authenticate_and_authorize_action = authenticate_and_authorize

if __name__ == "__main__":
    from moto.server import main

    main(sys.argv[1:])
