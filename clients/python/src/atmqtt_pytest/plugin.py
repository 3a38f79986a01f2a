"""The pytest side: options, the `atmqtt` marker, the `atmqtt` fixture and the transcript of a failing test.

Loaded through the ``pytest11`` entry point named ``atmqtt`` (``-p no:atmqtt`` turns it off).
"""

from __future__ import annotations

from typing import Any, Iterator, Optional

import pytest

from .errors import AtMqttError
from .modem import Modem, find_program

_MODEM = pytest.StashKey[Modem]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("atmqtt", "the atmqtt modem (atmqtt fixture)")
    group.addoption(
        "--atmqtt-program",
        metavar="PATH",
        help="the atmqtt program to run (default: $ATMQTT, the atmqtt_program ini option, then atmqtt on PATH)",
    )
    group.addoption(
        "--atmqtt-channel",
        choices=("pty", "tcp"),
        help="where the host under test connects: a pseudo-terminal (default) or a TCP port on 127.0.0.1",
    )
    group.addoption(
        "--atmqtt-broker",
        metavar="HOST:PORT",
        help="the broker the modem is meant to use instead of its embedded one",
    )
    parser.addini("atmqtt_program", "the atmqtt program to run (after --atmqtt-program and $ATMQTT)")
    parser.addini("atmqtt_channel", "pty (default) or tcp")
    parser.addini("atmqtt_broker", "HOST:PORT of a broker to use instead of the embedded one")
    group.addoption(
        "--atmqtt-quirk",
        action="append",
        default=[],
        metavar="NAME[=VALUE]",
        help="a real module's misbehaviour the modem shows (repeatable; docs/quirks.md), e.g. split-subrecv=512",
    )
    parser.addini("atmqtt_args", "more atmqtt options, e.g. --dialect esp-at --require-wifi", type="args")
    parser.addini("atmqtt_quirks", "quirks the modem shows, e.g. split-subrecv=512 urc-in-prompt", type="args")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "atmqtt(channel='pty'|'tcp', broker='HOST:PORT'|'embedded', args=[...], quirks=[...]): how the atmqtt "
        "fixture starts the program for this test (args and quirks are added to the ini options' and quirks to "
        "--atmqtt-quirk's)",
    )


def _setting(marker: Optional[pytest.Mark], key: str, config: pytest.Config) -> Any:
    if marker is not None and key in marker.kwargs:
        return marker.kwargs[key]
    return config.getoption(f"atmqtt_{key}") or config.getini(f"atmqtt_{key}") or None


@pytest.fixture
def atmqtt(request: pytest.FixtureRequest) -> Iterator[Modem]:
    """The `atmqtt` program, started for this test and stopped after it (docs/pytest.md)."""
    config = request.config
    marker = request.node.get_closest_marker("atmqtt")
    channel = _setting(marker, "channel", config) or "pty"
    broker = _setting(marker, "broker", config)
    if broker == "embedded":
        broker = None
    args = [*config.getini("atmqtt_args"), *(marker.kwargs.get("args", ()) if marker else ())]
    marked_quirks = marker.kwargs.get("quirks", ()) if marker else ()
    if isinstance(marked_quirks, str):
        raise AtMqttError(f"the atmqtt marker's quirks is a list of names, not the string {marked_quirks!r}")
    quirks = [*config.getini("atmqtt_quirks"), *config.getoption("atmqtt_quirk"), *marked_quirks]
    program = find_program(config.getoption("atmqtt_program"), config.getini("atmqtt_program") or None)

    modem = Modem.start(program=program, channel=channel, broker=broker, args=args, quirks=quirks)
    request.node.stash[_MODEM] = modem
    try:
        yield modem
        died = not modem.running()
    finally:
        code = modem.stop()
    if died:
        raise AtMqttError(f"atmqtt exited during the test with code {code}; its log:\n{modem.log()}")
    if code != 0:
        raise AtMqttError(f"atmqtt did not stop cleanly (exit code {code}); its log:\n{modem.log()}")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    modem = item.stash.get(_MODEM, None)
    if modem is None:
        return
    if report.failed:
        # What went over the host's line, and the program's own log: the first things to read.
        report.sections.append(("atmqtt transcript", modem.transcript() or "(nothing happened on the line)"))
        report.sections.append(("atmqtt log", modem.log() or "(empty)"))
    if call.when == "teardown":
        del item.stash[_MODEM]
