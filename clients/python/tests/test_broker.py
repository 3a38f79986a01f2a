"""The broker side: publish_to_device and broker_messages, through paho-mqtt."""

import sys

import pytest
from at_host import Uart

from atmqtt_pytest import AtMqttError, BrokerMessage, Modem


def test_broker_messages_sees_what_the_host_published_from_its_subscription_on(
    atmqtt: Modem, linked_host: Uart
) -> None:
    early = atmqtt.broker_messages("dev/7/#")
    assert linked_host.command('AT+MQTTPUB=0,"dev/7/up","first",1,0') == b"\r\nOK\r\n"
    assert early.wait(1) == [BrokerMessage("dev/7/up", b"first", 1, False)]

    late = atmqtt.broker_messages("dev/7/up", qos=0)
    assert linked_host.command('AT+MQTTPUB=0,"dev/7/up","second",2,0') == b"\r\nOK\r\n"

    # The late one subscribed after "first": it sees "second" only (at the QoS it asked for).
    assert late.wait(1) == [BrokerMessage("dev/7/up", b"second", 0, False)]
    assert early.wait_for(lambda m: m.payload == b"second").qos == 1  # delivered at most at the QoS subscribed
    assert [m.text for m in early.messages] == ["first", "second"]
    with pytest.raises(TimeoutError, match="1 of 2 message"):
        late.wait(2, timeout=0.5)


def test_publish_to_device_reaches_the_hosts_subscription_byte_for_byte(atmqtt: Modem, linked_host: Uart) -> None:
    assert linked_host.command('AT+MQTTSUB=0,"dev/7/cmd",0') == b"\r\nOK\r\n"

    atmqtt.publish_to_device("dev/7/cmd", b"\x00\xff\r\n", qos=0)
    atmqtt.publish_to_device("dev/7/cmd", "two", qos=2)

    assert linked_host.read_until(b"two\r\n") == (
        b'+MQTTSUBRECV:0,"dev/7/cmd",4,\x00\xff\r\n\r\n' b'+MQTTSUBRECV:0,"dev/7/cmd",3,two\r\n'
    )


def test_without_paho_the_mqtt_methods_say_how_to_install_it(atmqtt: Modem, monkeypatch: pytest.MonkeyPatch) -> None:
    # None in sys.modules makes the import fail as if the package were not installed.
    for name in ("paho", "paho.mqtt", "paho.mqtt.client"):
        monkeypatch.setitem(sys.modules, name, None)

    for call in (lambda: atmqtt.publish_to_device("t", "x"), lambda: atmqtt.broker_messages("t")):
        with pytest.raises(AtMqttError) as raised:
            call()
        assert "need paho-mqtt, which is not installed" in str(raised.value)
        assert "pip install 'atmqtt-pytest[mqtt]'" in str(raised.value)
        assert "apt-get install python3-paho-mqtt" in str(raised.value)
