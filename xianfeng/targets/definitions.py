"""Computed target definitions (计算口径): a small JSON language, checked against a whitelist.

A definition says what to count or add up, over which rows, as of when::

    {
      "entity": "entries",                    # projects | entries (年度计划) | reports (月度报告)
      "measure": "count",                     # count | sum
      "field": "planned_investment",          # for sum: a numeric field of the entity
      "filters": {"year": 2024, "kind": ["new_start"], "level": ["province", "city"],
                  "planned_start_month_lte": 6},
      "date": {"field": "actual_start", "on_or_before": "2024-06-30"},
      "denominator": true,                     # also count "all of them" (the filters, no date)
      "target": "all"                          # the target value is that denominator
    }

Rules, decided once:

- Archived and cancelled projects never count (the programme as the dispatch counts it due).
- A date condition never counts what happened after the as-of date: the cut-off is the earlier
  of the condition's ``on_or_before`` and the as-of date.
- ``invested_ytd`` of an entry as of a date is the year-to-date of its latest handed-in report of
  the entry's year up to the as-of month (a year-to-date never falls, so the largest one); reports
  count only for periods that ended by the as-of date and only when handed in.
- Filters on ``stage`` read the project's stage now; everything dated reads the dates.

:func:`validate` returns the cleaned definition or raises ``ValidationError`` with messages (in the
active language) naming the bad part; :func:`evaluate` computes the value (and the denominator) at
an as-of date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import (
    Case,
    Count,
    DecimalField,
    F,
    FilteredRelation,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from xianfeng.dispatch.choices import HANDED_IN_STATUSES
from xianfeng.dispatch.models import MonthlyReport, ReportingPeriod, month_end
from xianfeng.org.models import Department, Region
from xianfeng.parks.models import IndustryChain, Park
from xianfeng.projects.choices import Category, Kind, Level, Stage
from xianfeng.projects.models import ProgrammeEntry, Project

ZERO = Decimal(0)
CENTS = Decimal("0.01")

# Labels are lazy: they are shown in forms, messages and the definition in words, in the reader's
# language.
Label = str | Promise

ENTITIES: dict[str, Label] = {"projects": _("项目"), "entries": _("年度计划项目"), "reports": _("月度报告")}
MEASURES: dict[str, Label] = {"count": _("个数"), "sum": _("合计")}

# Numeric fields a sum may add up, per entity: (ORM path, label).
SUM_FIELDS: dict[str, dict[str, tuple[str, Label]]] = {
    "projects": {"total_investment": ("total_investment", _("总投资（万元）"))},
    "entries": {
        "planned_investment": ("planned_investment", _("年度计划投资（万元）")),
        "invested_ytd": ("invested_ytd", _("年度累计完成投资（万元）")),
        "total_investment": ("project__total_investment", _("总投资（万元）")),
    },
    "reports": {"invested_month": ("invested_month", _("本月完成投资（万元）"))},
}

# Date fields a date condition may test, per entity: (ORM path, label).
DATE_FIELDS: dict[str, dict[str, tuple[str, Label]]] = {
    "projects": {
        "actual_start": ("actual_start", _("实际开工时间")),
        "actual_completion": ("actual_completion", _("实际竣工时间")),
    },
    "entries": {
        "actual_start": ("project__actual_start", _("实际开工时间")),
        "actual_completion": ("project__actual_completion", _("实际竣工时间")),
    },
    "reports": {},
}

# The prefix that leads from each entity to its project and to its programme entry.
_PROJECT = {"projects": "", "entries": "project__", "reports": "project__"}
_ENTRY = {"projects": "entries__", "entries": "", "reports": "entry__"}


@dataclass(frozen=True)
class FilterSpec:
    label: Label
    kind: str  # "choice" (list of codes), "ref" (list of codes of a table), "int"
    choices: dict[str, Label] | None = None
    entities: tuple[str, ...] = ("projects", "entries", "reports")


FILTERS: dict[str, FilterSpec] = {
    "year": FilterSpec(_("年度"), "int"),
    "kind": FilterSpec(_("建设性质"), "choice", dict(Kind.choices)),
    "level": FilterSpec(_("级别"), "choice", dict(Level.choices)),
    "category": FilterSpec(_("项目类别"), "choice", dict(Category.choices)),
    "stage": FilterSpec(_("项目阶段"), "choice", dict(Stage.choices)),
    "chain": FilterSpec(_("产业链"), "ref"),
    "park": FilterSpec(_("园区"), "ref"),
    "street": FilterSpec(_("街道"), "ref"),
    "unit": FilterSpec(_("责任单位"), "ref"),
    "planned_start_month_lte": FilterSpec(_("计划开工月份不晚于"), "int"),
    "planned_start_month_gte": FilterSpec(_("计划开工月份不早于"), "int"),
}
_REF_TABLES: dict[str, Any] = {
    "chain": IndustryChain,
    "park": Park,
    "street": Region,
    "unit": Department,
}
_KEYS = {"entity", "measure", "field", "filters", "date", "denominator", "target"}


def _fail(message: str) -> None:
    raise ValidationError({"definition": message})


def _choice_text(choices: dict[str, Label]) -> str:
    return gettext("、").join(
        gettext("%(code)s（%(label)s）") % {"code": code, "label": label} for code, label in choices.items()
    )


def _as_list(name: str, value: Any) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
        _fail(
            gettext("筛选条件“%(label)s”（%(name)s）应为一个或多个代码")
            % {"label": FILTERS[name].label, "name": name}
        )
    return list(dict.fromkeys(value))


def _date(value: Any, where: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        _fail(
            gettext("%(where)s“%(value)s”不是有效日期，应写作 YYYY-MM-DD") % {"where": where, "value": value}
        )
    raise AssertionError  # unreachable


def validate(definition: Any) -> dict[str, Any]:
    """The definition, cleaned (codes deduplicated, dates as ISO text); ValidationError otherwise."""
    if not isinstance(definition, dict):
        _fail(gettext("计算口径应为 JSON 对象"))
    unknown = sorted(set(definition) - _KEYS)
    if unknown:
        _fail(
            gettext("计算口径中有未知的项：%(unknown)s（可用：%(known)s）")
            % {"unknown": gettext("、").join(unknown), "known": gettext("、").join(sorted(_KEYS))}
        )
    entity = definition.get("entity")
    if entity not in ENTITIES:
        _fail(
            gettext("统计对象“%(entity)s”无效，可选：%(choices)s")
            % {"entity": entity, "choices": _choice_text(ENTITIES)}
        )
    measure = definition.get("measure", "count")
    if measure not in MEASURES:
        _fail(
            gettext("统计方式“%(measure)s”无效，可选：%(choices)s")
            % {"measure": measure, "choices": _choice_text(MEASURES)}
        )
    clean: dict[str, Any] = {"entity": entity, "measure": measure}
    if measure == "sum":
        field = definition.get("field")
        fields = SUM_FIELDS[entity]
        if field not in fields:
            options = _choice_text({k: v[1] for k, v in fields.items()})
            _fail(
                gettext("%(entity)s没有可合计的字段“%(field)s”，可选：%(choices)s")
                % {"entity": ENTITIES[entity], "field": field, "choices": options}
            )
        clean["field"] = field
    elif definition.get("field"):
        _fail(gettext("按个数统计时不能指定合计字段（field）"))

    filters = definition.get("filters") or {}
    if not isinstance(filters, dict):
        _fail(gettext("筛选条件（filters）应为 JSON 对象"))
    clean_filters: dict[str, Any] = {}
    for name, value in filters.items():
        spec = FILTERS.get(name)
        if spec is None:
            options = _choice_text({k: s.label for k, s in FILTERS.items()})
            _fail(gettext("未知的筛选条件“%(name)s”，可选：%(choices)s") % {"name": name, "choices": options})
        assert spec is not None
        words = {"label": spec.label, "name": name, "value": value}
        if spec.kind == "int":
            if isinstance(value, bool) or not isinstance(value, int):
                _fail(gettext("筛选条件“%(label)s”（%(name)s）应为整数，而不是“%(value)s”") % words)
            low, high = (2000, 2100) if name == "year" else (1, 12)
            if not low <= value <= high:
                _fail(
                    gettext("筛选条件“%(label)s”（%(name)s）的值 %(value)s 超出范围 %(low)s–%(high)s")
                    % {**words, "low": low, "high": high}
                )
            clean_filters[name] = value
        elif spec.kind == "choice":
            codes = _as_list(name, value)
            assert spec.choices is not None
            for code in codes:
                if code not in spec.choices:
                    _fail(
                        gettext("筛选条件“%(label)s”的取值“%(code)s”无效，可选：%(choices)s")
                        % {"label": spec.label, "code": code, "choices": _choice_text(spec.choices)}
                    )
            clean_filters[name] = codes
        else:
            codes = _as_list(name, value)
            found = set(_REF_TABLES[name].objects.filter(code__in=codes).values_list("code", flat=True))
            missing = [c for c in codes if c not in found]
            if missing:
                _fail(
                    gettext("筛选条件“%(label)s”的代码“%(codes)s”不存在")
                    % {"label": spec.label, "codes": gettext("、").join(missing)}
                )
            clean_filters[name] = codes
    if clean_filters:
        clean["filters"] = clean_filters

    date = definition.get("date")
    if date:
        if not isinstance(date, dict):
            _fail(
                gettext(
                    "日期条件（date）应为 JSON 对象，"
                    '如 {"field": "actual_start", "on_or_before": "2024-06-30"}'
                )
            )
        extra = sorted(set(date) - {"field", "on_or_before", "on_or_after"})
        if extra:
            _fail(
                gettext("日期条件中有未知的项：%(extra)s（可用：field、on_or_before、on_or_after）")
                % {"extra": gettext("、").join(extra)}
            )
        fields = DATE_FIELDS[entity]
        if date.get("field") not in fields:
            if not fields:
                _fail(
                    gettext("%(entity)s不能设日期条件（月度报告按调度期截至统计日）")
                    % {"entity": ENTITIES[entity]}
                )
            options = _choice_text({k: v[1] for k, v in fields.items()})
            _fail(
                gettext("日期条件的字段“%(field)s”无效，可选：%(choices)s")
                % {"field": date.get("field"), "choices": options}
            )
        if not date.get("on_or_before"):
            _fail(gettext("日期条件须写明截止日期（on_or_before）"))
        before = _date(date["on_or_before"], gettext("日期条件的截止日期"))
        clean_date: dict[str, Any] = {"field": date["field"], "on_or_before": before.isoformat()}
        if date.get("on_or_after"):
            after = _date(date["on_or_after"], gettext("日期条件的起始日期"))
            if after > before:
                _fail(
                    gettext("日期条件的起始日期 %(after)s 晚于截止日期 %(before)s")
                    % {"after": after, "before": before}
                )
            clean_date["on_or_after"] = after.isoformat()
        clean["date"] = clean_date

    denominator = definition.get("denominator", False)
    if not isinstance(denominator, bool):
        _fail(gettext("“占全部”（denominator）应为 true 或 false"))
    target = definition.get("target")
    if target not in (None, "all"):
        _fail(
            gettext('目标值（target）只能省略或写作 "all"（全部），而不是“%(target)s”') % {"target": target}
        )
    if target == "all":
        if measure != "count" or "date" not in clean:
            _fail(gettext("目标值为“全部”时，须按个数统计并设日期条件（如全部开工）"))
        denominator = True
        clean["target"] = "all"
    if denominator:
        if "date" not in clean:
            _fail(gettext("“占全部”须与日期条件一起使用：全部 = 同样的筛选条件、不含日期条件"))
        clean["denominator"] = True
    return clean


# ---------------------------------------------------------------- evaluation


def _base(definition: dict[str, Any]) -> QuerySet[Any]:
    entity = definition["entity"]
    if entity == "projects":
        qs: QuerySet[Any] = Project.objects.all()
    elif entity == "entries":
        qs = ProgrammeEntry.objects.all()
    else:
        qs = MonthlyReport.objects.filter(status__in=HANDED_IN_STATUSES)
    p, e = _PROJECT[entity], _ENTRY[entity]
    qs = qs.filter(**{f"{p}archived_at__isnull": True}).exclude(**{f"{p}stage": Stage.CANCELLED})
    for name, value in (definition.get("filters") or {}).items():
        if name == "year":
            path = "period__year" if entity == "reports" else f"{e}year"
            qs = qs.filter(**{path: value})
        elif name in ("kind", "level"):
            qs = qs.filter(**{f"{e}{name}__in": value})
        elif name in ("category", "stage"):
            qs = qs.filter(**{f"{p}{name}__in": value})
        elif name == "unit":
            qs = qs.filter(**{f"{p}lead_unit__code__in": value})
        elif name in ("chain", "park", "street"):
            qs = qs.filter(**{f"{p}{name}__code__in": value})
        elif name == "planned_start_month_lte":
            qs = qs.filter(**{f"{e}planned_start_month__lte": value})
        elif name == "planned_start_month_gte":
            qs = qs.filter(**{f"{e}planned_start_month__gte": value})
    if entity == "projects" and any(
        k in (definition.get("filters") or {}) for k in ("year", "kind", "level")
    ):
        qs = qs.distinct()
    return qs


def period_done_q(as_of: dt.date, prefix: str = "period__") -> Q:
    """Reporting periods whose month ended on or before ``as_of``."""
    last = as_of if as_of == month_end(as_of.year, as_of.month) else _previous_month_end(as_of)
    return Q(**{f"{prefix}year__lt": last.year}) | Q(
        **{f"{prefix}year": last.year, f"{prefix}month__lte": last.month}
    )


def _previous_month_end(day: dt.date) -> dt.date:
    return day.replace(day=1) - dt.timedelta(days=1)


def date_q(definition: dict[str, Any], as_of: dt.date) -> Q | None:
    """The date condition as of ``as_of`` (never counting what happened after it)."""
    date = definition.get("date")
    if not date:
        return None
    path = DATE_FIELDS[definition["entity"]][date["field"]][0]
    cutoff = min(dt.date.fromisoformat(date["on_or_before"]), as_of)
    q = Q(**{f"{path}__isnull": False, f"{path}__lte": cutoff})
    if date.get("on_or_after"):
        q &= Q(**{f"{path}__gte": dt.date.fromisoformat(date["on_or_after"])})
    return q


def rows(definition: dict[str, Any], as_of: dt.date) -> QuerySet[Any]:
    """The rows the value counts (or adds up) as of ``as_of``."""
    qs = _base(definition)
    if definition["entity"] == "reports":
        qs = qs.filter(period_done_q(as_of))
    q = date_q(definition, as_of)
    return qs.filter(q) if q is not None else qs


def denominator_rows(definition: dict[str, Any], as_of: dt.date) -> QuerySet[Any]:
    """ "All of them": the same rows without the date condition."""
    qs = _base(definition)
    if definition["entity"] == "reports":
        qs = qs.filter(period_done_q(as_of))
    return qs


@dataclass(frozen=True)
class Evaluation:
    value: Decimal
    denominator: Decimal | None


def ytd_reports(as_of: dt.date) -> QuerySet[MonthlyReport]:
    """Handed-in reports of their entry's own year for periods ended by ``as_of``."""
    return MonthlyReport.objects.filter(status__in=HANDED_IN_STATUSES, period__year=F("entry__year")).filter(
        period_done_q(as_of)
    )


