"""Writes of the targets app. Targets part: targets, their hand-reported values and the target
forecasts. Every write is audited; targets and values carry a version for optimistic locking."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F, Q
from django.utils.translation import gettext as _

from xianfeng.audit.choices import ChangeAction
from xianfeng.audit.services import change_record, diff, record_create, record_update, snapshot
from xianfeng.dispatch.models import month_end
from xianfeng.lib import clock
from xianfeng.lib.errors import ConflictError
from xianfeng.lib.files import check_upload
from xianfeng.org.choices import UNIT_ROLES, Role
from xianfeng.org.models import User
from xianfeng.targets import definitions
from xianfeng.targets.choices import Curve, Source
from xianfeng.targets.models import Target, TargetForecast, TargetValue

EDITABLE_FIELDS = (
    "code",
    "year",
    "name",
    "owner_unit",
    "leader",
    "start_date",
    "deadline",
    "baseline_value",
    "target_value",
    "unit_of_measure",
    "min_value",
    "max_value",
    "source",
    "definition",
    "curve",
    "curve_points",
    "at_risk_margin",
    "description",
    "order",
)
EVIDENCE_KINDS = ("pdf", "jpg", "png", "xlsx", "docx")


def _ensure_dispatcher(actor: User) -> None:
    if actor.role != Role.DISPATCHER:
        raise PermissionDenied(_("只有区项目办（调度专员）可以设置目标"))


def _decimal(value: Any, label: str) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise ValidationError(_("%(label)s“%(value)s”不是数字") % {"label": label, "value": value}) from None
    if not number.is_finite():
        raise ValidationError(_("%(label)s“%(value)s”不是有限数字") % {"label": label, "value": value})
    return number


def _check_curve_points(target: Target) -> list[dict[str, Any]]:
    points = target.curve_points or []
    if target.curve != Curve.CUSTOM:
        return []
    if not isinstance(points, list) or not points:
        raise ValidationError({"curve_points": _("自定义进度曲线须至少有一个节点（日期与应达进度）")})
    clean: list[dict[str, Any]] = []
    last_day, last_percent = target.start_date - dt.timedelta(days=1), Decimal(0)
    for i, node in enumerate(points, start=1):
        if not isinstance(node, dict) or "date" not in node or "percent" not in node:
            raise ValidationError(
                {
                    "curve_points": _('第 %(i)s 个节点应写作 {"date": "YYYY-MM-DD", "percent": 数字}')
                    % {"i": i}
                }
            )
        try:
            day = dt.date.fromisoformat(str(node["date"]))
        except ValueError:
            raise ValidationError(
                {
                    "curve_points": _("第 %(i)s 个节点的日期“%(date)s”不是有效日期")
                    % {"i": i, "date": node["date"]}
                }
            ) from None
        percent = _decimal(node["percent"], _("第 %(i)s 个节点的应达进度") % {"i": i})
        if percent is None or not Decimal(0) <= percent <= Decimal(100):
            raise ValidationError({"curve_points": _("第 %(i)s 个节点的应达进度应在 0–100 之间") % {"i": i}})
        if not target.start_date <= day <= target.deadline:
            raise ValidationError(
                {
                    "curve_points": _("第 %(i)s 个节点的日期 %(day)s 不在起算日期与完成时限之间")
                    % {"i": i, "day": day}
                }
            )
        if day <= last_day or percent < last_percent:
            raise ValidationError(
                {"curve_points": _("第 %(i)s 个节点的日期须晚于前一个节点，进度不能回落") % {"i": i}}
            )
        last_day, last_percent = day, percent
        clean.append({"date": day.isoformat(), "percent": float(percent)})
    return clean


def target_validate(target: Target) -> None:
    """Check a target before it is saved; ValidationError with Chinese messages otherwise."""
    errors: dict[str, str] = {}
    if not (target.name or "").strip():
        errors["name"] = _("请填写目标名称")
    if not (target.code or "").strip():
        errors["code"] = _("请填写目标编号")
    if not (target.unit_of_measure or "").strip():
        errors["unit_of_measure"] = _("请填写计量单位")
    if target.start_date and target.deadline and target.deadline < target.start_date:
        errors["deadline"] = _("完成时限 %(deadline)s 早于起算日期 %(start)s") % {
            "deadline": target.deadline,
            "start": target.start_date,
        }
    if target.deadline and target.deadline.year != target.year and target.start_date.year != target.year:
        errors["year"] = _("年度 %(year)s 与起算日期、完成时限都不在同一年") % {"year": target.year}
    if target.min_value is not None and target.max_value is not None and target.min_value > target.max_value:
        errors["max_value"] = _("允许最大值小于允许最小值")
    margin = target.at_risk_margin
    if margin is None or not Decimal(0) <= margin <= Decimal(100):
        errors["at_risk_margin"] = _("风险阈值应在 0–100 个百分点之间")
    if target.source not in Source.values:
        errors["source"] = _("数据来源“%(source)s”无效") % {"source": target.source}
    if target.curve not in Curve.values:
        errors["curve"] = _("进度曲线“%(curve)s”无效") % {"curve": target.curve}
    if errors:
        raise ValidationError(errors)
    if target.source == Source.COMPUTED:
        target.definition = definitions.validate(target.definition)
        if target.definition.get("target") == "all":
            result = definitions.evaluate(target.definition, dt.date.max)
            if not result.denominator:
                raise ValidationError(
                    {"definition": _("目标值为“全部”，但符合筛选条件的对象为 0 个，请检查筛选条件")}
                )
            target.target_value = result.denominator
        if target.definition.get("target") or target.definition.get("denominator"):
            target.baseline_value = Decimal(0)
    else:
        if target.definition:
            raise ValidationError({"definition": _("按月填报的目标不设计算口径")})
    if target.target_value is None:
        raise ValidationError({"target_value": _("请填写目标值")})
    if target.target_value == 0:
        raise ValidationError({"target_value": _("目标值不能为 0")})
    if target.target_value == target.baseline_value:
        raise ValidationError(
            {
                "target_value": _("目标值与基数相同（%(value)s），无法计算进度")
                % {"value": target.target_value}
            }
        )
    target.curve_points = _check_curve_points(target)


def _check_code_free(target: Target) -> None:
    clash = Target.objects.filter(code=target.code).exclude(pk=target.pk).exists()
    if clash:
        raise ValidationError({"code": _("目标编号“%(code)s”已被使用") % {"code": target.code}})


@transaction.atomic
def target_create(*, actor: User, fields: dict[str, Any]) -> Target:
    _ensure_dispatcher(actor)
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(_("不能设置字段：%(fields)s") % {"fields": ", ".join(sorted(unknown))})
    target = Target(**fields)
    target_validate(target)
    _check_code_free(target)
    target.save()
    record_create(actor=actor, instance=target)
    return target


@transaction.atomic
def target_update(
    *, actor: User, target: Target, fields: dict[str, Any], expected_version: int | None = None
) -> Target:
    _ensure_dispatcher(actor)
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(_("不能修改字段：%(fields)s") % {"fields": ", ".join(sorted(unknown))})
    current = Target.objects.select_for_update().get(pk=target.pk)
    if expected_version is not None and current.version != expected_version:
        raise ConflictError(
            _(
                "该目标已被他人修改（当前版本 %(current)s，您打开的是版本 %(opened)s），"
                "请刷新后重新填写，您的修改未保存"
            )
            % {"current": current.version, "opened": expected_version}
        )
    before = snapshot(current)
    for name, value in fields.items():
        setattr(current, name, value)
    if current.source == Source.MANUAL and "definition" not in fields:
        current.definition = {}
    target_validate(current)
    _check_code_free(current)
    if not record_update(actor=actor, instance=current, before=before):
        return current
    current.version = F("version") + 1
    current.save()
    current.refresh_from_db()
    return current


@transaction.atomic
def target_archive(*, actor: User, target: Target, reason: str) -> Target:
    """Retire a target: it leaves the board and the cockpit; its page and history stay."""
    return _set_archived(actor=actor, target=target, reason=reason, archive=True)


@transaction.atomic
def target_restore(*, actor: User, target: Target, reason: str) -> Target:
    """Bring an archived target back onto the board and the cockpit (the reason is kept)."""
    return _set_archived(actor=actor, target=target, reason=reason, archive=False)


def _set_archived(*, actor: User, target: Target, reason: str, archive: bool) -> Target:
    _ensure_dispatcher(actor)
    if not reason.strip():
        raise ValidationError({"reason": _("请说明归档原因") if archive else _("请说明恢复原因")})
    current = Target.objects.select_for_update().get(pk=target.pk)
    if archive and current.archived_at is not None:
        raise ValidationError(_("该目标已于 %(day)s 归档") % {"day": f"{current.archived_at:%Y-%m-%d}"})
    if not archive and current.archived_at is None:
        raise ValidationError(_("该目标未归档，无需恢复"))
    before = snapshot(current)
    current.archived_at = clock.now() if archive else None
    action = ChangeAction.ARCHIVE if archive else ChangeAction.RESTORE
    record_update(actor=actor, instance=current, before=before, action=action, reason=reason)
    current.version = F("version") + 1
    current.save()
    current.refresh_from_db()
    return current


# ---------------------------------------------------------------- hand-reported values


def _check_evidence(upload: UploadedFile) -> str:
    name, _kind = check_upload(upload, field="evidence_file", default_name="佐证材料", kinds=EVIDENCE_KINDS)
    return name


VALUE_FIELDS = ["target", "year", "month", "value", "evidence", "evidence_name", "reported_at", "reported_by"]


def _value_snapshot(row: TargetValue) -> dict[str, Any]:
    """The row's audited fields; the file by its stored name (a file is not JSON)."""
    return {**snapshot(row, fields=VALUE_FIELDS), "evidence_file": row.evidence_file.name or ""}


