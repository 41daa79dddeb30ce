# shellcheck shell=bash
# Private apt configuration shared by uapi-headers/fetch, the kernel lane and the benchmark anchors.
#
# Why: the headers and kernel sources we read come from Debian suites this machine is not configured for
# (trixie, sid). We must not add suites to the system's apt setup and need no root, so apt-get runs with its
# own sources list, lists, cache and an empty status file under a cache folder. Nothing is installed:
# packages are only downloaded and unpacked with dpkg-deb.
#
# Usage: source this file, then `apt_private_update`, `apt_private_download PKG VERSION DESTDIR`,
#        `apt_private_versions PKG` (prints "version suite" lines, newest first).

IOMMUFD_CACHE="${IOMMUFD_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/iommufd-sdk}"
APT_PRIVATE_DIR="$IOMMUFD_CACHE/apt"
APT_PRIVATE_SUITES="${APT_PRIVATE_SUITES:-bookworm trixie sid}"

# The archive URI and keyring come from the machine's own apt sources, so a mirror configured there is reused.
apt_private_archive() {
    local uri keyring
    uri=$(grep -hsE '^(URIs:|deb )' /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list 2>/dev/null \
        | grep -oE 'https?://[^ ]*/debian/?' | grep -v security | head -n 1 || true)
    keyring=$(grep -hsE '^Signed-By:' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n 1 | awk '{print $2}' || true)
    echo "${uri:-http://deb.debian.org/debian}" "${keyring:-/usr/share/keyrings/debian-archive-keyring.gpg}"
}

apt_private_opts() {
    printf '%s\n' \
        -o "Dir::Etc::SourceList=$APT_PRIVATE_DIR/sources.list" \
        -o "Dir::Etc::SourceParts=/dev/null" \
        -o "Dir::Etc::Preferences=/dev/null" \
        -o "Dir::Etc::PreferencesParts=/dev/null" \
        -o "Dir::State::Lists=$APT_PRIVATE_DIR/lists" \
        -o "Dir::Cache=$APT_PRIVATE_DIR/cache" \
        -o "Dir::State::Status=/dev/null" \
        -o "Debug::NoLocking=1" \
        -o "APT::Sandbox::User=$(id -un)" \
        -o "Acquire::IndexTargets::deb::DEP-11::DefaultEnabled=false" \
        -o "Acquire::IndexTargets::deb::DEP-11-icons::DefaultEnabled=false" \
        -o "Acquire::IndexTargets::deb::DEP-11-icons-small::DefaultEnabled=false" \
        -o "Acquire::IndexTargets::deb::CNF::DefaultEnabled=false" \
        -o "Acquire::Languages=none"
}

apt_private_run() {
    local cmd=$1; shift
    local -a opts
    mapfile -t opts < <(apt_private_opts)
    "$cmd" "${opts[@]}" "$@"
}

# Refreshes the private package lists; at most once an hour unless forced.
apt_private_update() {
    local force=${1:-}
    mkdir -p "$APT_PRIVATE_DIR/lists/partial" "$APT_PRIVATE_DIR/cache/archives/partial"
    local archive keyring suite
    read -r archive keyring < <(apt_private_archive)
    : > "$APT_PRIVATE_DIR/sources.list.new"
    for suite in $APT_PRIVATE_SUITES; do
        echo "deb [signed-by=$keyring] $archive $suite main" >> "$APT_PRIVATE_DIR/sources.list.new"
    done
    mv "$APT_PRIVATE_DIR/sources.list.new" "$APT_PRIVATE_DIR/sources.list"
    local stamp="$APT_PRIVATE_DIR/updated.stamp"
    if [[ -z "$force" && -f "$stamp" && -n "$(find "$stamp" -mmin -60 2>/dev/null)" ]]; then return 0; fi
    exec 7>"$APT_PRIVATE_DIR/.update.lock"; flock 7
    if [[ -z "$force" && -f "$stamp" && -n "$(find "$stamp" -mmin -60 2>/dev/null)" ]]; then flock -u 7; return 0; fi
    echo "apt-private: updating package lists for: $APT_PRIVATE_SUITES" >&2
    if ! apt_private_run apt-get -q update >"$APT_PRIVATE_DIR/update.log" 2>&1; then
        cat "$APT_PRIVATE_DIR/update.log" >&2
        echo "apt-private: apt-get update failed (see above)" >&2
        flock -u 7; return 1
    fi
    touch "$stamp"; flock -u 7
}

# Prints "version suite" for every version of PKG the private lists know, newest first.
apt_private_versions() {
    apt_private_run apt-cache madison "$1" 2>/dev/null \
        | awk -F'|' '{gsub(/ /,"",$2); split($3,a," "); s=a[2]; sub(/\/.*/,"",s); print $2, s}'
}

# Downloads PKG=VERSION into DESTDIR (apt's own hash check applies); prints the .deb path.
apt_private_download() {
    local pkg=$1 version=$2 dest=$3
    mkdir -p "$dest"
    # Several scripts (headers, kernel lane, bench anchors) may download into one cache at once: serialise.
    exec 8>"$dest/.download.lock"; flock 8
    local existing
    existing=$(ls "$dest/${pkg}_${version//:/%3a}_"*.deb 2>/dev/null | head -n 1)
    if [[ -n "$existing" ]]; then flock -u 8; echo "$existing"; return 0; fi
    (cd "$dest" && apt_private_run apt-get -q download "$pkg=$version" >&2) || { flock -u 8; return 1; }
    flock -u 8
    ls "$dest/${pkg}_${version//:/%3a}_"*.deb | head -n 1
}