MONEY = DecimalField(max_digits=16, decimal_places=2)
YTD = "xf_ytd"  # the annotation :func:`with_ytd` adds


def last_done_month(as_of: dt.date) -> dt.date:
    """The end of the last month that ended on or before ``as_of``."""
    return as_of if as_of == month_end(as_of.year, as_of.month) else _previous_month_end(as_of)


def with_ytd(entries: QuerySet[ProgrammeEntry], as_of: dt.date) -> QuerySet[ProgrammeEntry]:
    """``entries`` annotated with ``xf_ytd``, their year-to-date as of ``as_of``: the year-to-date
    of the entry's latest handed-in report of its own year for a month ended by then (a
    year-to-date never falls, so the largest one), 0 when there is none. Computed in the database
    with the dispatch statistics' expression (``dispatch.statistics._latest_ytd``), cheap paths
    first: the entry's registry figure when it is as of that date or earlier (the dispatch
    services keep it equal to the latest handed-in report); else its handed-in report of the last
    month ended by then; else the largest among its handed-in reports up to then. One small query
    to find that month's reporting period (and whether its reports are needed), none for the
    rows."""
    last = last_done_month(as_of)
    # The month's period, and the latest date of any entry's registry figure: when none is after
    # ``as_of`` (reading the latest month), every entry takes the first path or has no report at
    # all, and the month's reports need not be joined.
    latest_figure = (
        ProgrammeEntry.objects.filter(invested_as_of__isnull=False)
        .order_by("-invested_as_of")
        .values("invested_as_of")[:1]
    )
    found = (
        ReportingPeriod.objects.filter(year=last.year, month=last.month)
        .annotate(xf_latest=Subquery(latest_figure))
        .values_list("pk", "xf_latest")
        .first()
    )
    period_id = None
    if found is not None and (found[1] is None or found[1] > as_of):
        period_id = found[0]
    earlier = (
        MonthlyReport.objects.filter(
            entry_id=OuterRef("pk"), period__year=OuterRef("year"), status__in=HANDED_IN_STATUSES
        )
        .filter(period_done_q(as_of))
        .order_by()
        .values("entry_id")
        .annotate(latest=Max("invested_ytd"))
        .values("latest")[:1]
    )
    whens = [When(Q(invested_as_of__lte=as_of), then=F("invested_ytd"))]
    if period_id is not None:
        entries = entries.annotate(
            xf_month_report=FilteredRelation("reports", condition=Q(reports__period_id=period_id))
        )
        whens.append(
            When(
                Q(year=last.year, xf_month_report__status__in=HANDED_IN_STATUSES),
                then=F("xf_month_report__invested_ytd"),
            )
        )
    return entries.annotate(
        **{
            YTD: Case(
                *whens,
                default=Coalesce(Subquery(earlier, output_field=MONEY), Value(ZERO), output_field=MONEY),
                output_field=MONEY,
            )
        }
    )


