from __future__ import annotations

from unittest.mock import MagicMock, patch

import pytest
from django.db.utils import DatabaseError, OperationalError
from django.test import Client

pytestmark = pytest.mark.django_db


def test_healthz_answers_200_json_without_login(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "ok", "database": "ok"}


@pytest.mark.parametrize("error", [DatabaseError, OperationalError])
def test_healthz_answers_503_when_the_database_does_not(
    client: Client, error: type[Exception]
) -> None:
    connection = MagicMock()
    connection.cursor.side_effect = error("connection refused")
    with patch("portal.views.connection", connection):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "unreachable"}
    connection.cursor.assert_called_once()


def test_healthz_answers_503_when_the_query_fails(client: Client) -> None:
    connection = MagicMock()
    cursor = connection.cursor.return_value.__enter__.return_value
    cursor.execute.side_effect = DatabaseError("server closed the connection")
    with patch("portal.views.connection", connection):
        response = client.get("/healthz")
    assert response.status_code == 503


@pytest.mark.parametrize("status", [200, 503])
def test_healthz_is_never_cached(client: Client, status: int) -> None:
    connection = MagicMock()
    if status == 503:
        connection.cursor.side_effect = DatabaseError("down")
    with patch("portal.views.connection", connection):
        response = client.get("/healthz")
    assert response.status_code == status
    cache_control = {p.strip() for p in response["Cache-Control"].split(",")}
    assert {"no-cache", "no-store", "must-revalidate", "private"} <= cache_control
    assert "max-age=0" in cache_control
    assert "Expires" in response


def test_healthz_answers_head_for_load_balancers(client: Client) -> None:
    assert client.head("/healthz").status_code == 200


def test_healthz_refuses_post(client: Client) -> None:
    assert client.post("/healthz").status_code == 405
