#!/usr/bin/env bash
# Builds the function app package: the custom handler published self-contained for linux-x64 (ReadyToRun) into the app
# root, then a zip of that root for deployment (Flex Consumption's one deploy takes a zip with the app at its root).
#
#   scripts/package-functions.sh          # from any directory; idempotent (a second run rebuilds nothing and re-zips)
#   scripts/package-functions.sh --help
#
# Output:
#   artifacts/functions/app/                   the app root: host.json, MarginFunctions (+x), <Name>/function.json, runtime
#   artifacts/functions/margin-functions.zip   the same files at the zip root; MarginFunctions stored with mode 0755
#
# Why these choices:
# - Self-contained: the Functions host on Linux has no .NET runtime for a custom handler to use; the executable must carry
#   its own (libcoreclr.so beside it). ReadyToRun shortens the handler's cold start (the host waits at most 30 s).
# - The intermediate build lives under artifacts/functions/build (its own --artifacts-path), so this script never rewrites
#   src/MarginFunctions/obj while an IDE or test.sh builds the solution without a runtime identifier.
# - No build server outlives the script (--disable-build-servers, -nodeReuse:false): a test or CI step that runs it and
#   reads its output would otherwise wait for those servers to close the inherited pipes.
# - The app folder is emptied before each publish, so a function removed from src/MarginFunctions/functions does not
#   linger in the package.
# - The zip is written by MSBuild's ZipDirectory task (System.IO.Compression), which stores each file's Unix mode in the
#   entry's external attributes (0100755 << 16 for the executable); neither zip nor python is needed.
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: scripts/package-functions.sh [--help]

Publishes src/MarginFunctions (Release, linux-x64, self-contained, ReadyToRun) into artifacts/functions/app/ and zips it
into artifacts/functions/margin-functions.zip, entries at the zip root, the MarginFunctions executable with mode 0755.
Needs only the .NET SDK. Safe to run again: the build is incremental and the outputs are replaced.
USAGE
}

case "${1:-}" in
  "") ;;
  -h|--help) usage; exit 0 ;;
  *) echo "package-functions.sh: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
esac

command -v dotnet >/dev/null 2>&1 || { echo "package-functions.sh: the .NET SDK (dotnet) is required; see README.md" >&2; exit 2; }

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$root/artifacts/functions"
app="$out/app"
zip="$out/margin-functions.zip"
executable="MarginFunctions"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

mkdir -p "$out"
rm -rf "$app"

dotnet publish "$root/src/MarginFunctions/MarginFunctions.csproj" -c Release -r linux-x64 --self-contained \
  -p:PublishReadyToRun=true -p:PublishDocumentationFile=false -p:PublishReferencesDocumentationFiles=false \
  --disable-build-servers --artifacts-path "$out/build" -o "$app" -nologo -v quiet

for required in "$executable" host.json; do
  [ -f "$app/$required" ] || { echo "package-functions.sh: $required is missing from $app after publish" >&2; exit 1; }
done
# The SDK marks the apphost executable already; the umask of the machine decides the rest, so the mode is set here.
chmod 0755 "$app/$executable"

# A tiny MSBuild project (no SDK, so no Directory.Build.props) that runs the built-in ZipDirectory task.
zipper="$out/zip.proj"
cat >"$zipper" <<'PROJ'
<Project>
  <Target Name="Zip">
    <ZipDirectory SourceDirectory="$(AppRoot)" DestinationFile="$(ZipPath)" Overwrite="true" />
  </Target>
</Project>
PROJ
# Written beside and renamed, so a reader never sees half a zip.
dotnet msbuild "$zipper" -t:Zip -nologo -v:quiet -nodeReuse:false "-p:AppRoot=$app" "-p:ZipPath=$zip.partial"
mv -f "$zip.partial" "$zip"

size=$(wc -c <"$zip" | tr -d " ")  # wc, not GNU stat -c: the same on Linux and macOS
echo "package-functions.sh: app root $app"
echo "package-functions.sh: package $zip ($size bytes, $(( (size + 524288) / 1048576 )) MiB)"
