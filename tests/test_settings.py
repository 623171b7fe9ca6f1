import os

import pytest
from django.db import connection


@pytest.mark.django_db
def test_suite_runs_on_postgres_when_database_url_is_set():
    if not os.environ.get("DATABASE_URL"):
        pytest.skip("DATABASE_URL is not set (make test sets it to the local PostgreSQL)")
    assert connection.vendor == "postgresql"
