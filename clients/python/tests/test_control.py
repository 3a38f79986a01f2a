"""The object's control API side: state, faults, the reset pin, events and the transcript."""

import re

import pytest
from at_host import Uart

from atmqtt_pytest import ControlApiError, Modem


def test_state_shows_what_the_host_configured(atmqtt: Modem, linked_host: Uart) -> None:
    assert linked_host.command('AT+MQTTSUB=0,"dev/7/cmd",1') == b"\r\nOK\r\n"

    state = atmqtt.state()

    host, port = atmqtt.broker
    assert state["hostAttached"] is True
    assert state["echo"] is False
    assert state["link"] == {
        "phase": "connected",
        "scheme": 1,
        "host": host,
        "port": port,
        "reconnect": True,
        "clientId": "dev-7",
        "keepAlive": 60,
        "cleanSession": True,
    }
    assert state["subscriptions"] == [{"topic": "dev/7/cmd", "qos": 1}]
    # ATE0, USERCFG, CONNCFG, CONN, SUB
    assert state["counters"]["commands"] == 5


def test_a_fault_used_as_a_context_manager_ends_with_the_block(atmqtt: Modem, host: Uart) -> None:
    with atmqtt.fault("busy", ms=600000) as fault:
        assert [f["id"] for f in atmqtt.faults()] == [fault.id]
        assert fault["spec"]["kind"] == "busy" and fault["spec"]["ms"] == 600000
        assert host.command("AT", final=b"\r\n") == b"busy p...\r\n"

    assert atmqtt.faults() == []
    assert host.command("AT") == b"\r\nOK\r\n"


def test_a_fault_that_ended_by_itself_ends_the_block_quietly(atmqtt: Modem, linked_host: Uart) -> None:
    with atmqtt.fault("publish-fail", count=1) as fault:
        assert linked_host.command('AT+MQTTPUB=0,"dev/7/up","x",1,0', final=b"ERROR\r\n") == b"\r\nERROR\r\n"
        assert atmqtt.faults() == []  # used up

    assert fault.end() is False
    assert linked_host.command('AT+MQTTPUB=0,"dev/7/up","x",1,0') == b"\r\nOK\r\n"


def test_clear_faults_ends_them_all(atmqtt: Modem, host: Uart) -> None:
    atmqtt.fault("busy", ms=600000)
    atmqtt.fault("publish-fail", count=5)
    assert len(atmqtt.faults()) == 2

    assert atmqtt.clear_faults() == 2

    assert atmqtt.faults() == []
    assert host.command("AT") == b"\r\nOK\r\n"
    assert atmqtt.clear_faults() == 0


@pytest.mark.parametrize(
    "kind, params, message",
    [
        (
            "uart-noise",
            {"drop_rate": 2, "flip_rate": 0, "direction": "both"},
            "drop_rate: 2 is out of range (a fraction from 0 to 1)",
        ),
        ("busy", {"msec": 100}, "unknown field 'msec'; a fault has kind, seconds, ms, packet, count, command, code, "
         "drop_rate, flip_rate, direction, seed, baud"),
        ("earthquake", {}, "kind: unknown fault kind 'earthquake'; one of wifi-drop, broker-unreachable, "
         "broker-stall, ack-delay, publish-fail, error, busy, urc-in-prompt, uart-noise, slow-host-link"),
    ],
)
def test_bad_fault_parameters_raise_with_the_apis_message(atmqtt: Modem, kind: str, params: dict, message: str) -> None:
    with pytest.raises(ControlApiError) as raised:
        atmqtt.fault(kind, **params)

    assert raised.value.status == 400
    assert raised.value.message == message
    assert message in str(raised.value)
    assert atmqtt.faults() == []


def test_reset_gets_the_host_ready_and_the_broker_publishes_the_will(atmqtt: Modem, linked_host: Uart) -> None:
    will = atmqtt.broker_messages("dev/7/status")

    atmqtt.reset()

    assert linked_host.read_until(b"ready\r\n") == b"ready\r\n"
    assert [(m.topic, m.payload, m.retain) for m in will.wait(1)] == [("dev/7/status", b"offline", False)]
    assert atmqtt.state()["link"]["phase"] == "idle"
    assert atmqtt.wait_for(lambda e: e["type"] == "state" and e["name"] == "reset")["value"] == "pin"


def test_events_come_in_order_and_wait_for_finds_one_or_times_out(atmqtt: Modem, host: Uart) -> None:
    assert host.command("AT") == b"\r\nOK\r\n"
    first = atmqtt.wait_for(lambda e: e["type"] == "line" and e["direction"] == "to-modem" and e["text"] == "AT\\r\\n")
    assert host.command("AT") == b"\r\nOK\r\n"

    # A string matches a line containing it; ``after`` skips what came before.
    second = atmqtt.wait_for("AT\\r\\n", after=first)
    assert second["sequence"] > first["sequence"] and second["direction"] == "to-modem"

    lines = []
    for event in atmqtt.events(timeout=10):
        if event["type"] == "line":
            lines.append((event["direction"], event["text"]))
        if event["sequence"] > second["sequence"] and event["text"] == "OK\\r\\n":
            break
    assert lines == [
        ("to-host", "ready\\r\\n"),
        ("to-modem", "ATE0\\r\\n"),
        ("to-host", "ATE0\\r\\n"),
        ("to-host", "\\r\\n"),
        ("to-host", "OK\\r\\n"),
        ("to-modem", "AT\\r\\n"),
        ("to-host", "\\r\\n"),
        ("to-host", "OK\\r\\n"),
        ("to-modem", "AT\\r\\n"),
        ("to-host", "\\r\\n"),
        ("to-host", "OK\\r\\n"),
    ]
    history = atmqtt.history()
    assert [e["sequence"] for e in history] == sorted({e["sequence"] for e in history})

    with pytest.raises(TimeoutError, match="no matching event within 0.5 s"):
        atmqtt.wait_for(lambda e: e["text"] == "never", timeout=0.5)
    with pytest.raises(TimeoutError, match="no event from atmqtt within 0.5 s"):
        next(atmqtt.events(timeout=0.5, after=atmqtt.last_sequence()))


def test_the_transcript_shows_both_directions_with_secrets_hidden(atmqtt: Modem, host: Uart) -> None:
    password = "".join(["s3", "cret"])
    assert host.command(f'AT+MQTTUSERCFG=0,1,"dev-7","user","{password}",0,0,""') == b"\r\nOK\r\n"
    atmqtt.wait_for("OK", after=atmqtt.wait_for("AT+MQTTUSERCFG"))

    lines = atmqtt.transcript().splitlines()

    assert all(re.match(r"\d\d:\d\d:\d\d\.\d+ (h>m|m>h|--) ", line) for line in lines), lines
    assert [line.split(" ", 1)[1] for line in lines][-3:] == [
        'h>m AT+MQTTUSERCFG=0,1,"dev-7","user",***,0,0,""\\r\\n',
        "m>h \\r\\n",
        "m>h OK\\r\\n",
    ]
    assert "-- state: host attached" in atmqtt.transcript()
    assert password not in atmqtt.transcript()
