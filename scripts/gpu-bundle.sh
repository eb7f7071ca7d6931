#!/usr/bin/env bash
# Packs what a GPU host without .NET needs to run Geode into .gpu-bundle/ (ignored by git):
#   geode/              the CLI, framework-dependent, without the CPU libtorch natives
#   dotnet-runtime.tgz  this machine's .NET runtime (dotnet, host/fxr, shared/Microsoft.NETCore.App)
#   fixtures/           the Hugging Face reference fixtures from ../shared, for parity on the GPU
# Then run scripts/gpu-check.sh there (it unpacks the runtime and points Geode at PyTorch's libtorch).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bundle="$root/.gpu-bundle"
rm -rf "$bundle" && mkdir -p "$bundle"

dotnet publish "$root/src/Client/Client.csproj" -c Release -r linux-x64 --self-contained false \
  -p:GeodeCpuLibTorch=false -o "$bundle/geode" --nologo -v quiet -tl:off >/dev/null

dotnet_root="$(dirname "$(readlink -f "$(command -v dotnet)")")"
runtime="$(ls -d "$dotnet_root"/shared/Microsoft.NETCore.App/* | sort -V | tail -n 1)"
tar -C "$dotnet_root" -czf "$bundle/dotnet-runtime.tgz" dotnet host/fxr "shared/Microsoft.NETCore.App/$(basename "$runtime")"

if [[ -d "$root/../shared/fixtures/hf" ]]; then
  cp -r "$root/../shared/fixtures/hf" "$bundle/fixtures"
fi

# The restore above resolved assets without the CPU natives; restore again for normal builds.
dotnet restore "$root/src/Client/Client.csproj" --nologo -v quiet >/dev/null
du -sh "$bundle"/* >&2
