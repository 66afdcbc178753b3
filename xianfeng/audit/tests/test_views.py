"""The auditor's audit-log page: access, filters, readable changes, paging, query count, export."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.db.models import F
from django.urls import reverse

from xianfeng.audit.choices import ChangeAction
from xianfeng.audit.models import ChangeRecord
from xianfeng.audit.services import change_record, record_update, snapshot
from xianfeng.projects.choices import Stage

pytestmark = pytest.mark.django_db

URL = "/audit/"


def test_url_name() -> None:
    assert reverse("audit:log") == URL


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("anonymous", 302),
        ("dispatcher", 403),
        ("clerk_a", 403),
        ("reviewer_a", 403),
        ("leader_user", 403),
        ("admin_user", 403),  # a superuser too: the administrator does not read the audit log
        ("auditor", 200),
    ],
)
def test_only_the_auditor_reads_the_log(request, client, role, expected) -> None:  # type: ignore[no-untyped-def]
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    response = client.get(URL)
    assert response.status_code == expected
    if role == "anonymous":
        assert response.url.startswith(reverse("login"))
    assert client.get(URL + "?export=csv").status_code == expected


@pytest.fixture
def history(dispatcher, clerk_a, project_a, project_b):  # type: ignore[no-untyped-def]
    """A small log: a login, two edits, a failed login, and one older edit."""
    change_record(actor=dispatcher, action=ChangeAction.LOGIN, instance=dispatcher, object_repr="alice")
    before = snapshot(project_a)
    project_a.name = "甲单位项目（改）"
    project_a.stage = Stage.CONSTRUCTION
    project_a.lead_unit = project_b.lead_unit
    project_a.actual_start = dt.date(2024, 3, 1)
    project_a.save()
    record_update(actor=dispatcher, instance=project_a, before=before, reason="核实后调整")
    before = snapshot(project_b)
    project_b.owner = "乙公司"
    project_b.save()
    record_update(actor=clerk_a, instance=project_b, before=before)
    change_record(actor=None, action=ChangeAction.LOGIN_FAILED, object_type="org.User", object_repr="mallory")
    old = change_record(actor=clerk_a, action=ChangeAction.ARCHIVE, instance=project_b, reason="重复录入")
    ChangeRecord.objects.filter(pk=old.pk).update(at=F("at") - dt.timedelta(days=30))
    return {"old": old}


def _rows(response) -> list[int]:  # type: ignore[no-untyped-def]
    return [entry["record"].pk for entry in response.context["entries"]]


def _get(client, auditor, params: str = ""):  # type: ignore[no-untyped-def]
    client.force_login(auditor)
    response = client.get(URL + params)
    assert response.status_code == 200
    return response


def test_everything_newest_first(client, auditor, history) -> None:  # type: ignore[no-untyped-def]
    response = _get(client, auditor)
    expected = list(ChangeRecord.objects.order_by("-at", "-id").values_list("pk", flat=True))
    assert _rows(response) == expected and len(expected) == 5
    assert expected[-1] == history["old"].pk


@pytest.mark.parametrize(
    ("params", "expected_actions"),
    [
        ("?object_type=projects.Project", ["update", "update", "archive"]),
        ("?object_type=org.User", ["login_failed", "login"]),
        ("?action=update", ["update", "update"]),
        ("?actor=爱丽丝", ["update", "login"]),
        ("?q=乙单位", ["update", "archive"]),
        ("?q=mallory&action=login_failed", ["login_failed"]),
        ("?since=2024-12-01", ["login_failed", "update", "update", "login"]),
        ("?until=2024-12-01", ["archive"]),
        ("?since=2024-11-06&until=2024-11-06", ["archive"]),
        ("?object_type=projects.Project&actor=填报员", ["update", "archive"]),
    ],
)
def test_filters(client, auditor, history, params, expected_actions) -> None:  # type: ignore[no-untyped-def]
    response = _get(client, auditor, params)
    assert [e["record"].action for e in response.context["entries"]] == expected_actions


def test_bad_filters_are_reported_and_ignored(client, auditor, history) -> None:  # type: ignore[no-untyped-def]
    response = _get(client, auditor, "?since=2024-13-45&action=update")
    html = response.content.decode()
    assert "开始日期：请按 年-月-日 填写日期" in html
    assert [e["record"].action for e in response.context["entries"]] == ["update", "update"]
    response = _get(client, auditor, "?since=2024-12-06&until=2024-12-01")
    assert "结束日期不能早于开始日期" in response.content.decode()
    assert len(_rows(response)) == 4  # "since" still applies
    response = _get(client, auditor, "?object_type=nope.Nothing&page=999")
    assert "对象类型：" in response.content.decode()
    assert len(_rows(response)) == 5  # an out-of-range page shows the last page


def test_object_types_are_offered_with_chinese_labels(client, auditor, history) -> None:  # type: ignore[no-untyped-def]
    change_record(actor=None, action=ChangeAction.IMPORT, object_type="gone.Model", object_repr="?")
    response = _get(client, auditor)
    choices = dict(response.context["form"].fields["object_type"].choices)
    assert choices["projects.Project"] == "重点项目"
    assert choices["org.User"] == "用户"
    assert choices["gone.Model"] == "gone.Model"  # a model that no longer exists shows its label


def test_rows_show_readable_changes(client, auditor, history) -> None:  # type: ignore[no-untyped-def]
    response = _get(client, auditor, "?action=update&actor=爱丽丝")
    [entry] = response.context["entries"]
    assert entry["type_label"] == "重点项目"
    changes = {c["name"]: (c["label"], c["old"], c["new"]) for c in entry["changes"]}
    assert changes == {
        "name": ("项目名称", "甲单位项目", "甲单位项目（改）"),
        "stage": ("项目阶段", "储备", "在建"),  # choice values shown by their labels
        "lead_unit": ("责任单位", "甲", "乙"),  # foreign keys by their label
        "actual_start": ("实际开工时间", "—", "2024-03-01"),  # None as —
    }
    html = response.content.decode()
    assert "核实后调整" in html and "调度员爱丽丝" in html and "储备" in html
    failed = _get(client, auditor, "?action=login_failed").content.decode()
    assert "（未登录）" in failed and "mallory" in failed


def test_secrets_are_never_shown(client, auditor) -> None:  # type: ignore[no-untyped-def]
    change_record(
        actor=None,
        action=ChangeAction.UPDATE,
        object_type="org.User",
        object_repr="old row",
        changes={"password": {"label": "密码", "old": "argon2$abc", "new": "argon2$def"}},
    )
    html = _get(client, auditor).content.decode()
    assert "argon2$" not in html and "（已隐藏）" in html


def test_fifty_per_page_in_a_fixed_number_of_queries(
    client, auditor, dispatcher, project_a, django_assert_num_queries
) -> None:  # type: ignore[no-untyped-def]
    client.force_login(auditor)
    for i in range(3):
        change_record(
            actor=dispatcher,
            action=ChangeAction.UPDATE,
            instance=project_a,
            changes={"name": {"label": "项目名称", "old": str(i), "new": str(i + 1)}},
        )
    # session, user, distinct object types, count, page rows
    with django_assert_num_queries(5):
        assert len(_rows(client.get(URL))) == 3
    for i in range(117):
        change_record(
            actor=dispatcher,
            action=ChangeAction.UPDATE,
            instance=project_a,
            changes={"name": {"label": "项目名称", "old": str(i), "new": str(i + 1)}},
        )
    change_record(actor=None, action=ChangeAction.LOGIN_FAILED, object_type="org.User", object_repr="x")
    with django_assert_num_queries(5):
        response = client.get(URL + "?page=2")
    assert len(_rows(response)) == 50 and response.context["page"].paginator.num_pages == 3
    assert len(_rows(client.get(URL + "?page=3"))) == 21
    html = response.content.decode()
    assert "page=3" in html and "共 121 条记录" in html


def test_csv_export_of_the_filtered_log(client, auditor, history) -> None:  # type: ignore[no-untyped-def]
    client.force_login(auditor)
    response = client.get(URL + "?object_type=projects.Project&export=csv&page=2")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0][:3] == ["时间", "操作人", "操作"]
    assert [r[2] for r in rows[1:]] == ["修改", "修改", "归档"]
    assert {r[3] for r in rows[1:]} == {"重点项目"}
    assert "项目阶段：储备 → 在建" in rows[1][7] or "项目阶段：储备 → 在建" in rows[2][7]


def test_a_new_rows_empty_fields_are_left_out(client, auditor, dispatcher, unit_a) -> None:  # type: ignore[no-untyped-def]
    from xianfeng.audit.services import record_create
    from xianfeng.tests.factories import ProjectFactory

    record_create(actor=dispatcher, instance=ProjectFactory(name="新建的", owner="", lead_unit=unit_a))
    assert ChangeRecord.objects.get().changes["owner"] == {"label": "建设单位", "old": None, "new": ""}
    [entry] = _get(client, auditor).context["entries"]
    names = {c["name"] for c in entry["changes"]}
    assert "name" in names and "lead_unit" in names and "owner" not in names
