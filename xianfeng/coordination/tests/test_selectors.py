"""The board, its medians, the leader's page and the bulletin section, against hand-computed figures."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from xianfeng.coordination import selectors, services
from xianfeng.coordination.choices import EscalationLevel, ProblemAction, ProblemStatus, ProblemType
from xianfeng.coordination.models import Problem
from xianfeng.coordination.tests.helpers import assigned_problem, raise_problem
from xianfeng.lib import clock
from xianfeng.org.choices import Role
from xianfeng.tests.factories import UserFactory

pytestmark = pytest.mark.django_db
D = dt.date


def closed_problem(
    clerk: Any,
    dispatcher: Any,
    project: Any,
    unit: Any,
    unit_clerk: Any,
    *,
    raised: dt.date,
    closed: dt.date,
    type: str,
) -> Problem:
    with clock.frozen(raised):
        problem = assigned_problem(clerk, dispatcher, project, [unit], type=type, title=f"{type}-{raised}")
        services.problem_transition(actor=unit_clerk, problem=problem, action=ProblemAction.ACCEPT)
    with clock.frozen(closed):
        services.problem_transition(
            actor=unit_clerk, problem=problem, action=ProblemAction.RESOLVE, resolution="办"
        )
        services.problem_transition(actor=clerk, problem=problem, action=ProblemAction.CLOSE)
    problem.refresh_from_db()
    assert problem.days_to_close == (closed - raised).days
    return problem


@pytest.fixture
def history(clerk_a, dispatcher, led_project, bureau, bureau_clerk, unit_b, clerk_b):  # type: ignore[no-untyped-def]
    """Five closed problems (days to close in brackets) and two open ones.

    用地: bureau 4, bureau 10, 乙 30 → median 10.      资金: bureau 5, 乙 8 → median 6.5.
    By unit: bureau [4, 5, 10] → 5;  乙 [8, 30] → 19.
    """
    rows = [
        (bureau, bureau_clerk, D(2024, 3, 1), D(2024, 3, 5), ProblemType.LAND),
        (bureau, bureau_clerk, D(2024, 4, 1), D(2024, 4, 11), ProblemType.LAND),
        (unit_b, clerk_b, D(2024, 5, 6), D(2024, 6, 5), ProblemType.LAND),
        (bureau, bureau_clerk, D(2024, 6, 3), D(2024, 6, 8), ProblemType.FUNDING),
        (unit_b, clerk_b, D(2024, 11, 4), D(2024, 11, 12), ProblemType.FUNDING),
    ]
    closed = [
        closed_problem(clerk_a, dispatcher, led_project, unit, who, raised=r, closed=c, type=t)
        for unit, who, r, c, t in rows
    ]
    with clock.frozen(D(2024, 10, 8)):
        late = assigned_problem(
            clerk_a,
            dispatcher,
            led_project,
            [bureau],
            days=10,
            type=ProblemType.DEMOLITION,
            title="demolition-2024-10-08",
        )
    fresh = raise_problem(clerk_a, led_project, type=ProblemType.APPROVAL, title="施工许可审批慢")
    return {"closed": closed, "late": late, "fresh": fresh}


def _medians(rows: list[selectors.MedianRow]) -> dict[str, tuple[int, Decimal | None]]:
    return {row.label: (row.closed, row.median_days) for row in rows}


def test_median_days_to_close_by_type_and_unit(history, dispatcher) -> None:
    medians = selectors.close_medians(user=dispatcher, filters=selectors.BoardFilters())
    assert _medians(medians["type"]) == {"用地": (3, Decimal("10.0")), "资金": (2, Decimal("6.5"))}
    assert _medians(medians["unit"]) == {"乙": (2, Decimal("19.0")), "自然资源局": (3, Decimal("5.0"))}
    # Filters narrow the medians too.
    only_land = selectors.BoardFilters.from_params(QueryDict("type=land"))
    assert _medians(selectors.close_medians(user=dispatcher, filters=only_land)["unit"]) == {
        "乙": (1, Decimal("30.0")),
        "自然资源局": (2, Decimal("7.0")),
    }


def test_board_summary_counts_by_status_overdue_and_escalated(history, dispatcher) -> None:
    services.problems_escalate_overdue(today=clock.today())
    summary = selectors.board_summary(user=dispatcher, filters=selectors.BoardFilters())
    counts = {code: n for code, _label, n in summary.by_status}
    assert counts[ProblemStatus.CLOSED] == 5
    assert counts[ProblemStatus.OPEN] == 2
    assert (summary.total, summary.active, summary.overdue, summary.escalated) == (7, 2, 1, 1)


@pytest.mark.parametrize(
    ("query", "titles"),
    [
        ("status=active", {"施工许可审批慢", "demolition-2024-10-08"}),
        ("overdue=1", {"demolition-2024-10-08"}),
        ("type=funding", {"funding-2024-06-03", "funding-2024-11-04"}),
        ("age=0-7", {"施工许可审批慢", "land-2024-03-01", "funding-2024-06-03"}),
        ("age=8-30", {"land-2024-04-01", "land-2024-05-06", "funding-2024-11-04"}),
        ("age=31-90", {"demolition-2024-10-08"}),
        ("q=审批", {"施工许可审批慢"}),
        ("level=1&type=approval", {"施工许可审批慢"}),
    ],
)
def test_board_filters(history, dispatcher, query, titles) -> None:
    filters = selectors.BoardFilters.from_params(QueryDict(query))
    assert not filters.errors
    assert (
        set(selectors.problem_board(user=dispatcher, filters=filters).values_list("title", flat=True))
        == titles
    )


def test_board_filters_by_unit_and_leader(history, dispatcher, bureau, leader_row) -> None:
    by_unit = selectors.BoardFilters.from_params(QueryDict(f"unit={bureau.pk}"))
    assert selectors.problem_board(user=dispatcher, filters=by_unit).count() == 4
    by_leader = selectors.BoardFilters.from_params(QueryDict(f"leader={leader_row.pk}"))
    assert selectors.problem_board(user=dispatcher, filters=by_leader).count() == 7
    other = selectors.BoardFilters.from_params(QueryDict(f"leader={leader_row.pk + 99}"))
    assert selectors.problem_board(user=dispatcher, filters=other).count() == 0


def test_malformed_filters_are_reported_not_fatal() -> None:
    filters = selectors.BoardFilters.from_params(
        QueryDict("unit=abc&type=weather&age=forever&sort=drop&level=9")
    )
    assert set(filters.errors) == {"unit", "type", "age", "sort", "level"}
    assert (filters.unit, filters.type, filters.age, filters.sort, filters.level) == (
        None,
        "",
        "",
        "recent",
        None,
    )


def test_unit_users_see_their_projects_and_their_assignments_only(
    history, clerk_b, bureau_clerk, auditor
) -> None:
    everything = selectors.BoardFilters()
    # 乙 handles two of 甲's problems, nothing else.
    assert selectors.problem_board(user=clerk_b, filters=everything).count() == 2
    assert selectors.problem_board(user=bureau_clerk, filters=everything).count() == 4
    assert selectors.problem_board(user=auditor, filters=everything).count() == 0
    assert selectors.board_summary(user=clerk_b, filters=everything).total == 2


def test_the_bulletin_section_replays_a_past_month(history, dispatcher, clerk_b) -> None:
    section = selectors.problems_bulletin_section(user=dispatcher, as_of=D(2024, 11, 30))
    # Raised up to 30 Nov: the five closed and the October one; the December one is not yet there.
    assert section.raised_ytd == 6
    assert section.raised_in_month == 1 and section.closed_in_month == 1
    assert section.closed_ytd == 5
    assert section.open == 1
    # The demolition problem: 10 working days from 8 Oct, counting the make-up Saturday 12 Oct, is 21 Oct.
    assert section.overdue == 1
    assert section.close_rate == Decimal("83.3")
    assert section.median_days == Decimal("8.0")  # [4, 5, 8, 10, 30]
    rows = {r.label: (r.raised, r.closed, r.open, r.overdue, r.median_days) for r in section.by_type}
    assert rows == {
        "用地": (3, 3, 0, 0, Decimal("10.0")),
        "资金": (2, 2, 0, 0, Decimal("6.5")),
        "征迁": (1, 0, 1, 1, None),
    }
    late = section.overdue_list[0]
    assert (late.title, late.deadline, late.working_days_late) == (
        "demolition-2024-10-08",
        D(2024, 10, 21),
        29,
    )
    # As of the end of October the November funding problem did not exist yet.
    october = selectors.problems_bulletin_section(user=dispatcher, as_of=D(2024, 10, 31))
    assert (october.raised_ytd, october.closed_ytd, october.open) == (5, 4, 1)
    # A unit sees its own slice.
    assert selectors.problems_bulletin_section(user=clerk_b, as_of=D(2024, 11, 30)).raised_ytd == 2


def test_the_leader_page_puts_what_needs_attention_first(
    history, leader_user, leader_row, led_project, dispatcher, clerk_a, bureau, bureau_clerk
) -> None:
    services.problems_escalate_overdue(today=clock.today())
    with clock.frozen(D(2024, 11, 25)):
        late_instruction = services.instruction_create(
            actor=leader_user, project=led_project, text="加快推进", reply_days=3
        )
    waiting = services.instruction_create(
        actor=leader_user, problem=history["fresh"], text="尽快交办", reply_days=5
    )
    page = selectors.leader_page(user=leader_user, leader=leader_row)
    kinds = [(a.kind, a.title) for a in page.attention]
    assert kinds == [
        ("overdue", "demolition-2024-10-08"),
        ("instruction_late", "批示逾期未回复：甲单位项目"),
        ("instruction_waiting", "批示待回复：施工许可审批慢"),
    ]
    assert page.attention[0].days == 34 and "市级协调" in page.attention[0].detail
    assert [p.pk for p in page.projects] == [led_project.pk]
    project = page.projects[0]
    assert (project.open_problems, project.overdue_problems, project.closed_problems) == (2, 1, 5)
    assert {i.pk for i in page.instructions} == {late_instruction.pk, waiting.pk}


def test_the_board_takes_a_fixed_number_of_queries(client, clerk_a, dispatcher, led_project, bureau) -> None:
    from xianfeng.tests.factories import PASSWORD

    def count() -> int:
        client.login(username="alice", password=PASSWORD)
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/coordination/?status=active&type=land")
        assert response.status_code == 200
        return len(queries)

    assigned_problem(clerk_a, dispatcher, led_project, [bureau])
    few = count()
    for i in range(12):
        assigned_problem(clerk_a, dispatcher, led_project, [bureau], title=f"问题{i}")
    assert count() == few
    assert Problem.objects.count() == 13


def test_leader_for_finds_the_leaders_row(leader_user, leader_row) -> None:
    assert selectors.leader_for(user=leader_user) == leader_row
    other = UserFactory(username="zed", role=Role.LEADER)
    assert selectors.leader_for(user=other) is None
    assert EscalationLevel.LEADER == 3


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([5], 5),
        ([4, 10], 7),
        ([1, 1, 1, 9], 1),
        ([3, 1, 2], 2),
        ([0, 0, 30, 30], 15),
        ([2, 2, 3, 3, 3, 7], 3),
    ],
)
def test_the_median_from_a_histogram_matches_the_plain_median(values, expected) -> None:
    import statistics
    from collections import Counter

    counts = list(Counter(values).items())
    assert selectors._median_of_counts(counts) == expected == statistics.median(values)
    assert selectors._median_of_counts([]) is None


def test_project_page_links_to_its_problems_with_the_open_count(
    clerk_a, clerk_b, dispatcher, project_a, client
):
    from django.urls import reverse

    assert selectors.project_problem_links(dispatcher, project_a) == []
    raise_problem(clerk_a, project_a)
    second = raise_problem(clerk_a, project_a, title="规划条件未出具")
    Problem.objects.filter(pk=second.pk).update(status=ProblemStatus.CLOSED, closed_at=clock.now())
    [link] = selectors.project_problem_links(dispatcher, project_a)
    assert link.url == reverse("coordination:board") + f"?project={project_a.pk}"
    assert link.detail == "共 2 个，未销号 1 个"
    assert selectors.project_problem_links(clerk_b, project_a) == []
    client.force_login(clerk_a)
    html = client.get(reverse("projects:detail", args=[project_a.pk])).content.decode()
    assert link.url.replace("&", "&amp;") in html and "共 2 个，未销号 1 个" in html


def test_board_search_matches_title_or_project_name(
    clerk_a, clerk_b, dispatcher, project_a, project_b
) -> None:
    project_b.name = "乙单位道路改造项目"
    project_b.save(update_fields=["name"])
    on_a = raise_problem(clerk_a, project_a, title="道路征收迟缓")
    raise_problem(clerk_a, project_a, title="资金未到位")
    on_b = raise_problem(clerk_b, project_b, title="资金未到位")

    def found(q: str) -> set[int]:
        filters = selectors.BoardFilters.from_params(QueryDict(f"q={q}"))
        return set(selectors.problem_board(user=dispatcher, filters=filters).values_list("pk", flat=True))

    assert found("道路") == {on_a.pk, on_b.pk}  # one by its title, one by its project's name
    assert found("乙单位 资金") == {on_b.pk}  # every term must match, each in either place
    assert found("无此内容") == set()


def test_the_leader_page_speaks_english(leader_user, leader_row, led_project) -> None:
    """What needs attention is worded in the reader's language, the due date too (Dec 13, not 12月13日)."""
    with clock.frozen(D(2024, 11, 25)):
        services.instruction_create(actor=leader_user, project=led_project, text="加快推进", reply_days=3)
    services.instruction_create(actor=leader_user, project=led_project, text="尽快开工", reply_days=5)
    with translation.override("en"):
        page = selectors.leader_page(user=leader_user, leader=leader_row)
    assert [(a.title, a.detail) for a in page.attention] == [
        ("Instruction reply overdue: 甲单位项目", "Awaiting reply: 甲 (6 working days overdue)"),
        ("Instruction awaiting reply: 甲单位项目", "Awaiting reply: 甲 (due Dec 13)"),
    ]
    page = selectors.leader_page(user=leader_user, leader=leader_row)
    assert page.attention[1].detail == "待回复：甲（12月13日前）"


def test_malformed_filters_are_reported_in_english() -> None:
    with translation.override("en"):
        filters = selectors.BoardFilters.from_params(QueryDict("unit=abc&type=weather&level=9"))
    assert filters.errors == {
        "unit": "“abc” is not a valid ID",
        "type": "Problem type: unknown value “weather”",
        "level": "“9” is out of range",
    }
