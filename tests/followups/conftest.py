from tests.messaging import messaging  # noqa: F401 - fixture
