#!/bin/sh
# Release builds of sesame for linux/amd64 and linux/arm64, GoReleaser-style:
#   deploy/release.sh v1.2.3
# writes dist/sesame_v1.2.3_linux_amd64.tar.gz, …_linux_arm64.tar.gz (the
# binary, README.md, LICENSE if any, deploy/) and dist/SHA256SUMS. The SQLite
# driver is C, so each target needs a C compiler for it: the host's gcc for
# its own architecture, and aarch64-linux-gnu-gcc / x86_64-linux-gnu-gcc
# (Debian: gcc-aarch64-linux-gnu, gcc-x86-64-linux-gnu) for the other.
set -eu
version=${1:-$(git describe --tags --always --dirty 2>/dev/null || echo dev)}
cd "$(dirname "$0")/.."
rm -rf dist && mkdir -p dist
host=$(go env GOARCH)
for arch in amd64 arm64; do
	case $arch in
	"$host") cc=${CC:-gcc} ;;
	amd64) cc=x86_64-linux-gnu-gcc ;;
	arm64) cc=aarch64-linux-gnu-gcc ;;
	esac
	if ! command -v "$cc" >/dev/null 2>&1; then
		echo "release: no C compiler $cc for linux/$arch (see the comment at the top)" >&2
		exit 1
	fi
	name=sesame_${version}_linux_${arch}
	mkdir -p "dist/$name"
	echo "release: building $name with $cc" >&2
	CGO_ENABLED=1 GOOS=linux GOARCH=$arch CC=$cc \
		go build -trimpath -ldflags "-s -w -X main.version=$version" -o "dist/$name/sesame" ./cmd/sesame
	cp README.md "dist/$name/"
	[ -f LICENSE ] && cp LICENSE "dist/$name/"
	cp -r deploy "dist/$name/"
	tar -C dist -czf "dist/$name.tar.gz" "$name"
	rm -rf "dist/$name"
done
(cd dist && sha256sum ./*.tar.gz | sed 's| \./| |' > SHA256SUMS)
cat dist/SHA256SUMS
