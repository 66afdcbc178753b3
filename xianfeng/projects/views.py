# TEMPORARY SCAFFOLD — each name below is being replaced by its real view.
from __future__ import annotations


def _todo(*args, **kwargs):  # type: ignore[no-untyped-def]
    raise NotImplementedError


project_list = project_export = board = project_create = project_detail = _todo
project_edit = project_transition = project_archive = project_restore = entry_edit = milestones_edit = _todo

# ---- registry import (owned by the import work; keep this section at the end of the file) ----
registry_import = registry_import_template = _todo
