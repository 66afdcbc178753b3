"""The English catalogue: complete for the core apps, compiled, and actually used by the pages.

Source strings are Simplified Chinese (the msgids), so zh-hans needs no catalogue; English comes from
xianfeng/locale/en/LC_MESSAGES/django.po, compiled to django.mo, which is committed because a fresh
machine may lack gettext. Regenerate with:

    manage.py makemessages -l en --ignore=.venv --ignore=var --ignore=static --ignore=bench
    manage.py compilemessages -l en --ignore=.venv
"""

from __future__ import annotations

import ast
import gettext as gettext_module
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

LOCALE_DIR = Path(settings.BASE_DIR) / "xianfeng" / "locale"
PO_PATH = LOCALE_DIR / "en" / "LC_MESSAGES" / "django.po"
MO_PATH = LOCALE_DIR / "en" / "LC_MESSAGES" / "django.mo"
XF_DIR = Path(settings.BASE_DIR) / "xianfeng"

# Apps whose every string must have an English translation (the others may lag while being written).
CORE = (
    "org", "audit", "projects", "parks", "demo", "notifications", "coordination", "dispatch", "attraction",
    "targets", "cockpit",
    "templates",
)  # fmt: skip

CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%%|%[sd]|\{\w+\}")
BRAND_MARK = re.compile(r'<span class="xf-mark[^"]*">先锋</span>')


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str = ""
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    files: list[str] = field(default_factory=list)
    obsolete: bool = False


def read_po(path: Path) -> list[Entry]:
    """A small .po reader: enough for makemessages' output (no dependency on polib)."""
    entries: list[Entry] = []
    current = Entry()
    target: tuple[str, int | None] | None = None

    def flush() -> None:
        nonlocal current, target
        if current.msgid or current.msgstr or current.files:
            entries.append(current)
        current, target = Entry(), None

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            flush()
            continue
        if line.startswith("#~"):
            current.obsolete = True
            continue
        if line.startswith("#,"):
            current.flags.update(f.strip() for f in line[2:].split(","))
            continue
        if line.startswith("#:"):
            current.files.extend(ref.rsplit(":", 1)[0] for ref in line[2:].split())
            continue
        if line.startswith("#"):
            continue
        match = re.match(r"(msgctxt|msgid_plural|msgid|msgstr)(?:\[(\d+)\])?\s+(\".*\")$", line)
        if match:
            kind, index, literal = match.groups()
            if kind in ("msgid", "msgctxt") and target is not None and target[0] == "msgstr":
                flush()
            target = (kind, int(index) if index is not None else None)
            text = ast.literal_eval(literal)
            if kind == "msgctxt":
                current.msgctxt = text
            elif kind == "msgid":
                current.msgid = text
            elif kind == "msgid_plural":
                current.msgid_plural = text
            else:
                current.msgstr[target[1] or 0] = text
            continue
        if line.startswith('"') and target is not None:
            text = ast.literal_eval(line)
            kind, index = target
            if kind == "msgctxt":
                current.msgctxt = (current.msgctxt or "") + text
            elif kind == "msgid":
                current.msgid += text
            elif kind == "msgid_plural":
                current.msgid_plural += text
            else:
                current.msgstr[index or 0] = current.msgstr.get(index or 0, "") + text
    flush()
    return [e for e in entries if e.msgid and not e.obsolete]


def app_of(path: str) -> str:
    parts = path.split("/")
    return parts[1] if parts[0] == "xianfeng" and len(parts) > 2 else path


@pytest.fixture(scope="module")
def catalogue() -> list[Entry]:
    assert PO_PATH.exists(), f"missing {PO_PATH.relative_to(settings.BASE_DIR)}"
    return read_po(PO_PATH)


def test_reader_sees_the_whole_catalogue(catalogue: list[Entry]) -> None:
    msgids = {e.msgid for e in catalogue}
    assert len(catalogue) > 1000
    assert {"重点项目", "项目库", "责任单位", "包联领导"} <= msgids


def test_core_apps_are_fully_translated(catalogue: list[Entry]) -> None:
    missing = [
        e.msgid
        for e in catalogue
        if any(app_of(f) in CORE for f in e.files)
        and not all(e.msgstr.get(i) for i in range(1 + bool(e.msgid_plural)))
    ]
    assert missing == []


def test_no_fuzzy_entries_and_header_is_english(catalogue: list[Entry]) -> None:
    assert [e.msgid for e in catalogue if "fuzzy" in e.flags] == []
    header = PO_PATH.read_text(encoding="utf-8").split("\n\n", 1)[0]
    assert "#, fuzzy" not in header
    assert '"Language: en\\n"' in header


def test_translations_keep_their_placeholders(catalogue: list[Entry]) -> None:
    broken = []
    for e in catalogue:
        for i, text in e.msgstr.items():
            if not text:
                continue
            source = e.msgid_plural if i and e.msgid_plural else e.msgid
            if sorted(set(PLACEHOLDER.findall(source))) != sorted(set(PLACEHOLDER.findall(text))):
                broken.append((e.msgid, text))
    assert broken == []


