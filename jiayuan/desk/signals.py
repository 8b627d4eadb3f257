"""The desk's events, for whoever listens (the API's webhooks).

Sent by the desk's services inside their transaction, synchronously: a
receiver's writes (an outbox row) commit or roll back with the change. A
receiver that talks to the outside world must wait for the commit itself
(transaction.on_commit) or, better, leave a row for a scheduled job.

- case_created(case)                          intake (staff and portal)
- case_status_changed(case, old, new)         workflow.apply, every move
- referral_answered(referral, case)           a department's first answer
"""

from django.dispatch import Signal

case_created = Signal()
case_status_changed = Signal()
referral_answered = Signal()
