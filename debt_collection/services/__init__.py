"""Every write of the collections app. One function per business action, keyword-only, atomic,
always given the actor. Re-exported here so callers import `debt_collection.services`."""

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
