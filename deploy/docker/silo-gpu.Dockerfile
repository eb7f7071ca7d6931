# syntax=docker/dockerfile:1
# The GPU silo image: a PyTorch CUDA image (its libtorch 2.10 or 2.11 and CUDA libraries) plus the
# .NET runtime and geode published without the CPU libtorch natives. geode loads PyTorch's libtorch
# from /opt/torch/lib (--libtorch, or GEODE_LIBTORCH), a link to torch's package folder made below.
# Build from the repository root:
#   docker build -f deploy/docker/silo-gpu.Dockerfile -t geode/silo-gpu:dev .
# PYTORCH_IMAGE may name any image whose python has torch 2.10/2.11 with CUDA.

ARG PYTORCH_IMAGE=pytorch/pytorch:2.10.0-cuda12.8-cudnn9-runtime

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
# As scripts/gpu-bundle.sh (run on the project's GPU hosts): linux-x64, framework-dependent, no CPU
# libtorch next to the CUDA one, TorchSharp's own native patched for an older libstdc++ (PyTorch's
# images are Ubuntu 22.04, GLIBCXX_3.4.30).
RUN dotnet publish src/Client/Client.csproj -c Release -o /out --nologo \
    -r linux-x64 --self-contained false \
    -p:GeodeCpuLibTorch=false -p:GeodePatchTorchSharpAlways=true

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS dotnet

FROM ${PYTORCH_IMAGE}
COPY --from=dotnet /usr/share/dotnet /usr/share/dotnet
RUN ln -sf /usr/share/dotnet/dotnet /usr/bin/dotnet
ENV DOTNET_ROOT=/usr/share/dotnet

# torch's folder at a fixed path (geode reads the version from /opt/torch/version.py), and the
# folders PyTorch's CUDA libraries live in (torch/lib, site-packages/nvidia/*/lib) on the dynamic
# loader's path — what ./geode does with LD_LIBRARY_PATH on a host, here for every process.
RUN set -eux; \
    torch_dir="$(python3 -c 'import os, torch; print(os.path.dirname(torch.__file__))')"; \
    python3 -c 'import torch; v = torch.__version__; assert v.startswith(("2.10.", "2.11.")), "geode needs torch 2.10 or 2.11, found " + v; assert torch.version.cuda, "torch is not a CUDA build"'; \
    ln -s "$torch_dir" /opt/torch; \
    site="$(dirname "$torch_dir")"; \
    { echo "$torch_dir/lib"; for d in "$site"/nvidia/*/lib "$site"/nvidia/*/*/lib; do if [ -d "$d" ]; then echo "$d"; fi; done; } \
      > /etc/ld.so.conf.d/geode-torch.conf; \
    ldconfig
ENV GEODE_LIBTORCH=/opt/torch/lib

WORKDIR /app
COPY --from=build /out /app
EXPOSE 11111 30000 9464
ENTRYPOINT ["dotnet", "/app/geode.dll"]
CMD ["silo", "--redis", "redis:6379", "--port", "11111", "--gateway-port", "30000", "--metrics-port", "9464", "--http-address", "0.0.0.0", "--device", "cuda:0", "--libtorch", "/opt/torch/lib"]
