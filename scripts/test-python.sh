#!/usr/bin/env bash
# The pytest plugin (clients/python, docs/pytest.md): installed the offline way, with Debian's packages
# (`pip install --no-build-isolation --no-index`) into a throwaway venv made with --system-site-packages,
# then its own tests run from that venv (so the pytest11 entry point is what loads the plugin) against
# the atmqtt this run built: $ATMQTT if set, else the Native AOT binary ./test.sh published
# (unless ATMQTT_SKIP_AOT), else the Debug build of `dotnet test`.
# Installs python3-pytest, python3-serial, python3-paho-mqtt, python3-setuptools and python3-venv with
# apt-get when missing (as root); a missing one that cannot be installed fails the stage.
# Ends with one line: "pytest: Passed: N, Failed: N, Skipped: N". Non-zero on any failure or no test.
set -euo pipefail
cd "$(dirname "$0")/.."
py=/usr/bin/python3 # Debian's: the `python3` first on PATH may be another interpreter without these packages
ci=false
if [ "${CI:-}" = "true" ]; then ci=true; fi
# shellcheck source=lib/apt.sh
. scripts/lib/apt.sh

install_python_packages() {
  local packages=()
  if [ ! -x "$py" ]; then
    packages+=(python3)
  fi
  local module package
  for pair in pytest:python3-pytest serial:python3-serial paho.mqtt.client:python3-paho-mqtt \
    setuptools:python3-setuptools ensurepip:python3-venv; do
    module=${pair%%:*} package=${pair#*:}
    if [ ! -x "$py" ] || ! "$py" -c "import $module" 2>/dev/null; then packages+=("$package"); fi
  done
  if [ ${#packages[@]} -eq 0 ]; then
    return 0
  fi

  if apt_install test-python "${packages[@]}"; then
    return 0
  fi

  local fix="apt-get install -y python3 python3-pytest python3-serial python3-paho-mqtt python3-setuptools python3-venv"
  if $ci; then
    echo "test-python: ${packages[*]} missing and cannot be installed here ($apt_why); CI needs them: $fix" >&2
  else
    echo "test-python: ${packages[*]} missing and cannot be installed here ($apt_why): install them with sudo $fix" >&2
  fi
  exit 1
}

install_python_packages

start=$(date +%s)
if [ -n "${ATMQTT:-}" ]; then
  program=$ATMQTT
elif [ -z "${ATMQTT_SKIP_AOT:-}" ] && [ -x artifacts/publish/linux-x64/atmqtt ]; then
  program=artifacts/publish/linux-x64/atmqtt
else
  program=src/AtMqtt.Modem/bin/Debug/net10.0/atmqtt
  if [ ! -x "$program" ]; then
    DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 dotnet build src/AtMqtt.Modem -v quiet -nologo
  fi
fi
program=$(realpath "$program")

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# A copy to install from: pip builds in the source tree, and the repository gets no build/ or egg-info.
cp -r clients/python "$tmp/package"
rm -rf "$tmp/package/build" "$tmp/package"/src/*.egg-info
"$py" -m venv --system-site-packages "$tmp/venv"
"$tmp/venv/bin/python" -m pip install --quiet --no-build-isolation --no-index "$tmp/package"
# The plugin comes from the venv, through its entry point, not from the source tree.
"$tmp/venv/bin/python" - "$tmp/venv" <<'EOF'
import sys
from importlib.metadata import entry_points

import atmqtt_pytest

(ep,) = [e for e in entry_points(group="pytest11") if e.name == "atmqtt"]
assert ep.value == "atmqtt_pytest.plugin", ep
assert atmqtt_pytest.__file__.startswith(sys.argv[1]), atmqtt_pytest.__file__
EOF
echo "test-python: atmqtt-pytest installed offline into a venv; atmqtt is $program"

set +e
(cd clients/python && ATMQTT="$program" TMPDIR="$tmp" PYTHONDONTWRITEBYTECODE=1 \
  "$tmp/venv/bin/python" -m pytest -p no:cacheprovider -q -rfE --junitxml="$tmp/junit.xml")
code=$?
set -e

counts=$("$py" - "$tmp/junit.xml" <<'EOF' || echo "0 1 0"
import sys
import xml.etree.ElementTree as ET

root = ET.parse(sys.argv[1]).getroot()
suites = [root] if root.tag == "testsuite" else list(root)
total = sum(int(s.get("tests", 0)) for s in suites)
failed = sum(int(s.get("failures", 0)) + int(s.get("errors", 0)) for s in suites)
skipped = sum(int(s.get("skipped", 0)) for s in suites)
print(total - failed - skipped, failed, skipped)
EOF
)
read -r passed failed skipped <<<"$counts"
if [ "$code" -ne 0 ] && [ "$failed" -eq 0 ]; then
  failed=1 # pytest failed outside any test (a collection error, no test at all: exit code 5)
fi
echo "pytest: Passed: $passed, Failed: $failed, Skipped: $skipped"
echo "test-python: $([ "$code" -eq 0 ] && echo passed || echo "FAILED (pytest exit code $code)") in $(($(date +%s) - start)) s"
exit "$code"
