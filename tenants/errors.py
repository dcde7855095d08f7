"""Error codes — Units (tenants): registry, import, schemas, backup and restore.

Each member is the code clients receive and carries its default Chinese message
(``BaseErrorCode``); ``manage.py export_graphql_schema`` lists every code in docs/api.md."""

from backend.core.errors import BaseErrorCode


class TenantErrorCode(BaseErrorCode):
    BLUEPRINT_MISSING = (
        "BLUEPRINT_MISSING",
        "租户模式蓝图未就绪：请先运行 manage.py prepare_blueprint。",
    )
    CHECKSUM_MISMATCH = "CHECKSUM_MISMATCH", "恢复后的数据与备份不一致。"
    EMPTY_FILE = "EMPTY_FILE", "文件中没有数据。"
    FILE_MISSING = "FILE_MISSING", "备份缺少文件。"
    INVALID_PARENT = "INVALID_PARENT", "上级单位无效。"
    MIGRATION_MISMATCH = "MIGRATION_MISMATCH", "备份的迁移状态与当前代码不一致。"
    NOT_A_BACKUP = "NOT_A_BACKUP", "目录中没有备份。"
    NOT_EMPTY = "NOT_EMPTY", "目录不是空目录。"
    PARENT_NOT_FOUND = "PARENT_NOT_FOUND", "上级院不存在。"
    RESERVED_CODE = "RESERVED_CODE", "该代码为系统保留名称。"
    SCHEMA_EXISTS = "SCHEMA_EXISTS", "模式已存在：使用 --replace 覆盖，或 --as 恢复为新代码。"
    SCHEMA_TAKEN = "SCHEMA_TAKEN", "模式名已被使用。"
    SHARED_ROW_IN_USE = "SHARED_ROW_IN_USE", "公共记录仍被单位的数据使用，不能删除。"
    UNIT_NOT_FOUND = "UNIT_NOT_FOUND", "单位不存在。"
    UNKNOWN_FORMAT = "UNKNOWN_FORMAT", "不支持的备份格式。"
