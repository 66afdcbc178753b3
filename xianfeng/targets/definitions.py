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

:func:`validate` returns the cleaned definition or raises ``ValidationError`` with Chinese messages
naming the bad part; :func:`evaluate` computes the value (and the denominator) at an as-of date.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import (
    Count,
    F,
    Max,
    Q,
    QuerySet,
    Sum,
)

from xianfeng.dispatch.choices import HANDED_IN_STATUSES
from xianfeng.dispatch.models import MonthlyReport, month_end
from xianfeng.org.models import Department, Region
from xianfeng.parks.models import IndustryChain, Park
from xianfeng.projects.choices import Category, Kind, Level, Stage
from xianfeng.projects.models import ProgrammeEntry, Project

ZERO = Decimal(0)
CENTS = Decimal("0.01")

ENTITIES: dict[str, str] = {"projects": "项目", "entries": "年度计划项目", "reports": "月度报告"}
MEASURES: dict[str, str] = {"count": "个数", "sum": "合计"}

# Numeric fields a sum may add up, per entity: (ORM path, label).
SUM_FIELDS: dict[str, dict[str, tuple[str, str]]] = {
    "projects": {"total_investment": ("total_investment", "总投资（万元）")},
    "entries": {
        "planned_investment": ("planned_investment", "年度计划投资（万元）"),
        "invested_ytd": ("invested_ytd", "年度累计完成投资（万元）"),
        "total_investment": ("project__total_investment", "总投资（万元）"),
    },
    "reports": {"invested_month": ("invested_month", "本月完成投资（万元）")},
}

# Date fields a date condition may test, per entity: (ORM path, label).
DATE_FIELDS: dict[str, dict[str, tuple[str, str]]] = {
    "projects": {
        "actual_start": ("actual_start", "实际开工时间"),
        "actual_completion": ("actual_completion", "实际竣工时间"),
    },
    "entries": {
        "actual_start": ("project__actual_start", "实际开工时间"),
        "actual_completion": ("project__actual_completion", "实际竣工时间"),
    },
    "reports": {},
}

# The prefix that leads from each entity to its project and to its programme entry.
_PROJECT = {"projects": "", "entries": "project__", "reports": "project__"}
_ENTRY = {"projects": "entries__", "entries": "", "reports": "entry__"}


@dataclass(frozen=True)
class FilterSpec:
    label: str
    kind: str  # "choice" (list of codes), "ref" (list of codes of a table), "int"
    choices: dict[str, str] | None = None
    entities: tuple[str, ...] = ("projects", "entries", "reports")


