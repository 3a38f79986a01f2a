"""A pytest plugin that runs the `atmqtt` software MQTT AT modem for a test (docs/pytest.md).

The `atmqtt` fixture starts the program with a pty or TCP channel, its embedded broker (or a given one)
and its control API, and yields a :class:`Modem`; :meth:`Modem.start` does the same outside pytest.
"""

from .errors import AtMqttError, ControlApiError
from .modem import Fault, Modem, find_program

__all__ = ["AtMqttError", "ControlApiError", "Fault", "Modem", "find_program", "BrokerMessage", "BrokerMessages"]
__version__ = "0.2.0"


def __getattr__(name: str) -> object:
    # The MQTT side needs paho-mqtt, an optional dependency: loaded only when asked for.
    if name in ("BrokerMessage", "BrokerMessages"):
        from . import mqtt

        return getattr(mqtt, name)
    raise AttributeError(name)
