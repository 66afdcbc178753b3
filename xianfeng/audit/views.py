# TEMPORARY SCAFFOLD — being replaced by the real audit-log view.
from __future__ import annotations


def log(*args, **kwargs):  # type: ignore[no-untyped-def]
    raise NotImplementedError
