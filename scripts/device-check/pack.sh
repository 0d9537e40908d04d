#!/usr/bin/env bash
# Packs what the GPU machine needs (it has no Node.js and no network) into .cache/device-check/
# (git-ignored), to be carried there with run.sh:
#   node.xz        this machine's node binary, xz-compressed
#   app.tar.xz     check.js (scripts/device-check/check.ts bundled with esbuild: tfjs, the NAR code,
#                  the fixture checks), the native packages pruned to linux-x64 (onnxruntime-node,
#                  webgpu's dawn.node, tfjs-backend-wasm's .wasm files) and the NAR fixtures
#   libvulkan1_*.deb  Debian's Vulkan loader, unpacked there only if the machine has none
#   run.sh         the script to run there
# Then, on the machine: bash .cache/device-check/run.sh   (carry: [".cache/device-check"])
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="$root/.cache/device-check"
shared="${NARFLOW_SHARED:-$root/../shared}"
limit_mib=64
mkdir -p "$out"
rm -rf "$out/out" # results of a local run of run.sh
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
cd "$root"

node_bin="$(readlink -f "$(command -v node)")"
if [[ ! -f "$out/node.xz" || "$node_bin" -nt "$out/node.xz" ]]; then
  echo "compressing $node_bin ($(du -m "$node_bin" | cut -f1) MiB; about a minute)" >&2
  xz -T0 -9 -c "$node_bin" >"$out/node.xz.tmp" && mv "$out/node.xz.tmp" "$out/node.xz"
fi

echo "bundling scripts/device-check/check.ts" >&2
mkdir -p "$stage/app" "$stage/node_modules"
npx --no-install esbuild scripts/device-check/check.ts --bundle --platform=node --target=node20 --format=cjs \
  --external:onnxruntime-node --external:webgpu --external:@tensorflow/tfjs-backend-wasm/package.json \
  --log-level=error --outfile="$stage/app/check.js"

# copy <package> <paths…> from node_modules into the stage
pkg() {
  local name="$1"
  shift
  for p in package.json "$@"; do
    mkdir -p "$(dirname "$stage/node_modules/$name/$p")"
    cp -r "node_modules/$name/$p" "$stage/node_modules/$name/$p"
  done
}
pkg onnxruntime-node dist bin/napi-v6/linux/x64
pkg onnxruntime-common dist
pkg webgpu index.js dist/linux-x64
for f in node_modules/@tensorflow/tfjs-backend-wasm/dist/*.wasm; do pkg @tensorflow/tfjs-backend-wasm "dist/$(basename "$f")"; done

mkdir -p "$stage/shared/fixtures"
cp -r "$shared/fixtures/nar" "$stage/shared/fixtures/nar"

echo "compressing the app folder" >&2
tar -C "$stage" -cf - app node_modules shared | xz -T0 -6 >"$out/app.tar.xz"

if ! ls "$out"/libvulkan1_*.deb >/dev/null 2>&1; then
  (cd "$out" && apt-get download libvulkan1 >&2)
fi
cp scripts/device-check/run.sh "$out/run.sh"

carried=$(($(du -sb "$out" | cut -f1) / 1048576))
tree=$(($(git ls-files -co --exclude-standard -z | du -cb --files0-from=- 2>/dev/null | tail -1 | cut -f1) / 1048576))
echo "packed $out:" >&2
ls -la "$out" >&2
echo "carried ${carried} MiB + working tree ${tree} MiB = $((carried + tree)) MiB (limit ${limit_mib} MiB)" >&2
if ((carried + tree > limit_mib)); then
  echo "over the ${limit_mib} MiB limit" >&2
  exit 1
fi
