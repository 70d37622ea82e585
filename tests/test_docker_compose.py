"""Docker cannot run on the test machines: the compose file is checked by reading it."""

from pathlib import Path

import yaml
from django.conf import settings

COMPOSE = yaml.safe_load((Path(settings.BASE_DIR) / "docker-compose.yml").read_text())
DB = COMPOSE["services"]["db"]
WEB = COMPOSE["services"]["web"]


def test_db_is_the_official_timescaledb_image_at_a_pinned_postgresql_17_tag():
    image, tag = DB["image"].split(":")
    assert image == "timescale/timescaledb"
    assert tag.endswith("-pg17") and tag[0].isdigit(), tag


def test_db_keeps_the_original_1gb_tuning():
    flags = DB["command"]
    settings_given = {flags[i + 1] for i, flag in enumerate(flags) if flag == "-c"}
    assert settings_given == {"shared_buffers=128MB", "work_mem=4MB", "effective_cache_size=300MB"}


def test_db_has_a_pg_isready_healthcheck_and_a_named_volume():
    assert "pg_isready" in " ".join(DB["healthcheck"]["test"])
    volume, mount = DB["volumes"][0].split(":")
    assert volume in COMPOSE["volumes"]
    assert mount == "/var/lib/postgresql/data"


def test_web_is_built_here_requires_timescaledb_and_waits_for_a_healthy_db():
    assert WEB["build"] == "."
    assert WEB["environment"]["QB_TIMESCALEDB"] == "required"
    assert WEB["depends_on"] == {
        "db": {"condition": "service_healthy"},
        "pgbouncer": {"condition": "service_healthy"},
    }
    assert WEB["healthcheck"]["test"][0] == "CMD"
    assert WEB["environment"]["DATABASE_URL"].startswith("postgres://qb:")


def test_web_reaches_the_database_through_pgbouncer_in_transaction_mode():
    bouncer = COMPOSE["services"]["pgbouncer"]
    image, tag = bouncer["image"].split(":")
    assert (image, tag[0]) == ("edoburu/pgbouncer", "v")
    assert bouncer["environment"]["POOL_MODE"] == "transaction"
    assert bouncer["environment"]["DATABASE_URL"].endswith("@db:5432/qb")
    assert bouncer["depends_on"] == {"db": {"condition": "service_healthy"}}
    assert WEB["environment"]["DATABASE_URL"].endswith("@pgbouncer:5432/qb")
    assert WEB["environment"]["DATABASE_PGBOUNCER"] == "transaction"
    # migrate goes to the database itself; gunicorn through the pooler.
    assert WEB["environment"]["DATABASE_DIRECT_URL"].endswith("@db:5432/qb")
    dockerfile = (Path(settings.BASE_DIR) / "Dockerfile").read_text()
    cmd = next(line for line in dockerfile.splitlines() if line.startswith("CMD"))
    assert "DATABASE_URL=${DATABASE_DIRECT_URL:-$DATABASE_URL} python manage.py migrate" in cmd


def test_web_demands_a_secret_key_instead_of_inventing_one():
    assert (
        WEB["environment"]["SECRET_KEY"] == "${SECRET_KEY:?set SECRET_KEY to a long random string}"
    )


def test_the_image_migrates_before_gunicorn_starts_and_runs_as_a_user():
    dockerfile = (Path(settings.BASE_DIR) / "Dockerfile").read_text()
    cmd = next(line for line in dockerfile.splitlines() if line.startswith("CMD"))
    assert cmd.index("migrate --no-input") < cmd.index("gunicorn -c gunicorn.conf.py qbsite.wsgi")
    assert "\nUSER qb\n" in dockerfile
    assert "collectstatic" in dockerfile


def test_the_image_logs_json_lines_and_builds_wheels_in_a_stage_of_its_own():
    dockerfile = (Path(settings.BASE_DIR) / "Dockerfile").read_text()
    stages = dockerfile.split("\nFROM ")[1:]
    assert len(stages) == 3
    final = stages[-1]
    assert "LOG_FORMAT=json" in final
    assert "gunicorn -c gunicorn.conf.py" in final  # JSON access lines with LOG_FORMAT=json
    assert "gcc" not in final and "build-essential" not in final


def test_the_image_gets_the_charts_script_from_a_node_stage_and_runs_without_node():
    dockerfile = (Path(settings.BASE_DIR) / "Dockerfile").read_text()
    _build, scripts, final = dockerfile.split("\nFROM ")[1:]
    assert scripts.startswith("node:") and " AS scripts\n" in scripts
    assert "COPY package.json package-lock.json ./\nRUN npm ci " in scripts
    served = "lightweight-charts/dist/lightweight-charts.standalone.production.js"
    copy = f"COPY --from=scripts /app/node_modules/{served}"
    assert copy in final
    assert final.index(copy) < final.index("collectstatic")
    assert final.startswith("python:")
    assert "npm" not in final.replace(copy, "") and "nodejs" not in final


def test_the_image_builds_psycopg2_from_source_and_runs_it_on_debians_libpq():
    dockerfile = (Path(settings.BASE_DIR) / "Dockerfile").read_text()
    build, _scripts, final = dockerfile.split("\nFROM ")[1:]
    install = build.index("apt-get install -y --no-install-recommends gcc libpq-dev")
    assert install < build.index("pip wheel")
    assert "apt-get install -y --no-install-recommends libpq5" in final
