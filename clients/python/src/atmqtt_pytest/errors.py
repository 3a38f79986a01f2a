"""The plugin's exceptions."""

from __future__ import annotations


class AtMqttError(Exception):
    """Something about the `atmqtt` program or its control API went wrong."""


class ControlApiError(AtMqttError):
    """The control API refused a request; ``message`` is its own words (the ``error`` of its JSON body),
    e.g. ``drop_rate: 2 is out of range (a fraction from 0 to 1)``."""

    def __init__(self, method: str, path: str, status: int, message: str) -> None:
        super().__init__(f"{method} {path}: {status}: {message}")
        self.method = method
        self.path = path
        self.status = status
        self.message = message
