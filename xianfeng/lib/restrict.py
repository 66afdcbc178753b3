"""NetBox-style object permissions: ``Model.objects.restrict(user, action)``.

Each model's queryset class implements ``_restrict(user, action)``; the manager refuses to
hand out rows to anonymous users. Views and API endpoints fetch every row through it, and
services re-check after writes.
"""

from __future__ import annotations

from typing import Any, Literal

from django.db import models

Action = Literal["view", "change", "add"]


class RestrictedQuerySet(models.QuerySet):
    def restrict(self, user: Any, action: Action = "view") -> RestrictedQuerySet:
        if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        return self._restrict(user, action)

    def _restrict(self, user: Any, action: Action) -> RestrictedQuerySet:  # pragma: no cover
        raise NotImplementedError(f"{type(self).__name__} must define _restrict()")