def _ensure_reporter(actor: User, target: Target) -> None:
    """The owner unit's users (and the project office) report; others may not, and a unit user
    who may not even see the target gets 404 from the selector before this."""
    if actor.role == Role.DISPATCHER:
        return
    if actor.role in UNIT_ROLES and actor.department_id == target.owner_unit_id:
        return
    raise PermissionDenied(_("只有目标的责任单位可以填报完成值"))


@transaction.atomic
def target_value_report(
    *,
    actor: User,
    target: Target,
    year: int,
    month: int,
    value: Any,
    evidence: str = "",
    evidence_file: UploadedFile | None = None,
    expected_version: int | None = None,
) -> TargetValue:
    """Report (or correct) a manual target's cumulative value as of the end of ``month``."""
    current_target = Target.objects.select_for_update().get(pk=target.pk)
    _ensure_reporter(actor, current_target)
    if current_target.source != Source.MANUAL:
        raise ValidationError(_("该目标由系统按计算口径计算，不需要填报"))
    if current_target.archived_at:
        raise ValidationError(_("该目标已归档，不能填报"))
    if not 1 <= int(month) <= 12:
        raise ValidationError({"month": _("月份 %(month)s 应在 1–12 之间") % {"month": month}})
    day = month_end(int(year), int(month))
    first = (current_target.start_date.year, current_target.start_date.month)
    last = (current_target.deadline.year, current_target.deadline.month)
    if not first <= (int(year), int(month)) <= last:
        raise ValidationError(
            {
                "month": _("%(year)s年%(month)s月不在目标的起算日期 %(start)s 与完成时限 %(deadline)s 之间")
                % {
                    "year": year,
                    "month": month,
                    "start": current_target.start_date,
                    "deadline": current_target.deadline,
                }
            }
        )
    if day > clock.today():
        raise ValidationError(
            {
                "month": _("%(year)s年%(month)s月尚未结束，月底之后再填报截至月底的累计值")
                % {"year": year, "month": month}
            }
        )
    number = _decimal(value, _("完成值"))
    if number is None:
        raise ValidationError({"value": _("请填写累计完成值")})
    if number < 0:
        raise ValidationError({"value": _("累计完成值不能为负数（填写的是 %(value)s）") % {"value": number}})
    low, high = current_target.min_value, current_target.max_value
    if low is not None and number < low:
        raise ValidationError(
            {
                "value": _("累计完成值 %(value)s 小于允许最小值 %(low)s")
                % {"value": number, "low": f"{low.normalize():f}"}
            }
        )
    if high is not None and number > high:
        raise ValidationError(
            {
                "value": _("累计完成值 %(value)s 大于允许最大值 %(high)s")
                % {"value": number, "high": f"{high.normalize():f}"}
            }
        )
    name = _check_evidence(evidence_file) if evidence_file is not None else ""
    existing = (
        TargetValue.objects.select_for_update().filter(target=current_target, year=year, month=month).first()
    )
    if existing is None:
        row = TargetValue(
            target=current_target,
            year=year,
            month=month,
            value=number,
            evidence=evidence.strip(),
            reported_at=clock.now(),
            reported_by=actor,
        )
        if evidence_file is not None:
            row.evidence_name = name
            row.evidence_file.save(name, evidence_file, save=False)
        row.save()
        changes = diff(TargetValue, {}, _value_snapshot(row))
        change_record(actor=actor, action=ChangeAction.CREATE, instance=row, changes=changes)
        _refresh_forecasts(current_target, int(year), int(month))
        return row
    if expected_version is not None and existing.version != expected_version:
        raise ConflictError(
            _(
                "%(year)s年%(month)s月的填报值已被他人修改（当前版本 %(current)s，"
                "您打开的是版本 %(opened)s），请刷新后重新填写，您的修改未保存"
            )
            % {"year": year, "month": month, "current": existing.version, "opened": expected_version}
        )
    before = _value_snapshot(existing)
    existing.value = number
    existing.evidence = evidence.strip()
    if evidence_file is not None:
        existing.evidence_name = name
        existing.evidence_file.save(name, evidence_file, save=False)
    changes = diff(TargetValue, before, _value_snapshot(existing))
    if not any(k in changes for k in ("value", "evidence", "evidence_file")):
        return existing
    existing.reported_at = clock.now()
    existing.reported_by = actor
    changes = diff(TargetValue, before, _value_snapshot(existing))
    change_record(actor=actor, action=ChangeAction.UPDATE, instance=existing, changes=changes)
    existing.version = F("version") + 1
    existing.save()
    existing.refresh_from_db()
    _refresh_forecasts(current_target, int(year), int(month))
    return existing


