# syntax=docker/dockerfile:1
# The client image: `geode run --cluster`, `status`, `watch`, `cancel`, `campaign check`. A cluster
# client runs no model, so no libtorch natives. It carries the shipped model organism and the
# example campaigns (/opt/geode) for the campaign Job to seed the shared volume with.
# Build from the repository root:
#   docker build -f deploy/docker/cli.Dockerfile -t geode/cli:dev .

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish src/Client/Client.csproj -c Release -o /out --nologo \
    -p:GeodeCpuLibTorch=false -p:GeodePatchTorchSharpAlways=true

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /out /app
COPY models/organism /opt/geode/models/organism
COPY campaigns /opt/geode/campaigns
ENTRYPOINT ["dotnet", "/app/geode.dll"]
CMD ["--help"]
