-- What the cluster holds: nodes, reference tables, distributed schemas and where they live.
SELECT nodename, nodeport, noderole, isactive FROM pg_dist_node ORDER BY nodeid;
SELECT count(*) AS reference_tables FROM citus_tables WHERE citus_table_type = 'reference';
SELECT count(*) AS distributed_schemas FROM citus_schemas;
SELECT p.nodename, count(DISTINCT s.schema_name) AS schemas
FROM citus_schemas s
JOIN citus_shards p ON p.colocation_id = s.colocation_id
GROUP BY p.nodename ORDER BY p.nodename;
-- Unit schemas Citus does not know (provisioned without JIXIAO_CITUS=1):
SELECT u.code FROM public.tenants_procuratorate u
WHERE NOT EXISTS (SELECT 1 FROM citus_schemas s WHERE s.schema_name::text = u.schema_name);
