"""Placeholder: the msgport Python bindings (python/msgport/) replace this
file when they land; it exists so that make deb can build python3-msgport."""
