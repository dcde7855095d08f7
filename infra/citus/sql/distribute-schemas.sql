-- Existing unit schemas → distributed schemas, one unit per statement and transaction (never
-- all in one: each call locks and moves every table of the schema). Re-runnable: schemas that
-- are already distributed are skipped. `tenant_blueprint` stays a plain schema on the
-- coordinator (prepare_blueprint dumps it with pg_dump), and so does `public`.
-- psql -h <coordinator> -d jixiao -f distribute-schemas.sql
\set ON_ERROR_STOP on
SELECT format('SELECT citus_schema_distribute(%L);', u.schema_name)
FROM public.tenants_procuratorate u
JOIN pg_namespace n ON n.nspname = u.schema_name
WHERE u.schema_name NOT IN ('public', 'tenant_blueprint')
  AND NOT EXISTS (SELECT 1 FROM citus_schemas s WHERE s.schema_name::text = u.schema_name)
ORDER BY u.path
\gexec

-- Spread the distributed schemas over the workers (background job; watch it):
SELECT citus_rebalance_start();
-- SELECT * FROM citus_rebalance_status();
-- SELECT schema_name, colocation_id, schema_size, schema_owner FROM citus_schemas;
