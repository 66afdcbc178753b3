"""The auditor's page: the change log, filtered, paged and exportable."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from typing import Any

from django.apps import apps
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.core.paginator import Paginator
from django.db import models
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from xianfeng.audit.forms import ChangeLogFilterForm
from xianfeng.audit.models import ChangeRecord
from xianfeng.audit.selectors import change_log, object_types
from xianfeng.lib import clock

# The one role that reads the log (org.choices.Role.AUDITOR; audit sits below org, so no import).
AUDITOR_ROLE = "auditor"
PAGE_SIZE = 50
HIDDEN_FIELDS = {"password", "key_hash"}


def _model(label: str) -> type[models.Model] | None:
    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        return None


def type_label(label: str) -> str:
    """A model label such as "projects.Project" as its Chinese name ("重点项目")."""
    model = _model(label)
    return str(model._meta.verbose_name) if model is not None else label


def _field(model: type[models.Model] | None, name: str) -> models.Field | None:
    if model is None:
        return None
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    return field if isinstance(field, models.Field) else None


def render_value(field: models.Field | None, value: Any) -> str:
    """A logged value as a person reads it: FKs by their label, choices by theirs, None as —."""
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if isinstance(value, dict):
        return str(value.get("label") or value.get("id") or "—")
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, list):
        return "、".join(render_value(field, item) for item in value)
    if field is not None and field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(field, models.DateTimeField) and isinstance(value, str):
        parsed = parse_datetime(value)
        if parsed is not None:
            if timezone.is_aware(parsed):
                parsed = timezone.localtime(parsed)
            return parsed.strftime("%Y-%m-%d %H:%M")
    return str(value)


def change_rows(record: ChangeRecord) -> list[dict[str, str]]:
    model = _model(record.object_type)
    rows = []
    changes = record.changes if isinstance(record.changes, dict) else {}
    for name, change in changes.items():
        change = change if isinstance(change, dict) else {"new": change}
        field = _field(model, name)
        label = str(change.get("label") or (field.verbose_name if field is not None else name))
        if name in HIDDEN_FIELDS:
            old = new = _("（已隐藏）")
        else:
            old, new = render_value(field, change.get("old")), render_value(field, change.get("new"))
            if record.action == "create" and new == "—":
                continue  # a new row's empty fields say nothing
        rows.append({"name": name, "label": label, "old": old, "new": new})
    return rows


def _actor(record: ChangeRecord) -> str:
    if record.actor_id is None and record.action == "login_failed":
        return _("（未登录）")
    return record.actor_name or "—"


def _entries(records: Iterable[ChangeRecord], labels: dict[str, str]) -> Iterator[dict[str, Any]]:
    for record in records:
        yield {
            "record": record,
            "actor": _actor(record),
            "type_label": labels.get(record.object_type) or type_label(record.object_type),
            "changes": change_rows(record),
        }


@login_required
def log(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    if getattr(request.user, "role", "") != AUDITOR_ROLE:
        raise PermissionDenied(_("只有审计管理员可以查看审计日志"))
    labels = {label: type_label(label) for label in object_types()}
    type_choices = sorted(labels.items(), key=lambda item: (item[1], item[0]))
    form = ChangeLogFilterForm(request.GET or None, type_choices=type_choices)
    filters: dict[str, Any] = {}
    if form.is_bound:
        form.is_valid()
        filters = form.filters()
        for name, errors in form.errors.items():
            label = form.fields[name].label if name in form.fields else ""
            for error in errors:
                messages.error(
                    request,
                    _("%(field)s：%(error)s（已忽略此条件）") % {"field": label, "error": error}
                    if label
                    else error,
                )
    records = change_log(**filters)
    if request.GET.get("export") == "csv":
        return _export_csv(records, labels)
    page = Paginator(records, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "audit/log.html",
        {
            "form": form,
            "page": page,
            "page_range": list(page.paginator.get_elided_page_range(page.number)),
            "entries": list(_entries(page.object_list, labels)),
            "filtered": bool(filters),
        },
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


def _export_csv(records: Any, labels: dict[str, str]) -> StreamingHttpResponse:
    """The filtered log as CSV (UTF-8 with BOM so Excel opens it in Chinese), streamed row by row."""
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        yield "\ufeff"
        yield writer.writerow(
            [
                _("时间"),
                _("操作人"),
                _("操作"),
                _("对象类型"),
                _("对象编号"),
                _("对象"),
                _("原因"),
                _("变更内容"),
            ]
        )
        for entry in _entries(records.iterator(chunk_size=2000), labels):
            record = entry["record"]
            changes = "；".join(f"{c['label']}：{c['old']} → {c['new']}" for c in entry["changes"])
            yield writer.writerow(
                [
                    timezone.localtime(record.at).strftime("%Y-%m-%d %H:%M:%S"),
                    entry["actor"],
                    record.get_action_display(),
                    entry["type_label"],
                    record.object_id,
                    record.object_repr,
                    record.reason,
                    changes,
                ]
            )

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    filename = _("审计日志-%(date)s.csv") % {"date": f"{clock.today():%Y%m%d}"}
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    return response
