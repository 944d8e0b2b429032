"""The fault suite reuses the end-to-end fixtures: the real `tierbot` executable's environment and
the Bot API stand-in served over HTTP."""

from tests.e2e.conftest import cli_env, served_api  # noqa: F401 - fixtures
