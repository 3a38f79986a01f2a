#!/usr/bin/env bash
# Publishes the Native AOT atmqtt for one runtime (default linux-x64) into a folder (default
# artifacts/publish/<rid>), with every warning an error, and prints the binary's path last.
# Usage: scripts/publish-aot.sh [RID] [OUTDIR]
set -euo pipefail
cd "$(dirname "$0")/.."

rid=${1:-linux-x64}
out=${2:-artifacts/publish/$rid}

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
rm -rf "$out"
# -warnaserror: also the SDK's and the AOT compiler's warnings (trim/AOT analysis) fail the publish.
dotnet publish src/AtMqtt.Modem -c Release -r "$rid" -warnaserror -o "$out" >&2
test -x "$out/atmqtt"
echo "$(cd "$out" && pwd)/atmqtt"
