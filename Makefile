# One command to run the bot, one to run the tests; both set themselves up on a fresh machine.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
RUN_STAMP := $(VENV)/.stamp-run
DEV_STAMP := $(VENV)/.stamp-dev

.PHONY: run test lint install dev lock browser init eval bench bench-answer clean eval-unnamed eval-dev fallback-curve

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(RUN_STAMP): pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -c constraints.txt -e .
	touch $@

$(DEV_STAMP): pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@ $(RUN_STAMP)

install: $(RUN_STAMP)
dev: $(DEV_STAMP)

init: install
	$(BIN)/wufei init

run: install
	$(BIN)/wufei init
	$(BIN)/wufei serve

browser:
	@sh .ci/ensure-chromium

test: dev browser
	$(BIN)/python -m pytest

lint: dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python -m pytest -q -p no:cacheprovider tests/test_dependency_rule.py  # domain packages import no web/channel/CLI/scheduler code

eval: install
	$(BIN)/python eval/run_eval.py

# items the catalogue does not name (goal >= 75 % correct, <= 4 % wrong) and the n-gram fallback's held-out curve
eval-unnamed: install
	$(BIN)/python eval/run_eval.py eval/unnamed_items.tsv

# the #13 helper's own development sets (tuned on; see eval/dev/README.md)
eval-dev: install
	-$(BIN)/python eval/run_eval.py $(filter-out %policy_questions.tsv %policy_questions_2.tsv,$(wildcard eval/dev/*.tsv))
	-$(BIN)/python eval/run_policy_eval.py eval/dev/policy_questions.tsv
	-$(BIN)/python eval/run_policy_eval.py eval/dev/policy_questions_2.tsv
	-for f in eval/dev/policy/questions*.tsv; do $(BIN)/python eval/run_policy_eval.py $$f; done
	-$(BIN)/python eval/run_eval.py $(filter-out %policy_questions.tsv,$(wildcard eval/dev/retired_1/*.tsv))
	-$(BIN)/python eval/run_policy_eval.py eval/dev/retired_1/policy_questions.tsv

fallback-curve: install
	$(BIN)/python bench/fallback_curve.py

# every issue #18 goal with a quick benchmark, one table of same-run ratios (about 15 minutes; PG=… for PostgreSQL,
# else the local server at 127.0.0.1:5432 when it answers); bench-answer is the answer core alone
bench: install
	$(BIN)/python bench/goals.py

bench-answer: install
	$(BIN)/python bench/answer_bench.py

lock:  # re-resolve the newest versions pyproject.toml allows and write them to constraints.txt
	rm -rf .venv-lock && $(PYTHON) -m venv .venv-lock && .venv-lock/bin/python -m pip install --quiet --upgrade pip
	.venv-lock/bin/python -m pip install --quiet -e '.[dev]'
	{ sed -n '1,2p' constraints.txt; .venv-lock/bin/python -m pip freeze --exclude-editable | grep -v '^wufei'; } > constraints.new
	mv constraints.new constraints.txt && rm -rf .venv-lock

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache
