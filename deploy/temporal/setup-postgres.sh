#!/bin/sh
# One-shot schema setup (the `temporal-schema` compose service, temporalio/admin-tools image): creates the
# Temporal and visibility databases in PostgreSQL and brings both schemas to the versions this server
# image ships. Safe to run again: existing databases are kept and only missing schema versions applied.
set -eu

: "${POSTGRES_SEEDS:=postgresql}"
: "${DB_PORT:=5432}"
: "${POSTGRES_USER:=temporal}"
: "${POSTGRES_PWD:?POSTGRES_PWD must be set}"
SCHEMA_DIR=/etc/temporal/schema/postgresql/v12
export SQL_PASSWORD="$POSTGRES_PWD" # read by temporal-sql-tool; kept off the command line

echo "waiting for PostgreSQL at $POSTGRES_SEEDS:$DB_PORT"
i=0
until nc -z "$POSTGRES_SEEDS" "$DB_PORT"; do
  i=$((i + 1))
  [ "$i" -ge 60 ] && { echo "PostgreSQL did not come up"; exit 1; }
  sleep 1
done

for db in temporal temporal_visibility; do
  dir=$([ "$db" = temporal ] && echo temporal || echo visibility)
  temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -p "$DB_PORT" \
    -u "$POSTGRES_USER" --db "$db" create || true
  temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -p "$DB_PORT" \
    -u "$POSTGRES_USER" --db "$db" setup-schema -v 0.0 || true
  temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -p "$DB_PORT" \
    -u "$POSTGRES_USER" --db "$db" update-schema -d "$SCHEMA_DIR/$dir/versioned"
done
echo "Temporal schemas are up to date"
