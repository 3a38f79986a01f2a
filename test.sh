#!/usr/bin/env bash
# The repository's one test entry point, for people and for CI (.ci/run calls it):
#
#   ./test.sh                 everything: dotnet test, then the stages after it
#   ./test.sh ARGS...         dotnet test ARGS... only (a subset: a project, --filter ...)
#
# Needs the .NET SDK. mosquitto and mosquitto_pub (the integration tests start their own broker on a
# free loopback port), rabbitmq-server (the end-to-end tests start a 2-node cluster of their own on
# loopback, docs/brokers.md), chromium and chromedriver (the web page's browser test) are installed with
# apt-get when missing, if this runs as root where apt-get is; under CI=true one that is missing and
# cannot be installed stops the run here. Ends with one
# line: "tests: N passed, N failed, N skipped".
#   ATMQTT_SKIP_AOT=1         test the Debug build's atmqtt.dll instead of publishing the Native AOT binary
# A whole run first publishes the Native AOT atmqtt (scripts/publish-aot.sh) and runs dotnet test with
# ATMQTT_PROGRAM pointing at it: every test that starts the program tests the binary users get, once (the
# in-process tests do not depend on it). After dotnet test: the pytest
# plugin's tests (scripts/test-python.sh), the .NET tool packed, installed and run (scripts/test-tool.sh), and
# the AtMqtt.Testing package's example built and run against the packed packages (scripts/test-package.sh).
set -euo pipefail
cd "$(dirname "$0")"

ci=false
if [ "${CI:-}" = "true" ]; then ci=true; fi

have() { command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ]; }

# Debian's package starts a system broker on 1883 (through systemd, or its init script where there is
# no systemd). The tests do not use it, and `--embedded-broker` wants 1883 free: the one this script
# just installed is stopped (not disabled: `systemctl start mosquitto` brings it back). Any other
# broker on the machine is not ours to stop.
stop_installed_broker() {
  local stopped=false
  if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet mosquitto.service; then
    systemctl stop mosquitto.service && stopped=true
  fi
  local pidfile=/run/mosquitto/mosquitto.pid
  if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    if [ -x /etc/init.d/mosquitto ]; then /etc/init.d/mosquitto stop >/dev/null 2>&1 || true; fi
    if [ -f "$pidfile" ]; then kill "$(cat "$pidfile")" 2>/dev/null || true; fi
    stopped=true
  fi
  if $stopped; then
    echo "test.sh: stopped the mosquitto service the package started (the tests start brokers of their own)"
  fi
}

# shellcheck source=scripts/lib/apt.sh
. scripts/lib/apt.sh

