"""Leads and investors made through the services, for the attraction tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from xianfeng.attraction import services
from xianfeng.attraction.choices import AmountUnit, Origin, Source
from xianfeng.attraction.models import Investor, Lead
from xianfeng.lib import uscc

_serial = [0]


def make_code(body: str) -> str:
    """A valid unified social credit code: ``body`` is the first 17 characters."""
    return body + uscc.check_char(body)


def new_investor(name: str = "青岛海尔智能科技有限公司", **kwargs: Any) -> dict[str, Any]:
    return {"name": name, "origin": Origin.DOMESTIC, **kwargs}


def make_investor(actor: Any, name: str = "德国西门子股份公司", **kwargs: Any) -> Investor:
    fields = {"name": name, "origin": Origin.FOREIGN, "country": "德国", **kwargs}
    return services.investor_create(actor=actor, fields=fields, confirm_duplicate=True)


def make_lead(actor: Any, investor: Investor | None = None, **kwargs: Any) -> Lead:
    _serial[0] += 1
    fields: dict[str, Any] = {
        "name": f"测试线索{_serial[0]}",
        "source": Source.DIRECT,
        "investment_amount": Decimal("50000"),
        "investment_unit": AmountUnit.CNY_WAN,
        "land_mu": Decimal("100"),
        "expected_tax_wan": Decimal("2500"),
        "entered_on": dt.date(2024, 3, 1),
    }
    new = kwargs.pop("new_investor", None)
    fields.update(kwargs)
    if investor is not None:
        fields["investor"] = investor
    elif new is None:
        new = new_investor(f"测试投资方{_serial[0]}号科技有限公司")
    return services.lead_create(actor=actor, fields=fields, new_investor=new, confirm_duplicate=True)


def sign(actor: Any, lead: Lead, day: dt.date = dt.date(2024, 6, 1), amount: str = "60000") -> Lead:
    return services.lead_sign(
        actor=actor, lead=lead, signed_on=day, amount=Decimal(amount), unit=AmountUnit.CNY_WAN
    )


def register(actor: Any, lead: Lead, day: dt.date = dt.date(2024, 7, 1), code: str | None = None) -> Lead:
    _serial[0] += 1
    code = code or make_code(f"91370212MA{_serial[0]:07d}")
    return services.lead_register(
        actor=actor,
        lead=lead,
        registered_on=day,
        company_name=f"{lead.name}（青岛）有限公司",
        credit_code=code,
    )
