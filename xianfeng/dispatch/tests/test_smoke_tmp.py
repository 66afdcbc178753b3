from decimal import Decimal

from xianfeng.dispatch import services
from xianfeng.dispatch.models import MonthlyReport
from xianfeng.dispatch.tests.conftest import row


def test_smoke(clerk_a, reviewer_a, dispatcher, entries_a, october, november):
    r = services.reports_save(actor=clerk_a, period=october, rows=[row(e) for e in entries_a], submit=True)
    assert r.applied, [o.errors for o in r.outcomes]
    r = services.reports_save(
        actor=clerk_a,
        period=november,
        rows=[row(e, invested_month=Decimal("50")) for e in entries_a],
        submit=False,
    )
    assert r.applied, [o.errors for o in r.outcomes]
    rep = MonthlyReport.objects.get(entry=entries_a[0], period=november)
    assert rep.invested_ytd == Decimal("150")
    assert rep.invested_since_start == Decimal("4150")
    entries_a[0].refresh_from_db()
    assert entries_a[0].invested_ytd == Decimal("100")
    services.report_submit(actor=clerk_a, report=rep)
    entries_a[0].refresh_from_db()
    assert entries_a[0].invested_ytd == Decimal("150")
    res = services.reports_approve(actor=reviewer_a, reports=[rep])
    assert res.done
    services.report_return(actor=dispatcher, report=rep, reason="数字不对")
    entries_a[0].refresh_from_db()
    assert entries_a[0].invested_ytd == Decimal("100")
