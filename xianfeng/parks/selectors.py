from __future__ import annotations

from django.db.models import QuerySet

from xianfeng.parks.models import IndustryChain, Park


def chains() -> QuerySet[IndustryChain]:
    return IndustryChain.objects.order_by("order", "code")


def parks() -> QuerySet[Park]:
    return Park.objects.select_related("chain", "street").order_by("order", "code")
