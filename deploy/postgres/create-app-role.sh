#!/usr/bin/env bash
# Creates the application's database role (app-role.sql) when the postgres image initialises
# an empty data volume (it runs /docker-entrypoint-initdb.d/*.sh once, as POSTGRES_USER).
# On an existing volume run it by hand (README, Deployment):
#   docker compose exec db bash /docker-entrypoint-initdb.d/10-create-app-role.sh
set -euo pipefail

: "${APP_DB_PASSWORD:?set APP_DB_PASSWORD, the password of the application role}"

psql --no-psqlrc --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  --set ON_ERROR_STOP=1 \
  --set app_role="${APP_DB_USER:-clinic_app}" \
  --set owner_role="$POSTGRES_USER" \
  --set database="$POSTGRES_DB" \
  --file /etc/barrier/postgres/app-role.sql
