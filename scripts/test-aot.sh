#!/usr/bin/env bash
# Publishes the Native AOT atmqtt (Release, linux-x64) and runs the tests that start the program as a
# process against it (ATMQTT_PROGRAM, see tests/AtMqtt.Testing/ModemProcess.cs): the end-to-end suite,
# the program's own tests, and the few in Core.Tests and Client.Tests that run the program.
# Needs what the suite needs (mosquitto). Exits non-zero if the publish or any test failed.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

start=$(date +%s)
ATMQTT_PROGRAM=$(scripts/publish-aot.sh linux-x64 artifacts/publish/linux-x64)
export ATMQTT_PROGRAM
echo "test-aot: published $ATMQTT_PROGRAM ($(stat -c %s "$ATMQTT_PROGRAM") bytes) in $(( $(date +%s) - start )) s"

status=0
dotnet test tests/AtMqtt.EndToEnd.Tests || status=1
dotnet test tests/AtMqtt.Modem.Tests || status=1
# Only the classes that start the program; the rest of these projects run in process and prove nothing here.
dotnet test tests/AtMqtt.Core.Tests \
  --filter "FullyQualifiedName~LimitTests.Max_pubraw_option_of_the_program|FullyQualifiedName~FuzzedModemTests.LiveModem" || status=1
dotnet test tests/AtMqtt.Client.Tests --filter "FullyQualifiedName~DemoTests|DisplayName~transport: Tcp" || status=1

echo "test-aot: $( [ $status -eq 0 ] && echo passed || echo FAILED ) against $ATMQTT_PROGRAM in $(( $(date +%s) - start )) s"
exit $status
