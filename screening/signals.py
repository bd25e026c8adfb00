"""What the screening domain announces; side effects (reports, webhooks, alarm notices) react.

The domain never imports its reactions: each app that reacts connects a receiver in its
`AppConfig.ready()`. Both signals are sent inside the transaction of the change, so a
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
