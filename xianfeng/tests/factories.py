"""factory_boy factories for every app's tests."""

from __future__ import annotations

from decimal import Decimal

import factory

from xianfeng.org.choices import RegionLevel, Role
from xianfeng.org.models import Department, Leader, Region, User
from xianfeng.parks.models import IndustryChain, Park
from xianfeng.projects.choices import Category, Kind, Level, Stage
from xianfeng.projects.models import ProgrammeEntry, Project

PASSWORD = "xf-test-password"


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"370212{n + 1:03d}")
    name = factory.Sequence(lambda n: f"街道{n}")
    level = RegionLevel.STREET


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    code = factory.Sequence(lambda n: f"D{n:03d}")
    name = factory.Sequence(lambda n: f"测试单位{n}")
    short_name = factory.Sequence(lambda n: f"单位{n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"用户{n}")
    role = Role.DISPATCHER
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            self.save()


class LeaderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Leader

    name = factory.Sequence(lambda n: f"领导{n}")
    title = "副区长"


class ChainFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IndustryChain

    code = factory.Sequence(lambda n: f"C{n}")
    name = factory.Sequence(lambda n: f"产业链{n}")


class ParkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Park

    code = factory.Sequence(lambda n: f"P{n}")
    name = factory.Sequence(lambda n: f"园区{n}")
    chain = factory.SubFactory(ChainFactory)


class ProjectFactory(factory.django.DjangoModelFactory):
    """A project written straight to the table (bypassing services) for read-side tests."""

    class Meta:
        model = Project

    internal_code = factory.Sequence(lambda n: f"XF2024-{n + 1:05d}")
    name = factory.Sequence(lambda n: f"测试项目{n}")
    category = Category.INDUSTRY
    lead_unit = factory.SubFactory(DepartmentFactory)
    total_investment = Decimal("10000.00")
    stage = Stage.RESERVE
    search_text = factory.LazyAttribute(lambda o: f"{o.name} {o.internal_code}".lower())


class ProgrammeEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProgrammeEntry

    project = factory.SubFactory(ProjectFactory)
    year = 2024
    serial = factory.Sequence(lambda n: n + 1)
    kind = Kind.CONTINUING
    level = Level.DISTRICT
    planned_investment = Decimal("2000.00")
