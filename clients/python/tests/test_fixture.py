"""The fixture itself: starting and stopping the program, its options, and the report of a failing test."""

import json
import os
import signal
import socket
import time
from pathlib import Path
from typing import Callable, List

import pytest
from at_host import Uart
from conftest import open_host

from atmqtt_pytest import AtMqttError, Modem, find_program


def gone(pid: int) -> bool:
    """The process has exited (a zombie no one reaped counts: it runs nothing and holds no port)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


def wait_gone(pid: int, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while not gone(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)  # poll period
    return True


RECORD = """
import json, os
def record(atmqtt):
    with open("modem.json", "w") as f:
        json.dump({"pid": atmqtt.pid, "pty": atmqtt.pty, "control": atmqtt.control_url, "info": atmqtt.info}, f)
"""


def recorded(pytester: pytest.Pytester) -> dict:
    return json.loads((pytester.path / "modem.json").read_text())


def assert_nothing_left(modem: dict) -> None:
    assert gone(modem["pid"]), f"atmqtt {modem['pid']} still runs"
    assert not os.path.lexists(modem["pty"])
    assert not os.path.exists(os.path.dirname(modem["pty"]))
    host, port = modem["control"].removeprefix("http://").rsplit(":", 1)
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((host, int(port)), timeout=10).close()


def test_the_fixture_starts_the_program_and_stops_it_after_the_test(
    pytester: pytest.Pytester, inner_args: Callable[..., List[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A proxy in the environment (nothing listens on port 9) is not used for the loopback control API.
    monkeypatch.setenv("http_proxy", "http://127.0.0.1:9")
    monkeypatch.delenv("no_proxy", raising=False)
    pytester.makepyfile(
        RECORD
        + """
def test_inner(atmqtt):
    record(atmqtt)
    assert atmqtt.running() and os.path.islink(atmqtt.pty) and atmqtt.tcp is None
    assert atmqtt.info["processId"] == atmqtt.pid
    assert atmqtt.info["channel"]["kind"] == "pty" and atmqtt.state()["hostAttached"] is False
    assert atmqtt.broker == ("127.0.0.1", atmqtt.info["embeddedBroker"]["port"])
    assert "--embedded-broker" in atmqtt.args and "--control" in atmqtt.args
"""
    )
    result = pytester.runpytest_subprocess(*inner_args(), timeout=120)

    result.assert_outcomes(passed=1)
    assert_nothing_left(recorded(pytester))


@pytest.mark.parametrize("how", ["KeyboardInterrupt", "SIGKILL"])
def test_an_interrupted_or_killed_run_leaves_no_program_behind(
    pytester: pytest.Pytester, inner_args: Callable[..., List[str]], how: str
) -> None:
    # Ctrl-C: pytest tears the fixtures down. kill -9: nothing runs, the kernel's parent-death signal does it.
    end = "raise KeyboardInterrupt" if how == "KeyboardInterrupt" else "os.kill(os.getpid(), 9)"
    pytester.makepyfile(RECORD + f"\ndef test_inner(atmqtt):\n    record(atmqtt)\n    {end}\n")

    result = pytester.runpytest_subprocess(*inner_args(), timeout=120)

    modem = recorded(pytester)
    assert wait_gone(modem["pid"]), f"atmqtt {modem['pid']} outlived pytest ({how})"
    if how == "KeyboardInterrupt":
        assert result.ret == pytest.ExitCode.INTERRUPTED
        assert_nothing_left(modem)
    else:
        assert result.ret == -signal.SIGKILL
        # A killed program cannot remove its pty link: the test does.
        Path(modem["pty"]).unlink(missing_ok=True)
        os.rmdir(os.path.dirname(modem["pty"]))


def test_a_program_that_dies_during_the_test_is_an_error_of_the_test(
    pytester: pytest.Pytester, inner_args: Callable[..., List[str]]
) -> None:
    pytester.makepyfile(
        """
import os, signal, time
def test_inner(atmqtt):
    os.kill(atmqtt.pid, signal.SIGKILL)
    while atmqtt.running():
        time.sleep(0.05)
"""
    )
    result = pytester.runpytest_subprocess(*inner_args(), timeout=120)

    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*atmqtt exited during the test with code -9; its log:*"])


def test_a_failing_test_carries_the_transcript_and_the_log_in_its_report(
    pytester: pytest.Pytester, inner_args: Callable[..., List[str]]
) -> None:
    pytester.makepyfile(
        """
import serial
PASSWORD = "s3" + "cret"

def talk(atmqtt, line):
    with serial.Serial(atmqtt.pty, timeout=10) as uart:
        uart.write(line.encode() + b"\\r\\n")
        assert uart.read_until(b"OK\\r\\n").endswith(b"OK\\r\\n")
    atmqtt.wait_for("OK\\\\r\\\\n")

