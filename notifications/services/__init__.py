"""Every write in the notifications app. Split by concern; import from here.

`message_queue` and `notify_staff` are the entry points every other app uses.
"""

from notifications.services.inbound import (  # noqa: F401
    borrower_opt_out,
    inbound_message_receive,
    message_delivery_update,
)
from notifications.services.messages import (  # noqa: F401
    message_queue,
    message_send,
    message_send_batch,
    messages_dispatch_due,
    messages_recover_stale,
    notify_staff,
)
from notifications.services.reminders import reminders_run  # noqa: F401
