"""Fixtures of the plugin's own tests: a bare AT host on the modem's channel, and inner pytest runs."""

from typing import Callable, Iterator, List

import pytest
from at_host import Uart

from atmqtt_pytest import Modem


def open_host(modem: Modem) -> Uart:
    """A host on the modem's channel, past its ``ready``, echo off."""
    uart = Uart(pty=modem.pty, tcp=modem.tcp)
    # The modem writes ready on attach, before it reads a byte; pyserial's open() discards input that
    # is already there, so on a pty the ready is sometimes gone: the ATE0 answer is all that is certain.
    answer = uart.command("ATE0")
    expected = [b"ready\r\nATE0\r\n\r\nOK\r\n"] + ([b"ATE0\r\n\r\nOK\r\n"] if modem.pty else [])
    assert answer in expected, answer
    return uart


@pytest.fixture
def host(atmqtt: Modem) -> Iterator[Uart]:
    uart = open_host(atmqtt)
    yield uart
    uart.close()


@pytest.fixture
def linked_host(atmqtt: Modem, host: Uart) -> Uart:
    """The host with the MQTT link up on the modem's broker: client id dev-7, will "offline" on dev/7/status."""
    broker_host, broker_port = atmqtt.broker
    assert host.command('AT+MQTTUSERCFG=0,1,"dev-7","","",0,0,""') == b"\r\nOK\r\n"
    assert host.command('AT+MQTTCONNCFG=0,60,0,"dev/7/status","offline",1,0') == b"\r\nOK\r\n"
    assert host.command(f'AT+MQTTCONN=0,"{broker_host}",{broker_port},1') == (
        f'+MQTTCONNECTED:0,1,"{broker_host}",{broker_port},1\r\n\r\nOK\r\n'.encode()
    )
    return host


@pytest.fixture
def inner_args(request: pytest.FixtureRequest) -> Callable[..., List[str]]:
    """Arguments for an inner pytest run (pytester) that loads the plugin as this run did: through its
    entry point when installed, or with -p when run from the source tree (PYTHONPATH=src)."""

    def args(*more: str) -> List[str]:
        loaded_by_entry_point = request.config.pluginmanager.get_plugin("atmqtt") is not None
        return [*([] if loaded_by_entry_point else ["-p", "atmqtt_pytest.plugin"]), *more]

    return args
