#!/usr/bin/env bash
# The AtMqtt.Testing package as a user gets it: packs AtMqtt.Client, AtMqtt.Testing and the atmqtt .NET tool into
# a temporary local feed, installs the tool into a temporary folder put first on PATH (where the package finds the
# program), copies the example of docs/testing-package.md (samples/AtMqtt.Testing.Example) out of the repository,
# and builds and runs its tests against the packages from that feed (a nuget.config beside it adds the feed to the
# usual sources; a package cache of its own, so that no earlier package of the same version stands in). dotnet
# test's summary line ("Passed: N") gives the counts. Non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
start=$(date +%s)

# The docs show the example verbatim: their C# block that starts with "using AtMqtt.Testing;" is the sample's test file.
docs_example=$(awk '/^```csharp$/ { block = 1; text = ""; next }
  /^```$/ { if (block && text ~ /^using AtMqtt.Testing;/) { printf "%s", text; exit } block = 0; next }
  block { text = text $0 "\n" }' docs/testing-package.md)
if [ "$docs_example" != "$(cat samples/AtMqtt.Testing.Example/ThermostatTests.cs)" ]; then
  echo "test-package: docs/testing-package.md's example differs from samples/AtMqtt.Testing.Example/ThermostatTests.cs" >&2
  exit 1
fi

version=$(dotnet msbuild src/AtMqtt.Modem -getProperty:Version)
for project in src/AtMqtt.Client tests/AtMqtt.Testing src/AtMqtt.Modem; do
  dotnet pack "$project" -c Release -warnaserror -o "$tmp/feed" -v q
done
echo "test-package: packed $(cd "$tmp/feed" && ls ./*.nupkg | tr '\n' ' ')in $(( $(date +%s) - start )) s"

export NUGET_PACKAGES="$tmp/nuget"
dotnet tool install --tool-path "$tmp/tools" --add-source "$tmp/feed" --version "$version" atmqtt
# The program as a user has it: on PATH, and no variable of the repository's suite pointing elsewhere.
export PATH="$tmp/tools:$PATH"
unset ATMQTT ATMQTT_PROGRAM ATMQTT_DLL

cp -r samples/AtMqtt.Testing.Example "$tmp/example"
rm -rf "$tmp/example/bin" "$tmp/example/obj"
cat > "$tmp/example/nuget.config" <<CONFIG
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <add key="atmqtt-local" value="$tmp/feed" />
  </packageSources>
</configuration>
CONFIG

dotnet test "$tmp/example" -p:AtMqttVersion="$version"
echo "test-package: the example ran against AtMqtt.Testing $version from a local feed, atmqtt from PATH, in $(( $(date +%s) - start )) s"
