"""How a message leaves the app: the e-mail and group-robot transports and their message formats.

No database access here; services.deliver_pending() claims rows, calls these and records the
result. Group-robot formats follow the vendors' documentation:

- 企业微信 (WeCom) group robot: POST ``{"msgtype": "markdown", "markdown": {"content": …}}``,
  content at most 4096 bytes (UTF-8); it answers ``{"errcode": 0, "errmsg": "ok"}``.
- 钉钉 (DingTalk) custom robot: POST ``{"msgtype": "markdown", "markdown": {"title": …, "text": …}}``;
  with 加签 the URL gets ``&timestamp=<ms>&sign=<urlencode(base64(HmacSHA256(secret,
  "timestamp\\nsecret")))>``; it answers ``{"errcode": 0, "errmsg": "ok"}`` too.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import smtplib
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection

from xianfeng.notifications.choices import WebhookKind

WECOM_MAX_BYTES = 4096
DINGTALK_MAX_BYTES = 18000
# A robot's reply is a few bytes of JSON; never read an unbounded body.
MAX_RESPONSE_BYTES = 64 * 1024


@dataclass
class SendResult:
    ok: bool
    error: str = ""
    # A failure retrying cannot fix (a refused address, a 4xx answer): marked failed at once.
    permanent: bool = False
    detail: dict[str, Any] = field(default_factory=dict)


# ---------------------------------------------------------------- message formats


def truncate_bytes(text: str, limit: int) -> str:
    """Cut ``text`` to at most ``limit`` UTF-8 bytes, marking the cut with an ellipsis."""
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[: limit - 3].decode("utf-8", errors="ignore") + "…"


def absolute_link(link: str) -> str:
    if not link or link.startswith(("http://", "https://")):
        return link
    return f"{settings.XF_SITE_URL}{link}"


def _markdown_text(body: str) -> str:
    # Both robots render a single newline inconsistently; a blank line is a paragraph everywhere.
    lines = [line.rstrip() for line in body.strip().splitlines()]
    return "\n\n".join(line for line in lines if line)


def wecom_payload(*, title: str, body: str, link: str = "", urgent: bool = False) -> dict[str, Any]:
    heading = f'<font color="warning">【紧急】</font>**{title}**' if urgent else f"**{title}**"
    tail = f"\n\n[查看详情]({absolute_link(link)})" if link else ""
    head = f"{heading}\n\n"
    room = WECOM_MAX_BYTES - len(head.encode()) - len(tail.encode())
    content = head + truncate_bytes(_markdown_text(body), max(room, 0)) + tail
    return {"msgtype": "markdown", "markdown": {"content": content}}


def dingtalk_payload(*, title: str, body: str, link: str = "", urgent: bool = False) -> dict[str, Any]:
    heading = f"#### 【紧急】{title}" if urgent else f"#### {title}"
    tail = f"\n\n[查看详情]({absolute_link(link)})" if link else ""
    head = f"{heading}\n\n"
    room = DINGTALK_MAX_BYTES - len(head.encode()) - len(tail.encode())
    text = head + truncate_bytes(_markdown_text(body), max(room, 0)) + tail
    # The title is what the chat list shows as the preview.
    return {"msgtype": "markdown", "markdown": {"title": title[:60], "text": text}}


def webhook_payload(
    kind: str, *, title: str, body: str, link: str = "", urgent: bool = False
) -> dict[str, Any]:
    if kind == WebhookKind.WECOM:
        return wecom_payload(title=title, body=body, link=link, urgent=urgent)
    if kind == WebhookKind.DINGTALK:
        return dingtalk_payload(title=title, body=body, link=link, urgent=urgent)
    raise ValueError(f"unknown webhook kind {kind!r}")


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk's 加签: base64(HmacSHA256(key=secret, "timestamp\\nsecret")), URL-encoded."""
    string_to_sign = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode(), string_to_sign, digestmod=hashlib.sha256).digest()
    return urllib.parse.quote_plus(base64.b64encode(digest))


