"""Writes to the registry. Every change is checked against the actor's rights and logged."""

from __future__ import annotations

import datetime as dt
import functools
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext
from pypinyin import lazy_pinyin
from pypinyin.seg.simpleseg import seg as pinyin_segments

from xianfeng.audit.choices import ChangeAction
from xianfeng.audit.services import record_create, record_update, snapshot
from xianfeng.lib import clock
from xianfeng.lib.errors import ConflictError
from xianfeng.lib.validation import Memo, full_clean_cached
from xianfeng.org.choices import UNIT_ROLES, Role
from xianfeng.org.models import User
from xianfeng.projects.choices import STAGE_ORDER, STARTED_STAGES, MilestoneKind, Stage
from xianfeng.projects.codes import format_internal_code, normalise_national_code
from xianfeng.projects.models import Milestone, ProgrammeEntry, Project, StageTransition

# Fields a form, the API or an import may set directly. The stage and the actual dates move
# only through project_transition().
EDITABLE_FIELDS = [
    "national_code",
    "name",
    "category",
    "chain",
    "park",
    "street",
    "lead_unit",
    "leader",
    "owner",
    "location_text",
    "content",
    "total_investment",
    "land_area",
    "floor_area",
    "latitude",
    "longitude",
    "planned_start",
    "planned_completion",
    "contact_name",
    "contact_phone",
]
# Set only when a project is first entered (an existing project reaches them by transition).
INITIAL_FIELDS = ["stage", "actual_start", "actual_completion", "is_illustrative"]
ENTRY_FIELDS = [
    "serial",
    "kind",
    "level",
    "planned_investment",
    "planned_start_month",
    "note",
    "invested_ytd",
    "invested_as_of",
    "invested_before",
]

EARLIEST_DATE = dt.date(1990, 1, 1)
LATEST_DATE = dt.date(2100, 12, 31)


# ---------------------------------------------------------------- permissions


def _ensure_can(actor: User, project: Project, action: str) -> None:
    if not Project.objects.restrict(actor, action).filter(pk=project.pk).exists():
        raise PermissionDenied(gettext("您无权修改该项目"))


def _ensure_unit_allowed(actor: User, project: Project) -> None:
    """Unit users may only put projects under their own unit."""
    if actor.role in UNIT_ROLES and project.lead_unit_id != actor.department_id:
        raise ValidationError({"lead_unit": gettext("只能选择本单位作为责任单位")})
    if actor.role not in {Role.DISPATCHER, Role.UNIT_REPORTER, *UNIT_ROLES}:
        raise PermissionDenied(gettext("您的角色不能修改项目数据"))


# ---------------------------------------------------------------- validation


@functools.lru_cache(maxsize=20000)
def _segment_pinyin(segment: str) -> tuple[str, ...]:
    # A pure function of the text (not business data): names share words, so caching per
    # segment makes pinyin ~10x cheaper for bulk imports. Same result as lazy_pinyin(name).
    return tuple(lazy_pinyin(segment, errors="ignore"))


def _search_text(project: Project) -> str:
    syllables = [p for segment in pinyin_segments(project.name) for p in _segment_pinyin(segment)]
    initials = "".join(p[0] for p in syllables)
    full = "".join(syllables)
    return " ".join(
        part.lower()
        for part in [
            project.name,
            project.national_code,
            project.internal_code,
            project.owner,
            initials,
            full,
        ]
        if part
    )


