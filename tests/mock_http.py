"""``as_send``: drive the HTTP teachers with an httpx-style handler instead of a server.

``handler(httpx.Request) -> httpx.Response`` (sync or async) sees what the client sent;
raising ``httpx.ConnectError`` / ``httpx.TimeoutException`` stands for a refused
connection / a timeout. The result is an :data:`~synthdistill.teachers.http.Send`.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from synthdistill.teachers.http import Reply, Send

Handler = Callable[[httpx.Request], Any]


def as_send(handler: Handler) -> Send:
    async def send(url: str, payload: dict[str, Any], headers: Mapping[str, str]) -> Reply:
        request = httpx.Request("POST", url, json=payload, headers=dict(headers))
        try:
            response = handler(request)
            if inspect.isawaitable(response):
                response = await response
        except httpx.TimeoutException as err:
            raise TimeoutError(str(err)) from None
        except httpx.TransportError as err:
            raise ConnectionError(str(err)) from None
        found = {k.lower(): v for k, v in response.headers.items()}
        return Reply(response.status_code, found, response.text)

    return send
