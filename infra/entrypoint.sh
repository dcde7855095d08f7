#!/bin/sh
# Roles of the Jixiao image. `web`, `worker`, `beat` and `migrate` run the commands below;
# anything else is executed as given (e.g. `python manage.py create_unit ...`).
set -eu
cd /app

role="${1:-web}"
[ "$#" -gt 0 ] && shift

case "$role" in
  web)
    # gunicorn with bounded workers x threads (/app/gunicorn.conf.py, JIXIAO_WEB_WORKERS and
    # JIXIAO_WEB_THREADS); WhiteNoise answers the static files inside the same workers.
    exec python -m gunicorn backend.wsgi:application --config /app/gunicorn.conf.py \
      --bind 0.0.0.0:8000 "$@"
    ;;
  worker)
    exec celery -A backend worker -Q "${JIXIAO_CELERY_QUEUE:-jixiao}" -l info "$@"
    ;;
  beat)
    exec celery -A backend beat -l info --schedule /tmp/celerybeat-schedule "$@"
    ;;
  migrate)
    # The deploy/upgrade procedure of docs/operations.md.
    python manage.py migrate_schemas --shared --noinput
    python manage.py migrate_schemas --tenant --executor=multiprocessing --noinput
    exec python manage.py prepare_blueprint
    ;;
  *)
    exec "$role" "$@"
    ;;
esac
