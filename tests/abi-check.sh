#!/bin/sh
# Compare the SDK's ABI (sdk/abi/probe.c built as tests/abi/probe.so) with
# the committed baseline sdk/abi/cami-sdk-1.abi. Run by make check.
set -u
src=${CAMI_TOP_SRCDIR:-.}
build=${CAMI_TOP_BUILDDIR:-.}
command -v abidiff >/dev/null 2>&1 || { echo "abi-check: abidiff not installed (apt-get install abigail-tools): skipped"; exit 77; }
probe="$build/tests/abi/.libs/probe.so"
[ -f "$probe" ] || { echo "abi-check: $probe not built"; exit 1; }
if abidiff "$src/sdk/abi/cami-sdk-1.abi" "$probe"; then
    echo "abi-check: the SDK matches the ABI 1 baseline"
    exit 0
fi
cat <<'MSG'
abi-check: the SDK's ABI differs from sdk/abi/cami-sdk-1.abi (report above).
  - Appended a member at the end of struct cami_host_api or cami_plugin_desc?
    Bump CAMI_ABI_MINOR, write "Since ABI 1.N" on it, then `make abi-baseline`
    and commit the new baseline with the change.
  - Anything else (a member removed, moved or retyped, an enum value changed)
    breaks every plugin built for ABI 1: do not.
MSG
exit 1