def _ytd_as_of(entries: QuerySet[ProgrammeEntry], as_of: dt.date) -> Decimal:
    """Sum over ``entries`` of their year-to-date as of ``as_of`` (one aggregate in the database)."""
    with no_jit():
        total = with_ytd(entries.order_by(), as_of).aggregate(total=Sum(YTD))["total"]
    return Decimal(total or ZERO).quantize(CENTS)


def _measure(definition: dict[str, Any], qs: QuerySet[Any], as_of: dt.date) -> Decimal:
    if definition["measure"] == "count":
        if definition["entity"] == "projects":
            return Decimal(qs.values("pk").distinct().count())
        return Decimal(qs.count())
    field = definition["field"]
    if definition["entity"] == "entries" and field == "invested_ytd":
        return _ytd_as_of(qs, as_of)
    path = SUM_FIELDS[definition["entity"]][field][0]
    if definition["entity"] == "projects":
        qs = Project.objects.filter(pk__in=qs.values("pk"))
    return (qs.aggregate(total=Sum(path))["total"] or ZERO).quantize(CENTS)


def evaluate(definition: dict[str, Any], as_of: dt.date) -> Evaluation:
    """The definition's value at ``as_of`` and, when it has one, its denominator ("all of them")."""
    if (
        definition.get("denominator")
        and definition["measure"] == "count"
        and definition["entity"] != "projects"
    ):
        q = date_q(definition, as_of)
        assert q is not None
        counts = denominator_rows(definition, as_of).aggregate(all=Count("pk"), met=Count("pk", filter=q))
        return Evaluation(Decimal(counts["met"]), Decimal(counts["all"]))
    value = _measure(definition, rows(definition, as_of), as_of)
    denominator = None
    if definition.get("denominator"):
        denominator = _measure(definition, denominator_rows(definition, as_of), as_of)
    return Evaluation(value, denominator)


