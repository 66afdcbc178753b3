"""The demo programme: the seed's figures exactly, a believable December 2024, and determinism."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from collections import Counter
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Sum

from xianfeng.audit.models import ChangeRecord
from xianfeng.demo import data
from xianfeng.demo.generator import (
    AS_OF,
    DEMO_PASSWORD,
    DEMO_REASON,
    DemoConflictError,
    demo_digest,
    generate_plan,
    load_demo,
    plan_digest,
)
from xianfeng.org.choices import Role
from xianfeng.org.models import Department, Leader, Region, User
from xianfeng.parks.models import IndustryChain, Park
from xianfeng.projects.choices import (
    PLANNING_STEPS,
    PREPARATORY_STEPS,
    STARTED_STAGES,
    Category,
    Kind,
    Level,
    MilestoneKind,
    Stage,
)
from xianfeng.projects.codes import is_internal_code, parse_national_code
from xianfeng.projects.models import Milestone, ProgrammeEntry, Project, StageTransition
from xianfeng.projects.selectors import pipeline_board
from xianfeng.projects.services import project_validate
from xianfeng.tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db

# name → (kind, level, stage on 2024-12-06) for the projects the report names.
SEED_NAMED = {
    "青岛虚拟现实整机和光学模组项目": (Kind.CONTINUING, Stage.OPERATING),
    "青岛虚拟现实创享中心项目": (Kind.CONTINUING, Stage.OPERATING),
    "观海文创产业园项目": (Kind.CONTINUING, Stage.CONSTRUCTION),
    "虚拟现实产业园总部基地项目": (Kind.NEW_START, Stage.CONSTRUCTION),
    "崂山区人民医院项目": (Kind.NEW_START, Stage.CONSTRUCTION),
    "崂山文化艺术中心项目": (Kind.NEW_START, Stage.CONSTRUCTION),
    "若七文化艺术综合体项目": (Kind.CONTINUING, Stage.OPERATING),
    "新华锦小蓬莱国际康复医院项目": (Kind.CONTINUING, Stage.OPERATING),
    "张村河生态公园项目": (Kind.NEW_START, Stage.CONSTRUCTION),
    "石老人海水浴场TOD地铁项目": (Kind.NEW_START, Stage.CONSTRUCTION),
    "浮山学校项目": (Kind.CONTINUING, Stage.CONSTRUCTION),
    "崂山区第一中学项目": (Kind.NEW_START, Stage.CONSTRUCTION),
    "山东中医药大学附属医院青岛医院项目": (Kind.CONTINUING, Stage.CONSTRUCTION),
    "崂山区公共卫生中心项目": (Kind.CONTINUING, Stage.OPERATING),
}


def _load() -> None:
    result = load_demo(extras=())
    assert result.created


def test_programme_has_the_seed_figures_and_named_projects() -> None:
    _load()
    entries = ProgrammeEntry.objects.filter(year=2024)
    assert entries.count() == 315
    assert Project.objects.count() == 315
    assert not Project.objects.filter(is_illustrative=False).exists()
    total = Project.objects.filter(entries__year=2024).aggregate(s=Sum("total_investment"))["s"]
    assert total == Decimal("23000000.00")  # 2,300 亿元
    kinds = Counter(entries.values_list("kind", flat=True))
    assert kinds[Kind.NEW_START] == 155
    assert kinds[Kind.CONTINUING] + kinds[Kind.RESERVE] + kinds[Kind.STRATEGIC] == 160
    assert all(kinds[k] > 0 for k in Kind.values)
    levels = Counter(entries.values_list("level", flat=True))
    assert (levels[Level.PROVINCE], levels[Level.CITY], levels[Level.DISTRICT]) == (12, 45, 258)
    assert set(Project.objects.values_list("category", flat=True)) == set(Category.values)
    assert sorted(entries.values_list("serial", flat=True)) == list(range(1, 316))

    district = Region.objects.get(code="370212", name="崂山区")
    assert district.parent is not None and district.parent.code == "370200"
    streets = dict(Region.objects.filter(parent=district).values_list("code", "name"))
    assert streets == {
        "370212001": "中韩街道",
        "370212002": "沙子口街道",
        "370212003": "王哥庄街道",
        "370212004": "北宅街道",
        "370212005": "金家岭街道",
    }
    assert 28 <= Department.objects.count() <= 35
    assert Department.objects.exclude(projects=None).distinct().count() >= 25
    assert IndustryChain.objects.count() == 7
    assert Park.objects.count() == 4
    assert set(Park.objects.values_list("name", flat=True)) >= {
        "青岛市虚拟现实产业园",
        "青岛市人工智能产业园",
    }
    assert Leader.objects.count() == 8

    # A skewed distribution: a few giants of 100 亿 and more, most between 1 and 10 亿.
    amounts = list(Project.objects.values_list("total_investment", flat=True))
    assert 3 <= sum(a >= 1_000_000 for a in amounts) <= 8
    assert sum(10_000 <= a < 100_000 for a in amounts) > 150

    # The projects the report names, where it puts them.
    for name, (kind, stage) in SEED_NAMED.items():
        project = Project.objects.get(name=name)
        entry = project.entries.get(year=2024)
        assert (entry.kind, project.stage) == (kind, stage), name
        assert "报道" in entry.note, name
    vr = Project.objects.get(name="青岛虚拟现实整机和光学模组项目")
    assert vr.floor_area == Decimal(350_000) and "株洲路" in vr.location_text
    assert vr.actual_completion is not None and vr.actual_completion < dt.date(2024, 1, 1)
    guanhai = Project.objects.get(name="观海文创产业园项目")
    assert guanhai.actual_start is not None and guanhai.actual_start.strftime("%Y-%m") == "2023-12"
    # "将于年内开工建设" and "将于年内建成投用" both happened in 2024, with the moves recorded.
    for name in ["虚拟现实产业园总部基地项目", "崂山区人民医院项目", "崂山文化艺术中心项目"]:
        start = Project.objects.get(name=name).actual_start
        assert start is not None and start.year == 2024
        assert StageTransition.objects.filter(
            project__name=name, to_stage=Stage.CONSTRUCTION, effective_date=start
        ).exists()
    for name in ["青岛虚拟现实创享中心项目", "若七文化艺术综合体项目", "新华锦小蓬莱国际康复医院项目"]:
        done = Project.objects.get(name=name).actual_completion
        assert done is not None and done.year == 2024
        assert list(
            StageTransition.objects.filter(project__name=name, effective_date__year=2024).values_list(
                "to_stage", flat=True
            )
        ) == [Stage.COMPLETED, Stage.OPERATING]
    # The groups the report counts appear in the programme.
    assert Project.objects.filter(entries__note__contains="8所学校").count() == 8
    assert Project.objects.filter(entries__note=data.RURAL_NOTE).count() == 12
    assert Project.objects.filter(name__contains="口袋公园").exists()
    assert Project.objects.filter(name__contains="社区养老服务站").exists()


def test_every_project_validates_and_every_code_parses() -> None:
    _load()
    national = []
    for project in Project.objects.select_related("park", "chain"):
        project_validate(project)  # raises ValidationError on any broken rule
        assert is_internal_code(project.internal_code)
        if project.national_code:
            code = parse_national_code(project.national_code, max_year=2024)
            assert code.division == "370212"
            assert 2014 <= code.year <= 2024
            national.append(project.national_code)
        if project.street_id:
            assert Decimal("36.05") <= project.latitude <= Decimal("36.35")
            assert Decimal("120.40") <= project.longitude <= Decimal("120.72")
    assert len(national) == len(set(national))
    assert 250 < len(national) < 315  # most have a national code, some only the internal one
    codes = sorted(Project.objects.values_list("internal_code", flat=True))
    assert codes[0] == "XF2024-00001" and codes[-1] == "XF2024-00315"


def test_the_year_stands_as_on_6_december() -> None:
    _load()
    entries = list(ProgrammeEntry.objects.filter(year=2024).select_related("project"))
    new = [e for e in entries if e.kind == Kind.NEW_START]
    assert all(e.planned_start_month and 1 <= e.planned_start_month <= 9 for e in new)
    assert all(e.planned_start_month <= 6 for e in new if e.level != Level.DISTRICT)
    not_started = [e for e in new if e.project.actual_start is None]
    late = [
        e
        for e in new
        if e.project.actual_start and e.project.actual_start.month > (e.planned_start_month or 12)
    ]
    assert 6 <= len(not_started) <= 10  # ~5% still waiting in December
    assert all(e.project.stage == Stage.RESERVE and e.invested_ytd == 0 for e in not_started)
    assert 12 <= len(late) <= 19  # ~10% started after the planned month
    assert sum(e.project.stage == Stage.COMPLETED for e in new) >= 5

    for e in entries:
        project = e.project
        assert e.invested_as_of == AS_OF
        assert e.planned_investment <= project.total_investment
        assert e.invested_before + e.invested_ytd <= project.total_investment
        assert (e.invested_before > 0) == (e.kind == Kind.CONTINUING), project.name
        if project.actual_start is None:
            assert e.invested_ytd == 0, project.name
        started = project.stage in STARTED_STAGES or project.stage == Stage.SUSPENDED
        assert started == (project.actual_start is not None), project.name

    continuing = [e for e in entries if e.kind == Kind.CONTINUING and e.planned_investment]
    rates = [e.invested_ytd / e.planned_investment for e in continuing]
    assert sum(r < Decimal("0.6") for r in rates) >= 5  # well behind time progress (11/12)
    assert sum(r > 1 for r in rates) >= 5  # ahead of plan
    assert sum(e.project.stage in {Stage.COMPLETED, Stage.OPERATING} for e in continuing) >= 15

    # Milestones agree with the dates; reserve and strategic projects are part-way.
    starts = dict(
        Milestone.objects.filter(kind=MilestoneKind.START, actual_date__isnull=False).values_list(
            "project_id", "actual_date"
        )
    )
    assert starts == dict(
        Project.objects.filter(actual_start__isnull=False).values_list("id", "actual_start")
    )
    completions = dict(
        Milestone.objects.filter(kind=MilestoneKind.COMPLETION, actual_date__isnull=False).values_list(
            "project_id", "actual_date"
        )
    )
    assert completions == dict(
        Project.objects.filter(actual_completion__isnull=False).values_list("id", "actual_completion")
    )
    assert not Milestone.objects.filter(actual_date__gt=dt.date(2024, 12, 6)).exists()
    board = {c.kind: c for c in pipeline_board(user=User.objects.get(username="dispatcher"), year=2024)}
    reserve = board[Kind.RESERVE].cards
    assert {c.status for c in reserve} >= {"ok", "warn"}
    assert any(0 < c.done < c.total for c in board[Kind.STRATEGIC].cards)
    assert all(c.total == len(PLANNING_STEPS) for c in board[Kind.STRATEGIC].cards)
    assert all(c.total == len(PREPARATORY_STEPS) for c in reserve)
    assert {c.status for c in board[Kind.NEW_START].cards} >= {"ok", "warn", "late"}

    # History: each project was entered by the dispatcher and its 2024 moves are kept.
    dispatcher = User.objects.get(username="dispatcher")
    created = ChangeRecord.objects.filter(object_type="projects.Project", action="create")
    assert created.count() == 315
    assert set(created.values_list("actor", "reason").distinct()) == {(dispatcher.pk, DEMO_REASON)}
    moves_2024 = StageTransition.objects.filter(effective_date__year=2024, at__year=2024).exclude(
        from_stage=""
    )
    assert moves_2024.count() == ChangeRecord.objects.filter(action="transition").count() > 150
    assert not StageTransition.objects.filter(at__date__gt=dt.date(2024, 12, 6)).exists()
    # No wall-clock time leaks into the demo: everything happened by 6 December 2024.
    assert not Project.objects.filter(updated_at__date__gt=dt.date(2024, 12, 6)).exists()
    assert not ProgrammeEntry.objects.filter(updated_at__date__gt=dt.date(2024, 12, 6)).exists()
    assert not ChangeRecord.objects.filter(at__date__gt=dt.date(2024, 12, 6)).exists()


# --reset flushes the database, which PostgreSQL refuses inside the test's open transaction (pending
# deferred foreign-key checks), so this test commits for real, as the command does.
@pytest.mark.django_db(transaction=True)
def test_loading_twice_changes_nothing_and_reset_rebuilds_the_same_programme() -> None:
    out = StringIO()
    call_command("load_demo", programme_only=True, stdout=out)
    text = out.getvalue()
    assert "315 个重点项目" in text
    for username, *_rest in data.DEMO_USERS:
        assert username in text
    assert DEMO_PASSWORD in text and "区卫生健康局" in text
    first = demo_digest()
    rows = (Project.objects.count(), ChangeRecord.objects.count(), Milestone.objects.count())

    out = StringIO()
    call_command("load_demo", programme_only=True, stdout=out)
    assert "未作改动" in out.getvalue() and "dispatcher" in out.getvalue()
    assert demo_digest() == first
    assert (Project.objects.count(), ChangeRecord.objects.count(), Milestone.objects.count()) == rows

    call_command("load_demo", reset=True, programme_only=True, stdout=StringIO())
    assert demo_digest() == first  # a fresh database gets the very same codes and amounts
    assert Project.objects.count() == 315


def test_the_plan_is_the_same_in_another_process() -> None:
    expected = plan_digest(generate_plan())
    assert plan_digest(generate_plan()) == expected
    script = (
        "import django; django.setup(); "
        "from xianfeng.demo.generator import generate_plan, plan_digest; "
        "print(plan_digest(generate_plan()))"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345", "DJANGO_SETTINGS_MODULE": "xianfeng.settings"}
    root = Path(__file__).resolve().parents[3]
    run = subprocess.run(
        [sys.executable, "-c", script], env=env, cwd=root, capture_output=True, text=True, check=True
    )
    assert run.stdout.strip().splitlines()[-1] == expected


def test_demo_refuses_to_mix_with_other_data() -> None:
    ProjectFactory(name="已有项目")
    with pytest.raises(DemoConflictError):
        load_demo(extras=())
    with pytest.raises(CommandError, match="--reset"):
        call_command("load_demo", programme_only=True, stdout=StringIO())
    assert Project.objects.count() == 1


def test_demo_users_log_in_and_see_what_their_role_allows(client) -> None:  # type: ignore[no-untyped-def]
    _load()
    # Every account shares the one demo password (and its hash, so one check covers them all).
    users = User.objects.filter(username__in=[row[0] for row in data.DEMO_USERS])
    assert users.count() == len(data.DEMO_USERS)
    assert len(set(users.values_list("password", flat=True))) == 1
    assert client.login(username="dispatcher", password=DEMO_PASSWORD)
    assert client.login(username="weijian_tb", password=DEMO_PASSWORD)
    assert not client.login(username="dispatcher", password="wrong-password")
    for username, role, _name, unit, _leader in data.DEMO_USERS:
        user = User.objects.get(username=username)
        assert user.role == role and user.is_active
        if unit:
            assert user.department is not None and user.department.code == unit
            own = Project.objects.filter(lead_unit=user.department).count()
            assert own > 0 or unit == "ZRZY"  # natural resources serves others' land problems
            if role != Role.DISPATCHER:
                assert Project.objects.restrict(user, "view").count() == own
    admin = User.objects.get(username="admin")
    assert admin.is_staff and not admin.is_superuser
    leader = Leader.objects.get(user__username="leader")
    assert leader.projects.count() > 10
    assert Project.objects.restrict(leader.user, "view").count() == 315
    assert Project.objects.restrict(leader.user, "change").count() == 0
    assert Project.objects.restrict(User.objects.get(username="auditor"), "view").count() == 0


def test_printed_logins_include_the_accounts_later_layers_added() -> None:
    _load()
    password = User.objects.get(username="dispatcher").password
    unit = Department.objects.get(code="ZRZY")
    User.objects.create(
        username="zrzy_lly", full_name="联络员", role=Role.UNIT_REPORTER, department=unit, password=password
    )
    User.objects.create(username="stranger", role=Role.UNIT_REPORTER, department=unit, password="md5$x$y")
    result = load_demo(extras=())
    names = [row["username"] for row in result.logins]
    assert names[: len(data.DEMO_USERS)] == [row[0] for row in data.DEMO_USERS]
    assert names[len(data.DEMO_USERS) :] == ["zrzy_lly"]
    extra = result.logins[-1]
    assert extra["password"] == DEMO_PASSWORD and extra["unit"] == unit.name
