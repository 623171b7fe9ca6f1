#!/usr/bin/env bash
# `make fuzz`: schemathesis over the OpenAPI schema against a live server on 127.0.0.1, as a logged-in user (token).
# Bounded by FUZZ_MAX_EXAMPLES per operation and FUZZ_MAX_TIME seconds in all. Passes only with 0 server errors and 0
# responses that break the schema. It uses its own PostgreSQL database (FUZZ_DATABASE_URL, recreated each run) and
# writes only under var/fuzz/.
set -euo pipefail
cd "$(dirname "$0")/.."

PORT=${FUZZ_PORT:-8765}
MAX_EXAMPLES=${FUZZ_MAX_EXAMPLES:-30}
MAX_TIME=${FUZZ_MAX_TIME:-600}
SEED=${FUZZ_SEED:-17}
WORK=var/fuzz
export DATABASE_URL=${FUZZ_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/closetspace_fuzz}
export DJANGO_MEDIA_ROOT=$PWD/$WORK/media ML_INDEX_DIR=$PWD/$WORK/index HF_HUB_OFFLINE=1
export CELERY_BROKER_URL= REDIS_URL= API_REGISTER_RATE= DJANGO_LOG_LEVEL=WARNING

rm -rf "$WORK" && mkdir -p "$WORK"
.venv/bin/python - <<'PY'
import os, urllib.parse, psycopg2
url = urllib.parse.urlparse(os.environ["DATABASE_URL"])
conn = psycopg2.connect(host=url.hostname, port=url.port or 5432, user=url.username, password=url.password, dbname="postgres")
conn.autocommit = True
with conn.cursor() as cur:
    name = url.path.lstrip("/")
    cur.execute(f'DROP DATABASE IF EXISTS "{name}"')
    cur.execute(f'CREATE DATABASE "{name}"')
PY
.venv/bin/python manage.py migrate --noinput -v0
TOKEN=$(.venv/bin/python manage.py shell -v0 -c "
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token
user = get_user_model().objects.create_user('fuzz', 'fuzz@example.com', 'fuzz-password-1')
print(Token.objects.create(user=user).key)")

.venv/bin/python manage.py runserver --noreload --nothreading "127.0.0.1:$PORT" >"$WORK/server.log" 2>&1 &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null || true' EXIT
for _ in $(seq 60); do
    curl -fsS -o /dev/null "http://127.0.0.1:$PORT/api/schema/" 2>/dev/null && break
    sleep 1
done

# Deleting the account or its token would log the fuzzer out half-way; nothing else is excluded.
.venv/bin/st run "http://127.0.0.1:$PORT/api/schema/" \
    --header "Authorization: Token $TOKEN" \
    --checks not_a_server_error,response_schema_conformance,content_type_conformance \
    --max-examples "$MAX_EXAMPLES" --max-time "$MAX_TIME" --seed "$SEED" --workers 1 \
    --generation-allow-x00 true --request-timeout 60 \
    --phases examples,coverage,fuzzing --generation-database none --no-color \
    --report junit --report-dir "$WORK/report" "$@"
