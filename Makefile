# AutoLoan CRM — the two commands a new user needs are `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
PORT ?= 8000
DEMO_BORROWERS ?= 200

.PHONY: run test install venv migrate demo web worker beat lint bench check-deploy compose-check clean

$(VENV)/.installed: requirements.txt requirements-dev.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -r requirements-dev.txt
	touch $@

venv install: $(VENV)/.installed

migrate: install
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py seed_demo --borrowers $(DEMO_BORROWERS) --seed 42
	$(PY) manage.py setup_schedules

## make run: install, migrate, load demo data once, then web + Celery worker + beat on the
## embedded default (SQLite file + filesystem broker under var/). Ctrl-C stops all three.
run: demo
	@echo ""
	@echo "  AutoLoan CRM is starting on  http://127.0.0.1:$(PORT)/"
	@echo "  Demo logins (password for all: demo-pass-2026):"
	@echo "    agent_sh, agent_bj   (客服 agent)       collector_sh, collector_bj (催收员 collector)"
	@echo "    supervisor_sh, supervisor_bj (主管)      hq_manager (总部 HQ)   compliance (合规)   admin (管理员)"
	@echo "    广州: agent_gz, collector_gz, supervisor_gz"
	@echo "  Public complaint form:   http://127.0.0.1:$(PORT)/complaint/new/"
	@echo "  API docs:                http://127.0.0.1:$(PORT)/api/docs/"
	@echo ""
	@trap 'trap - INT TERM EXIT; kill 0' INT TERM EXIT; \
	$(VENV)/bin/celery -A autoloan_crm worker -l info --concurrency 2 --pool threads & \
	$(VENV)/bin/celery -A autoloan_crm beat -l info & \
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

## make test: the whole suite. On PostgreSQL/Redis when DATABASE_URL / CELERY_BROKER_URL are set
## (CI sets them), on SQLite otherwise.
test: install
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .

bench: install
	$(PY) benchmarks/run_all.py

check-deploy: install
	DEBUG=0 SECRET_KEY=check-deploy-$$(date +%s)-a-long-random-string-of-50-characters ALLOWED_HOSTS=crm.example.com \
	  $(PY) manage.py check --deploy --fail-level WARNING

compose-check:
	docker compose config -q

clean:
	rm -rf var/ .pytest_cache
