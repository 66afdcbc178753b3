from __future__ import annotations

from django.core.exceptions import ValidationError


class ConflictError(ValidationError):
    """Someone else saved the same row since it was loaded: nothing was overwritten."""


def messages_of(error: ValidationError) -> list[str]:
    """Flatten a ValidationError into "字段：原因" lines for display."""
    if hasattr(error, "error_dict"):
        lines = []
        for field, errors in error.message_dict.items():
            for message in errors:
                lines.append(message if field == "__all__" else f"{field}：{message}")
        return lines
    return list(error.messages)
