#!/usr/bin/env bash
# Builds the container image: the static (musl) custodian binary on an empty base, run as the
# non-root user 65532, with the CA certificates and the shipped policies, for a read-only root
# filesystem (outputs go to /tmp or S3). Tools come from the package registries: the Rust musl
# target (rustup), musl-gcc (Debian's musl-tools) and buildah (Debian), installed if missing.
#
#   scripts/build-image.sh [OUTPUT.tar]     (default: $CARGO_TARGET_DIR/custodian-image.tar)
#
# PROFILE=release (default) or dev. The image is written as an OCI archive and committed to
# buildah's local storage as custodian:VERSION; `buildah push` or `skopeo copy` sends it on.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/custodian/target}"
PROFILE="${PROFILE:-release}"
TARGET=x86_64-unknown-linux-musl
OUT="${1:-$CARGO_TARGET_DIR/custodian-image.tar}"
VERSION=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
STORAGE=(--storage-driver vfs)

need_apt() {
  if ! command -v "$1" >/dev/null; then
    echo "installing $2 (Debian)" >&2
    SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
    $SUDO apt-get install -y -q "$2" >/dev/null || { $SUDO apt-get update -q >/dev/null && $SUDO apt-get install -y -q "$2" >/dev/null; }
  fi
}
rustup target list --installed | grep -qx "$TARGET" || rustup target add "$TARGET" >&2
need_apt musl-gcc musl-tools
need_apt buildah buildah

CC_x86_64_unknown_linux_musl=musl-gcc CARGO_PROFILE_RELEASE_STRIP=symbols CARGO_PROFILE_RELEASE_DEBUG=false \
  cargo build --locked --profile "$PROFILE" --target "$TARGET" --bin custodian >&2
dir=$([ "$PROFILE" = dev ] && echo debug || echo "$PROFILE")
BIN="$CARGO_TARGET_DIR/$TARGET/$dir/custodian"
file "$BIN" 2>/dev/null | grep -q "statically linked" || ldd "$BIN" 2>&1 | grep -q "not a dynamic executable\|statically linked" || {
  echo "$BIN is not static" >&2
  exit 1
}

ROOT=$(mktemp -d)
trap 'rm -rf "$ROOT"' EXIT
mkdir -p "$ROOT/usr/local/bin" "$ROOT/etc/ssl/certs" "$ROOT/usr/share/custodian" "$ROOT/tmp"
chmod 1777 "$ROOT/tmp"
install -m 0555 "$BIN" "$ROOT/usr/local/bin/custodian"
cp /etc/ssl/certs/ca-certificates.crt "$ROOT/etc/ssl/certs/ca-certificates.crt"
cp -r policies "$ROOT/usr/share/custodian/policies"
printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' > "$ROOT/etc/passwd"
printf 'root:x:0:\nnonroot:x:65532:\n' > "$ROOT/etc/group"

ctr=$(buildah "${STORAGE[@]}" from scratch)
trap 'buildah "${STORAGE[@]}" rm "$ctr" >/dev/null 2>&1 || true; rm -rf "$ROOT"' EXIT
buildah "${STORAGE[@]}" copy "$ctr" "$ROOT" / >/dev/null
buildah "${STORAGE[@]}" config \
  --user 65532:65532 \
  --workingdir /tmp \
  --env SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \
  --env TMPDIR=/tmp \
  --entrypoint '["/usr/local/bin/custodian"]' \
  --cmd '["validate", "/usr/share/custodian/policies"]' \
  --label org.opencontainers.image.title=custodian \
  --label "org.opencontainers.image.version=$VERSION" \
  --label "org.opencontainers.image.revision=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)" \
  "$ctr"
buildah "${STORAGE[@]}" commit --quiet --rm "$ctr" "custodian:$VERSION" >/dev/null
rm -f "$OUT"
buildah "${STORAGE[@]}" push --quiet "custodian:$VERSION" "oci-archive:$OUT:custodian:$VERSION" >&2
echo "$OUT"
