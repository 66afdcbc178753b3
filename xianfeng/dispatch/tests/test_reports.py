"""Monthly reports: computed figures, pre-filling, errors and warnings, versions, the workflow,
and what handing a report in sets off (the registry's year-to-date, stage changes, problems)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from xianfeng.audit.models import ChangeRecord
from xianfeng.coordination.models import Problem
from xianfeng.dispatch import selectors, services
from xianfeng.dispatch.choices import ReportAction, ReportStatus
from xianfeng.dispatch.models import MonthlyReport, ReportEvent
from xianfeng.dispatch.tests.conftest import row
from xianfeng.lib import clock
from xianfeng.lib.errors import ConflictError
from xianfeng.notifications.models import Notification
from xianfeng.projects.choices import Stage
from xianfeng.projects.models import ProgrammeEntry, Project

pytestmark = pytest.mark.django_db


def save(actor, period, entry, *, submit=False, version=None, **values):  # type: ignore[no-untyped-def]
    result = services.reports_save(
        actor=actor, period=period, rows=[row(entry, version, **values)], submit=submit
    )
    return result, (result.outcomes[0] if result.outcomes else None)


def test_year_to_date_and_since_start_are_computed(clerk_a, entries_a, october, november) -> None:
    built = entries_a[0]  # invested_before 4000
    save(clerk_a, october, built, submit=True, invested_month=Decimal("300"))
    result, outcome = save(clerk_a, november, built, invested_month=Decimal("120.5"))
    assert result.applied and outcome.created
    report = MonthlyReport.objects.get(entry=built, period=november)
    assert report.invested_ytd == Decimal("420.50")
    assert report.invested_since_start == Decimal("4420.50")
    # Correcting October (returned, fixed, resubmitted) moves November's year-to-date too.
    october_report = MonthlyReport.objects.get(entry=built, period=october)
    services.report_return(actor=october.opened_by, report=october_report, reason="数字有误")
    save(clerk_a, october, built, submit=True, invested_month=Decimal("200"))
    report.refresh_from_db()
    assert (report.invested_ytd, report.invested_since_start) == (Decimal("320.50"), Decimal("4320.50"))


def test_prefilled_from_the_previous_month_without_money(clerk_a, entries_a, october, november) -> None:
    built = entries_a[0]
    save(
        clerk_a,
        october,
        built,
        submit=True,
        progress_text="主体结构至5层",
        progress_percent=40,
        workers_on_site=88,
    )
    draft = selectors.report_prefill(entry=built, period=november)
    assert draft.pk is None
    assert (draft.progress_text, draft.progress_percent, draft.workers_on_site) == ("主体结构至5层", 40, 88)
    assert draft.invested_month is None
    assert draft.contact == "王工 13800000001"  # from the project when never reported


def test_errors_block_and_warnings_do_not(clerk_a, entries_a, november) -> None:
    built = entries_a[0]
    result, outcome = save(clerk_a, november, built, invested_month=Decimal("-5"))
    assert not result.applied and "不能为负数" in outcome.errors["invested_month"][0]
    result, outcome = save(clerk_a, november, built, progress_percent=120)
    assert "0–100" in outcome.errors["progress_percent"][0]
    # 4000 before + 12000 this year > 1.5 × 10000 total: an explanation is needed …
    result, outcome = save(clerk_a, november, built, invested_month=Decimal("12000"))
    assert "1.5 倍" in outcome.errors["explanation"][0]
    assert not MonthlyReport.objects.exists()
    # … and with one it saves, with a warning (amber) that it is far above plan.
    result, outcome = save(
        clerk_a, november, built, invested_month=Decimal("12000"), explanation="总投资调增待批"
    )
    assert result.applied and not outcome.errors
    assert outcome.warnings["explanation"] and outcome.warnings["invested_month"]
    # A warning alone never blocks: a project not yet started reporting money.
    result, outcome = save(clerk_a, november, entries_a[1], invested_month=Decimal("10"))
    assert result.applied and "尚未开工" in outcome.warnings["invested_month"][0]


def test_percent_may_not_fall_without_a_reason(clerk_a, entries_a, october, november) -> None:
    built = entries_a[0]
    save(clerk_a, october, built, submit=True, progress_percent=60)
    result, outcome = save(clerk_a, november, built, progress_percent=55)
    assert "由上月的 60% 降为 55%" in outcome.errors["percent_drop_reason"][0]
    result, outcome = save(
        clerk_a, november, built, progress_percent=55, percent_drop_reason="重新核定工程量"
    )
    assert result.applied and outcome.warnings["progress_percent"]


def test_submitting_needs_the_month_and_the_progress(clerk_a, entries_a, november) -> None:
    result, outcome = save(
        clerk_a, november, entries_a[0], submit=True, invested_month=None, progress_text=""
    )
    assert set(outcome.errors) == {"invested_month", "progress_text"}
    assert not result.applied


def test_the_second_saver_gets_a_conflict_and_nothing_is_overwritten(
    clerk_a, dispatcher, entries_a, november
) -> None:
    built = entries_a[0]
    first, _w = services.report_save(
        actor=clerk_a,
        entry=built,
        period=november,
        values={"invested_month": Decimal("10")},
        expected_version=0,
    )
    # Both loaded version 1; the dispatcher saves first, the clerk's save is refused.
    services.report_save(
        actor=dispatcher,
        entry=built,
        period=november,
        values={"invested_month": Decimal("20")},
        expected_version=1,
    )
    with pytest.raises(ConflictError, match="已被他人修改"):
        services.report_save(
            actor=clerk_a,
            entry=built,
            period=november,
            values={"invested_month": Decimal("30")},
            expected_version=1,
        )
    assert MonthlyReport.objects.get(pk=first.pk).invested_month == Decimal("20")
    # Someone created the report since the form was opened empty (version 0): also a conflict.
    with pytest.raises(ConflictError):
        services.report_save(
            actor=clerk_a,
            entry=built,
            period=november,
            values={"invested_month": Decimal("40")},
            expected_version=0,
        )


def test_units_report_only_their_own_projects(
    clerk_a, clerk_b, reviewer_a, leader_user, entry_b, entries_a, november
) -> None:
    result, outcome = save(clerk_a, november, entry_b)
    assert not result.applied and "不属于您的单位" in outcome.errors["__all__"][0]
    with pytest.raises(PermissionDenied):
        save(reviewer_a, november, entries_a[0])  # reviewers approve, they do not fill in
    with pytest.raises(PermissionDenied):
        save(leader_user, november, entries_a[0])
    save(clerk_a, november, entries_a[0])
    assert not MonthlyReport.objects.restrict(clerk_b, "view").exists()
    assert MonthlyReport.objects.restrict(leader_user, "view").count() == 1
    assert not MonthlyReport.objects.restrict(leader_user, "change").exists()


def test_a_project_outside_the_year_programme_or_archived(clerk_a, entries_a, november, dispatcher) -> None:
    entry_2023 = ProgrammeEntry.objects.create(project=entries_a[0].project, year=2023, kind="continuing")
    _result, outcome = save(clerk_a, november, entry_2023)
    assert "不在2024年度重点项目计划中" in outcome.errors["__all__"][0]
    Project.objects.filter(pk=entries_a[2].project_id).update(archived_at=clock.now())
    _result, outcome = save(clerk_a, november, entries_a[2])
    assert "已归档" in outcome.errors["__all__"][0]


def test_a_closed_period_takes_no_more_reports(clerk_a, dispatcher, entries_a, november) -> None:
    services.period_close(actor=dispatcher, period=november)
    result, _outcome = save(clerk_a, november, entries_a[0])
    assert not result.applied and "已关闭" in result.general_errors[0]


def test_many_rows_land_together_or_not_at_all(clerk_a, entries_a, november) -> None:
    rows = [row(entries_a[0]), row(entries_a[1], invested_month=Decimal("-1")), row(entries_a[2])]
    result = services.reports_save(actor=clerk_a, period=november, rows=rows)
    assert not result.applied and [bool(o.errors) for o in result.outcomes] == [False, True, False]
    assert not MonthlyReport.objects.exists() and not ReportEvent.objects.exists()
    rows[1] = row(entries_a[1])
    result = services.reports_save(actor=clerk_a, period=november, rows=rows)
    assert result.applied and result.created == 3
    assert ReportEvent.objects.filter(action=ReportAction.CREATE).count() == 3
    assert ChangeRecord.objects.filter(object_type="dispatch.MonthlyReport", action="create").count() == 3


def test_workflow_submit_approve_accept_and_the_registry_follows(
    clerk_a, reviewer_a, dispatcher, entries_a, november
) -> None:
    built = entries_a[0]
    with clock.frozen(dt.date(2024, 12, 9)):  # after the deadline (Dec 6)
        _workflow(clerk_a, reviewer_a, dispatcher, built, november)


def _workflow(clerk_a, reviewer_a, dispatcher, built, november) -> None:  # type: ignore[no-untyped-def]
    save(clerk_a, november, built, submit=True, invested_month=Decimal("250"))
    report = MonthlyReport.objects.get(entry=built, period=november)
    assert report.status == ReportStatus.SUBMITTED and report.submitted_late
    built.refresh_from_db()
    assert (built.invested_ytd, built.invested_as_of) == (Decimal("250"), dt.date(2024, 11, 30))
    # The reviewer is told; approving sends it on to the project office.
    assert Notification.objects.filter(recipient=reviewer_a, event="dispatch.submitted").exists()
    services.reports_approve(actor=reviewer_a, reports=[report])
    report.refresh_from_db()
    assert report.status == ReportStatus.UNIT_APPROVED and report.approved_by == reviewer_a
    assert Notification.objects.filter(recipient=dispatcher, event="dispatch.approved").exists()
    with pytest.raises(PermissionDenied):
        services.reports_accept(actor=reviewer_a, reports=[report])
    services.reports_accept(actor=dispatcher, reports=[report])
    report.refresh_from_db()
    assert report.status == ReportStatus.ACCEPTED
    actions = list(ReportEvent.objects.filter(report=report).values_list("action", flat=True))
    assert actions == [ReportAction.SUBMIT, ReportAction.APPROVE, ReportAction.ACCEPT]


def test_a_returned_report_keeps_its_history_and_leaves_the_registry(
    clerk_a, dispatcher, entries_a, october, november
) -> None:
    built = entries_a[0]
    save(clerk_a, october, built, submit=True, invested_month=Decimal("100"))
    save(clerk_a, november, built, submit=True, invested_month=Decimal("50"))
    built.refresh_from_db()
    assert built.invested_ytd == Decimal("150")
    report = MonthlyReport.objects.get(entry=built, period=november)
    with pytest.raises(ValidationError, match="原因"):
        services.report_return(actor=dispatcher, report=report, reason="")
    services.report_return(actor=dispatcher, report=report, reason="投资额与现场不符")
    report.refresh_from_db()
    assert (report.status, report.return_reason, report.times_returned) == (
        ReportStatus.RETURNED,
        "投资额与现场不符",
        1,
    )
    built.refresh_from_db()
    assert (built.invested_ytd, built.invested_as_of) == (Decimal("100"), dt.date(2024, 10, 31))
    assert Notification.objects.filter(recipient=clerk_a, event="dispatch.returned").exists()
    # Corrected and resubmitted; the history keeps every step.
    save(clerk_a, november, built, submit=True, invested_month=Decimal("40"))
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED and not report.submitted_late
    history = list(ReportEvent.objects.filter(report=report).values_list("action", "to_status"))
    assert history == [
        (ReportAction.SUBMIT, ReportStatus.SUBMITTED),
        (ReportAction.RETURN, ReportStatus.RETURNED),
        (ReportAction.SUBMIT, ReportStatus.SUBMITTED),
    ]
    built.refresh_from_db()
    assert built.invested_ytd == Decimal("140")


def test_a_handed_in_report_cannot_be_changed_but_can_be_resent_unchanged(
    clerk_a, entries_a, november
) -> None:
    built = entries_a[0]
    save(clerk_a, november, built, submit=True)
    result, outcome = save(clerk_a, november, built, invested_month=Decimal("999"))
    assert not result.applied and "不能再修改" in outcome.errors["__all__"][0]
    result, outcome = save(clerk_a, november, built, submit=True)
    assert result.applied and outcome.unchanged


def test_reporting_a_start_moves_the_project_through_the_stage_service(clerk_a, entries_a, november) -> None:
    new = entries_a[1]
    result, outcome = save(
        clerk_a,
        november,
        new,
        submit=True,
        stage_reached=Stage.CONSTRUCTION,
        stage_date=dt.date(2024, 11, 18),
    )
    assert result.applied and result.transitions == 1
    project = Project.objects.get(pk=new.project_id)
    assert (project.stage, project.actual_start) == (Stage.CONSTRUCTION, dt.date(2024, 11, 18))
    assert project.transitions.filter(to_stage=Stage.CONSTRUCTION, reason__contains="2024年11月").exists()
    # A start in the future, or a completion before any start, is refused.
    result, outcome = save(
        clerk_a, november, entries_a[2], stage_reached=Stage.COMPLETED, stage_date=dt.date(2025, 1, 1)
    )
    assert "不能晚于今天" in outcome.errors["stage_date"][0]


def test_problems_in_a_report_become_coordination_problems_once(
    clerk_a, dispatcher, entries_a, november
) -> None:
    built = entries_a[0]
    text = "施工用电临时接入方案尚未批复\n需供电公司协调"
    save(clerk_a, november, built, submit=True, problems_text=text, problem_type="utilities")
    problem = Problem.objects.get()
    assert (problem.source, problem.source_type, problem.raised_from_period) == (
        "report",
        "dispatch.monthlyreport",
        "2024-11",
    )
    assert problem.title == "施工用电临时接入方案尚未批复" and problem.type == "utilities"
    report = MonthlyReport.objects.get(entry=built, period=november)
    assert problem.source_id == report.pk
    services.report_return(actor=dispatcher, report=report, reason="补充照片")
    save(clerk_a, november, built, submit=True, problems_text=text, problem_type="utilities")
    assert Problem.objects.count() == 1  # the same problem is already being handled
    save(clerk_a, november, entries_a[2], submit=True, problems_text="无")
    assert Problem.objects.count() == 1


def test_a_unit_reviewer_may_return_but_only_what_was_submitted(
    clerk_a, reviewer_a, entries_a, november
) -> None:
    save(clerk_a, november, entries_a[0], submit=True)
    report = MonthlyReport.objects.get()
    services.report_return(actor=reviewer_a, report=report, reason="请补充照片")
    report.refresh_from_db()
    assert report.status == ReportStatus.RETURNED
    with pytest.raises(ValidationError, match="已退回"):
        services.report_return(actor=reviewer_a, report=report, reason="再退一次")
    with pytest.raises(PermissionDenied):
        services.report_return(actor=clerk_a, report=report, reason="x")


def test_bulk_approve_skips_what_is_not_waiting(
    clerk_a, reviewer_a, reviewer_b_unit, entries_a, november
) -> None:
    services.reports_save(actor=clerk_a, period=november, rows=[row(e) for e in entries_a[:2]], submit=True)
    services.reports_save(actor=clerk_a, period=november, rows=[row(entries_a[2])])
    reports = list(MonthlyReport.objects.order_by("id"))
    result = services.reports_approve(actor=reviewer_a, reports=reports)
    assert len(result.done) == 2 and len(result.skipped) == 1 and "草稿" in result.skipped[0][1]
    with pytest.raises(PermissionDenied):
        services.reports_approve(actor=reviewer_b_unit, reports=reports)


@pytest.fixture
def reviewer_b_unit(unit_b):  # type: ignore[no-untyped-def]
    from xianfeng.org.choices import Role
    from xianfeng.tests.factories import UserFactory

    return UserFactory(username="olivia", role=Role.UNIT_REVIEWER, department=unit_b)


def test_unit_progress_counts_what_is_due(clerk_a, dispatcher, entries_a, entry_b, november) -> None:
    services.reports_save(actor=clerk_a, period=november, rows=[row(entries_a[0])], submit=True)
    services.reports_save(actor=clerk_a, period=november, rows=[row(entries_a[1])])
    progress = {p.unit.name: p for p in selectors.period_unit_progress(period=november)}
    a = progress["甲单位"]
    assert (a.due, a.submitted, a.draft, a.not_started, a.missing) == (3, 1, 1, 1, 2)
    assert progress["乙单位"].missing == 1
    missing = services.missing_by_unit(november)
    assert len(missing[entries_a[0].project.lead_unit_id]) == 2


def test_row_messages_in_english(clerk_a, dispatcher, entries_a, october, november) -> None:
    """Needs the catalogue's English entries for these messages."""
    built = entries_a[0]
    save(clerk_a, october, built, submit=True, progress_percent=60)
    with translation.override("en"):
        result, outcome = save(clerk_a, november, built, invested_month=Decimal("-5"), progress_percent=55)
    assert not result.applied
    assert outcome.errors == {
        "invested_month": ["Investment completed this month cannot be negative (you entered -5)"],
        "percent_drop_reason": ["Physical progress fell from 60% last month to 55%: please give the reason"],
    }
    services.period_close(actor=dispatcher, period=november)
    with translation.override("en"):
        result, _outcome = save(clerk_a, november, built)
    assert result.general_errors == [
        "The dispatch period 11/2024 is closed: reports can no longer be filled in or changed "
        "(to report late, contact the project office)"
    ]


def test_a_return_in_english_tells_the_unit_in_the_sites_language(
    clerk_a, dispatcher, entries_a, november
) -> None:
    save(clerk_a, november, entries_a[0], submit=True)
    report = MonthlyReport.objects.get()
    with translation.override("en"):
        with pytest.raises(ValidationError) as info:
            services.report_return(actor=dispatcher, report=report, reason=" ")
        services.report_return(actor=dispatcher, report=report, reason="数字有误")
    assert info.value.messages == ["Give a reason for returning the report, so the unit can correct it"]
    notice = Notification.objects.get(event="dispatch.returned", recipient=clerk_a)
    assert notice.title == "2024年11月月报被退回：甲·在建厂房"
    assert notice.body.startswith(f"退回人：{dispatcher.get_full_name()}（区项目办）\n原因：数字有误\n")
