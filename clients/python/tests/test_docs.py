"""docs/pytest.md's code is the code that runs."""

import re
from pathlib import Path

from at_host import Uart

from atmqtt_pytest import Modem

PAGE = Path(__file__).resolve().parents[3] / "docs" / "pytest.md"


def python_blocks() -> list:
    return re.findall(r"```python\n(.*?)```", PAGE.read_text(), re.S)


def test_the_example_on_the_page_is_test_example_py() -> None:
    example = (Path(__file__).parent / "test_example.py").read_text()

    assert example in python_blocks()
    assert len(example.splitlines()) < 20


def test_the_wait_for_snippet_on_the_page_runs(atmqtt: Modem, linked_host: Uart) -> None:
    (snippet,) = [b for b in python_blocks() if b.startswith("first = atmqtt.wait_for")]

    exec(snippet, {"atmqtt": atmqtt})

    assert atmqtt.state()["counters"]["reconnects"] == 1