def project_validate(project: Project, *, references_loaded: bool = False, memo: Memo | None = None) -> None:
    """Field rules plus the rules that tie fields together; raises ValidationError per field.

    ``references_loaded``: the caller set every foreign key from rows it has just read (the bulk
    import does), so skip full_clean's one-query-per-key existence checks and the check-constraint
    queries (the field validators state the same rules); required keys are still checked.
    ``memo`` (with ``references_loaded``): a dict kept over many calls, so each field checks a
    repeated value once (see xianfeng.lib.validation).
    """
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if project.national_code:
        try:
            project.national_code = normalise_national_code(project.national_code)
        except ValidationError as exc:
            add("national_code", exc.messages[0])
    exclude = ["national_code", "internal_code"]
    if references_loaded:
        relations = [f for f in Project._meta.concrete_fields if f.is_relation]
        exclude += [f.name for f in relations]
        for f in relations:
            if not f.blank and getattr(project, f.attname) is None:
                add(f.name, str(f.error_messages["blank"]))
    try:
        if references_loaded and memo is not None:
            full_clean_cached(project, exclude=exclude, memo=memo)
        else:
            project.full_clean(
                exclude=exclude, validate_unique=False, validate_constraints=not references_loaded
            )
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            for message in messages:
                add(field, message)
    today = clock.today()
    for field in ["planned_start", "planned_completion", "actual_start", "actual_completion"]:
        value = getattr(project, field)
        if value is not None and not EARLIEST_DATE <= value <= LATEST_DATE:
            add(
                field,
                gettext("日期 %(date)s 超出范围（%(earliest)s–%(latest)s）")
                % {"date": value, "earliest": EARLIEST_DATE, "latest": LATEST_DATE},
            )
    if (
        project.planned_start
        and project.planned_completion
        and project.planned_completion < project.planned_start
    ):
        add("planned_completion", gettext("计划竣工时间不能早于计划开工时间"))
    if project.actual_start and project.actual_start > today:
        add(
            "actual_start",
            gettext("实际开工时间 %(date)s 不能晚于今天（%(today)s）")
            % {"date": project.actual_start, "today": today},
        )
    if project.actual_completion:
        if project.actual_completion > today:
            add(
                "actual_completion",
                gettext("实际竣工时间 %(date)s 不能晚于今天（%(today)s）")
                % {"date": project.actual_completion, "today": today},
            )
        if not project.actual_start:
            add("actual_completion", gettext("填写实际竣工时间前须先有实际开工时间"))
        elif project.actual_completion <= project.actual_start:
            add("actual_completion", gettext("实际竣工时间须晚于实际开工时间"))
    if project.stage in STARTED_STAGES and not project.actual_start:
        add(
            "actual_start",
            gettext("项目阶段为“%(stage)s”时须填写实际开工时间") % {"stage": project.get_stage_display()},
        )
    if project.stage in {Stage.COMPLETED, Stage.OPERATING} and not project.actual_completion:
        add(
            "actual_completion",
            gettext("项目阶段为“%(stage)s”时须填写实际竣工时间") % {"stage": project.get_stage_display()},
        )
    if project.stage in {Stage.PLANNING, Stage.RESERVE} and project.actual_start:
        add(
            "actual_start",
            gettext("项目阶段为“%(stage)s”时不应有实际开工时间") % {"stage": project.get_stage_display()},
        )
    if project.park_id and project.chain_id is None and project.park and project.park.chain_id:
        project.chain_id = project.park.chain_id
    if errors:
        raise ValidationError(errors)
    project.search_text = _search_text(project)


def _next_internal_code(year: int) -> str:
    prefix = format_internal_code(year, 0)[:-5]
    last = (
        Project.objects.filter(internal_code__startswith=prefix)
        .order_by("-internal_code")
        .values_list("internal_code", flat=True)
        .first()
    )
    serial = int(last[-5:]) + 1 if last else 1
    return format_internal_code(year, serial)


def _check_national_code_free(project: Project) -> None:
    if project.national_code:
        clash = Project.objects.filter(national_code=project.national_code).exclude(pk=project.pk)
        if clash.exists():
            other = clash.first()
            raise ValidationError(
                {
                    "national_code": gettext("项目代码 %(code)s 已被项目“%(other)s”使用")
                    % {"code": project.national_code, "other": other}
                }
            )


# ---------------------------------------------------------------- projects


