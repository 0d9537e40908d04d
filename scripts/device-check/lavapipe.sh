#!/usr/bin/env bash
# A software Vulkan driver (Mesa's lavapipe) for running the WebGPU paths without a GPU, slowly.
# Debian 12's own lavapipe (Mesa 22.3) is refused by Dawn ("Vulkan shaderUniform*ArrayDynamicIndexing
# required": it lacks shaderSampledImageArrayDynamicIndexing); Mesa 25 from bookworm-backports is
# accepted. This unpacks that Mesa (and the Vulkan loader, if the system has none) under
# .cache/lavapipe/ without installing anything system-wide.
#
#   scripts/device-check/lavapipe.sh            # download + unpack (once)
#   eval "$(scripts/device-check/lavapipe.sh --env)"   # then: npx jest test/device
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
dir="$root/.cache/lavapipe"
icd="$dir/root/usr/share/vulkan/icd.d/lvp_icd.json"
lib="$dir/root/usr/lib/x86_64-linux-gnu"

print_env() {
  echo "export VK_DRIVER_FILES='$icd' VK_ICD_FILENAMES='$icd' LD_LIBRARY_PATH='$lib'\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH} XDG_RUNTIME_DIR=\${XDG_RUNTIME_DIR:-/tmp}"
}

if [[ "${1:-}" == "--env" ]]; then
  [[ -f "$icd" ]] || "$0" >&2
  print_env
  exit 0
fi

if [[ -f "$icd" ]]; then
  echo "lavapipe already unpacked in $dir" >&2
  exit 0
fi

mkdir -p "$dir/lists/partial" "$dir/debs" "$dir/root"
echo "deb http://deb.debian.org/debian bookworm-backports main" >"$dir/sources.list"
apt_opts=(-o "Dir::State::Lists=$dir/lists" -o "Dir::Etc::SourceList=$dir/sources.list" -o "Dir::Etc::SourceParts=/nonexistent")
apt-get "${apt_opts[@]}" update >&2
pkgs=(mesa-vulkan-drivers/bookworm-backports libdrm2/bookworm-backports libdrm-amdgpu1/bookworm-backports)
# the Vulkan loader (Debian libvulkan1) only when the system has none
ldconfig -p | grep -q 'libvulkan.so.1 ' || pkgs+=(libvulkan1)
(cd "$dir/debs" && apt-get "${apt_opts[@]}" download "${pkgs[@]}" >&2)
for f in "$dir"/debs/*.deb; do dpkg -x "$f" "$dir/root"; done
# the ICD file names the driver by an absolute path on the system: point it here instead
sed -i "s#\"library_path\": *\"[^\"]*\"#\"library_path\": \"$lib/libvulkan_lvp.so\"#" "$icd"
echo "lavapipe unpacked in $dir; use: eval \"\$($0 --env)\"" >&2
