"""Permissions that come with a role rather than with rows in ``auth_permission``.

The system administrator (role ``admin``, IT) keeps the reference data in Django admin: regions,
responsible units, users, leaders, industry chains and parks, and may revoke API tokens. They get
no permission on business data (projects are read-only in admin and hidden from this role) and none
on the audit log, which only the auditor reads (三员分立: the administrator and the auditor are
different people).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import BaseBackend

from xianfeng.org.choices import Role

_EDIT = ("add", "change", "view")
ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.ADMIN: frozenset(
        [f"org.{verb}_{model}" for model in ["region", "department", "user", "leader"] for verb in _EDIT]
        + [f"parks.{verb}_{model}" for model in ["industrychain", "park"] for verb in _EDIT]
        + ["org.view_apitoken", "org.change_apitoken"]
    ),
}


class RoleBackend(BaseBackend):
    """Authenticates nobody (ModelBackend does that); only answers permission questions."""

    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        if obj is not None or not getattr(user_obj, "is_active", False):
            return set()
        return set(ROLE_PERMISSIONS.get(getattr(user_obj, "role", ""), ()))

    def has_module_perms(self, user_obj: Any, app_label: str) -> bool:
        return any(perm.startswith(app_label + ".") for perm in self.get_all_permissions(user_obj))