@transaction.atomic
def project_create(
    *,
    actor: User,
    fields: dict[str, Any],
    entry: dict[str, Any] | None = None,
    year: int | None = None,
    request_id: str = "",
) -> Project:
    """Enter a new project, optionally with its place in a year's programme."""
    unknown = set(fields) - set(EDITABLE_FIELDS) - set(INITIAL_FIELDS)
    if unknown:
        raise ValidationError(
            gettext("不能直接设置字段：%(fields)s") % {"fields": ", ".join(sorted(unknown))}
        )
    project = Project(**fields)
    if actor.role in UNIT_ROLES and not fields.get("lead_unit") and not fields.get("lead_unit_id"):
        project.lead_unit_id = actor.department_id
    if actor.role not in {Role.DISPATCHER, Role.UNIT_REPORTER}:
        raise PermissionDenied(gettext("您的角色不能新建项目"))
    _ensure_unit_allowed(actor, project)
    project_validate(project)
    _check_national_code_free(project)
    year = year or (entry or {}).get("year") or clock.today().year
    for _attempt in range(5):
        project.internal_code = _next_internal_code(int(year))
        project.search_text = _search_text(project)
        try:
            with transaction.atomic():
                project.save()
            break
        except IntegrityError:
            project.pk = None
            continue
    else:  # pragma: no cover - five clashes in a row means something else is wrong
        raise ConflictError(gettext("生成内部编号时发生冲突，请重试"))
    record_create(actor=actor, instance=project, request_id=request_id)
    _sync_milestones_from_dates(project)
    initial = _initial_transition(project, actor)
    if initial is not None:
        initial.save()
    if entry is not None:
        programme_entry_save(
            actor=actor, project=project, year=int(year), fields=entry, request_id=request_id
        )
    return project


def _initial_transition(project: Project, actor: User) -> StageTransition | None:
    """The (unsaved) record of the stage a new project is entered in, if it is past planning."""
    if project.stage == Stage.PLANNING and not project.actual_start:
        return None
    return StageTransition(
        project=project,
        from_stage="",
        to_stage=project.stage,
        effective_date=project.actual_start or clock.today(),
        at=clock.now(),
        actor=actor,
        reason="录入项目",
    )


@transaction.atomic
def project_update(
    *,
    actor: User,
    project: Project,
    fields: dict[str, Any],
    expected_version: int | None = None,
    request_id: str = "",
) -> Project:
    """Change a project's editable fields. With ``expected_version``, refuse to overwrite
    another person's save made since the form was loaded."""
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(
            gettext("不能直接修改字段：%(fields)s（阶段请用“阶段变更”）")
            % {"fields": ", ".join(sorted(unknown))}
        )
    _ensure_can(actor, project, "change")
    current = Project.objects.select_for_update().get(pk=project.pk)
    if expected_version is not None and current.version != expected_version:
        raise ConflictError(
            gettext(
                "该项目已被他人修改（当前版本 %(current)s，您打开的是版本 %(opened)s），"
                "请刷新后重新填写，您的修改未保存"
            )
            % {"current": current.version, "opened": expected_version}
        )
    if current.archived_at:
        raise ValidationError(gettext("项目已归档，不能修改；请先恢复"))
    before = snapshot(current)
    for name, value in fields.items():
        setattr(current, name, value)
    _ensure_unit_allowed(actor, current)
    project_validate(current)
    _check_national_code_free(current)
    if not record_update(actor=actor, instance=current, before=before, request_id=request_id):
        return current
    current.version = F("version") + 1
    current.save()
    current.refresh_from_db()
    return current