def dingtalk_signed_url(url: str, secret: str, timestamp_ms: int) -> str:
    separator = "&" if urllib.parse.urlsplit(url).query else "?"
    return f"{url}{separator}timestamp={timestamp_ms}&sign={dingtalk_sign(secret, timestamp_ms)}"


# ---------------------------------------------------------------- transports


def post_webhook(*, kind: str, url: str, payload: dict[str, Any], secret: str = "") -> SendResult:
    """POST the JSON body; success is HTTP 2xx and, when the robot answers JSON, errcode 0."""
    if urllib.parse.urlsplit(url).scheme not in {"http", "https"}:
        return SendResult(False, f"机器人地址必须以 http:// 或 https:// 开头：{url[:40]}", permanent=True)
    detail: dict[str, Any] = {}
    if kind == WebhookKind.DINGTALK and secret:
        timestamp_ms = int(time.time() * 1000)
        url = dingtalk_signed_url(url, secret, timestamp_ms)
        detail["timestamp"] = timestamp_ms
    data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(
        url,
        data=data,
        method="POST",
        headers={"Content-Type": "application/json; charset=utf-8", "User-Agent": "xianfeng-notifications"},
    )
    timeout = settings.XF_WEBHOOK_TIMEOUT
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            detail["http_status"] = response.status
            raw = response.read(MAX_RESPONSE_BYTES)
    except urllib.error.HTTPError as exc:
        detail["http_status"] = exc.code
        reply = exc.read(500).decode("utf-8", errors="replace").strip() if exc.fp else ""
        error = f"机器人服务器返回 HTTP {exc.code} {exc.reason}" + (f"：{reply}" if reply else "")
        permanent = 400 <= exc.code < 500 and exc.code not in {408, 425, 429}
        return SendResult(False, error, permanent=permanent, detail=detail)
    except TimeoutError:
        return SendResult(False, f"机器人服务器在 {timeout} 秒内没有响应", detail=detail)
    except urllib.error.URLError as exc:
        return SendResult(False, f"无法连接机器人服务器：{exc.reason}", detail=detail)
    except OSError as exc:
        return SendResult(False, f"无法连接机器人服务器：{exc}", detail=detail)
    try:
        answer = json.loads(raw.decode("utf-8") or "{}")
    except (UnicodeDecodeError, json.JSONDecodeError):
        answer = {}
    if isinstance(answer, dict) and answer.get("errcode") not in (None, 0, "0"):
        detail["errcode"] = answer.get("errcode")
        error = f"机器人拒收，错误码 {answer.get('errcode')}：{answer.get('errmsg', '')}"
        return SendResult(False, error, detail=detail)
    return SendResult(True, detail=detail)


class EmailSender:
    """Sends e-mails over one SMTP connection per batch, reopened after a failure."""

    def __init__(self) -> None:
        self._connection: Any = None

    def _open(self) -> Any:
        if self._connection is None:
            self._connection = get_connection(fail_silently=False)
        return self._connection

    def close(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self._connection.close()
            self._connection = None

    def send(self, payload: dict[str, Any]) -> SendResult:
        message = EmailMessage(
            subject=payload.get("subject", ""),
            body=payload.get("body", ""),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=list(payload.get("to", [])),
            connection=self._open(),
        )
        try:
            sent = message.send()
        except smtplib.SMTPRecipientsRefused as exc:
            self.close()
            refused = "、".join(exc.recipients)
            return SendResult(False, f"邮件服务器拒收收件人地址：{refused}", permanent=True)
        except smtplib.SMTPAuthenticationError as exc:
            self.close()
            return SendResult(False, f"邮件服务器登录失败（检查 XF_EMAIL_USER / XF_EMAIL_PASSWORD）：{exc}")
        except (smtplib.SMTPException, OSError) as exc:
            self.close()
            host = f"{settings.EMAIL_HOST}:{settings.EMAIL_PORT}"
            return SendResult(False, f"邮件发送失败（{host}）：{exc.__class__.__name__} {exc}")
        if not sent:
            return SendResult(False, "邮件服务器没有接受这封邮件")
        return SendResult(True)