def test_fails(atmqtt):
    talk(atmqtt, f'AT+MQTTUSERCFG=0,1,"dev-9","user","{PASSWORD}",0,0,""')
    assert False, "the inner test fails"

def test_passes(atmqtt):
    talk(atmqtt, "AT")
"""
    )
    result = pytester.runpytest(*inner_args("-rA", "--tb=short"))

    result.assert_outcomes(passed=1, failed=1)
    reports = {r.nodeid.split("::")[-1]: r for r in result.reprec.getreports("pytest_runtest_logreport") if r.when == "call"}
    failed = dict(reports["test_fails"].sections)
    assert 'h>m AT+MQTTUSERCFG=0,1,"dev-9","user",***,0,0,""\\r\\n' in failed["atmqtt transcript"]
    assert "m>h OK\\r\\n" in failed["atmqtt transcript"]
    assert "Control API on http://127.0.0.1:" in failed["atmqtt log"]
    assert "atmqtt transcript" not in dict(reports["test_passes"].sections)
    # And on the terminal, once (for the failing test), without the password.
    output = result.stdout.str()
    assert output.count("atmqtt transcript") == 1
    result.stdout.fnmatch_lines(["*- atmqtt transcript -*", '*h>m AT+MQTTUSERCFG=0,1,"dev-9","user",***,0,0,""*'])
    assert "s3cret" not in output


@pytest.mark.atmqtt(channel="tcp", args=["--dialect", "esp-at"])
def test_the_marker_chooses_a_tcp_channel_and_adds_options(atmqtt: Modem) -> None:
    assert atmqtt.pty is None
    assert atmqtt.tcp is not None and atmqtt.tcp[0] == "127.0.0.1"
    assert atmqtt.info["channel"]["kind"] == "tcp"
    assert atmqtt.info["dialect"] == "esp-at"
    host = open_host(atmqtt)
    try:
        assert host.command("AT") == b"\r\nOK\r\n"
    finally:
        host.close()


@pytest.mark.atmqtt(channel="tcp", quirks=["conn-fail-state", "no-mqtt"])
def test_the_marker_asks_for_quirks(atmqtt: Modem) -> None:
    assert atmqtt.args[-4:] == ["--quirk", "conn-fail-state", "--quirk", "no-mqtt"]
    # As --quirk writes them, in the program's order.
    assert atmqtt.info["quirks"] == ["no-mqtt", "conn-fail-state"]
    assert atmqtt.state()["quirks"] == ["no-mqtt", "conn-fail-state"]
    host = open_host(atmqtt)
    try:
        assert host.command('AT+MQTTUSERCFG=0,1,"q","","",0,0,""', final=b"ERROR\r\n") == b"\r\nERROR\r\n"
    finally:
        host.close()


def test_quirks_from_the_ini_and_the_command_line_add_up(
    pytester: pytest.Pytester, inner_args: Callable[..., List[str]]
) -> None:
    pytester.makeini("[pytest]\natmqtt_channel = tcp\natmqtt_quirks = split-subrecv=512 urc-in-prompt\n")
    pytester.makepyfile(
        """
import pytest

def test_inner(atmqtt):
    assert atmqtt.info["quirks"] == ["split-subrecv=512", "urc-in-prompt", "subscribe-log-only"]

@pytest.mark.atmqtt(quirks=["busy-while-receiving"])
def test_marked(atmqtt):
    assert atmqtt.info["quirks"] == ["split-subrecv=512", "urc-in-prompt", "busy-while-receiving", "subscribe-log-only"]

@pytest.mark.atmqtt(quirks="no-mqtt")
def test_a_string(atmqtt):
    pass
"""
    )
    result = pytester.runpytest_subprocess(*inner_args("--atmqtt-quirk", "subscribe-log-only"), timeout=120)

    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(["*the atmqtt marker's quirks is a list of names, not the string 'no-mqtt'*"])


def test_ini_options_and_a_given_broker(
    atmqtt: Modem, pytester: pytest.Pytester, inner_args: Callable[..., List[str]]
) -> None:
    # The inner run's modem has no broker of its own: it is given this test's modem's embedded broker.
    broker = "%s:%d" % atmqtt.broker
    seen = atmqtt.broker_messages("inner/#")
    pytester.makeini("[pytest]\natmqtt_channel = tcp\natmqtt_args = --dialect esp-at --rx-queue 7\n")
    pytester.makepyfile(
        f"""
