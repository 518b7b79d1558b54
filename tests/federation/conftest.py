"""The governed hub fixtures of tests/http, for the federation tests."""

from tests.http.conftest import governed, truth  # noqa: F401  (fixtures)