def _stage_rules(project: Project, to_stage: str, effective_date: dt.date | None, reason: str) -> dt.date:
    """Check a transition; returns the effective date. Raises ValidationError in Chinese."""
    today = clock.today()
    from_stage = project.stage
    labels = dict(Stage.choices)
    if to_stage not in labels:
        raise ValidationError({"to_stage": gettext("未知的项目阶段“%(stage)s”") % {"stage": to_stage}})
    if to_stage == from_stage:
        raise ValidationError(
            {"to_stage": gettext("项目已处于“%(stage)s”阶段") % {"stage": labels[to_stage]}}
        )
    reason = reason.strip()
    needs_reason = (
        to_stage in {Stage.SUSPENDED, Stage.CANCELLED}
        or from_stage == Stage.CANCELLED
        or (
            from_stage in STAGE_ORDER
            and to_stage in STAGE_ORDER
            and STAGE_ORDER[to_stage] < STAGE_ORDER[from_stage]
        )
    )
    if needs_reason and not reason:
        raise ValidationError(
            {
                "reason": gettext("从“%(from)s”变更为“%(to)s”须说明原因")
                % {"from": labels[from_stage], "to": labels[to_stage]}
            }
        )
    day = effective_date or today
    if day > today:
        raise ValidationError(
            {
                "effective_date": gettext("日期 %(date)s 不能晚于今天（%(today)s）")
                % {"date": day, "today": today}
            }
        )
    if day < EARLIEST_DATE:
        raise ValidationError(
            {
                "effective_date": gettext("日期 %(date)s 早于 %(earliest)s")
                % {"date": day, "earliest": EARLIEST_DATE}
            }
        )
    needs_start = from_stage in {Stage.PLANNING, Stage.RESERVE, Stage.CANCELLED}
    if to_stage == Stage.CONSTRUCTION and needs_start and effective_date is None:
        raise ValidationError({"effective_date": gettext("转为在建须填写实际开工日期")})
    if to_stage == Stage.COMPLETED:
        if effective_date is None:
            raise ValidationError({"effective_date": gettext("转为竣工须填写实际竣工日期")})
        if not project.actual_start:
            raise ValidationError(
                {"to_stage": gettext("项目尚未开工，不能直接转为竣工；请先转为在建并填写开工日期")}
            )
        if day <= project.actual_start:
            raise ValidationError(
                {
                    "effective_date": gettext("竣工日期 %(date)s 须晚于实际开工日期 %(start)s")
                    % {"date": day, "start": project.actual_start}
                }
            )
    if to_stage == Stage.OPERATING:
        if not project.actual_completion:
            raise ValidationError(
                {"to_stage": gettext("项目尚未竣工，不能转为投产；请先转为竣工并填写竣工日期")}
            )
        if day < project.actual_completion:
            raise ValidationError(
                {
                    "effective_date": gettext("投产日期 %(date)s 不能早于实际竣工日期 %(completion)s")
                    % {"date": day, "completion": project.actual_completion}
                }
            )
    return day


@transaction.atomic
def project_transition(
    *,
    actor: User,
    project: Project,
    to_stage: str,
    effective_date: dt.date | None = None,
    reason: str = "",
    request_id: str = "",
) -> StageTransition:
    """Move a project between lifecycle stages by the rules; kept with who, when and why."""
    _ensure_can(actor, project, "change")
    current = Project.objects.select_for_update().get(pk=project.pk)
    if current.archived_at:
        raise ValidationError(gettext("项目已归档，不能变更阶段"))
    day = _stage_rules(current, to_stage, effective_date, reason)
    before = snapshot(current)
    from_stage = current.stage
    _stage_apply(current, to_stage, day)
    project_validate(current)
    current.version = F("version") + 1
    current.save()
    current.refresh_from_db()
    transition = StageTransition.objects.create(
        project=current,
        from_stage=from_stage,
        to_stage=to_stage,
        effective_date=day,
        at=clock.now(),
        actor=actor,
        reason=reason.strip(),
    )
    record_update(
        actor=actor,
        instance=current,
        before=before,
        action=ChangeAction.TRANSITION,
        reason=reason.strip(),
        request_id=request_id,
    )
    _sync_milestones_from_dates(current, operation_date=day if to_stage == Stage.OPERATING else None)
    project.refresh_from_db()
    return transition


def _stage_apply(project: Project, to_stage: str, day: dt.date) -> None:
    """Set the stage and the actual dates a transition implies (rules checked by _stage_rules)."""
    from_stage = project.stage
    if to_stage == Stage.CONSTRUCTION and (
        from_stage in {Stage.PLANNING, Stage.RESERVE} or not project.actual_start
    ):
        project.actual_start = day
        project.actual_completion = None
    elif to_stage == Stage.COMPLETED:
        project.actual_completion = day
    elif to_stage in {Stage.PLANNING, Stage.RESERVE}:
        # Going back before construction: the recorded start no longer holds.
        project.actual_start = None
        project.actual_completion = None
    elif to_stage == Stage.CONSTRUCTION and from_stage in {Stage.COMPLETED, Stage.OPERATING}:
        project.actual_completion = None
    project.stage = to_stage