FILTERS: dict[str, FilterSpec] = {
    "year": FilterSpec("年度", "int"),
    "kind": FilterSpec("建设性质", "choice", dict(Kind.choices)),
    "level": FilterSpec("级别", "choice", dict(Level.choices)),
    "category": FilterSpec("项目类别", "choice", dict(Category.choices)),
    "stage": FilterSpec("项目阶段", "choice", dict(Stage.choices)),
    "chain": FilterSpec("产业链", "ref"),
    "park": FilterSpec("园区", "ref"),
    "street": FilterSpec("街道", "ref"),
    "unit": FilterSpec("责任单位", "ref"),
    "planned_start_month_lte": FilterSpec("计划开工月份不晚于", "int"),
    "planned_start_month_gte": FilterSpec("计划开工月份不早于", "int"),
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


def _choice_text(choices: dict[str, str]) -> str:
    return "、".join(f"{code}（{label}）" for code, label in choices.items())


def _as_list(name: str, value: Any) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
        _fail(f"筛选条件“{FILTERS[name].label}”（{name}）应为一个或多个代码")
    return list(dict.fromkeys(value))


def _date(value: Any, where: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        _fail(f"{where}“{value}”不是有效日期，应写作 YYYY-MM-DD")
    raise AssertionError  # unreachable


def validate(definition: Any) -> dict[str, Any]:
    """The definition, cleaned (codes deduplicated, dates as ISO text); ValidationError otherwise."""
    if not isinstance(definition, dict):
        _fail("计算口径应为 JSON 对象")
    unknown = sorted(set(definition) - _KEYS)
    if unknown:
        _fail(f"计算口径中有未知的项：{'、'.join(unknown)}（可用：{'、'.join(sorted(_KEYS))}）")
    entity = definition.get("entity")
    if entity not in ENTITIES:
        _fail(f"统计对象“{entity}”无效，可选：{_choice_text(ENTITIES)}")
    measure = definition.get("measure", "count")
    if measure not in MEASURES:
        _fail(f"统计方式“{measure}”无效，可选：{_choice_text(MEASURES)}")
    clean: dict[str, Any] = {"entity": entity, "measure": measure}
    if measure == "sum":
        field = definition.get("field")
        fields = SUM_FIELDS[entity]
        if field not in fields:
            options = "、".join(f"{k}（{v[1]}）" for k, v in fields.items())
            _fail(f"{ENTITIES[entity]}没有可合计的字段“{field}”，可选：{options}")
        clean["field"] = field
    elif definition.get("field"):
        _fail("按个数统计时不能指定合计字段（field）")

    filters = definition.get("filters") or {}
    if not isinstance(filters, dict):
        _fail("筛选条件（filters）应为 JSON 对象")
    clean_filters: dict[str, Any] = {}
    for name, value in filters.items():
        spec = FILTERS.get(name)
        if spec is None:
            options = "、".join(f"{k}（{s.label}）" for k, s in FILTERS.items())
            _fail(f"未知的筛选条件“{name}”，可选：{options}")
        assert spec is not None
        if spec.kind == "int":
            if isinstance(value, bool) or not isinstance(value, int):
                _fail(f"筛选条件“{spec.label}”（{name}）应为整数，而不是“{value}”")
            low, high = (2000, 2100) if name == "year" else (1, 12)
            if not low <= value <= high:
                _fail(f"筛选条件“{spec.label}”（{name}）的值 {value} 超出范围 {low}–{high}")
            clean_filters[name] = value
        elif spec.kind == "choice":
            codes = _as_list(name, value)
            assert spec.choices is not None
            for code in codes:
                if code not in spec.choices:
                    _fail(f"筛选条件“{spec.label}”的取值“{code}”无效，可选：{_choice_text(spec.choices)}")
            clean_filters[name] = codes
        else:
            codes = _as_list(name, value)
            found = set(_REF_TABLES[name].objects.filter(code__in=codes).values_list("code", flat=True))
            missing = [c for c in codes if c not in found]
            if missing:
                _fail(f"筛选条件“{spec.label}”的代码“{'、'.join(missing)}”不存在")
            clean_filters[name] = codes
    if clean_filters:
        clean["filters"] = clean_filters

    date = definition.get("date")
    if date:
        if not isinstance(date, dict):
            _fail(
                '日期条件（date）应为 JSON 对象，如 {"field": "actual_start", "on_or_before": "2024-06-30"}'
            )
        extra = sorted(set(date) - {"field", "on_or_before", "on_or_after"})
        if extra:
            _fail(f"日期条件中有未知的项：{'、'.join(extra)}（可用：field、on_or_before、on_or_after）")
        fields = DATE_FIELDS[entity]
        if date.get("field") not in fields:
            if not fields:
                _fail(f"{ENTITIES[entity]}不能设日期条件（月度报告按调度期截至统计日）")
            options = "、".join(f"{k}（{v[1]}）" for k, v in fields.items())
            _fail(f"日期条件的字段“{date.get('field')}”无效，可选：{options}")
        if not date.get("on_or_before"):
            _fail("日期条件须写明截止日期（on_or_before）")
        before = _date(date["on_or_before"], "日期条件的截止日期")
        clean_date: dict[str, Any] = {"field": date["field"], "on_or_before": before.isoformat()}
        if date.get("on_or_after"):
            after = _date(date["on_or_after"], "日期条件的起始日期")
            if after > before:
                _fail(f"日期条件的起始日期 {after} 晚于截止日期 {before}")
            clean_date["on_or_after"] = after.isoformat()
        clean["date"] = clean_date

    denominator = definition.get("denominator", False)
    if not isinstance(denominator, bool):
        _fail("“占全部”（denominator）应为 true 或 false")
    target = definition.get("target")
    if target not in (None, "all"):
        _fail(f'目标值（target）只能省略或写作 "all"（全部），而不是“{target}”')
    if target == "all":
        if measure != "count" or "date" not in clean:
            _fail("目标值为“全部”时，须按个数统计并设日期条件（如全部开工）")
        denominator = True
        clean["target"] = "all"
    if denominator:
        if "date" not in clean:
            _fail("“占全部”须与日期条件一起使用：全部 = 同样的筛选条件、不含日期条件")
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


def entry_ytds(entries: QuerySet[ProgrammeEntry], as_of: dt.date) -> dict[int, tuple[Decimal, Decimal]]:
    """Per entry of ``entries``: (year's planned investment, year-to-date as of ``as_of``), read the
    way the dispatch statistics read it — the entry's own ``invested_ytd`` when it is as of that
    date or earlier (the dispatch services keep it equal to the latest handed-in report), else the
    largest year-to-date among its handed-in reports of its own year for months ended by then (a
    year-to-date never falls). Two queries at most, whatever the number of entries."""
    rows = list(entries.values_list("pk", "planned_investment", "invested_as_of", "invested_ytd"))
    result: dict[int, tuple[Decimal, Decimal]] = {}
    replay: set[int] = set()
    for pk, planned, dated, ytd in rows:
        if dated is not None and dated <= as_of:
            result[pk] = (planned, ytd)
        else:
            result[pk] = (planned, ZERO)
            replay.add(pk)
    if replay:
        reports = (
            MonthlyReport.objects.filter(
                entry__in=entries.values("pk"), status__in=HANDED_IN_STATUSES, period__year=F("entry__year")
            )
            .filter(period_done_q(as_of))
            .values("entry_id")
            .annotate(m=Max("invested_ytd"))
            .values_list("entry_id", "m")
        )
        for pk, ytd in reports:
            if pk in replay:
                result[pk] = (result[pk][0], Decimal(ytd or ZERO))
    return result


def _ytd_as_of(entries: QuerySet[ProgrammeEntry], as_of: dt.date) -> Decimal:
    """Sum over ``entries`` of their year-to-date as of ``as_of``."""
    total = sum((ytd for _planned, ytd in entry_ytds(entries, as_of).values()), ZERO)
    return Decimal(total).quantize(CENTS)


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


# ---------------------------------------------------------------- in words


def describe(definition: dict[str, Any]) -> str:
    """The definition in a Chinese sentence, e.g. "2024年度计划项目中级别为省重点、市重点、
    实际开工时间在2024-06-30及以前的个数（占全部）"."""
    if not definition:
        return ""
    entity = definition.get("entity", "")
    parts: list[str] = []
    filters = definition.get("filters") or {}
    year = filters.get("year")
    head = f"{year}年{ENTITIES.get(entity, entity)}" if year else ENTITIES.get(entity, entity)
    for name, value in filters.items():
        spec = FILTERS.get(name)
        if spec is None or name == "year":
            continue
        if spec.kind == "int":
            parts.append(f"{spec.label}{value}月")
        elif spec.kind == "choice":
            assert spec.choices is not None
            parts.append(f"{spec.label}为{'、'.join(str(spec.choices.get(v, v)) for v in value)}")
        else:
            names = dict(_REF_TABLES[name].objects.filter(code__in=value).values_list("code", "name"))
            parts.append(f"{spec.label}为{'、'.join(names.get(code, code) for code in value)}")
    date = definition.get("date")
    if date:
        label = DATE_FIELDS.get(entity, {}).get(date.get("field"), ("", date.get("field")))[1]
        text = f"{label}在{date.get('on_or_before')}及以前"
        if date.get("on_or_after"):
            text = f"{label}在{date['on_or_after']}至{date.get('on_or_before')}之间"
        parts.append(text)
    if definition.get("measure") == "sum":
        label = SUM_FIELDS.get(entity, {}).get(definition.get("field", ""), ("", definition.get("field")))[1]
        what = f"的{label}合计"
    else:
        what = "的个数"
    sentence = head + ("中" + "、".join(parts) if parts else "") + what
    if definition.get("target") == "all":
        sentence += "，目标为全部（同样条件、不含日期条件的总数）"
    elif definition.get("denominator"):
        sentence += "（占全部）"
    return sentence
