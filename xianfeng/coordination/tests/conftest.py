"""Fixtures for the coordination tests: a natural-resources bureau, a leader in charge, helpers."""

from __future__ import annotations

import pytest

from xianfeng.org.choices import Role
from xianfeng.tests.factories import DepartmentFactory, LeaderFactory, UserFactory


@pytest.fixture
def bureau(db):  # type: ignore[no-untyped-def]
    return DepartmentFactory(name="区自然资源局", short_name="自然资源局")


@pytest.fixture
def bureau_clerk(bureau):  # type: ignore[no-untyped-def]
    return UserFactory(
        username="nina",
        full_name="自然资源局填报员",
        role=Role.UNIT_REPORTER,
        department=bureau,
        email="nina@example.org",
    )


@pytest.fixture
def leader_row(leader_user):  # type: ignore[no-untyped-def]
    return LeaderFactory(name="孟书航", title="副区长", user=leader_user)


@pytest.fixture
def led_project(project_a, leader_row):  # type: ignore[no-untyped-def]
    project_a.leader = leader_row
    project_a.save(update_fields=["leader"])
    return project_a
