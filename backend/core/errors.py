"""Domain errors. Services raise them; the GraphQL layer maps them to typed payload errors
(``errors { field code message }``) and management commands print them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: which field, a stable machine code, a human message."""

    code: str
    message: str
    field: str | None = None


class DomainError(Exception):
    """An expected failure of a business action. Carries every problem found, not just the
    first, so a user can fix them all at once."""

    def __init__(self, *problems: Problem) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = list(problems)

    @classmethod
    def single(cls, code: str, message: str, field: str | None = None) -> DomainError:
        return cls(Problem(code=code, message=message, field=field))

    def __str__(self) -> str:
        return "; ".join(f"{p.field}: {p.message}" if p.field else p.message for p in self.problems)


class PermissionDenied(DomainError):
    """The caller may not do this (or may not see that it exists)."""

    def __init__(self, message: str = "您无权执行此操作。") -> None:
        super().__init__(Problem(code="PERMISSION_DENIED", message=message))
