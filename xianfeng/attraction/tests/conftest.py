"""Fixtures for the attraction tests: the investment-promotion bureau (its code is the setting's),
its officer, a chain, an expo, and helpers that make leads through the services."""

from __future__ import annotations

import pytest
from django.conf import settings

from xianfeng.org.choices import Role
from xianfeng.tests.factories import ChainFactory, DepartmentFactory, UserFactory


@pytest.fixture
def promo(db):  # type: ignore[no-untyped-def]
    """区投资促进中心: the bureau that sees and works every lead."""
    return DepartmentFactory(
        code=settings.XF_ATTRACTION_BUREAU_CODE, name="区投资促进中心", short_name="区投促中心"
    )


@pytest.fixture
def promo_clerk(promo):  # type: ignore[no-untyped-def]
    return UserFactory(username="ivy", full_name="投促中心专员", role=Role.UNIT_REPORTER, department=promo)


@pytest.fixture
def promo_reviewer(promo):  # type: ignore[no-untyped-def]
    return UserFactory(username="jack", full_name="投促中心审核员", role=Role.UNIT_REVIEWER, department=promo)


@pytest.fixture
def chain(db):  # type: ignore[no-untyped-def]
    return ChainFactory(code="vr", name="虚拟现实")


@pytest.fixture
def expo(promo_clerk):  # type: ignore[no-untyped-def]
    import datetime as dt

    from xianfeng.attraction import services
    from xianfeng.attraction.choices import EventKind

    return services.event_create(
        actor=promo_clerk,
        fields={
            "name": "第七届中国国际进口博览会",
            "kind": EventKind.EXPO,
            "starts_on": dt.date(2024, 11, 5),
            "ends_on": dt.date(2024, 11, 10),
            "city": "上海",
            "country": "中国",
        },
    )
