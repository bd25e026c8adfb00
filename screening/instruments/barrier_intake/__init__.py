"""The barrier-intake instrument: one sub-package per released version (`v1`, ...)."""
