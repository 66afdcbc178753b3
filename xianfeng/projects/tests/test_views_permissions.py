"""Every registry page × every role × GET and POST (in the manner of NetBox's generated tests).

Anonymous users are sent to the login page; admin and auditor get 403 everywhere; a unit user
gets 404 for another unit's project on every page that takes a pk; a leader gets 403 on every
write page; and a refused write leaves the database as it was, while an allowed one with the
same payload changes it (so the payloads are known to be valid).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import get_resolver, reverse

from xianfeng.audit.models import ChangeRecord
from xianfeng.projects import services
from xianfeng.projects.choices import Category, Kind, Level, Stage
from xianfeng.projects.models import Milestone, ProgrammeEntry, Project, StageTransition

pytestmark = pytest.mark.django_db

ROLES = [
    "anonymous",
    "dispatcher",
    "clerk_a",
    "clerk_b",
    "reviewer_a",
    "leader_user",
    "admin_user",
    "auditor",
]
# Pages of the bulk import are tested with the import.
OWNED_ELSEWHERE = {"import", "import_template"}

R = ["dispatcher", "clerk_a", "clerk_b", "reviewer_a", "leader_user"]  # programme readers

# url name -> (needs pk, GET: roles with 200, POST: roles whose write succeeds (302 and a change))
PAGES: dict[str, dict[str, Any]] = {
    "list": {"pk": False, "get": R, "post": None},
    "export": {"pk": False, "get": R, "post": None},
    "board": {"pk": False, "get": R, "post": None},
    "create": {
        "pk": False,
        "get": ["dispatcher", "clerk_a", "clerk_b"],
        "post": ["dispatcher", "clerk_a", "clerk_b"],
    },
    "detail": {"pk": True, "get": ["dispatcher", "clerk_a", "reviewer_a", "leader_user"], "post": None},
    "edit": {
        "pk": True,
        "get": ["dispatcher", "clerk_a", "reviewer_a"],
        "post": ["dispatcher", "clerk_a", "reviewer_a"],
    },
    "transition": {
        "pk": True,
        "get": ["dispatcher", "clerk_a", "reviewer_a"],
        "post": ["dispatcher", "clerk_a", "reviewer_a"],
    },
    "archive": {"pk": True, "get": ["dispatcher"], "post": ["dispatcher"]},
    "restore": {"pk": True, "get": ["dispatcher"], "post": ["dispatcher"]},
    "entry_edit": {
        "pk": True,
        "get": ["dispatcher", "clerk_a", "reviewer_a"],
        "post": ["dispatcher", "clerk_a", "reviewer_a"],
    },
    "milestones": {
        "pk": True,
        "get": ["dispatcher", "clerk_a", "reviewer_a"],
        "post": ["dispatcher", "clerk_a", "reviewer_a"],
    },
}


@pytest.fixture(autouse=True)
def _fast_passwords(settings) -> None:  # type: ignore[no-untyped-def]
    """Seven users per test: a cheap hasher keeps the 170-odd cases quick."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_every_projects_url_is_covered() -> None:
    names = {
        name for name in get_resolver().namespace_dict["projects"][1].reverse_dict if isinstance(name, str)
    }
    assert names - OWNED_ELSEWHERE == set(PAGES)


def url_for(name: str, project: Project) -> str:
    if name == "entry_edit":
        return reverse("projects:entry_edit", args=[project.pk, 2024])
    return (
        reverse(f"projects:{name}", args=[project.pk]) if PAGES[name]["pk"] else reverse(f"projects:{name}")
    )


def payload(name: str, project: Project) -> dict[str, Any]:
    if name == "create":
        return {
            "name": "权限测试项目",
            "category": Category.INDUSTRY,
            "lead_unit": project.lead_unit_id,
            "total_investment": "5000",
            "stage": Stage.PLANNING,
            "year": "2024",
            "kind": Kind.RESERVE,
            "level": Level.DISTRICT,
        }
    if name == "edit":
        data = {f: getattr(project, f) for f in services.EDITABLE_FIELDS}
        data.update(
            {f: getattr(project, f + "_id") for f in ["chain", "park", "street", "lead_unit", "leader"]}
        )
        data = {k: "" if v is None else v for k, v in data.items()}
        return {**data, "owner": "权限测试建设单位", "version": project.version}
    if name == "transition":
        return {"to_stage": Stage.CONSTRUCTION, "effective_date": "2024-04-01"}
    if name in {"archive", "restore"}:
        return {"reason": "权限测试"}
    if name == "entry_edit":
        return {"kind": Kind.CONTINUING, "level": Level.CITY, "planned_investment": "999", "version": "1"}
    if name == "milestones":
        return {"approval-actual_date": "2024-02-01"}
    return {"anything": "1"}


def fingerprint() -> tuple[Any, ...]:
    return (
        list(Project.objects.order_by("pk").values_list("pk", "version", "archived_at", "stage", "owner")),
        list(ProgrammeEntry.objects.order_by("pk").values_list("pk", "version", "level")),
        Milestone.objects.count(),
        StageTransition.objects.count(),
        ChangeRecord.objects.exclude(action__in=["login", "login_failed", "logout"]).count(),
    )


def client_as(request, role: str) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    return client


def expected_refusal(name: str, role: str) -> int:
    if role == "anonymous":
        return 302
    if role in {"admin_user", "auditor"}:
        return 403
    if role == "clerk_b" and PAGES[name]["pk"]:
        return 404  # project_a belongs to unit_a: it does not exist for unit_b
    return 403


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", list(PAGES))
def test_get(request, name: str, role: str, project_a, project_b) -> None:
    response = client_as(request, role).get(url_for(name, project_a))
    if role in PAGES[name]["get"]:
        assert response.status_code == 200
    else:
        expected = expected_refusal(name, role)
        assert response.status_code == expected
        if expected == 302:
            assert response["Location"].startswith(reverse("login") + "?next=")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", list(PAGES))
def test_post(request, name: str, role: str, dispatcher, project_a, project_b) -> None:
    if name == "restore":
        services.project_archive(actor=dispatcher, project=project_a, reason="为测试恢复而归档")
        project_a.refresh_from_db()
    client = client_as(request, role)
    before = fingerprint()
    response = client.post(url_for(name, project_a), payload(name, project_a))
    if PAGES[name]["post"] is None:
        assert response.status_code == 405  # read-only pages refuse POST before anything else
        assert fingerprint() == before
        return
    if role in PAGES[name]["post"]:
        assert response.status_code == 302
        assert fingerprint() != before
    else:
        assert response.status_code == expected_refusal(name, role)
        assert fingerprint() == before
