#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Starts MariaDB; on the first start (empty data directory) creates the database and the user
# named by MARIADB_DATABASE, MARIADB_USER and MARIADB_PASSWORD. Arguments go to mariadbd.
set -euo pipefail
datadir=/var/lib/mysql
if [[ ! -d "$datadir/mysql" ]]; then
  : "${MARIADB_DATABASE:?}" "${MARIADB_USER:?}" "${MARIADB_PASSWORD:?}"
  echo "mariadb-entrypoint: creating the database $MARIADB_DATABASE and the user $MARIADB_USER"
  chown mysql:mysql "$datadir"
  mariadb-install-db --user=mysql --datadir="$datadir" --skip-test-db >/dev/null
  socket=/run/mysqld/init.sock
  mariadbd --user=mysql --datadir="$datadir" --skip-networking --socket="$socket" &
  init_pid=$!
  for _ in $(seq 60); do
    mariadb-admin --socket="$socket" ping >/dev/null 2>&1 && break
    sleep 1
  done
  mariadb --socket="$socket" <<SQL
CREATE DATABASE IF NOT EXISTS \`${MARIADB_DATABASE}\`;
CREATE USER '${MARIADB_USER}'@'%' IDENTIFIED BY '${MARIADB_PASSWORD}';
GRANT ALL ON \`${MARIADB_DATABASE}\`.* TO '${MARIADB_USER}'@'%';
SQL
  kill "$init_pid"
  wait "$init_pid" || true
fi
exec mariadbd --user=mysql --datadir="$datadir" --bind-address=0.0.0.0 "$@"
