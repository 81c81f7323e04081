"""The collections hook: a complaint asks for the loan's collection case to be put on hold, and later
releases it. Sent inside the complaint's transaction, so the hold commits (or rolls back) with it.

`debt_collection` connects the receivers; this app never imports debt_collection.

- collection_hold_requested(sender=Complaint, complaint, loan, actor)
- collection_hold_released(sender=Complaint, complaint, actor)
"""

from django.dispatch import Signal

collection_hold_requested = Signal()
collection_hold_released = Signal()
