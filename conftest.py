"""Test set-up shared by every app: the clock is frozen, users come from factories."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from xianfeng.lib import clock

# The demo's "today": just after November 2024's reports were due.
TODAY = dt.date(2024, 12, 6)


@pytest.fixture(autouse=True)
def _frozen_today() -> Iterator[None]:
    with clock.frozen(TODAY):
        yield


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """A request in English leaves English active in the thread; the next test starts in Chinese."""
    from django.conf import settings
    from django.utils import translation

    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):  # type: ignore[no-untyped-def]
    """Argon2 costs ~0.1 s a hash by design; tests that check it switch it back on."""
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.Argon2PasswordHasher",
    ]


@pytest.fixture
def argon2_hashing(settings):  # type: ignore[no-untyped-def]
    from xianfeng import settings as project_settings

    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS


@pytest.fixture(autouse=True, scope="session")
def _tasks_run_inline() -> Iterator[None]:
    """Background tasks run synchronously in tests (as with XF_TASKS_BACKEND=immediate)."""
    from django.test import override_settings

    immediate = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    with override_settings(TASKS=immediate):
        yield


@pytest.fixture
def unit_a(db):  # type: ignore[no-untyped-def]
    from xianfeng.tests.factories import DepartmentFactory

    return DepartmentFactory(name="甲单位", short_name="甲")


@pytest.fixture
def unit_b(db):  # type: ignore[no-untyped-def]
    from xianfeng.tests.factories import DepartmentFactory

    return DepartmentFactory(name="乙单位", short_name="乙")


@pytest.fixture
def dispatcher(db):  # type: ignore[no-untyped-def]
    from xianfeng.org.choices import Role
    from xianfeng.tests.factories import UserFactory

    return UserFactory(username="alice", full_name="调度员爱丽丝", role=Role.DISPATCHER)


@pytest.fixture
def clerk_a(unit_a):  # type: ignore[no-untyped-def]
    from xianfeng.org.choices import Role
    from xianfeng.tests.factories import UserFactory

    return UserFactory(username="bob", full_name="甲单位填报员", role=Role.UNIT_REPORTER, department=unit_a)


@pytest.fixture
def clerk_b(unit_b):  # type: ignore[no-untyped-def]
    from xianfeng.org.choices import Role
    from xianfeng.tests.factories import UserFactory

    return UserFactory(
        username="charlie", full_name="乙单位填报员", role=Role.UNIT_REPORTER, department=unit_b
    )


@pytest.fixture
def reviewer_a(unit_a):  # type: ignore[no-untyped-def]
    from xianfeng.org.choices import Role
    from xianfeng.tests.factories import UserFactory

    return UserFactory(username="dave", full_name="甲单位审核员", role=Role.UNIT_REVIEWER, department=unit_a)


@pytest.fixture
def leader_user(db):  # type: ignore[no-untyped-def]
    from xianfeng.org.choices import Role
    from xianfeng.tests.factories import UserFactory

    return UserFactory(username="erin", full_name="区领导", role=Role.LEADER)


@pytest.fixture
def admin_user(db):  # type: ignore[no-untyped-def]
    from xianfeng.org.choices import Role
    from xianfeng.tests.factories import UserFactory

    return UserFactory(
        username="frank", full_name="系统管理员", role=Role.ADMIN, is_staff=True, is_superuser=True
    )


@pytest.fixture
def auditor(db):  # type: ignore[no-untyped-def]
    from xianfeng.org.choices import Role
    from xianfeng.tests.factories import UserFactory

    return UserFactory(username="grace", full_name="审计员", role=Role.AUDITOR)


@pytest.fixture
def project_a(unit_a):  # type: ignore[no-untyped-def]
    from xianfeng.tests.factories import ProgrammeEntryFactory, ProjectFactory

    project = ProjectFactory(name="甲单位项目", lead_unit=unit_a)
    ProgrammeEntryFactory(project=project)
    return project


@pytest.fixture
def project_b(unit_b):  # type: ignore[no-untyped-def]
    from xianfeng.tests.factories import ProgrammeEntryFactory, ProjectFactory

    project = ProjectFactory(name="乙单位项目", lead_unit=unit_b)
    ProgrammeEntryFactory(project=project)
    return project
