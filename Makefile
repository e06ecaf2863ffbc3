# The two commands: `make run` (set up everything and serve the demo) and `make test` (the whole suite).
PYTHON ?= python3.11
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install migrate demo-users lint check-deploy collectstatic clean compilemessages messages

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(VENV)/.installed node_modules/.installed compilemessages

# The translations (issue 10): every catalog, the project's (locale/) and each app's (<app>/locale/),
# compiled to the .mo files Django reads. The .mo files are build products, never committed.
APPS := core enrollment dosing toxicity efficacy
compilemessages: $(VENV)/.installed
	@command -v msgfmt >/dev/null || { echo "msgfmt is missing: install GNU gettext (apt-get install gettext)"; exit 1; }
	$(PY) manage.py compilemessages --ignore=.venv --ignore=node_modules

# Extract every catalog again after changing marked strings, then translate what is new or fuzzy
# (the i18n tests list it). Each app's messages go to its own locale/, the rest (templates/,
# trialsite/) to locale/; the apps' static JavaScript goes to their djangojs catalogs.
messages: | $(VENV)/.installed
	@command -v xgettext >/dev/null || { echo "xgettext is missing: install GNU gettext (apt-get install gettext)"; exit 1; }
	set -e; for app in $(APPS); do \
	  mkdir -p $$app/locale; \
	  (cd $$app && $(abspath $(PY)) ../manage.py makemessages -l zh_Hans --no-obsolete); \
	  if [ -n "$$(find $$app/static -name '*.js' 2>/dev/null)" ]; then \
	    (cd $$app && $(abspath $(PY)) ../manage.py makemessages -d djangojs -l zh_Hans --no-obsolete); \
	  fi; \
	done
	$(PY) manage.py makemessages -l zh_Hans --no-obsolete $(foreach app,$(APPS),-i $(app)) \
	  -i .venv -i node_modules -i var -i staticfiles -i test-artifacts

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

# `install` compiles the translations first: the language tests read the .mo files.
# The suite runs on one process per CPU, at most 4 (pytest-xdist); TEST_WORKERS=0 runs it in one.
# The tests with a real broker and worker go to one process, in turn (conftest.py).
TEST_WORKERS ?= $(shell n=$$(nproc 2>/dev/null || echo 1); [ $$n -gt 4 ] && n=4; echo $$n)
test: install
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadgroup

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

# The whole journey of issue 10 in Chromium (core/tests/journey), saving a PNG of each main page into
# docs/screenshots/ (committed; the README shows them). The Chinese pages need a CJK font in Chromium.
.PHONY: screenshots
screenshots: install
	@fc-list :lang=zh 2>/dev/null | grep -q . || echo "warning: no Chinese font: the zh-*.png pages show boxes (apt-get install fonts-noto-cjk)"
	SCREENSHOTS_DIR=docs/screenshots $(PY) -m pytest core/tests/journey -q -o addopts="" -p no:cacheprovider
