# syntax=docker/dockerfile:1
# Multi-stage build: the SDK image compiles and publishes; the runtime images carry only the
# published output and run as the non-root 'app' user of the .NET images.
#   docker build --target service  -t voice-orchestrator .
#   docker build --target emulator -t voice-orchestrator-emulator .

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
# Restore first, from the project files alone, so that a code change does not re-download packages.
COPY global.json Directory.Build.props Directory.Packages.props ./
COPY src/VoiceOrchestrator/VoiceOrchestrator.csproj src/VoiceOrchestrator/
COPY src/VoiceOrchestrator.Simulator/VoiceOrchestrator.Simulator.csproj src/VoiceOrchestrator.Simulator/
RUN dotnet restore src/VoiceOrchestrator/VoiceOrchestrator.csproj
COPY src/ src/
RUN dotnet publish src/VoiceOrchestrator/VoiceOrchestrator.csproj -c Release -o /out/service --no-restore \
 && dotnet publish src/VoiceOrchestrator.Simulator/VoiceOrchestrator.Simulator.csproj -c Release -o /out/emulator --no-restore

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS emulator
WORKDIR /app
COPY --from=build /out/emulator ./
ENV SIM_URLS=http://0.0.0.0:5050
EXPOSE 5050
USER app
ENTRYPOINT ["dotnet", "VoiceOrchestrator.Simulator.dll"]

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS service
WORKDIR /app
COPY --from=build /out/service ./
# A writable place for the SQLite file when DATABASE_URL is not set (demo mode).
RUN mkdir -p /app/data && chown app:app /app/data
ENV SERVICE_PORT=3000 \
    ASPNETCORE_ENVIRONMENT=Production \
    DOTNET_gcServer=1
EXPOSE 3000
USER app
# The binary checks itself: the runtime image has no curl.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
    CMD ["dotnet", "VoiceOrchestrator.dll", "health"]
# SIGTERM (docker stop) drains requests and dials in flight; allow it ~30 s (compose sets stop_grace_period).
STOPSIGNAL SIGTERM
ENTRYPOINT ["dotnet", "VoiceOrchestrator.dll"]
CMD ["serve"]
