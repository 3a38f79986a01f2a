"""The broker side of a test: MQTT clients of the plugin's own, through paho-mqtt (an optional dependency:
the project writes no MQTT codec of its own). Works with paho-mqtt 1.x (Debian's 1.6.1) and 2.x."""

from __future__ import annotations

import itertools
import os
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Tuple, Union

from .errors import AtMqttError

#: Seconds to wait for CONNACK, SUBACK and a publish's acknowledgement.
MQTT_TIMEOUT = 10.0

MISSING_PAHO = (
    "publish_to_device() and broker_messages() need paho-mqtt, which is not installed: "
    "pip install 'atmqtt-pytest[mqtt]' (or pip install paho-mqtt), or on Debian apt-get install python3-paho-mqtt"
)

_ids = itertools.count(1)


def _paho() -> Any:
    try:
        import paho.mqtt.client as mqtt
    except ImportError as e:
        raise AtMqttError(MISSING_PAHO) from e
    return mqtt


def _code(value: Any) -> int:
    """A result code as an int: paho 1.x passes ints, 2.x ReasonCode objects."""
    return int(getattr(value, "value", value))


@dataclass(frozen=True)
class BrokerMessage:
    """A message as the broker delivered it to the plugin's subscriber."""

    topic: str
    payload: bytes
    qos: int
    retain: bool

    @property
    def text(self) -> str:
        return self.payload.decode("utf-8", "replace")


class _Client:
    """One connected paho client with its network thread; callbacks written for both paho APIs."""

    def __init__(self, broker: Tuple[str, int], role: str) -> None:
        mqtt = _paho()
        self._mqtt = mqtt
        client_id = f"atmqtt-pytest-{os.getpid()}-{role}-{next(_ids)}"
        if hasattr(mqtt, "CallbackAPIVersion"):  # paho-mqtt 2.x
            self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv311)
        else:
            self.client = mqtt.Client(client_id=client_id, clean_session=True, protocol=mqtt.MQTTv311)
        self._cond = threading.Condition()
        self._connack: Optional[int] = None
        self._subacks: Dict[int, List[int]] = {}
        self.client.on_connect = self._on_connect
        self.client.on_subscribe = self._on_subscribe
        host, port = broker
        try:
            self.client.connect(host, port, keepalive=60)
        except OSError as e:
            raise AtMqttError(f"the plugin's MQTT client could not reach the broker {host}:{port}: {e}") from e
        self.client.loop_start()
        with self._cond:
            if not self._cond.wait_for(lambda: self._connack is not None, MQTT_TIMEOUT):
                self.close()
                raise AtMqttError(f"no CONNACK from the broker {host}:{port} within {MQTT_TIMEOUT:g} s")
        if self._connack != 0:
            self.close()
            raise AtMqttError(f"the broker {host}:{port} refused the plugin's MQTT client (CONNACK {self._connack})")

    # paho 1.x: (client, userdata, flags, rc); 2.x: (client, userdata, flags, reason_code, properties)
    def _on_connect(self, *args: Any) -> None:
        with self._cond:
            self._connack = _code(args[3])
            self._cond.notify_all()

    # paho 1.x: (client, userdata, mid, granted_qos); 2.x: (client, userdata, mid, reason_codes, properties)
    def _on_subscribe(self, *args: Any) -> None:
        with self._cond:
            self._subacks[args[2]] = [_code(c) for c in args[3]]
            self._cond.notify_all()

    def subscribe(self, topic_filter: str, qos: int) -> None:
        rc, mid = self.client.subscribe(topic_filter, qos)
        if rc != self._mqtt.MQTT_ERR_SUCCESS:
            raise AtMqttError(f"SUBSCRIBE {topic_filter!r} could not be sent: {self._mqtt.error_string(rc)}")
        with self._cond:
            if not self._cond.wait_for(lambda: mid in self._subacks, MQTT_TIMEOUT):
                raise AtMqttError(f"no SUBACK for {topic_filter!r} within {MQTT_TIMEOUT:g} s")
            granted = self._subacks.pop(mid)
        if any(g >= 0x80 for g in granted):
            raise AtMqttError(f"the broker refused the subscription to {topic_filter!r}")

    def publish(self, topic: str, payload: Union[bytes, str], qos: int, retain: bool) -> None:
        info = self.client.publish(topic, payload, qos, retain)
        if info.rc != self._mqtt.MQTT_ERR_SUCCESS:
            raise AtMqttError(f"publish to {topic!r} failed: {self._mqtt.error_string(info.rc)}")
        deadline = time.monotonic() + MQTT_TIMEOUT
        while not info.is_published():
            left = deadline - time.monotonic()
            if left <= 0:
                raise AtMqttError(f"the broker did not acknowledge the publish to {topic!r} within {MQTT_TIMEOUT:g} s")
            info.wait_for_publish(min(left, 1.0))

    def close(self) -> None:
        try:
            self.client.disconnect()
        finally:
            self.client.loop_stop()


class MqttClient(_Client):
    """The publisher of ``publish_to_device``: one per modem, connected on first use."""

    def __init__(self, broker: Tuple[str, int]) -> None:
        super().__init__(broker, "pub")


class BrokerMessages:
    """An MQTT client subscribed to one topic filter: what the broker delivers from the moment of the
    SUBACK on (a message the broker had retained comes first, with ``retain`` True).

    ``messages`` (a copy of the list so far), ``wait(count, timeout)``, ``wait_for(predicate, timeout)``,
    ``close()``; also a context manager. The modem closes the ones it made when it stops.
    """

    def __init__(self, broker: Tuple[str, int], topic_filter: str, qos: int = 1) -> None:
        self.topic_filter = topic_filter
        self._cond = threading.Condition()
        self._messages: List[BrokerMessage] = []
        self._client = _Client(broker, "sub")
        self._client.client.on_message = self._on_message
        try:
            self._client.subscribe(topic_filter, qos)
        except BaseException:
            self._client.close()
            raise

    def _on_message(self, _client: Any, _userdata: Any, message: Any) -> None:
        with self._cond:
            self._messages.append(BrokerMessage(message.topic, bytes(message.payload), message.qos, bool(message.retain)))
            self._cond.notify_all()

    @property
    def messages(self) -> List[BrokerMessage]:
        with self._cond:
            return list(self._messages)

    def __len__(self) -> int:
        with self._cond:
            return len(self._messages)

    def wait(self, count: int = 1, timeout: float = 10.0) -> List[BrokerMessage]:
        """The first ``count`` messages, once that many came; ``TimeoutError`` (listing those that did)
        after ``timeout`` seconds."""
        with self._cond:
            if not self._cond.wait_for(lambda: len(self._messages) >= count, timeout):
                raise TimeoutError(
                    f"{len(self._messages)} of {count} message(s) on {self.topic_filter!r} within {timeout:g} s: "
                    f"{self._messages!r}"
                )
            return self._messages[:count]

    def wait_for(self, predicate: Callable[[BrokerMessage], bool], timeout: float = 10.0) -> BrokerMessage:
        """The first message (since the subscription) for which ``predicate`` is true, waiting up to
        ``timeout`` seconds; ``TimeoutError`` listing what came otherwise."""
        found: List[BrokerMessage] = []

        def match() -> bool:
            found[:] = [m for m in self._messages if predicate(m)][:1]
            return bool(found)

        with self._cond:
            if not self._cond.wait_for(match, timeout):
                raise TimeoutError(f"no matching message on {self.topic_filter!r} within {timeout:g} s: {self._messages!r}")
            return found[0]

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> "BrokerMessages":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
