from __future__ import annotations

from django.urls import path

from xianfeng.dispatch import views

app_name = "dispatch"

urlpatterns = [
    path("", views.period_list, name="periods"),
    path("periods/open/", views.period_open, name="period_open"),
    path("periods/<str:key>/", views.period_detail, name="period_detail"),
    path("periods/<str:key>/close/", views.period_close, name="period_close"),
    path("periods/<str:key>/reopen/", views.period_reopen, name="period_reopen"),
    path("periods/<str:key>/remind/", views.period_remind, name="period_remind"),
    path("unit/", views.my_unit, name="my_unit"),
    path("unit/grid/", views.grid, name="grid"),
    path("unit/submit/", views.submit_drafts, name="submit_drafts"),
    path("report/<int:entry_pk>/<str:key>/", views.report_form, name="report_form"),
    path("reports/", views.report_list, name="report_list"),
    path("reports/<int:pk>/", views.report_detail, name="report_detail"),
    path("reports/<int:pk>/submit/", views.report_submit, name="report_submit"),
    path("reports/<int:pk>/approve/", views.report_approve, name="report_approve"),
    path("reports/<int:pk>/accept/", views.report_accept, name="report_accept"),
    path("reports/<int:pk>/return/", views.report_return, name="report_return"),
    path("reports/<int:pk>/photos/", views.photo_add, name="photo_add"),
    path("photos/<int:pk>/", views.photo, name="photo"),
    path("photos/<int:pk>/remove/", views.photo_remove, name="photo_remove"),
    path("review/", views.review, name="review"),
    path("workbook/", views.workbook_download, name="workbook"),
    path("workbook/upload/", views.workbook_upload, name="workbook_upload"),
    path("workbook/commit/", views.workbook_commit, name="workbook_commit"),
    # Statistics and the bulletin (issue 3, parts 7–8).
    path("statistics/", views.statistics_page, name="statistics"),
    path("bulletins/", views.bulletin_list, name="bulletins"),
    path("bulletins/new/", views.bulletin_create, name="bulletin_create"),
    path("bulletins/<int:pk>.<str:fmt>", views.bulletin_download, name="bulletin_download"),
]