import serial
def test_inner(atmqtt):
    assert atmqtt.tcp is not None and atmqtt.info["dialect"] == "esp-at"
    assert atmqtt.info["embeddedBroker"] is None and "--embedded-broker" not in atmqtt.args
    assert atmqtt.broker == ("127.0.0.1", {atmqtt.broker[1]})
    assert atmqtt.state()["inbound"]["qos0Bound"] == 7
    # (pyserial's socket:// discards what came before open() returned, perhaps the ready: not waited for)
    uart = serial.serial_for_url("socket://127.0.0.1:%d" % atmqtt.tcp[1], timeout=10)
    for line in ['AT+MQTTUSERCFG=0,1,"inner","","",0,0,""', 'AT+MQTTCONN=0,"127.0.0.1",{atmqtt.broker[1]},1',
                 'AT+MQTTSUB=0,"inner/cmd",1', 'AT+MQTTPUB=0,"inner/up","from the inner device",1,0']:
        uart.write(line.encode() + b"\\r\\n")
        assert uart.read_until(b"OK\\r\\n").endswith(b"\\r\\nOK\\r\\n")
    atmqtt.publish_to_device("inner/cmd", "hi", qos=1)
    assert uart.read_until(b"hi\\r\\n").endswith(b'+MQTTSUBRECV:0,"inner/cmd",2,hi\\r\\n')
    uart.close()
"""
    )
    result = pytester.runpytest_subprocess(*inner_args("--atmqtt-broker", broker), timeout=120)

    result.assert_outcomes(passed=1)
    assert [(m.topic, m.payload) for m in seen.wait(2)] == [
        ("inner/up", b"from the inner device"),
        ("inner/cmd", b"hi"),
    ]


def test_a_missing_program_is_a_clear_error(
    pytester: pytest.Pytester, inner_args: Callable[..., List[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ATMQTT", "/nonexistent/atmqtt")
    pytester.makepyfile("def test_inner(atmqtt):\n    pass\n")

    result = pytester.runpytest_subprocess(*inner_args(), timeout=120)

    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*ATMQTT names '/nonexistent/atmqtt', which is not an executable file*"])


def test_the_program_is_found_by_option_then_environment_then_ini_then_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = find_program()
    programs = {}
    for name in ("option", "env", "ini", "path"):
        (tmp_path / name).mkdir()
        programs[name] = tmp_path / name / "atmqtt"
        programs[name].symlink_to(real)
    monkeypatch.setenv("PATH", str(tmp_path / "path"))
    monkeypatch.setenv("ATMQTT", str(programs["env"]))

    assert find_program(str(programs["option"]), str(programs["ini"])) == str(programs["option"])
    assert find_program(None, str(programs["ini"])) == str(programs["env"])
    monkeypatch.delenv("ATMQTT")
    assert find_program(None, str(programs["ini"])) == str(programs["ini"])
    assert find_program() == str(programs["path"])
    with Modem.start(program=find_program()) as modem:  # a symbolic link to the program runs it
        assert modem.info["processId"] == modem.pid

    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(AtMqttError, match="atmqtt not found: put it on PATH, or name it with --atmqtt-program"):
        find_program()


def test_a_bad_channel_or_broker_is_refused_before_anything_starts() -> None:
    with pytest.raises(AtMqttError, match="channel must be 'pty' or 'tcp', not 'usb'"):
        Modem.start(channel="usb")
    with pytest.raises(AtMqttError, match="a broker is HOST:PORT, such as 127.0.0.1:1883, not 'localhost'"):
        Modem.start(broker="localhost")
    for args in (["--log-level", "Warning"], ["--log-level=None"]):
        with pytest.raises(AtMqttError, match="hides the line the plugin reads the control address from"):
            Modem.start(args=args)
    with pytest.raises(AtMqttError, match="quirks is a list of names, not the string 'no-mqtt'"):
        Modem.start(quirks="no-mqtt")


def test_a_bad_quirk_is_the_programs_usage_error_naming_the_choices() -> None:
    with pytest.raises(AtMqttError) as raised:
        Modem.start(quirks=["lazy"])

    assert "atmqtt exited with code 2 before its control API was up" in str(raised.value)
    assert "--quirk: 'lazy' is not one of split-subrecv, urc-in-prompt" in str(raised.value)


def test_a_program_that_exits_at_start_is_an_error_with_its_log() -> None:
    with pytest.raises(AtMqttError) as raised:
        Modem.start(args=["--max-subscriptions", "0"])

    assert "atmqtt exited with code 2 before its control API was up" in str(raised.value)
    assert "--max-subscriptions" in str(raised.value)


def test_stop_is_idempotent_and_reports_a_clean_exit() -> None:
    modem = Modem.start(channel="tcp")
    uart = Uart(tcp=modem.tcp)
    uart.read_until(b"ready\r\n")
    uart.close()

    assert modem.stop() == 0
    assert modem.stop() == 0
    assert not modem.running()
    with pytest.raises(AtMqttError, match="the control API did not answer"):
        modem.state()
