"""Every write of the collections app. One function per business action, keyword-only, atomic,
always given the actor. Re-exported here so callers import `debt_collection.services`."""

from debt_collection.services.arrangements import (  # noqa: F401
    arrangement_approve,
    arrangement_cancel,
    arrangement_preview,
    arrangement_propose,
    arrangement_reject,
)
from debt_collection.services.assignment import case_assign, case_place_with_agency, cases_assign_unassigned  # noqa: F401
from debt_collection.services.cases import (  # noqa: F401
    case_close,
    case_escalate,
    case_hold,
    case_hold_for_complaint,
    case_open,
    case_release,
    case_release_for_complaint,
    case_start_legal,
    case_start_repossession,
    case_write_off,
    enforcement_record_add,
)
from debt_collection.services.contacts import (  # noqa: F401
    ContactRefused,
    callback_schedule,
    case_callback_due,
    case_send_sms,
    contact_log,
)
from debt_collection.services.promises import promise_cancel, promise_record  # noqa: F401
from debt_collection.services.refresh import cases_refresh  # noqa: F401
