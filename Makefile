# Campaign Hub: the commands a developer and CI use. The work is done by scripts/*.sh.
# Extra arguments: make test ARGS="-k promos -x"   make bench ARGS=api_read
.DEFAULT_GOAL := help
ARGS ?=

.PHONY: help bootstrap run test bench services services-stop services-status

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

bootstrap: ## install missing Debian packages, the virtualenv and requirements
	@scripts/bootstrap.sh

run: ## migrate, load demo data, run web + worker + beat (http://localhost:8000)
	@scripts/run.sh

test: ## run the test suite against a throwaway database
	@scripts/test.sh $(ARGS)

bench: ## run every bench/*.py against a throwaway database and print the figures
	@scripts/bench.sh $(ARGS)

services: ## start the private PostgreSQL and Redis and keep them running
	@scripts/services.sh start

services-stop: ## stop the private PostgreSQL and Redis
	@scripts/services.sh stop

services-status: ## show the private PostgreSQL and Redis
	@scripts/services.sh status
