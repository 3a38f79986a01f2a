#!/usr/bin/env bash
# Packs the atmqtt .NET tool into a temporary folder, installs it from there (--tool-path, nothing global),
# runs `atmqtt --help` and a stdio session (AT -> OK, exact bytes), and uninstalls it. Non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

version=$(dotnet msbuild src/AtMqtt.Modem -getProperty:Version)
dotnet pack src/AtMqtt.Modem -c Release -warnaserror -o "$tmp/feed"
# A package cache of its own, so that an earlier package of the same version cannot stand in for this one.
export NUGET_PACKAGES="$tmp/nuget"
dotnet tool install --tool-path "$tmp/tools" --add-source "$tmp/feed" --version "$version" atmqtt

"$tmp/tools/atmqtt" --help | grep -q -- '--embedded-broker' || { echo "test-tool: atmqtt --help lacks the options" >&2; exit 1; }
got=$(printf 'AT\r\n' | "$tmp/tools/atmqtt" --log-level None; echo .)
want=$(printf 'ready\r\nAT\r\n\r\nOK\r\n.')
if [ "$got" != "$want" ]; then
  echo "test-tool: the installed atmqtt answered $(printf %q "$got"), not $(printf %q "$want")" >&2
  exit 1
fi

dotnet tool uninstall --tool-path "$tmp/tools" atmqtt
echo "test-tool: atmqtt $version packed, installed as a .NET tool, answered AT on stdio, uninstalled"
