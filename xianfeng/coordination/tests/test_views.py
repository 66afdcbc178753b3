"""Every page for every role, forged URLs, and the steps taken through the pages."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client

from xianfeng.coordination import services
from xianfeng.coordination.choices import ProblemAction, ProblemStatus
from xianfeng.coordination.models import Instruction, Problem, ProblemEvent, WorkingTeam
from xianfeng.coordination.tests.helpers import assigned_problem
from xianfeng.lib import clock
from xianfeng.notifications.models import Notification

pytestmark = pytest.mark.django_db
D = dt.date

ROLES = [
    "dispatcher",
    "clerk_a",
    "reviewer_a",
    "clerk_b",
    "bureau_clerk",
    "leader_user",
    "admin_user",
    "auditor",
]


@pytest.fixture
def world(request, clerk_a, dispatcher, led_project, bureau, bureau_clerk, leader_user, leader_row):  # type: ignore[no-untyped-def]
    """An overdue problem of 甲 handled by the bureau, with an instruction and a supervision order."""
    with clock.frozen(D(2024, 11, 1)):
        problem = assigned_problem(clerk_a, dispatcher, led_project, [bureau], days=5)
    instruction = services.instruction_create(actor=leader_user, problem=problem, text="请加快", reply_days=5)
    order = services.supervision_issue(actor=dispatcher, problem=problem, requirement="报方案", plan_days=3)
    users = {name: request.getfixturevalue(name) for name in ROLES}
    return {
        "problem": problem,
        "project": led_project,
        "instruction": instruction,
        "order": order,
        "leader": leader_row,
        "users": users,
    }


def _pages(w: dict[str, Any]) -> dict[str, str]:
    p, project = w["problem"].pk, w["project"].pk
    return {
        "board": "/coordination/",
        "raise": "/coordination/problems/new/",
        "detail": f"/coordination/problems/{p}/",
        "assign": f"/coordination/problems/{p}/assign/",
        "instruct": f"/coordination/problems/{p}/instruct/",
        "supervise": f"/coordination/problems/{p}/supervise/",
        "project_instruct": f"/coordination/projects/{project}/instruct/",
        "team": f"/coordination/projects/{project}/team/",
        "instructions": "/coordination/instructions/",
        "instruction": f"/coordination/instructions/{w['instruction'].pk}/",
        "orders": "/coordination/supervision/",
        "order": f"/coordination/supervision/{w['order'].pk}/",
        "my_leader": "/coordination/leader/",
        "leader": f"/coordination/leader/{w['leader'].pk}/",
    }


# Expected status per page for: dispatcher, clerk_a (raiser, project's unit), reviewer_a, clerk_b (not
# involved), bureau_clerk (responsible unit), leader, admin, auditor.
EXPECTED: dict[str, list[int]] = {
    "board":            [200, 200, 200, 200, 200, 200, 403, 403],
    "raise":            [200, 200, 200, 200, 200, 403, 403, 403],
    "detail":           [200, 200, 200, 404, 200, 200, 403, 403],
    "assign":           [200, 403, 403, 404, 403, 403, 403, 403],
    "instruct":         [403, 403, 403, 404, 403, 200, 403, 403],
    "supervise":        [200, 403, 403, 404, 403, 403, 403, 403],
    "project_instruct": [403, 403, 403, 404, 404, 200, 403, 403],
    "team":             [200, 200, 200, 404, 404, 200, 403, 403],
    "instructions":     [200, 200, 200, 200, 200, 200, 403, 403],
    "instruction":      [200, 200, 200, 404, 200, 200, 403, 403],
    "orders":           [200, 200, 200, 200, 200, 200, 403, 403],
    "order":            [200, 200, 200, 404, 200, 200, 403, 403],
    "my_leader":        [403, 403, 403, 403, 403, 200, 403, 403],
    "leader":           [200, 403, 403, 403, 403, 200, 403, 403],
}  # fmt: skip


@pytest.mark.parametrize("page", list(EXPECTED))
def test_every_page_for_every_role(world, page) -> None:
    url = _pages(world)[page]
    got = []
    for role in ROLES:
        client = Client()
        client.force_login(world["users"][role])
        got.append(client.get(url).status_code)
    assert got == EXPECTED[page], dict(zip(ROLES, got, strict=True))


@pytest.mark.parametrize("page", list(EXPECTED))
def test_anonymous_visitors_are_sent_to_log_in(world, client, page) -> None:
    response = client.get(_pages(world)[page])
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_pages_show_what_matters(world, client) -> None:
    client.force_login(world["users"]["dispatcher"])
    board = client.get("/coordination/?overdue=1").content.decode()
    assert "用地指标未落实" in board and "超期" in board
    detail = client.get(_pages(world)["detail"]).content.decode()
    for text in ["提出问题", "交办", "领导批示", "督办〔2024〕1号", "2024-11-08", "请加快"]:
        assert text in detail, text
    client.force_login(world["users"]["leader_user"])
    page = client.get("/coordination/leader/").content.decode()
    assert "需要关注" in page and "用地指标未落实" in page


def _post(user: Any, url: str, data: dict[str, Any]) -> Any:
    client = Client()
    client.force_login(user)
    return client.post(url, data, follow=True)


def test_a_forged_url_to_another_units_problem_is_404_and_changes_nothing(world) -> None:
    problem = world["problem"]
    events = ProblemEvent.objects.count()
    clerk_b = world["users"]["clerk_b"]
    for path, data in [
        (f"/coordination/problems/{problem.pk}/transition/", {"action": "accept"}),
        (f"/coordination/problems/{problem.pk}/escalate/", {"note": "x"}),
        (f"/coordination/problems/{problem.pk}/attachments/", {}),
        (f"/coordination/instructions/{world['instruction'].pk}/reply/", {"text": "x"}),
        (f"/coordination/supervision/{world['order'].pk}/plan/", {"text": "x"}),
    ]:
        client = Client()
        client.force_login(clerk_b)
        assert client.post(path, data).status_code == 404, path
    assert ProblemEvent.objects.count() == events


def test_a_unit_closing_a_problem_it_does_not_own_gets_a_message(world) -> None:
    problem, bureau_clerk = world["problem"], world["users"]["bureau_clerk"]
    url = f"/coordination/problems/{problem.pk}/transition/"
    _post(bureau_clerk, url, {"action": "accept"})
    _post(bureau_clerk, url, {"action": "resolve", "resolution": "指标已下达"})
    response = _post(bureau_clerk, url, {"action": "close"})
    assert "只有提出问题的单位（甲）或区项目办可以确认销号" in response.content.decode()
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.RESOLVED
    response = _post(world["users"]["clerk_a"], url, {"action": "close", "note": "确认"})
    assert "已确认销号" in response.content.decode()
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.CLOSED


def test_a_step_refused_by_state_shows_why(world) -> None:
    problem = world["problem"]
    response = _post(
        world["users"]["bureau_clerk"],
        f"/coordination/problems/{problem.pk}/transition/",
        {"action": "resolve"},
    )
    assert "请填写办理结果" in response.content.decode() or "不能办结" in response.content.decode()
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.OPEN


def test_raising_through_the_page(client, clerk_a, project_a, clerk_b) -> None:
    client.force_login(clerk_a)
    form = client.get("/coordination/problems/new/").content.decode()
    assert project_a.name in form
    response = client.post(
        "/coordination/problems/new/",
        {
            "project": project_a.pk,
            "type": "land",
            "title": "征地补偿未到位",
            "description": "详见附件",
            "source": "report",
            "period": "2024-11",
        },
    )
    problem = Problem.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/coordination/problems/{problem.pk}/"
    assert (problem.raised_from_period, problem.source) == ("2024-11", "report")
    # Another unit cannot pick 甲's project.
    client.force_login(clerk_b)
    response = client.post(
        "/coordination/problems/new/",
        {"project": project_a.pk, "type": "land", "title": "x", "description": "y", "source": "direct"},
    )
    assert response.status_code == 200 and Problem.objects.count() == 1


def test_assigning_through_the_page_refuses_a_past_deadline(
    client, dispatcher, clerk_a, project_a, bureau
) -> None:
    problem = services.problem_raise(
        actor=clerk_a, project=project_a, type="land", title="t", description="d"
    )
    client.force_login(dispatcher)
    url = f"/coordination/problems/{problem.pk}/assign/"
    response = client.post(url, {"units": [bureau.pk], "deadline": "2024-11-30"})
    assert response.status_code == 200
    assert "办理期限 2024-11-30 已经过去" in response.content.decode()
    assert client.post(url, {"units": [bureau.pk], "deadline_days": 10}).status_code == 302
    problem.refresh_from_db()
    assert problem.deadline == D(2024, 12, 20)


def test_instruction_and_reply_through_the_pages(world) -> None:
    problem = world["problem"]
    response = _post(
        world["users"]["leader_user"],
        f"/coordination/problems/{problem.pk}/instruct/",
        {"text": "周五前回复", "reply_days": 2},
    )
    assert "批示已发出" in response.content.decode()
    instruction = Instruction.objects.filter(text="周五前回复").get()
    response = _post(
        world["users"]["bureau_clerk"],
        f"/coordination/instructions/{instruction.pk}/reply/",
        {"text": "已落实"},
    )
    assert "已回复批示" in response.content.decode()
    assert instruction.replies.count() == 1


def test_supervision_through_the_pages(world) -> None:
    order = world["order"]
    _post(
        world["users"]["bureau_clerk"],
        f"/coordination/supervision/{order.pk}/plan/",
        {"text": "整改方案全文"},
    )
    response = _post(
        world["users"]["dispatcher"],
        f"/coordination/supervision/{order.pk}/decide/",
        {"decision": "return", "note": ""},
    )
    assert "退回整改方案须写明理由" in response.content.decode()
    _post(
        world["users"]["dispatcher"],
        f"/coordination/supervision/{order.pk}/decide/",
        {"decision": "accept", "note": "同意"},
    )
    order.refresh_from_db()
    assert order.status == "rectifying"


def test_the_working_team_page(world) -> None:
    project = world["project"]
    url = f"/coordination/projects/{project.pk}/team/"
    clerk_a = world["users"]["clerk_a"]
    _post(clerk_a, url, {"form": "team", "name": "甲项目专班", "plan": "一、目标\n二、节点"})
    team = WorkingTeam.objects.get(project=project)
    assert team.plan.startswith("一、目标")
    _post(clerk_a, url, {"form": "member", "name": "张三", "role": "head", "phone": "123"})
    member = team.members.get()
    client = Client()
    client.force_login(world["users"]["leader_user"])
    page = client.get(url).content.decode()
    assert "张三" in page and "一、目标" in page
    assert client.post(url, {"form": "team", "name": "x"}).status_code == 403
    _post(clerk_a, f"/coordination/projects/{project.pk}/team/members/{member.pk}/leave/", {})
    member.refresh_from_db()
    assert member.left_at is not None
    assert "张三" not in client.get(url).content.decode()


def test_every_transition_form_on_the_detail_page_is_one_the_user_may_take(world) -> None:
    client = Client()
    client.force_login(world["users"]["bureau_clerk"])
    page = client.get(_pages(world)["detail"]).content.decode()
    assert 'value="accept"' in page and 'value="close"' not in page
    client.force_login(world["users"]["clerk_a"])
    page = client.get(_pages(world)["detail"]).content.decode()
    assert 'value="accept"' not in page
    assert ProblemAction.ACCEPT == "accept"


def test_a_refused_step_says_why_in_words_not_field_codes(world) -> None:
    """The services key their reasons by field ("note", "action"); the page shows only the reason."""
    problem, bureau_clerk = world["problem"], world["users"]["bureau_clerk"]
    url = f"/coordination/problems/{problem.pk}/transition/"
    _post(bureau_clerk, url, {"action": "accept"})
    _post(bureau_clerk, url, {"action": "resolve", "resolution": "指标已下达"})
    page = _post(world["users"]["clerk_a"], url, {"action": "reopen", "note": ""}).content.decode()
    assert "请填写退回重办的理由" in page
    assert "note：" not in page
    page = _post(world["users"]["clerk_a"], url, {"action": "bogus"}).content.decode()
    assert "action：" not in page
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.RESOLVED


def test_the_english_problem_page_uses_english_brackets(world) -> None:
    problem, clerk_a = world["problem"], world["users"]["clerk_a"]
    url = f"/coordination/problems/{problem.pk}/transition/"
    _post(world["users"]["bureau_clerk"], url, {"action": "accept"})
    _post(world["users"]["bureau_clerk"], url, {"action": "resolve", "resolution": "指标已下达"})
    _post(clerk_a, url, {"action": "close", "note": "确认"})
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.CLOSED

    english = Client(HTTP_ACCEPT_LANGUAGE="en")
    english.force_login(clerk_a)
    page = english.get(f"/coordination/problems/{problem.pk}/").content.decode()
    assert "区自然资源局 (Lead)" in page
    assert "(5 working days)" in page
    assert "Closed at" in page and "(Took " in page
    for chinese_bracket in ["（Lead）", "（5 working days）", "（Took"]:
        assert chinese_bracket not in page
    chinese = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    chinese.force_login(clerk_a)
    page = chinese.get(f"/coordination/problems/{problem.pk}/").content.decode()
    assert "区自然资源局（牵头）" in page and "（5 个工作日）" in page and "销号时间" in page


def test_instruction_and_supervision_lists_scroll_sideways_on_a_phone(world) -> None:
    client = Client()
    client.force_login(world["users"]["dispatcher"])
    for url in ["/coordination/instructions/", "/coordination/supervision/"]:
        page = client.get(url).content.decode()
        assert '<div class="table-responsive"><table' in page, url
    # On the board the title and the project keep a readable width; the table scrolls instead.
    board = client.get("/coordination/").content.decode()
    rows = len(re.findall(r'href="/coordination/problems/\d+/"', board))
    assert rows >= 1 and board.count('style="min-width: 9em"') == 2 * rows


def test_the_plan_review_starts_with_no_decision_and_refuses_none(world) -> None:
    """Accepting a rectification plan takes an explicit choice: nothing is accepted by default."""
    order, dispatcher = world["order"], world["users"]["dispatcher"]
    _post(
        world["users"]["bureau_clerk"],
        f"/coordination/supervision/{order.pk}/plan/",
        {"text": "整改方案全文"},
    )
    client = Client()
    client.force_login(dispatcher)
    page = client.get(f"/coordination/supervision/{order.pk}/").content.decode()
    select = re.search(r'<select name="decision".*?</select>', page, re.S)
    assert select is not None
    assert " required" in select.group(0)
    options = re.findall(r'<option value="([^"]*)"( selected)?>([^<]*)</option>', select.group(0))
    assert options == [("", " selected", "请选择"), ("accept", "", "采纳"), ("return", "", "退回")]
    events = ProblemEvent.objects.count()
    missing = "请选择审核结果：采纳或退回"
    for data, message in [
        ({"note": "同意"}, missing),
        ({"decision": "", "note": "同意"}, missing),
        ({"decision": "maybe", "note": "同意"}, "maybe"),  # Django's own "not a valid choice"
    ]:
        response = client.post(f"/coordination/supervision/{order.pk}/decide/", data, follow=True)
        assert response.status_code == 200
        assert message in response.content.decode()
    order.refresh_from_db()
    assert order.status == "plan_submitted"
    assert list(order.plans.values_list("decision", flat=True)) == ["pending"]
    assert ProblemEvent.objects.count() == events
    assert not Notification.objects.filter(event="supervision.decided").exists()


def test_the_assign_form_lists_the_units_as_a_scrolling_checklist(
    client, dispatcher, clerk_a, project_a, bureau, unit_a, unit_b
) -> None:
    problem = services.problem_raise(
        actor=clerk_a, project=project_a, type="land", title="t", description="d"
    )
    client.force_login(dispatcher)
    url = f"/coordination/problems/{problem.pk}/assign/"
    page = client.get(url).content.decode()
    assert '<select name="units"' not in page
    boxes = re.findall(r'<input type="checkbox" name="units" value="(\d+)"', page)
    assert sorted(map(int, boxes)) == sorted([bureau.pk, unit_a.pk, unit_b.pk])
    assert re.search(r'<div id="id_units" class="[^"]*" style="max-height: 15rem; overflow-y: auto">', page)
    assert "可勾选多个单位" in page
    response = client.post(url, {"deadline_days": 10})
    assert "请至少选择一个责任单位" in response.content.decode()
    assert client.post(url, {"units": [bureau.pk, unit_b.pk], "deadline_days": 10}).status_code == 302
    problem.refresh_from_db()
    assert set(problem.units.all()) == {bureau, unit_b}
    # Reopened, the form ticks the units already responsible.
    page = client.get(url).content.decode()
    ticked = re.findall(r'<input type="checkbox" name="units" value="(\d+)"[^>]* checked>', page)
    assert sorted(map(int, ticked)) == sorted([bureau.pk, unit_b.pk])
