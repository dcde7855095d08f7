"""Error codes — Documents: uploaded evidence and reports.

Each member is the code clients receive and carries its default Chinese message
(``BaseErrorCode``); ``manage.py export_graphql_schema`` lists every code in docs/api.md."""

from backend.core.errors import BaseErrorCode


class DocumentErrorCode(BaseErrorCode):
    INVALID_FILE_TYPE = "INVALID_FILE_TYPE", "不支持上传该类型的文件。"