def _milestone_dates(
    project: Project, operation_date: dt.date | None = None
) -> list[tuple[str, dt.date | None]]:
    """The milestones that mirror the project's actual dates, with the date each should carry."""
    pairs: list[tuple[str, dt.date | None]] = [
        (MilestoneKind.START, project.actual_start),
        (MilestoneKind.COMPLETION, project.actual_completion),
    ]
    if operation_date is not None:
        pairs.append((MilestoneKind.OPERATION, operation_date))
    return pairs


def _sync_milestones_from_dates(project: Project, operation_date: dt.date | None = None) -> None:
    """Keep the start/completion/operation milestones equal to the project's actual dates."""
    for kind, day in _milestone_dates(project, operation_date):
        milestone = Milestone.objects.filter(project=project, kind=kind).first()
        if milestone is None:
            if day is not None:
                Milestone.objects.create(project=project, kind=kind, actual_date=day)
        elif milestone.actual_date != day:
            milestone.actual_date = day
            milestone.save(update_fields=["actual_date"])


@transaction.atomic
def project_archive(*, actor: User, project: Project, reason: str) -> Project:
    """Take a project out of the registry's lists. Nothing is ever hard-deleted."""
    if actor.role != Role.DISPATCHER:
        raise PermissionDenied(gettext("只有调度专员可以归档项目"))
    _ensure_can(actor, project, "change")
    if not reason.strip():
        raise ValidationError({"reason": gettext("归档须说明原因")})
    current = Project.objects.select_for_update().get(pk=project.pk)
    if current.archived_at:
        raise ValidationError(gettext("项目已归档"))
    before = snapshot(current)
    current.archived_at = clock.now()
    current.archive_reason = reason.strip()[:200]
    current.version = F("version") + 1
    current.save()
    current.refresh_from_db()
    record_update(actor=actor, instance=current, before=before, action=ChangeAction.ARCHIVE, reason=reason)
    return current


@transaction.atomic
def project_restore(*, actor: User, project: Project, reason: str = "") -> Project:
    if actor.role != Role.DISPATCHER:
        raise PermissionDenied(gettext("只有调度专员可以恢复项目"))
    current = Project.objects.select_for_update().get(pk=project.pk)
    if not current.archived_at:
        raise ValidationError(gettext("项目未归档"))
    before = snapshot(current)
    current.archived_at = None
    current.archive_reason = ""
    current.version = F("version") + 1
    current.save()
    current.refresh_from_db()
    record_update(actor=actor, instance=current, before=before, action=ChangeAction.RESTORE, reason=reason)
    return current


# ---------------------------------------------------------------- programme entries


_ENTRY_RELATIONS = [f.name for f in ProgrammeEntry._meta.concrete_fields if f.is_relation]


