#!/usr/bin/env bash
# The whole test suite, in one command, on a fresh Debian machine with only the .NET SDK:
#   ./test.sh            (extra arguments go to `dotnet test`, e.g. ./test.sh --filter LayoutOracle)
# It installs what the tests need (gcc for the layout oracle and the C anchors), fetches the header sets
# (uapi-headers/fetch; offline once fetched), runs every test project of IommuFdSdk.sln (Debug) and the unsafe core's
# tests twice more in Release (vector paths, then scalar fallbacks); the closing line counts all runs.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

need_apt=()
command -v gcc >/dev/null 2>&1 || need_apt+=(gcc libc6-dev)
command -v dpkg-deb >/dev/null 2>&1 || need_apt+=(dpkg)
if [[ ${#need_apt[@]} -gt 0 ]]; then
    if [[ $(id -u) -eq 0 ]]; then
        echo "test.sh: installing ${need_apt[*]}" >&2
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
    else
        echo "test.sh: please install ${need_apt[*]} (sudo apt-get install ${need_apt[*]}); the layout oracle compiles with gcc" >&2
        exit 1
    fi
fi

uapi-headers/fetch
# The kernel selftest header (iommufd_test.h, for the IOMMU_TEST_CMD layout oracle and generator tests): one file
# from the sha256-pinned linux-source-7.2 package; network once, offline after.
uapi-headers/fetch --selftest

log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
dotnet test IommuFdSdk.sln "$@" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
# The unsafe core once more, optimised: its vector node scans, register-resident cursors and AggressiveOptimization
# paths only exist in Release code, which the Debug run above never executes. Then again with 256-bit vectors off, so
# the scalar fallbacks (hardware without AVX2, e.g. Arm64) run too.
if [[ $# -eq 0 ]]; then
    dotnet test tests/IommuFd.Unsafe.Tests -c Release 2>&1 | tee -a "$log"
    (( PIPESTATUS[0] == 0 )) || rc=1
    DOTNET_EnableAVX2=0 dotnet test tests/IommuFd.Unsafe.Tests -c Release --no-build 2>&1 | tee -a "$log"
    (( PIPESTATUS[0] == 0 )) || rc=1
fi
set -e
# One plain closing line over all test assemblies ("Passed!  - Failed: 0, Passed: 7, Skipped: 0, …" per assembly).
awk '/(Passed|Failed)! +- +Failed:/ {
        for (i = 1; i <= NF; i++) { v = $(i + 1); gsub(/,/, "", v);
            if ($i == "Failed:") f += v; else if ($i == "Passed:") p += v; else if ($i == "Skipped:") s += v }
        n++ }
     END { if (n == 0) { print "tests: no test assembly ran"; exit 1 }
           printf "tests: %d passed, %d failed, %d skipped\n", p, f, s }' "$log" || rc=1
exit "$rc"