# require_packages WHAT-FAILS "THE SET" MISSING...: installs the missing packages of a set. If they cannot
# be, CI stops here, and a person is told what will fail and how to install them.
require_packages() {
  local fails=$1 set=$2
  shift 2
  if [ $# -eq 0 ] || apt_install test.sh "$@"; then
    return 0
  fi

  if $ci; then
    echo "test.sh: $* missing and cannot be installed here ($apt_why); CI needs it: apt-get install -y $set" >&2
    exit 1
  fi
  echo "test.sh: $* missing and cannot be installed here ($apt_why): $fails will fail." >&2
  echo "test.sh: install it with: sudo apt-get install -y $set" >&2
}

install_mosquitto() {
  local packages=()
  have mosquitto || packages+=(mosquitto)
  have mosquitto_pub || packages+=(mosquitto-clients)
  require_packages "the tests that start a broker" "mosquitto mosquitto-clients" "${packages[@]}"
  # The broker the package just started as a service is not the tests' (it holds 1883).
  if [[ " ${packages[*]} " == *" mosquitto "* ]] && have mosquitto; then
    stop_installed_broker
  fi
}

install_mosquitto

# Debian's rabbitmq-server (with its Erlang): tests/AtMqtt.EndToEnd.Tests/Brokers start a 2-node cluster of their
# own, with its own epmd, names, ports and cookie (tests/AtMqtt.Testing/RabbitMqCluster.cs). The package's own
# service would be a node named rabbit@<host> on 5672 and the default epmd port: none of the tests' business,
# but where the package started it (systemd or its init script), it is stopped as mosquitto's is. In
# containers policy-rc.d usually keeps it from starting at all.
install_rabbitmq() {
  local packages=()
  [ -x /usr/lib/rabbitmq/bin/rabbitmq-server ] || packages+=(rabbitmq-server)
  require_packages "the RabbitMQ cluster tests (tests/AtMqtt.EndToEnd.Tests/Brokers)" "rabbitmq-server" "${packages[@]}"
  [ ${#packages[@]} -gt 0 ] || return 0
  if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
    if systemctl is-active --quiet rabbitmq-server.service; then
      systemctl stop rabbitmq-server.service && echo "test.sh: stopped the rabbitmq-server service the package started (the tests start a cluster of their own)"
    fi
  elif [ -x /etc/init.d/rabbitmq-server ] && /etc/init.d/rabbitmq-server status >/dev/null 2>&1; then
    /etc/init.d/rabbitmq-server stop >/dev/null 2>&1 && echo "test.sh: stopped the rabbitmq-server service the package started (the tests start a cluster of their own)"
    # The service's node started the default epmd (4369, every interface); with no node left on it, it goes too
    # (epmd refuses -kill while any node is registered).
    epmd -kill >/dev/null 2>&1 || true
  fi
}

install_rabbitmq

# Debian's chromium and its chromedriver: the control page's browser test (tests/AtMqtt.Modem.Tests/
# Control/WebPageTests.cs) drives them by path, never a browser downloaded at run time.
install_chromium() {
  local packages=()
  [ -x /usr/bin/chromium ] || packages+=(chromium)
  [ -x /usr/bin/chromedriver ] || packages+=(chromium-driver)
  require_packages "the web page's browser test" "chromium chromium-driver" "${packages[@]}"
}

install_chromium

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
stage_failures=0

# Runs one stage, its output shown and kept for the closing count.
stage() {
  local name=$1
  shift
  echo "test.sh: $name"
  set +e
  "$@" 2>&1 | tee -a "$log"
  local code=${PIPESTATUS[0]}
  set -e
  if [ "$code" -ne 0 ]; then
    echo "test.sh: $name failed (exit code $code)"
    status=$code
    stage_failures=$((stage_failures + 1))
  fi
}

# The shipped program is the Native AOT one: a whole run publishes it first and every test that starts the
# program runs it, so no stage repeats the process tests against a second build (docs/testing.md).
if [ $# -eq 0 ] && [ -z "${ATMQTT_SKIP_AOT:-}" ]; then
  aot_out=artifacts/publish/linux-x64
  started=$(date +%s)
  stage "publish the Native AOT atmqtt (scripts/publish-aot.sh)" scripts/publish-aot.sh linux-x64 "$aot_out"
  if [ -x "$aot_out/atmqtt" ] && [ "$status" -eq 0 ]; then
    ATMQTT_PROGRAM=$(cd "$aot_out" && pwd)/atmqtt
    export ATMQTT_PROGRAM
    echo "test.sh: published $ATMQTT_PROGRAM ($(stat -c %s "$ATMQTT_PROGRAM") bytes) in $(($(date +%s) - started)) s; the tests run it"
  fi
fi

stage "dotnet test $*" dotnet test "$@"

# Stages after the unit and integration tests; a subset run (arguments given) is only that subset.
if [ $# -eq 0 ]; then
  # The pytest plugin (clients/python), installed offline into a throw-away venv, its tests against the
  # program above; installs its Debian packages when missing (about 1 min).
  stage "the pytest plugin (scripts/test-python.sh)" scripts/test-python.sh
  # The package installs as a .NET tool and answers on stdio (about 20 s).
  stage "the .NET tool (scripts/test-tool.sh)" scripts/test-tool.sh
  # The AtMqtt.Testing package from a local feed, its documented example built and run against it (about 2 min).
  stage "the test package (scripts/test-package.sh)" scripts/test-package.sh
fi

# One plain closing line for the whole run: dotnet test prints a "Passed: N" summary per project.
count() { { grep -oE "$1: +[0-9]+" "$log" || true; } | awk '{s+=$2} END {print s+0}'; }
passed=$(count Passed)
failed=$(count Failed)
skipped=$(count Skipped)
if [ "$stage_failures" -gt 0 ] && [ "$failed" -eq 0 ]; then
  failed=$stage_failures # a stage failed before or beside its tests (a build error, a script)
fi
if [ "$status" -eq 0 ] && [ "$passed" -eq 0 ]; then
  echo "test.sh: no test ran"
  exit 1
fi
echo "tests: $passed passed, $failed failed, $skipped skipped"
exit "$status"
