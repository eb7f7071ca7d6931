# syntax=docker/dockerfile:1
# The CPU silo image: geode with the CPU libtorch it ships (libtorch-cpu-linux-x64), framework-
# dependent on the ASP.NET Core runtime image (the metrics and dashboard endpoints need it).
# Build from the repository root:
#   docker build -f deploy/docker/silo-cpu.Dockerfile -t geode/silo-cpu:dev .
# The Kubernetes manifests (deploy/k8s) pass the silo's flags; CMD is a standalone default.

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
# GeodePatchTorchSharpAlways: mark TorchSharp's GLIBCXX_3.4.32 requirement weak whatever this
# stage's libstdc++, so the image also runs where the runtime base has an older one.
RUN dotnet publish src/Client/Client.csproj -c Release -o /out --nologo \
    -p:GeodePatchTorchSharpAlways=true

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /out /app
# Silo-to-silo, client gateway and metrics (/metrics, /healthz) ports, as in deploy/k8s.
EXPOSE 11111 30000 9464
ENTRYPOINT ["dotnet", "/app/geode.dll"]
CMD ["silo", "--redis", "redis:6379", "--port", "11111", "--gateway-port", "30000", "--metrics-port", "9464", "--http-address", "0.0.0.0", "--device", "cpu"]
