import pytest

from core.policies import default_policy_text, example_policy_text
from core.tiering import parse_policy


@pytest.fixture(scope="session")
def policy():
    return parse_policy(default_policy_text())


@pytest.fixture(scope="session")
def sponsor_policy():
    return parse_policy(example_policy_text("sponsor"))
