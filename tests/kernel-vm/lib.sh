# shellcheck shell=bash
# Shared definitions for the kernel lane scripts (sourced, never run).
#
# Everything the lane downloads or builds lives under $IOMMUFD_CACHE (default ~/.cache/iommufd-sdk, see
# uapi-headers/apt-private.sh):
#
#   debs/linux-source-7.2_<ver>_all.deb           the package (shared with the benchmark anchors; downloads serialised)
#   linux-source-7.2/<ver>/tree/                   the unpacked kernel tree (never committed; KEEP_TREE=0 removes it)
#   linux-source-7.2/<ver>/iommufd_test.h          the selftest header, extracted for the generator (item 2)
#   kernel-vm/kbuild-<ver>-<cfg>/                  out-of-tree build directory (incremental rebuilds)
#   kernel-vm/bzImage-<ver>-<cfg>/{bzImage,config} the cached kernel; <cfg> = first 16 hex of sha256(fragment + base)
#
# Per-run output (logs, result files) goes to $KVM_OUT (default <repo>/artifacts/kernel-lane, git-ignored).

KVM_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
KVM_REPO=$(cd "$KVM_HERE/../.." && pwd)
# shellcheck source=../../uapi-headers/apt-private.sh
source "$KVM_REPO/uapi-headers/apt-private.sh"

# The kernel the lane boots. Bump both together; the cache key follows automatically.
KVM_SRC_PKG=${KVM_SRC_PKG:-linux-source-7.2}
KVM_SRC_VERSION=${KVM_SRC_VERSION:-7.2.13-1}
# sha256 of the .deb, checked after download (apt checks the archive's signed hashes too; this pins the exact bytes,
# so the kernel under test cannot change silently). Set it to "" to accept whatever apt delivers for the version.
KVM_SRC_SHA256=${KVM_SRC_SHA256-30a8c5fc63f9028a62e6d7b3f7f43bee67425dbce2a05fceba83f9b87c92083d}

KVM_FRAGMENT="$KVM_HERE/iommufd.config"
KVM_SRC_DIR="$IOMMUFD_CACHE/$KVM_SRC_PKG/$KVM_SRC_VERSION"
KVM_TREE="$KVM_SRC_DIR/tree"
KVM_TEST_H="$KVM_SRC_DIR/iommufd_test.h"
KVM_CACHE="$IOMMUFD_CACHE/kernel-vm"
KVM_OUT=${KVM_OUT:-$KVM_REPO/artifacts/kernel-lane}

# Config hash: the fragment plus the base target it is merged onto, so either change gives a new cache entry.
kvm_config_hash() {
    { echo "base=tinyconfig"; cat "$KVM_FRAGMENT"; } | sha256sum | cut -c1-16
}
kvm_kernel_key() { echo "$KVM_SRC_VERSION-$(kvm_config_hash)"; }
kvm_bzimage_dir() { echo "$KVM_CACHE/bzImage-$(kvm_kernel_key)"; }

# Progress lines: "[kernel-lane +12s] message" on stderr, so they show while the lane builds and boots.
KVM_T0=${KVM_T0:-$(date +%s)}
export KVM_T0
kvm_log() { echo "[kernel-lane +$(($(date +%s) - KVM_T0))s] $*" >&2; }
kvm_die() { kvm_log "ERROR: $*"; exit 1; }
