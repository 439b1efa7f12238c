#!/usr/bin/env bash
# Runs once, when the postgres container initialises an empty data directory (docker-entrypoint-initdb.d).
#
# The application must not connect as POSTGRES_USER: that role is a superuser, and superusers (like BYPASSRLS roles)
# skip Row-Level Security, which would silently switch off the tenant isolation policies. This creates the role
# `pmo` (LOGIN NOSUPERUSER NOBYPASSRLS) and the database `pmo` owned by it; the application connects as `pmo`, runs
# its migrations as `pmo` (so it owns its tables) and FORCE ROW LEVEL SECURITY applies to it as the owner too.
#
# A .sh script rather than .sql because SQL init scripts cannot read the environment: the password comes from
# PMO_DB_PASSWORD and is passed to psql as a variable (:'app_password' quotes it as a literal).
set -euo pipefail

if [ -z "${PMO_DB_PASSWORD:-}" ]; then
    echo "01-app-role.sh: PMO_DB_PASSWORD is not set" >&2
    exit 1
fi

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    -v app_password="$PMO_DB_PASSWORD" <<'SQL'
CREATE ROLE pmo LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE PASSWORD :'app_password';
CREATE DATABASE pmo OWNER pmo;
REVOKE ALL ON DATABASE pmo FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE pmo TO pmo;
SQL
