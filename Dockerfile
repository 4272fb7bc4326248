# syntax=docker/dockerfile:1
#
# kaito-controller, the kaito-swift Workspace operator, as a small non-root image.
#
#   docker build -t <registry>/kaito-controller:0.1.0 .
#
# Build stage: the official Swift image on Debian 12 (bookworm). Package.swift says swift-tools-version 6.0,
# but the resolved dependencies (swift-log, swift-metrics, hummingbird, swift-service-lifecycle, ...) need
# tools 6.2, so 6.2 is the oldest toolchain that builds; the default, 6.3, is the one the tests run with.
# Override with --build-arg SWIFT_VERSION=6.2.
ARG SWIFT_VERSION=6.3

FROM swift:${SWIFT_VERSION}-bookworm AS build
# libcurl is the HTTP transport of KaitoHTTP (the CCurl system library, found through pkg-config).
RUN export DEBIAN_FRONTEND=noninteractive \
    && apt-get update -q \
    && apt-get install -y -q --no-install-recommends libcurl4-openssl-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Resolve dependencies in their own layer, so source edits do not download them again. Package.resolved is
# not committed; when the build context has one, its pinned versions are used.
COPY Package.* ./
RUN swift package resolve $([ -f Package.resolved ] && echo --force-resolved-versions || true)
COPY . .
# The Swift runtime and Foundation are linked in statically; the binary needs only glibc, libstdc++ and libcurl
# (checked with ldd). install -s strips the symbols (about 125 MB down to 75 MB).
RUN swift build -c release --product kaito-controller --static-swift-stdlib \
    && install -s -m 0755 "$(swift build -c release --show-bin-path)/kaito-controller" /kaito-controller

# Runtime stage: Debian 12 slim with libcurl and the CA bundle, running as the unprivileged user 65532.
FROM debian:bookworm-slim
RUN export DEBIAN_FRONTEND=noninteractive \
    && apt-get update -q \
    && apt-get install -y -q --no-install-recommends libcurl4 ca-certificates \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /kaito-controller /kaito-controller
USER 65532:65532
# Metrics (--metrics-bind-address) and health probes (--health-probe-bind-address).
EXPOSE 8080 8081
ENTRYPOINT ["/kaito-controller"]
