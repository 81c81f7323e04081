"""The API tests' shared book (every role in and out of a branch, one record of every kind)."""

from tests.api.conftest import world  # noqa: F401 - fixture
