# The two commands (see README): `make dev` runs the whole site locally,
# `make test` runs every test. Both install what they need first.
.PHONY: dev test build bootstrap sizes clean-state

dev:
	tools/dev.sh

test:
	tools/test.sh

build: bootstrap
	tools/build.sh

bootstrap:
	tools/bootstrap.sh

# Gzipped size of each built Worker .wasm (the figures in the README; run `make build` first).
sizes:
	@for d in functions/*/build; do printf '%-10s %6s KiB gzipped\n' "$$(basename $$(dirname $$d))" "$$(( $$(gzip -9c $$d/index_bg.wasm | wc -c) / 1024 ))"; done

clean-state:
	rm -rf .state
