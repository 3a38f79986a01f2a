#!/usr/bin/env bash
# Builds the release archive of the Native AOT atmqtt in artifacts/:
#   atmqtt-<version>-<rid>.tar.gz         atmqtt-<version>-<rid>/{atmqtt, libSystem.IO.Ports.Native.so, README.md, LICENSE}
#   atmqtt-<version>-<rid>.tar.gz.sha256  its SHA-256, in sha256sum's format (check with sha256sum -c)
# The version is the one in Directory.Build.props. Usage: scripts/release.sh [RID...]  (default linux-x64;
# linux-arm64 needs clang and an arm64 sysroot: see README.md, "Building from source").
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

version=$(dotnet msbuild src/AtMqtt.Modem -getProperty:Version)
[ -n "$version" ] || { echo "release: no version in Directory.Build.props" >&2; exit 1; }
out=artifacts
mkdir -p "$out"
# Reproducible archives: file times, owners and order do not depend on the machine or the hour.
epoch=$(git log -1 --format=%ct 2>/dev/null || date +%s)

for rid in "${@:-linux-x64}"; do
  name="atmqtt-$version-$rid"
  stage="$out/stage/$name"
  rm -rf "$out/stage" && mkdir -p "$stage"

  bin=$(scripts/publish-aot.sh "$rid" "$out/publish/$rid")
  # The serial channel (System.IO.Ports) loads libSystem.IO.Ports.Native.so from beside the program;
  # atmqtt.dbg (the symbols) stays out.
  cp "$bin" "$(dirname "$bin")/libSystem.IO.Ports.Native.so" README.md LICENSE "$stage/"
  chmod 0755 "$stage/atmqtt" "$stage/libSystem.IO.Ports.Native.so" && chmod 0644 "$stage/README.md" "$stage/LICENSE"

  # A smoke test where the binary can run here: one AT command on stdio.
  if [ "$rid" = "linux-$(uname -m | sed 's/x86_64/x64/;s/aarch64/arm64/')" ]; then
    reply=$(printf 'AT\r\n' | "$stage/atmqtt" --log-level None)
    case "$reply" in *OK*) ;; *) echo "release: $name does not answer AT: $reply" >&2; exit 1 ;; esac
  fi

  tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$epoch" -C "$out/stage" -cf - "$name" \
    | gzip -n -9 > "$out/$name.tar.gz"
  (cd "$out" && sha256sum "$name.tar.gz" > "$name.tar.gz.sha256")
  rm -rf "$out/stage"
  echo "release: $out/$name.tar.gz ($(stat -c %s "$out/$name.tar.gz") bytes), binary $(stat -c %s "$bin") bytes"
  cat "$out/$name.tar.gz.sha256"
done