def _entry_validate(
    entry: ProgrammeEntry, *, references_loaded: bool = False, memo: Memo | None = None
) -> None:
    """``references_loaded``, ``memo``: as in project_validate, skip the check-constraint queries."""
    errors: dict[str, list[str]] = {}
    try:
        if references_loaded and memo is not None:
            full_clean_cached(entry, exclude=_ENTRY_RELATIONS, memo=memo)
        else:
            entry.full_clean(
                exclude=["project"], validate_unique=False, validate_constraints=not references_loaded
            )
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if entry.kind == "new_start" and not entry.planned_start_month:
        errors.setdefault("planned_start_month", []).append(gettext("新开工项目须填写计划开工月份"))
    if entry.planned_investment is not None and entry.planned_investment < 0:
        errors.setdefault("planned_investment", []).append(gettext("年度计划投资不能为负数"))
    if entry.invested_as_of is not None:
        if entry.invested_as_of.year != entry.year:
            errors.setdefault("invested_as_of", []).append(
                gettext("完成投资截至日期须在 %(year)s 年内") % {"year": entry.year}
            )
        elif entry.invested_as_of > clock.today():
            errors.setdefault("invested_as_of", []).append(gettext("完成投资截至日期不能晚于今天"))
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def programme_entry_save(
    *,
    actor: User,
    project: Project,
    year: int,
    fields: dict[str, Any],
    expected_version: int | None = None,
    request_id: str = "",
) -> ProgrammeEntry:
    """Create or update the project's entry in ``year``'s programme."""
    fields = {k: v for k, v in fields.items() if k != "year"}
    unknown = set(fields) - set(ENTRY_FIELDS)
    if unknown:
        raise ValidationError(
            gettext("年度计划没有字段：%(fields)s") % {"fields": ", ".join(sorted(unknown))}
        )
    _ensure_can(actor, project, "change")
    entry = ProgrammeEntry.objects.select_for_update().filter(project=project, year=year).first()
    if entry is None:
        entry = ProgrammeEntry(project=project, year=year, **fields)
        if entry.planned_investment is None:
            entry.planned_investment = Decimal(0)
        _entry_validate(entry)
        entry.save()
        record_create(actor=actor, instance=entry, request_id=request_id)
        return entry
    if expected_version is not None and entry.version != expected_version:
        raise ConflictError(gettext("该年度计划已被他人修改，请刷新后重新填写，您的修改未保存"))
    before = snapshot(entry)
    for name, value in fields.items():
        setattr(entry, name, value)
    _entry_validate(entry)
    if record_update(actor=actor, instance=entry, before=before, request_id=request_id):
        entry.version = F("version") + 1
        entry.save()
        entry.refresh_from_db()
    return entry


# ---------------------------------------------------------------- milestones


@transaction.atomic
def milestone_save(
    *,
    actor: User,
    project: Project,
    kind: str,
    planned_date: dt.date | None,
    actual_date: dt.date | None,
    note: str = "",
) -> Milestone:
    _ensure_can(actor, project, "change")
    labels = dict(MilestoneKind.choices)
    if kind not in labels:
        raise ValidationError({"kind": gettext("未知的节点“%(kind)s”") % {"kind": kind}})
    if kind in {MilestoneKind.START, MilestoneKind.COMPLETION, MilestoneKind.OPERATION} and actual_date != (
        Milestone.objects.filter(project=project, kind=kind).values_list("actual_date", flat=True).first()
    ):
        raise ValidationError(
            {
                "actual_date": gettext("“%(kind)s”的完成日期由阶段变更记录，请使用“阶段变更”")
                % {"kind": labels[kind]}
            }
        )
    today = clock.today()
    for field, value in [("planned_date", planned_date), ("actual_date", actual_date)]:
        if value is not None and not EARLIEST_DATE <= value <= LATEST_DATE:
            raise ValidationError({field: gettext("日期 %(date)s 超出范围") % {"date": value}})
    if actual_date is not None and actual_date > today:
        raise ValidationError(
            {
                "actual_date": gettext("完成日期 %(date)s 不能晚于今天（%(today)s）")
                % {"date": actual_date, "today": today}
            }
        )
    milestone = Milestone.objects.select_for_update().filter(project=project, kind=kind).first()
    if milestone is None:
        milestone = Milestone.objects.create(
            project=project, kind=kind, planned_date=planned_date, actual_date=actual_date, note=note
        )
        record_create(actor=actor, instance=milestone)
        return milestone
    before = snapshot(milestone)
    milestone.planned_date, milestone.actual_date, milestone.note = planned_date, actual_date, note
    if record_update(actor=actor, instance=milestone, before=before):
        milestone.save()
    return milestone


# ---------------------------------------------------------------- progress from monthly reports


