"""Keep secrets that travel in URLs out of the logs."""

from __future__ import annotations

import logging
import re

# /portal/status/<ref>/<code>/ and /reply/<signed token>/: the last part opens a
# resident's status page or a department's reply form.
# The private part of a link: a portal request's or suggestion's code (after
# its reference), a department's reply token, a volunteer's personal link, a
# sign-up's or a certificate's token. (A contact card's code is printed for
# everyone to scan: not a secret.) And a search's text in a query string (`q=`,
# a type-ahead's `<field>_q=`): the search box and the pickers post it, but an old
# bookmark or a hand-typed address may still carry an ID-card or phone number.
SECRET_PATHS = re.compile(
    r"(/portal/status/[^/\s?]+/|/portal/civic/ideas/status/[^/\s?]+/|/reply/"
    r"|/portal/engage/volunteers/h/|/portal/engage/volunteers/certificates/"
    r"|/portal/engage/activities/signup/|[?&]code=|[?&](?:[a-z_]+_)?q=)[^/\s\"'&]+")


class RedactSecretPaths(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, dict):
            record.args = {k: SECRET_PATHS.sub(r"\1…", v) if isinstance(v, str) else v
                           for k, v in record.args.items()}
        elif record.args:
            record.args = tuple(SECRET_PATHS.sub(r"\1…", a) if isinstance(a, str) else a
                                for a in record.args)
        if isinstance(record.msg, str):
            record.msg = SECRET_PATHS.sub(r"\1…", record.msg)
        return True
