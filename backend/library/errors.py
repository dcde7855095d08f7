"""Error codes — A unit's indicator library: adoption and merge conflicts.

Each member is the code clients receive and carries its default Chinese message
(``BaseErrorCode``); ``manage.py export_graphql_schema`` lists every code in docs/api.md."""

from backend.core.errors import BaseErrorCode


class LibraryErrorCode(BaseErrorCode):
    CONFLICT_CLOSED = "CONFLICT_CLOSED", "该冲突已处理。"
    OLDER_VERSION = "OLDER_VERSION", "本院已采用更新的版本，不能退回到旧版本。"
