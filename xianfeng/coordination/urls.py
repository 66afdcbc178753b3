from __future__ import annotations

from django.urls import path

from xianfeng.coordination import views

app_name = "coordination"
urlpatterns = [
    path("", views.board, name="board"),
    path("problems/new/", views.problem_raise, name="problem_raise"),
    path("problems/<int:pk>/", views.problem_detail, name="problem_detail"),
    path("problems/<int:pk>/assign/", views.problem_assign, name="problem_assign"),
    path("problems/<int:pk>/transition/", views.problem_transition, name="problem_transition"),
    path("problems/<int:pk>/escalate/", views.problem_escalate, name="problem_escalate"),
    path("problems/<int:pk>/attachments/", views.attachment_upload, name="attachment_upload"),
    path("problems/<int:pk>/instruct/", views.problem_instruct, name="problem_instruct"),
    path("problems/<int:pk>/supervise/", views.supervision_create, name="supervision_create"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment_download"),
    path("projects/<int:pk>/instruct/", views.project_instruct, name="project_instruct"),
    path("projects/<int:pk>/team/", views.team, name="team"),
    path(
        "projects/<int:pk>/team/members/<int:member_pk>/leave/",
        views.team_member_leave,
        name="team_member_leave",
    ),
    path("instructions/", views.instruction_list, name="instruction_list"),
    path("instructions/<int:pk>/", views.instruction_detail, name="instruction_detail"),
    path("instructions/<int:pk>/reply/", views.instruction_reply, name="instruction_reply"),
    path("instructions/<int:pk>/close/", views.instruction_close, name="instruction_close"),
    path("supervision/", views.supervision_list, name="supervision_list"),
    path("supervision/<int:pk>/", views.supervision_detail, name="supervision_detail"),
    path("supervision/<int:pk>/plan/", views.supervision_plan, name="supervision_plan"),
    path("supervision/<int:pk>/decide/", views.supervision_decide, name="supervision_decide"),
    path("supervision/<int:pk>/close/", views.supervision_close, name="supervision_close"),
    path("leader/", views.my_leader, name="my_leader"),
    path("leader/<int:pk>/", views.leader_page, name="leader"),
]
