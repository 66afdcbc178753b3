"""Fixtures of the dispatch tests: unit A's projects in the 2024 programme, November opened."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from xianfeng.dispatch import services
from xianfeng.dispatch.models import ReportingPeriod
from xianfeng.lib import clock
from xianfeng.projects.choices import Kind, Stage
from xianfeng.projects.models import ProgrammeEntry
from xianfeng.tests.factories import ProgrammeEntryFactory, ProjectFactory


@pytest.fixture
def entries_a(unit_a: Any) -> list[ProgrammeEntry]:
    """Three projects of unit A: one under construction, one new start not yet started, one big."""
    built = ProjectFactory(
        name="甲·在建厂房",
        lead_unit=unit_a,
        stage=Stage.CONSTRUCTION,
        actual_start=dt.date(2023, 5, 1),
        total_investment=Decimal("10000"),
        national_code="2023-370212-34-01-000001",
        contact_name="王工",
        contact_phone="13800000001",
    )
    new = ProjectFactory(
        name="甲·新开工学校",
        lead_unit=unit_a,
        stage=Stage.RESERVE,
        total_investment=Decimal("5000"),
        national_code="2024-370212-83-01-000002",
    )
    big = ProjectFactory(
        name="甲·片区改造", lead_unit=unit_a, stage=Stage.CONSTRUCTION, actual_start=dt.date(2022, 3, 1)
    )
    return [
        ProgrammeEntryFactory(
            project=built, serial=1, planned_investment=Decimal("3000"), invested_before=Decimal("4000")
        ),
        ProgrammeEntryFactory(
            project=new,
            serial=2,
            kind=Kind.NEW_START,
            planned_start_month=10,
            planned_investment=Decimal("1000"),
        ),
        ProgrammeEntryFactory(project=big, serial=3, planned_investment=Decimal("2000")),
    ]


@pytest.fixture
def entry_b(unit_b: Any) -> ProgrammeEntry:
    project = ProjectFactory(
        name="乙单位项目", lead_unit=unit_b, stage=Stage.CONSTRUCTION, actual_start=dt.date(2023, 1, 1)
    )
    return ProgrammeEntryFactory(project=project, serial=9)


def open_period(actor: Any, year: int = 2024, month: int = 11) -> ReportingPeriod:
    return services.period_open(actor=actor, year=year, month=month)


@pytest.fixture
def october(dispatcher: Any, entries_a: list[ProgrammeEntry]) -> ReportingPeriod:
    return open_period(dispatcher, month=10)


@pytest.fixture
def november(dispatcher: Any, entries_a: list[ProgrammeEntry]) -> ReportingPeriod:
    return open_period(dispatcher, month=11)


def values(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "invested_month": Decimal("100"),
        "progress_text": "主体结构施工",
        "progress_percent": 40,
        "workers_on_site": 80,
    }
    base.update(overrides)
    return base


def row(entry: ProgrammeEntry, version: int | None = None, **overrides: Any) -> services.RowInput:
    entry = ProgrammeEntry.objects.select_related("project", "project__lead_unit").get(pk=entry.pk)
    return services.RowInput(entry=entry, values=values(**overrides), expected_version=version, key=entry.pk)


def today() -> dt.date:
    return clock.today()
