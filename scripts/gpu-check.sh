#!/usr/bin/env bash
# Runs on a GPU host that has PyTorch (2.10 or 2.11, CUDA) but no .NET, from the repository root,
# after scripts/gpu-bundle.sh packed .gpu-bundle/ here. Writes every output to ${OUT:-/tmp/geode-gpu}.
#   doctor on cuda:0; model verify of every fixture on cuda:0 in float32 and bfloat16;
#   capture throughput of the benchmark shape (float32) and of Gemma 4 E2B's shape (bfloat16).
# DEVICE and LIBTORCH override the device (cuda:0) and the libtorch folder (PyTorch's torch/lib).
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bundle="$root/.gpu-bundle"
out="${OUT:-/tmp/geode-gpu}"
mkdir -p "$out" /tmp/dotnet
tar -C /tmp/dotnet -xzf "$bundle/dotnet-runtime.tgz"
export DOTNET_ROOT=/tmp/dotnet PATH="/tmp/dotnet:$PATH"
device="${DEVICE:-cuda:0}"
libtorch="${LIBTORCH:-$(python3 -c "import torch,os; print(os.path.join(os.path.dirname(torch.__file__),'lib'))")}"
extra="$libtorch"
for dir in "$libtorch"/../../nvidia/*/lib "$libtorch"/../../nvidia/*/*/lib; do
  [[ -d "$dir" ]] && extra="$extra:$(cd "$dir" && pwd)"
done
export LD_LIBRARY_PATH="$extra${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
geode() { dotnet "$bundle/geode/geode.dll" "$@" --libtorch "$libtorch"; }

geode doctor --device "$device" >"$out/doctor.txt" 2>&1
echo "doctor exit $?" >>"$out/doctor.txt"
{
  for fixture in "$bundle"/fixtures/*/; do
    for dtype in float32 bfloat16; do
      echo "== $(basename "$fixture") $dtype"
      geode model verify --model "$fixture" --reference "$fixture/reference.safetensors" --dtype "$dtype" --device "$device" 2>&1
      echo "exit $?"
    done
  done
} >"$out/verify.txt"
{
  geode bench capture --random-config gemma4-bench-small --device "$device" --json 2>&1
  geode bench capture --random-config "${E2B_PRESET:-gemma4-e2b}" --dtype bfloat16 --prompts "${E2B_PROMPTS:-512}" --tokens 128 --batch 64 --device "$device" --json 2>&1
} >"$out/bench.txt"
cat "$out"/*.txt