def _refresh_forecasts(target: Target, year: int, month: int) -> None:
    """The target's stored forecasts as of ``year``-``month`` and later, simulated again with the
    value just reported: else the page showed the old chance (and an expected value below the new
    current one) until the next daily recomputation."""
    from xianfeng.targets import montecarlo

    rows = TargetForecast.objects.filter(target=target).filter(
        Q(year__gt=year) | Q(year=year, month__gte=month)
    )
    for row in rows:
        result = montecarlo.simulate(target=target, as_of=month_end(row.year, row.month))
        row.probability = result.probability_percent
        row.expected_value = result.expected_value
        row.samples = result.samples
        row.method = result.method
        row.computed_at = clock.now()
        row.save(update_fields=["probability", "expected_value", "samples", "method", "computed_at"])


# ---------------------------------------------------------------- forecasts


@transaction.atomic
def target_forecasts_recompute(year: int, month: int) -> int:
    """Recompute the probability that each target of ``year`` is met, as of the end of ``month``;
    returns the number of targets. Idempotent (replaces the month's rows)."""
    from xianfeng.targets import montecarlo

    as_of = month_end(year, month)
    targets = list(Target.objects.filter(year=year, archived_at__isnull=True).order_by("id"))
    now = clock.now()
    rows = []
    for target in targets:
        result = montecarlo.simulate(target=target, as_of=as_of)
        rows.append(
            TargetForecast(
                target=target,
                year=year,
                month=month,
                probability=result.probability_percent,
                expected_value=result.expected_value,
                samples=result.samples,
                method=result.method,
                computed_at=now,
            )
        )
    TargetForecast.objects.filter(target__in=[t.pk for t in targets], year=year, month=month).delete()
    TargetForecast.objects.bulk_create(rows)
    return len(rows)
