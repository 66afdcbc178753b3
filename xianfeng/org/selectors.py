from __future__ import annotations

from django.db.models import QuerySet

from xianfeng.org.choices import RegionLevel
from xianfeng.org.models import Department, Leader, Region


def streets() -> QuerySet[Region]:
    return Region.objects.filter(level=RegionLevel.STREET).order_by("order", "code")


def departments_active() -> QuerySet[Department]:
    return Department.objects.filter(is_active=True).order_by("order", "code")


def leaders_active() -> QuerySet[Leader]:
    return Leader.objects.filter(is_active=True).order_by("order", "id")
