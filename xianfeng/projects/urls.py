from __future__ import annotations

from django.urls import path

from xianfeng.projects import views

app_name = "projects"
urlpatterns = [
    path("", views.project_list, name="list"),
    path("export.xlsx", views.project_export, name="export"),
    path("board/", views.board, name="board"),
    path("new/", views.project_create, name="create"),
    path("<int:pk>/", views.project_detail, name="detail"),
    path("<int:pk>/edit/", views.project_edit, name="edit"),
    path("<int:pk>/transition/", views.project_transition, name="transition"),
    path("<int:pk>/archive/", views.project_archive, name="archive"),
    path("<int:pk>/restore/", views.project_restore, name="restore"),
    path("<int:pk>/entries/<int:year>/", views.entry_edit, name="entry_edit"),
    path("<int:pk>/milestones/", views.milestones_edit, name="milestones"),
    # Bulk import of the registry (section at the end of views.py).
    path("import/", views.registry_import, name="import"),
    path("import/template.xlsx", views.registry_import_template, name="import_template"),
]