def test_english_translations_contain_no_chinese(catalogue: list[Entry]) -> None:
    # The language's own name stays in Chinese so a Chinese reader can always find the way back;
    # ＊ is the literal required-column mark written in the import template's header.
    leftovers = [
        (e.msgid, text)
        for e in catalogue
        for text in e.msgstr.values()
        if CJK.search(text.replace("＊", "")) and e.msgid != "简体中文"
    ]
    assert leftovers == []


def test_compiled_catalogue_matches_the_po(catalogue: list[Entry]) -> None:
    """django.mo is committed; it must hold exactly what django.po says (i.e. it was recompiled)."""
    assert MO_PATH.exists(), "run: manage.py compilemessages -l en --ignore=.venv"
    with MO_PATH.open("rb") as fh:
        compiled = gettext_module.GNUTranslations(fh)
    stale = []
    for e in catalogue:
        if e.msgid_plural:
            for n, i in ((1, 0), (2, 1)):
                if e.msgstr.get(i) and compiled.ngettext(e.msgid, e.msgid_plural, n) != e.msgstr[i]:
                    stale.append(e.msgid)
        elif e.msgstr.get(0):
            got = compiled.pgettext(e.msgctxt, e.msgid) if e.msgctxt else compiled.gettext(e.msgid)
            if got != e.msgstr[0]:
                stale.append(e.msgid)
    assert stale == []


def _source_strings(app: str) -> set[str]:
    """Literal strings marked for translation in an app's templates and Python modules."""
    root = XF_DIR / app if app != "templates" else XF_DIR / "templates"
    found: set[str] = set()
    template_tag = re.compile(r"""\{%\s*(?:translate|trans)\s+(["'])(.+?)\1""")
    py_call = re.compile(r"""\b(?:_|gettext|gettext_lazy|pgettext_lazy)\(\s*(["'])([^"'\n\\]+)\1\s*\)""")
    for path in root.rglob("*"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        if path.suffix == ".html":
            found.update(m.group(2) for m in template_tag.finditer(path.read_text(encoding="utf-8")))
        elif path.suffix == ".py":
            found.update(m.group(2) for m in py_call.finditer(path.read_text(encoding="utf-8")))
    return {s for s in found if CJK.search(s)}


@pytest.mark.parametrize("app", CORE)
def test_catalogue_is_up_to_date_with_the_sources(app: str, catalogue: list[Entry]) -> None:
    """A Chinese string added to a core app must be extracted (makemessages) and translated."""
    translated = {e.msgid for e in catalogue if e.msgstr.get(0)}
    # makemessages writes a template's literal "%" as "%%" in the msgid.
    missing = {
        s for s in _source_strings(app) if s not in translated and s.replace("%", "%%") not in translated
    }
    assert sorted(missing) == []


def test_key_terms_translate() -> None:
    with translation.override("en"):
        assert translation.gettext("重点项目") == "Key projects"
        assert translation.gettext("责任单位") == "Responsible unit"
        assert translation.gettext("包联领导") == "Leader in charge"
        assert translation.gettext("新开工") == "New start"
        assert translation.gettext("万元") == "10k CNY"
        assert translation.ngettext("共 %(n)s 条记录", "共 %(n)s 条记录", 2) == "%(n)s records"
    with translation.override("zh-hans"):
        assert translation.gettext("重点项目") == "重点项目"


def _nav(html: str) -> str:
    match = re.search(r'<ul class="navbar-nav[^"]*">(.*?)</ul>', html, re.S)
    assert match, "navigation not found"
    return match.group(1)


@pytest.mark.django_db
def test_login_page_in_english_by_accept_language(client) -> None:  # type: ignore[no-untyped-def]
    html = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="en">' in html
    for text in ("Key Project Management Platform", "Username", "Password", "Log in"):
        assert text in html
    assert CJK.findall(BRAND_MARK.sub("", html)) == []


@pytest.mark.django_db
def test_login_page_stays_chinese_by_default(client) -> None:  # type: ignore[no-untyped-def]
    html = client.get(reverse("login")).content.decode()
    assert '<html lang="zh-CN">' in html
    assert "用户名" in html and "Username" not in html


@pytest.mark.django_db
def test_project_list_in_english_after_choosing_the_language(client, dispatcher, project_a) -> None:  # type: ignore[no-untyped-def]
    client.force_login(dispatcher)
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("projects:list")})
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"

    html = client.get(reverse("projects:list")).content.decode()
    nav = _nav(html)
    assert CJK.findall(nav) == []
    for text in ("Home", "Projects", "Board", "Monthly dispatch", "Problems", "Messages"):
        assert f">{text}" in nav
    for text in ("Key project registry", "Project name", "Responsible unit", "Leader in charge", "Log out"):
        assert text in html
    # Back to Chinese with the same selector.
    client.post(reverse("set_language"), {"language": "zh-hans", "next": reverse("projects:list")})
    nav = _nav(client.get(reverse("projects:list")).content.decode())
    assert "项目库" in nav and "Projects" not in nav


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["clerk_a", "leader_user", "auditor", "admin_user"])
def test_every_role_gets_an_english_navigation(request, client, role: str) -> None:  # type: ignore[no-untyped-def]
    client.force_login(request.getfixturevalue(role))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(reverse("home")).content.decode()
    assert CJK.findall(_nav(html)) == []
