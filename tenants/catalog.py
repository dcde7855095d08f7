"""A structural fingerprint of a schema, read from the PostgreSQL catalog, with the schema's
own name normalised away so two schemas can be compared: its relations, columns (with their
defaults), constraints, indexes and sequences. ``migrate_schemas`` checks a replayed unit
against the unit Django migrated with it (``tenants/migrating.py``); the tests compare
provisioned, migrated and restored schemas with it."""

from __future__ import annotations

from typing import Any

from django.db import connection

QUERIES = {
    "relations": """
        SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = %(s)s ORDER BY 1""",
    "columns": """
        -- position among live columns: a migrated table keeps dropped columns' slots
        SELECT c.relname,
               row_number() OVER (PARTITION BY c.relname ORDER BY a.attnum),
               a.attname, format_type(a.atttypid, a.atttypmod),
               a.attnotnull, a.attidentity, a.attgenerated,
               pg_get_expr(d.adbin, d.adrelid)
        FROM pg_attribute a
        JOIN pg_class c ON c.oid = a.attrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE n.nspname = %(s)s AND a.attnum > 0 AND NOT a.attisdropped AND c.relkind = 'r'
        ORDER BY 1, 2""",
    "constraints": """
        SELECT c.relname, k.conname, k.contype, pg_get_constraintdef(k.oid), k.condeferrable,
               k.condeferred
        FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = %(s)s ORDER BY 1, 2""",
    "indexes": """
        SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = %(s)s ORDER BY 1""",
    "sequences": """
        SELECT sequencename, data_type::text, start_value, increment_by, max_value, cache_size
        FROM pg_sequences WHERE schemaname = %(s)s ORDER BY 1""",
}


Fingerprint = dict[str, list[tuple[Any, ...]]]


def fingerprint(schema: str) -> Fingerprint:
    result: Fingerprint = {}
    with connection.cursor() as cursor:
        for name, sql in QUERIES.items():
            cursor.execute(sql, {"s": schema})
            result[name] = [
                tuple(
                    v.replace(f'"{schema}".', "<schema>.").replace(f"{schema}.", "<schema>.")
                    if isinstance(v, str)
                    else v
                    for v in row
                )
                for row in cursor.fetchall()
            ]
    return result
