# syntax=docker/dockerfile:1
# Sesame's container image: build with cgo (the SQLite driver is C), run on
# a distroless glibc base as a non-root user.
#   docker build --build-arg VERSION=v1.0.0 -t sesame:v1.0.0 .
#   docker run -p 8080:8080 -v sesame-data:/data -e SESAME_OPERATOR_TOKEN=… sesame:v1.0.0
# Other subcommands run the same way: docker run … sesame:v1.0.0 rescore

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
ARG VERSION=dev
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=1 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/sesame ./cmd/sesame \
 && mkdir -p /out/data

FROM gcr.io/distroless/base-debian12:nonroot
COPY --from=build /out/sesame /usr/local/bin/sesame
# The SQLite database and its companions live on the volume; point
# SESAME_DB at a postgres:// URL to use PostgreSQL instead.
COPY --from=build --chown=nonroot:nonroot /out/data /data
VOLUME /data
ENV SESAME_DB=/data/sesame.db \
    SESAME_ADDR=0.0.0.0:8080
EXPOSE 8080
USER nonroot:nonroot
ENTRYPOINT ["/usr/local/bin/sesame"]
CMD ["serve"]
