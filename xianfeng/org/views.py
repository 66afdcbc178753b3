"""Account pages: sign in and out, the role-aware home page, and the user's API tokens."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.apps import apps
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView, LogoutView
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _

from xianfeng.audit.choices import ChangeAction
from xianfeng.audit.selectors import change_log
from xianfeng.lib import clock
from xianfeng.org.choices import PROGRAMME_READERS, UNIT_ROLES, Role
from xianfeng.org.forms import ApiTokenForm, LoginForm, client_address
from xianfeng.org.home import home_sections
from xianfeng.org.selectors import api_token_get, api_tokens
from xianfeng.org.services import api_token_create, api_token_revoke, login_record, logout_record

# Roles that call the JSON API and so may hold tokens.
API_ROLES = {Role.DISPATCHER, Role.UNIT_REPORTER, Role.UNIT_REVIEWER, Role.LEADER}

# ---------------------------------------------------------------- sign in / out
# Sign-ins are logged here and in LoginForm (not through auth signals): the view knows the request.


class XfLoginView(LoginView):
    template_name = "org/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form: LoginForm) -> HttpResponse:
        response = super().form_valid(form)
        if not form.cleaned_data.get("remember"):
            self.request.session.set_expiry(0)  # ends when the browser closes
        login_record(user=form.get_user(), address=client_address(self.request))
        return response


class XfLogoutView(LogoutView):
    """POST only (Django 5); a GET gets 405."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.user.is_authenticated:
            logout_record(user=request.user, address=client_address(request))
        return super().post(request, *args, **kwargs)


login_view = XfLoginView.as_view()
logout_view = XfLogoutView.as_view()


# ---------------------------------------------------------------- home


# The admin role's reference data, in the order an administrator sets a district up.
ADMIN_MODELS = [
    "org.Region",
    "org.Department",
    "org.User",
    "org.Leader",
    "parks.IndustryChain",
    "parks.Park",
    "org.ApiToken",
]


def _admin_context(request: HttpRequest) -> dict[str, Any]:
    links = []
    for label in ADMIN_MODELS:
        model = apps.get_model(label)
        meta = model._meta
        if not request.user.has_perm(f"{meta.app_label}.view_{meta.model_name}"):
            continue
        try:
            url = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        except NoReverseMatch:
            continue
        links.append({"title": meta.verbose_name_plural, "url": url, "count": model._default_manager.count()})
    return {"admin_links": links}


def _auditor_context() -> dict[str, Any]:
    today = clock.today()
    week_ago = today - dt.timedelta(days=6)
    return {
        "records_today": change_log(since=today, until=today).count(),
        "failed_week": change_log(action=ChangeAction.LOGIN_FAILED, since=week_ago, until=today).count(),
        "week_since": week_ago,
        "today": today,
    }


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    context: dict[str, Any] = {"api_user": user.role in API_ROLES}
    if user.role in PROGRAMME_READERS or user.role in UNIT_ROLES:
        context.update(home_sections(request))
    elif user.role == Role.ADMIN:
        context.update(_admin_context(request))
    elif user.role == Role.AUDITOR:
        context.update(_auditor_context())
    return render(request, "org/home.html", context)


# ---------------------------------------------------------------- API tokens


@login_required
def tokens(request: HttpRequest) -> HttpResponse:
    user = request.user
    if user.role not in API_ROLES:
        raise PermissionDenied(_("您的角色不使用数据接口"))
    form = ApiTokenForm()
    new_key = ""
    if request.method == "POST":
        if "revoke" in request.POST:
            raw = request.POST["revoke"]
            if not raw.isdigit():
                raise Http404
            token = api_token_get(user=user, pk=int(raw))
            api_token_revoke(token=token, actor=user)
            messages.success(
                request, _("令牌“%(name)s”已吊销，使用它的程序将无法再访问接口。") % {"name": token.name}
            )
            return redirect("tokens")
        form = ApiTokenForm(request.POST)
        if form.is_valid():
            token, new_key = api_token_create(user=user, name=form.cleaned_data["name"])
            form = ApiTokenForm()
    response = render(
        request,
        "org/tokens.html",
        {"form": form, "tokens": api_tokens(user=user), "new_key": new_key},
    )
    if new_key:
        # The key is shown this once: keep it out of every cache.
        add_never_cache_headers(response)
    return response
