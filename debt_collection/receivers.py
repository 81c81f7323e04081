"""Receivers for the complaints app's collection-hold signals (connected in apps.ready()).

A complaint about collection conduct (or any complaint on a loan with an open case, if the supervisor
chooses) puts the loan's open case on hold; resolving the complaint releases it. Sent inside the
complaint's transaction, so the hold commits or rolls back with the complaint.
"""


def on_hold_requested(sender, *, complaint, loan, actor=None, **kwargs):
    from debt_collection.services import case_hold_for_complaint

    case_hold_for_complaint(complaint=complaint, loan=loan, actor=actor)


def on_hold_released(sender, *, complaint, actor=None, **kwargs):
    from debt_collection.services import case_release_for_complaint

    case_release_for_complaint(complaint=complaint, actor=actor)
