-- Run once on the coordinator (the compose job `register` does): node-to-node password, the
-- coordinator's own name, the two workers. Re-runnable.
-- psql -v pw=<password> -h coordinator -d jixiao -f register.sql
\set ON_ERROR_STOP on
INSERT INTO pg_dist_authinfo (nodeid, rolename, authinfo)
VALUES (0, current_user, 'password=' || :'pw')
ON CONFLICT (nodeid, rolename) DO UPDATE SET authinfo = excluded.authinfo;
SELECT citus_set_coordinator_host('coordinator', 5432);
SELECT citus_add_node('worker-1', 5432);
SELECT citus_add_node('worker-2', 5432);
SELECT * FROM citus_get_active_worker_nodes();
