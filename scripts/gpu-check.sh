#!/usr/bin/env bash
# Runs on a GPU host that has PyTorch (2.10 or 2.11, CUDA) but no .NET, from the repository root,
# after scripts/gpu-bundle.sh packed .gpu-bundle/ here. Writes every output to ${OUT:-/tmp/geode-gpu}.
#   doctor on cuda:0; model verify of every fixture on cuda:0 in float32 and bfloat16;
#   capture throughput of the benchmark shape (float32) and, in bfloat16 on Gemma 4 E2B's and E4B's
#   shapes, the issue-8 comparisons with transformers on an H200 (reference/anchors.md): capture of
#   344 prompts x 48 tokens (0.50 s / 0.52 s) and greedy generation of 64 prompts x 64 new tokens
#   (1,325 / 1,122 tokens/s); plus a rank-1 merge into every writer, and the 81-variant sweep of
#   the organism packed against one variant at a time (where packing should pay most).
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
    for dtype in float32 bfloat16 int8; do
      echo "== $(basename "$fixture") $dtype"
      geode model verify --model "$fixture" --reference "$fixture/reference.safetensors" --dtype "$dtype" --device "$device" 2>&1
      echo "exit $?"
    done
  done
} >"$out/verify.txt"
{
  geode bench capture --random-config gemma4-bench-small --device "$device" --json 2>&1
  for shape in "${E2B_PRESET:-gemma4-e2b}" gemma4-e4b; do
    for batch in 64 172 344; do
      geode bench capture --random-config "$shape" --dtype bfloat16 --prompts 344 --tokens 48 --batch "$batch" --device "$device" --json 2>&1
    done
    for dtype in bfloat16 int8; do
      geode bench generate --random-config "$shape" --dtype "$dtype" --prompts 64 --prompt-tokens 16 --new-tokens 64 --batch 64 --device "$device" --json 2>&1
    done
    geode bench merge --random-config "$shape" --dtype bfloat16 --rank 1 --device "$device" --json 2>&1
  done
  geode bench sweep --model "$root/models/organism" --repeat 2 --device "$device" --json 2>&1
} >"$out/bench.txt"
cat "$out"/*.txt
