# TEMPORARY SCAFFOLD — being replaced by the real views (login, logout, home, tokens).
from __future__ import annotations


def _todo(*args, **kwargs):  # type: ignore[no-untyped-def]
    raise NotImplementedError


home = login_view = logout_view = tokens = _todo
