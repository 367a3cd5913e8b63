#!/bin/sh
# Container start-up: wait for the database, apply migrations, then run the given command.
set -eu

python manage.py wait_for_database --timeout "${DATABASE_WAIT_SECONDS:-60}"
# Replicas started together take turns (core/management/commands/migrate_in_turn.py).
python manage.py migrate_in_turn
exec "$@"
