"""The desk's services: every write of a case, a referral, the catalogue or a
reminder. One module per concern; the public names are re-exported here, so
`from jiayuan.desk import services; services.case_create(...)` works.

    intake      case_create (desk, hotline, visit)
    portal      portal_create and the portal's rate limits
    casework    case_update, match_requester, transition, add_note, record_follow_up
    uploads     check_upload, add_document
    referrals   referral_create ... referral_withdraw, the department's reply link
    catalogue   catalogue_save (services, categories, departments)
    reminders   reminder_mark_done
    thresholds  repeat_threshold_save (the community's repeat-request threshold)
"""

from jiayuan.core.versioning import Conflict
from jiayuan.desk.services._common import _event, next_ref, targets
from jiayuan.desk.services.casework import (
    EDITABLE,
    KEEP,
    add_note,
    case_update,
    match_requester,
    record_follow_up,
    transition,
)
from jiayuan.desk.services.catalogue import audit_fields, catalogue_save
from jiayuan.desk.services.intake import case_create
from jiayuan.desk.services.portal import (
    PORTAL_MAX_FAILED_LOOKUPS_PER_HOUR,
    Limit,
    portal_allowed,
    portal_create,
    portal_hit_record,
    portal_limit,
    portal_lookup_allowed,
    portal_source,
    portal_source_hash,
    portal_submissions_allowed,
    portal_submissions_limit,
    portal_throttled,
)
from jiayuan.desk.services.portal_pow import (
    Challenge,
    portal_pow_redeem,
    pow_challenge,
    pow_check,
    pow_solve,
)
from jiayuan.desk.services.referrals import (
    REPLY_SALT,
    ReplyLinkError,
    referral_acknowledge,
    referral_answer,
    referral_answer_correctable,
    referral_consent,
    referral_consents,
    referral_create,
    referral_create_with_consent,
    referral_from_token,
    referral_token,
    referral_withdraw,
    referrals_withdraw_for_consent,
)
from jiayuan.desk.services.reminders import reminder_mark_done
from jiayuan.desk.services.thresholds import repeat_threshold_save
from jiayuan.desk.services.uploads import UPLOAD_TYPES, add_document, check_upload

__all__ = [
    "EDITABLE", "KEEP", "PORTAL_MAX_FAILED_LOOKUPS_PER_HOUR", "REPLY_SALT", "UPLOAD_TYPES",
    "Challenge", "Limit",
    "Conflict", "ReplyLinkError", "_event", "add_document", "add_note", "audit_fields",
    "case_create", "case_update", "catalogue_save", "check_upload", "match_requester",
    "next_ref", "portal_allowed", "portal_create", "portal_hit_record",
    "portal_limit", "portal_lookup_allowed", "portal_pow_redeem", "portal_source",
    "portal_source_hash", "portal_submissions_allowed", "portal_submissions_limit",
    "pow_challenge", "pow_check", "pow_solve",
    "portal_throttled", "record_follow_up",
    "referral_acknowledge", "referral_answer", "referral_answer_correctable",
    "referral_consent", "referral_consents", "referral_create",
    "referral_create_with_consent", "referral_from_token", "referral_token",
    "referral_withdraw", "referrals_withdraw_for_consent", "reminder_mark_done", "repeat_threshold_save",
    "targets", "transition",
]
