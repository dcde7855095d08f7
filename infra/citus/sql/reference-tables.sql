-- After every `migrate_schemas --shared` (first install and every deploy that adds a public
-- table): every public table not yet known to Citus becomes a reference table, replicated to
-- every node. Referenced tables first: Citus refuses a reference table whose foreign key points
-- at a plain table. One statement per table (psql \gexec runs each in its own transaction).
-- psql -h <coordinator> -d jixiao -f reference-tables.sql
\set ON_ERROR_STOP on
WITH RECURSIVE pending AS (
    SELECT c.oid
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public'
      AND c.relkind IN ('r', 'p')
      AND NOT c.relispartition
      AND NOT EXISTS (SELECT 1 FROM pg_dist_partition p WHERE p.logicalrelid = c.oid)
),
edges AS (  -- child → parent among the pending tables (self-references aside)
    SELECT f.conrelid AS child, f.confrelid AS parent
    FROM pg_constraint f
    WHERE f.contype = 'f'
      AND f.conrelid <> f.confrelid
      AND f.conrelid IN (SELECT oid FROM pending)
      AND f.confrelid IN (SELECT oid FROM pending)
),
depth (oid, d) AS (
    SELECT oid, 0 FROM pending
    UNION ALL
    SELECT e.child, depth.d + 1 FROM depth JOIN edges e ON e.parent = depth.oid
    WHERE depth.d < 64  -- a foreign-key cycle would recurse forever
)
SELECT format('SELECT create_reference_table(%L);', oid::regclass::text)
FROM depth
GROUP BY oid
ORDER BY max(d), oid::regclass::text
\gexec

-- What is left (should be nothing):
SELECT c.relname AS not_a_reference_table
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
  AND NOT EXISTS (SELECT 1 FROM pg_dist_partition p WHERE p.logicalrelid = c.oid);
