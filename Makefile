# The two commands: `make run` (set up everything and serve the demo) and `make test` (the whole suite).
PYTHON ?= python3.11
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install migrate demo-users lint check-deploy collectstatic clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(VENV)/.installed node_modules/.installed

migrate: install
	$(PY) manage.py migrate --noinput

demo-users: migrate
	$(PY) manage.py create_demo_users

# Web server, Celery worker and Celery beat together; Ctrl-C stops all three.
run: demo-users
	$(PY) manage.py seed_demo --participants 30 --seed 1 --if-empty
	$(PY) manage.py serve --host $(HOST) --port $(PORT)

# A synthetic study (demo mode only): `make seed N=1000 SEED=2` adds N screened patients.
.PHONY: seed
seed: demo-users
	$(PY) manage.py seed_demo --participants $(or $(N),100) --seed $(or $(SEED),1) --append

test: install
	$(PY) -m pytest

lint: install
	$(VENV)/bin/ruff check .

collectstatic: install
	$(PY) manage.py collectstatic --noinput

check-deploy: install
	DJANGO_SETTINGS_MODULE=trialsite.settings.production SECRET_KEY=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(64))') \
	  ALLOWED_HOSTS=ecrf.example.org $(PY) manage.py check --deploy --fail-level WARNING

clean:
	rm -rf $(VENV) node_modules staticfiles

# The scale benchmark (PostgreSQL; about 10 minutes; not run in CI): prints a table, saves var/bench/*.json.
.PHONY: bench
bench: install
	$(PY) manage.py bench
