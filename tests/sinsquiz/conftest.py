import pytest

from tests.factories import TraineeFactory


@pytest.fixture
def trainee(client):
    """A trainee, logged in on `client`."""
    user = TraineeFactory()
    client.force_login(user)
    return user