def _entry_filters_q(definition: dict[str, Any], *, programme: int | None = None) -> Q:
    """An entries definition's rows (:func:`_base`) as one condition on the programme entries
    (every path is single-valued from an entry, so one condition selects what the chained
    filters select). ``programme``: a year whose programme the entries are already taken from
    (not archived, not cancelled): what that implies is left out."""
    q = (
        Q()
        if programme is not None
        else Q(project__archived_at__isnull=True) & ~Q(project__stage=Stage.CANCELLED)
    )
    for name, value in (definition.get("filters") or {}).items():
        if name == "year":
            if value != programme:
                q &= Q(year=value)
        elif name in ("kind", "level"):
            q &= Q(**{f"{name}__in": value})
        elif name in ("category", "stage"):
            q &= Q(**{f"project__{name}__in": value})
        elif name == "unit":
            q &= Q(project__lead_unit__code__in=value)
        elif name in ("chain", "park", "street"):
            q &= Q(**{f"project__{name}__code__in": value})
        elif name == "planned_start_month_lte":
            q &= Q(planned_start_month__lte=value)
        elif name == "planned_start_month_gte":
            q &= Q(planned_start_month__gte=value)
    return q


def entries_q(definition: dict[str, Any], as_of: dt.date | None = None, *, programme: int | None = None) -> Q:
    """An entries definition's rows as of ``as_of`` (:func:`rows`) as one condition on the
    programme entries; without ``as_of``, "all of them" (:func:`denominator_rows`).
    ``programme``: as :func:`_entry_filters_q` (the condition may then be empty: every entry)."""
    q = _entry_filters_q(definition, programme=programme)
    date = date_q(definition, as_of) if as_of is not None else None
    return q & date if date is not None else q


