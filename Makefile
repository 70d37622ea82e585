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

.PHONY: run test stop db lint format migrations-check check-deploy messages clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

$(SECRET_FILE):
	mkdir -p $(LOCAL)
	umask 077 && $(PYTHON) -c "import secrets; print(secrets.token_urlsafe(50))" > $@

db:
	@if [ -z "$$DATABASE_URL" ]; then bin/localdb start; fi

# The demo's strategies get a capital each, so performance can be recomputed from the admin.
run: export QB_STRATEGY_CAPITAL ?= momentum=100000000,mean_reversion=100000000,pairs_kospi=100000000
run: $(VENV)/.installed $(SECRET_FILE) db
	DEBUG=true $(MANAGE) migrate --no-input
	DEBUG=true $(MANAGE) create_local_admin --password-file $(LOCAL)/admin-password
	DEBUG=true $(MANAGE) seed_demo
	DEBUG=true $(MANAGE) runserver $(HOST):$(PORT)

stop:
	bin/localdb stop
	bin/timescale-engine stop

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.installed
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

migrations-check: $(VENV)/.installed $(SECRET_FILE) db
	$(MANAGE) makemigrations --check --dry-run

# The PostgreSQL suite, then the TimescaleDB suite on the test engine. Tests that want
# the system_logs handler switch it on themselves.
test: export QB_LOG_TO_DATABASE = false
test: lint migrations-check
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