@transaction.atomic
def programme_entries_record_progress(
    *,
    actor: User | None,
    progress: list[tuple[ProgrammeEntry, Decimal, dt.date | None]],
    reason: str = "",
    request_id: str = "",
) -> int:
    """Set entries' year-to-date investment (``invested_ytd`` as of ``invested_as_of``) from the
    monthly reports; returns how many entries changed.

    The dispatch app calls this whenever reports are handed in, returned or corrected — in bulk
    for a workbook import of thousands of rows — so the registry's figures follow the reports.
    One UPDATE per changed entry sent as one batch, and one audit record per changed entry,
    inserted together. ``actor`` None is the system (the demo loader); otherwise the actor must
    be allowed to change every entry. Pass entries with their project loaded (select_related):
    the audit record names it.
    """
    from xianfeng.audit.models import ChangeRecord
    from xianfeng.lib.bulk import insert_rows, update_rows

    today = clock.today()
    changed: list[tuple[ProgrammeEntry, Decimal, dt.date | None]] = []
    for entry, ytd, as_of in progress:
        if ytd is None or ytd < 0:
            raise ValidationError(
                {"invested_ytd": gettext("“%(entry)s”的年度累计完成投资不能为负数") % {"entry": entry}}
            )
        if as_of is not None:
            if as_of.year != entry.year:
                raise ValidationError(
                    {"invested_as_of": gettext("完成投资截至日期须在 %(year)s 年内") % {"year": entry.year}}
                )
            as_of = min(as_of, today)
        if entry.invested_ytd != ytd or entry.invested_as_of != as_of:
            changed.append((entry, ytd, as_of))
    if not changed:
        return 0
    if actor is not None and actor.role != Role.DISPATCHER:
        # Read the allowed ids by year and unit: an IN list of thousands of ids costs more to
        # build than the rows cost to read.
        ids = {entry.pk for entry, _ytd, _as_of in changed}
        years = {entry.year for entry, _ytd, _as_of in changed}
        units = {entry.project.lead_unit_id for entry, _ytd, _as_of in changed}
        allowed = ProgrammeEntry.objects.restrict(actor, "change").filter(
            year__in=sorted(years), project__lead_unit_id__in=sorted(units)
        )
        if not ids <= set(allowed.values_list("pk", flat=True)):
            raise PermissionDenied(gettext("您无权修改其中部分项目的年度计划"))
    now = clock.now()
    label_ytd = str(ProgrammeEntry._meta.get_field("invested_ytd").verbose_name)
    label_as_of = str(ProgrammeEntry._meta.get_field("invested_as_of").verbose_name)
    actor_id = actor.pk if actor is not None else None
    actor_name = (actor.get_full_name() or actor.username) if actor is not None else "系统"
    object_type, update = ProgrammeEntry._meta.label, ChangeAction.UPDATE.value
    updates = []
    records = []
    for entry, ytd, as_of in changed:
        changes: dict[str, Any] = {}
        if entry.invested_ytd != ytd:
            changes["invested_ytd"] = {
                "label": label_ytd,
                "old": _plain_amount(entry.invested_ytd),
                "new": _plain_amount(ytd),
            }
        if entry.invested_as_of != as_of:
            changes["invested_as_of"] = {
                "label": label_as_of,
                "old": entry.invested_as_of.isoformat() if entry.invested_as_of else None,
                "new": as_of.isoformat() if as_of else None,
            }
        entry.invested_ytd, entry.invested_as_of = ytd, as_of
        entry.version = (entry.version or 0) + 1
        entry.updated_at = now
        updates.append(
            (
                entry.pk,
                {"invested_ytd": ytd, "invested_as_of": as_of, "version": entry.version, "updated_at": now},
            )
        )
        records.append(
            (
                now,
                actor_id,
                actor_name,
                update,
                object_type,
                str(entry.pk),
                str(entry)[:300],
                changes,
                reason,
                request_id,
            )
        )
    update_rows(ProgrammeEntry, updates, ["invested_ytd", "invested_as_of", "version", "updated_at"])
    insert_rows(
        ChangeRecord,
        [
            "at",
            "actor_id",
            "actor_name",
            "action",
            "object_type",
            "object_id",
            "object_repr",
            "changes",
            "reason",
            "request_id",
        ],
        records,
    )
    return len(changed)


def _plain_amount(value: Decimal | None) -> str | None:
    """An amount as the audit log writes it: canonical text, no trailing zeros."""
    if value is None:
        return None
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