def ytd_over_statistics(as_of: dt.date) -> Case:
    """:func:`with_ytd`'s year-to-date as of ``as_of`` (a month's end), as an expression over the
    dispatch statistics' rows of that month (``dispatch.statistics._with_figures``, which carry
    their own year-to-date as ``latest_ytd``), for the entries of that month's year.

    The two rules differ only in which comes first: the statistics take the month's handed-in
    report before the registry figure, :func:`with_ytd` the registry figure (when as of ``as_of``
    or earlier) before the month's report; past those two both take the largest handed-in
    year-to-date of the year up to the month. So: the registry figure when it is as of ``as_of`` or
    earlier, else the statistics' own."""
    return Case(
        When(Q(invested_as_of__lte=as_of), then=F("invested_ytd")),
        default=F("latest_ytd"),
        output_field=MONEY,
    )


def batchable(definition: dict[str, Any]) -> bool:
    """Whether :func:`evaluate_counts` evaluates the definition: counts of programme entries."""
    return definition.get("entity") == "entries" and definition.get("measure") == "count"


def evaluate_counts(definitions: list[dict[str, Any]], as_of: dt.date) -> list[Evaluation]:
    """:func:`evaluate` of several counts of programme entries at ``as_of`` in one statement: each
    definition's count (and its "all of them") a filtered count over the programme entries."""
    if not definitions:
        return []
    aggregates: dict[str, Any] = {}
    for i, definition in enumerate(definitions):
        assert batchable(definition)
        rows_q = _entry_filters_q(definition)
        q = date_q(definition, as_of)
        aggregates[f"v{i}"] = Count("pk", filter=rows_q & q if q is not None else rows_q)
        aggregates[f"d{i}"] = Count("pk", filter=rows_q)
    found = ProgrammeEntry.objects.order_by().aggregate(**aggregates)
    return [
        Evaluation(Decimal(found[f"v{i}"]), Decimal(found[f"d{i}"]) if d.get("denominator") else None)
        for i, d in enumerate(definitions)
    ]


@contextmanager
def no_jit() -> Iterator[None]:
    """A transaction in which PostgreSQL does not JIT-compile. For the statements that read every
    entry's year-to-date: the planner prices the rarely-run report subquery of each row, crosses
    ``jit_above_cost``, and compiling then costs more than the statement (as the statistics do)."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")
        yield


def _ytd_series(definition: dict[str, Any], days: list[dt.date]) -> list[Evaluation]:
    """The year-to-date sum of an entries definition at each of ``days`` (:func:`with_ytd`'s
    rule), in one statement: per entry, the largest handed-in year-to-date of its own year up to
    each day's last ended month (one pass over its reports), or its registry figure when that is
    as of the day or earlier; summed per day over the rows counted that day."""
    ones = IntegerField()
    flags = {}
    for i, day in enumerate(days):
        q = date_q(definition, day)
        flags[f"xf_m{i}"] = (
            Case(When(q, then=Value(1)), default=Value(0), output_field=ones) if q else Value(1)
        )
    entries = (
        _base(definition)
        .order_by()
        .annotate(xf_pk=F("pk"), xf_year=F("year"), xf_as_of=F("invested_as_of"), xf_ytd=F("invested_ytd"))
        .annotate(**flags)
        .values_list("xf_pk", "xf_year", "xf_as_of", "xf_ytd", *flags)
    )
    lasts = [last_done_month(day) for day in days]
    ym = F("period__year") * 12 + F("period__month")
    reports = (
        MonthlyReport.objects.filter(status__in=HANDED_IN_STATUSES, period__year=F("entry__year"))
        .alias(xf_ym=ym)
        .order_by()
        .values("entry_id")
        .annotate(
            **{
                f"l{i}": Max(
                    Case(
                        When(Q(xf_ym__lte=last.year * 12 + last.month), then=F("invested_ytd")),
                        default=None,
                        output_field=MONEY,
                    )
                )
                for i, last in enumerate(lasts)
            }
        )
        .values_list("entry_id", *(f"l{i}" for i in range(len(days))))
    )
    e_sql, e_params = entries.query.sql_with_params()
    r_sql, r_params = reports.query.sql_with_params()
    sums = ", ".join(
        f"SUM(CASE WHEN e.m{i} = 1 THEN {{v{i}}} ELSE 0 END), SUM({{v{i}}})" for i in range(len(days))
    )
    sums = sums.format(
        **{
            f"v{i}": f"(CASE WHEN e.as_of <= %s THEN e.ytd ELSE COALESCE(x.l{i}, 0) END)"
            for i in range(len(days))
        }
    )
    columns = ", ".join(f"m{i}" for i in range(len(days)))
    latest = ", ".join(f"l{i}" for i in range(len(days)))
    sql = f"""
        WITH e (pk, year, as_of, ytd, {columns}) AS ({e_sql}),
             x (entry, {latest}) AS ({r_sql})
        SELECT {sums} FROM e LEFT JOIN x ON x.entry = e.pk
    """
    day_params: list[Any] = []
    for day in days:
        day_params += [day, day]
    with no_jit(), connection.cursor() as cursor:
        cursor.execute(sql, (*e_params, *r_params, *day_params))
        row = cursor.fetchone()
    result = []
    for i in range(len(days)):
        value, whole = (
            Decimal(str(v if v is not None else 0)).quantize(CENTS) for v in row[2 * i : 2 * i + 2]
        )
        result.append(Evaluation(value, whole if definition.get("denominator") else None))
    return result


def evaluate_series(definition: dict[str, Any], days: list[dt.date]) -> list[Evaluation]:
    """:func:`evaluate` at each of ``days``, in one statement (each day's value and denominator
    are filtered aggregates over the same rows). Projects, counted through their entries, are
    evaluated day by day (their count is of distinct projects)."""
    if not days:
        return []
    entity, measure = definition["entity"], definition["measure"]
    if entity == "projects":
        return [evaluate(definition, day) for day in days]
    if entity == "entries" and measure == "sum" and definition["field"] == "invested_ytd":
        return _ytd_series(definition, days)
    qs = _base(definition).order_by()
    aggregates: dict[str, Any] = {}
    for i, day in enumerate(days):
        base = period_done_q(day) if entity == "reports" else None
        q = date_q(definition, day)
        met = q if base is None else (base if q is None else base & q)
        if measure == "count":
            aggregates[f"v{i}"] = Count("pk", filter=met)
            aggregates[f"d{i}"] = Count("pk", filter=base)
        else:
            what: Any = F(SUM_FIELDS[entity][definition["field"]][0])
            aggregates[f"v{i}"] = Sum(what, filter=met)
            aggregates[f"d{i}"] = Sum(what, filter=base)
    found = qs.aggregate(**aggregates)
    result = []
    for i in range(len(days)):
        value, whole = Decimal(found[f"v{i}"] or 0), Decimal(found[f"d{i}"] or 0)
        if measure == "sum":
            value, whole = value.quantize(CENTS), whole.quantize(CENTS)
        result.append(Evaluation(value, whole if definition.get("denominator") else None))
    return result


# ---------------------------------------------------------------- in words


def describe(definition: dict[str, Any]) -> str:
    """The definition in a sentence of the active language, e.g. "2024年年度计划项目中级别为省重点、
    市重点、实际开工时间在2024-06-30及以前的个数（占全部）"."""
    if not definition:
        return ""
    entity = definition.get("entity", "")
    and_ = gettext("、")
    parts: list[str] = []
    filters = definition.get("filters") or {}
    year = filters.get("year")
    head = ENTITIES.get(entity, entity)
    if year:
        head = gettext("%(year)s年%(entity)s") % {"year": year, "entity": head}
    for name, value in filters.items():
        spec = FILTERS.get(name)
        if spec is None or name == "year":
            continue
        if spec.kind == "int":
            parts.append(gettext("%(label)s%(value)s月") % {"label": spec.label, "value": value})
            continue
        if spec.kind == "choice":
            assert spec.choices is not None
            shown = [str(spec.choices.get(v, v)) for v in value]
        else:
            names = dict(_REF_TABLES[name].objects.filter(code__in=value).values_list("code", "name"))
            shown = [names.get(code, code) for code in value]
        parts.append(gettext("%(label)s为%(values)s") % {"label": spec.label, "values": and_.join(shown)})
    date = definition.get("date")
    if date:
        label = DATE_FIELDS.get(entity, {}).get(date.get("field"), ("", date.get("field")))[1]
        words = {"label": label, "before": date.get("on_or_before"), "after": date.get("on_or_after")}
        if date.get("on_or_after"):
            parts.append(gettext("%(label)s在%(after)s至%(before)s之间") % words)
        else:
            parts.append(gettext("%(label)s在%(before)s及以前") % words)
    conditions = and_.join(parts)
    if definition.get("measure") == "sum":
        label = SUM_FIELDS.get(entity, {}).get(definition.get("field", ""), ("", definition.get("field")))[1]
        if parts:
            sentence = gettext("%(head)s中%(conditions)s的%(field)s合计") % {
                "head": head,
                "conditions": conditions,
                "field": label,
            }
        else:
            sentence = gettext("%(head)s的%(field)s合计") % {"head": head, "field": label}
    elif parts:
        sentence = gettext("%(head)s中%(conditions)s的个数") % {"head": head, "conditions": conditions}
    else:
        sentence = gettext("%(head)s的个数") % {"head": head}
    if definition.get("target") == "all":
        sentence += gettext("，目标为全部（同样条件、不含日期条件的总数）")
    elif definition.get("denominator"):
        sentence += gettext("（占全部）")
    return sentence
