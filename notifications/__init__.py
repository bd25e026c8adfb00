"""Notifications to the practice: alarm notices by email, sent by the worker from an outbox."""
