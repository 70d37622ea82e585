# QB back office. `make run` serves the admin, `make test` runs every check.
# Without DATABASE_URL both use the private PostgreSQL under .local/ (bin/localdb).

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
HOST ?= 127.0.0.1
PORT ?= 8000
LOCAL := .local

# A secret key of this checkout's own, made once, never committed.
SECRET_FILE := $(LOCAL)/secret_key
export SECRET_KEY_FILE ?= $(abspath $(SECRET_FILE))

.PHONY: run dev local-setup test stop db lint format migrations-check check-deploy messages clean \
	system-packages

# The Debian packages the goal needs: `make test` those of every suite, any other goal those
# of `make run`. As root they are installed when missing; otherwise the goal stops, naming
# the apt-get line that installs them.
system-packages:
	@PYTHON=$(PYTHON) bin/system-packages $(if $(filter test,$(MAKECMDGOALS)),test,run)

# psycopg2 is built from source against the system's libpq (libpq-dev, gcc, Python's
# headers); a venv made when the binary wheel was pinned drops that first, as both install
# the psycopg2 package. The stamp is remade whenever a requirements file changes.
$(VENV)/.installed: requirements.txt requirements-dev.txt | system-packages
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip uninstall --quiet --yes psycopg2-binary 2>/dev/null
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

$(SECRET_FILE):
	mkdir -p $(LOCAL)
	umask 077 && $(PYTHON) -c "import secrets; print(secrets.token_urlsafe(50))" > $@

db: system-packages
	@if [ -z "$$DATABASE_URL" ]; then bin/localdb start; fi

# Migrated, with the local superuser (its password printed once, kept in .local/) and the
# demo data loaded once.
local-setup: $(VENV)/.installed $(SECRET_FILE) db
	$(MANAGE) migrate --no-input
	$(MANAGE) create_local_admin --password-file $(LOCAL)/admin-password
	$(MANAGE) seed_demo

# The demo's strategies get a capital each, so performance can be recomputed from the admin.
run dev: export QB_STRATEGY_CAPITAL ?= momentum=100000000,mean_reversion=100000000,pairs_kospi=100000000

# The back office as it is served: gunicorn with gunicorn.conf.py (as in the Docker image),
# static files from WhiteNoise, DEBUG off, the production security settings, except those
# that need HTTPS, as it listens on plain HTTP at HOST:PORT (127.0.0.1:8000).
run: export DEBUG := false
run: export HOST := $(HOST)
run: export PORT := $(PORT)
run: export ALLOWED_HOSTS ?= $(HOST),127.0.0.1,localhost
run: export SECURE_SSL_REDIRECT := false
run: export SESSION_COOKIE_SECURE := false
run: export CSRF_COOKIE_SECURE := false
run: export SECURE_HSTS_SECONDS := 0
run: local-setup
	$(MANAGE) collectstatic --no-input --verbosity 0
	exec $(PY) -m gunicorn -c gunicorn.conf.py qbsite.wsgi

# For development: Django's runserver, reloading on every change, with DEBUG on.
dev: export DEBUG := true
dev: local-setup
	$(MANAGE) runserver $(HOST):$(PORT)

stop:
	bin/localdb stop
	bin/timescale-engine stop

# ruff, then the layers of pyproject.toml's import contracts (docs/layout.md).
lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache

format: $(VENV)/.installed
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

migrations-check: $(VENV)/.installed $(SECRET_FILE) db
	$(MANAGE) makemigrations --check --dry-run

# The PostgreSQL suite, then the TimescaleDB suite on the test engine. Tests that want
# the system_logs handler switch it on themselves.
test: export QB_LOG_TO_DATABASE = false
test: system-packages lint migrations-check
	$(VENV)/bin/pytest $(if $(JUNIT_DIR),--junitxml=$(JUNIT_DIR)/postgres.xml)
	bin/test-timescale

check-deploy: $(VENV)/.installed
	DEBUG=false SECRET_KEY_FILE= SECRET_KEY=$$($(PYTHON) -c "import secrets; print(secrets.token_urlsafe(50))") \
		ALLOWED_HOSTS=qb.example.com $(MANAGE) check --deploy --fail-level WARNING

# Korean translations: refresh locale/ko/LC_MESSAGES/django.po, then compile the .mo
# (both are committed). Needs GNU gettext (apt-get install gettext).
messages: $(VENV)/.installed
	$(MANAGE) makemessages -l ko --ignore=.venv --ignore=engines --ignore=staticfiles \
		--ignore=tests --ignore=bench --no-obsolete
	$(MANAGE) compilemessages --ignore=.venv

clean: stop
	rm -rf $(VENV) $(LOCAL) staticfiles engines/timescaledb/node_modules
