"""What the screening domain announces; side effects (reports, webhooks, alarm notices) react.

The domain never imports its reactions: each app that reacts connects a receiver in its
`AppConfig.ready()`. The signals are sent inside the transaction of the change, so a
receiver that records an outbox row commits or rolls back with it, and publishes to the
broker only after the commit.
"""

from __future__ import annotations

from django.dispatch import Signal

# A screening was stored (a new intake, or a rescore): `screening`.
screening_stored = Signal()

# Something a screening's report shows changed (review, acknowledgement, entered in error):
# `screening`.
screening_changed = Signal()

# A patient is being erased (`screening.erasure.patient_erase`), sent inside the erasure's
# transaction before the patient's intakes, screenings and invitations are deleted: `records`
# (`screening.erasure.ErasedRecords`: the ids) and `reason` (an `ErasureReason` value). Each
# receiver deletes its own rows about them (files after the commit) and returns what it
# removed as `{what: count}` (webhooks then record the `patient.erased` event), which the
# erasure's audit event counts. A receiver that fails fails the erasure: nothing is deleted.
patient_erasing = Signal()
