"""What each fault does to a request, at the HTTP level."""

from __future__ import annotations

import socket
from time import sleep

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

from bookings.sandbox.models import Fault

DEFAULT_LATENCY = 2.0
HANG_PAST_TIMEOUT = 5.0
NOT_JSON = (
    "<!DOCTYPE html><html><head><title>Maintenance</title></head>"
    "<body><h1>We'll be back soon</h1></body></html>"
)


class DroppedConnection(Exception):
    """A drop was asked for where there is no socket (Django's test client)."""


def before(fault: Fault) -> HttpResponse | None:
    """Act before the request is processed: a delay, or an answer instead of it."""
    kind = Fault.Kind(fault.kind)
    if kind == Fault.Kind.LATENCY:
        sleep(fault.seconds if fault.seconds is not None else DEFAULT_LATENCY)
        return None
    if kind == Fault.Kind.ERROR_500:
        return JsonResponse({"error": "Internal server error"}, status=500)
    if kind == Fault.Kind.BAD_GATEWAY:
        return JsonResponse({"error": "Bad gateway"}, status=502)
    if kind == Fault.Kind.UNAVAILABLE:
        return JsonResponse({"error": "Service unavailable"}, status=503)
    if kind == Fault.Kind.RATE_LIMITED:
        seconds = fault.retry_after if fault.retry_after is not None else 1
        response = JsonResponse(
            {"error": f"Rate limit exceeded. Retry after {seconds} seconds."},
            status=429,
        )
        response["Retry-After"] = str(seconds)
        return response
    if kind == Fault.Kind.NOT_JSON:
        return HttpResponse(NOT_JSON, content_type="text/html; charset=utf-8")
    return None


def after(fault: Fault, request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """Act once the request has been processed (and its effects are kept).

    These are the ambiguous failures: the booking exists, but the client
    cannot know.
    """
    kind = Fault.Kind(fault.kind)
    if kind == Fault.Kind.HANG:
        default = settings.PETITMONDE_READ_TIMEOUT + HANG_PAST_TIMEOUT
        sleep(fault.seconds if fault.seconds is not None else default)
    elif kind == Fault.Kind.DROP:
        drop_connection(request)
    elif kind == Fault.Kind.SUCCEED_500:
        return JsonResponse({"error": "Internal server error"}, status=500)
    return response


def client_socket(request: HttpRequest) -> socket.socket | None:
    """The connection's socket, found through the WSGI server's own objects.

    WSGI gives an application no way to close its connection. gunicorn
    publishes the socket as `gunicorn.socket`; Django's own server (runserver
    and the tests' live_server) has it behind `wsgi.input`: a LimitedStream
    over a buffered reader over a SocketIO.
    """
    found = request.META.get("gunicorn.socket")
    if isinstance(found, socket.socket):
        return found
    current: object = request.META.get("wsgi.input")
    for _ in range(6):
        if current is None or isinstance(current, socket.socket):
            return current
        read = getattr(current, "_read", None)
        current = (
            getattr(current, "_sock", None)
            or getattr(current, "raw", None)
            or getattr(read, "__self__", None)
        )
    return None


def drop_connection(request: HttpRequest) -> None:
    """Close the connection without a byte of answer.

    The server's attempt to write the response afterwards fails with a broken
    pipe, which it handles; the client sees the connection go away.
    """
    sock = client_socket(request)
    if sock is None:
        raise DroppedConnection("no socket to drop")
    sock.shutdown(socket.SHUT_RDWR)
