#!/bin/sh
# The SDK as a partner gets it: `make install DESTDIR=...` from the build
# tree, then a copy of sdk/examples/hello/ taken out of the tree is built with
# its own Makefile and pkg-config alone, must export exactly one dynamic
# symbol (cami_plugin_entry), and passes its unit tests against the installed
# fake host (`make -C COPY check`).
#
# Run by `make check` (CAMI_TOP_SRCDIR and CAMI_TOP_BUILDDIR set).
# Exit: 0 pass, 77 skip (no pkg-config), 1 fail.
set -u

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

src=${CAMI_TOP_SRCDIR:?run me from make check}
build=${CAMI_TOP_BUILDDIR:?run me from make check}
command -v pkg-config >/dev/null 2>&1 || { echo "SKIP: pkg-config not found"; exit 77; }
command -v nm >/dev/null 2>&1 || fail "nm (binutils) not found"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/cami-sdk.XXXXXX") || fail "mktemp"
trap 'rm -rf "$tmp"' EXIT INT TERM
dest=$tmp/dest
copy=$tmp/hello

# 1. Install everything, as a package build would.
if ! ${MAKE:-make} -C "$build" install DESTDIR="$dest" >"$tmp/install.log" 2>&1; then
    cat "$tmp/install.log" >&2
    fail "make install DESTDIR=$dest"
fi
pc=$(find "$dest" -name cami-sdk.pc -path '*/pkgconfig/*' | head -n 1)
[ -n "$pc" ] || fail "make install put no cami-sdk.pc under $dest"
pcdir=$(dirname "$pc")
[ -f "$pcdir/cami-testing.pc" ] || fail "no cami-testing.pc next to $pc"

# 2. The partner's side: a copy outside the tree (a dist tree is read-only),
#    and pkg-config pointed into DESTDIR. The sysroot makes the .pc files'
#    -I and -L resolve inside DESTDIR instead of the configured prefix.
cp -R "$src/sdk/examples/hello" "$copy" || fail "copy sdk/examples/hello"
chmod -R u+w "$copy"
rm -f "$copy/hello.so" "$copy/test_hello"
PKG_CONFIG_PATH=$pcdir
PKG_CONFIG_SYSROOT_DIR=$dest
export PKG_CONFIG_PATH PKG_CONFIG_SYSROOT_DIR
case $(pkg-config --cflags cami-sdk) in
*"-I$dest/"*) ;;
*) fail "pkg-config --cflags cami-sdk does not point into DESTDIR: $(pkg-config --cflags cami-sdk)" ;;
esac

# A sanitizer build installs an instrumented fake host; link the copy alike.
if [ "${CAMI_SANITIZERS:-no}" = yes ]; then
    CFLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer -g"
    LDFLAGS=$CFLAGS
    export CFLAGS LDFLAGS
fi
# The partner's make is not part of ours: no inherited flags or variables.
unset MAKEFLAGS MFLAGS MAKELEVEL

if ! make -C "$copy" >"$tmp/build.log" 2>&1; then
    cat "$tmp/build.log" >&2
    fail "make -C COPY (the out-of-tree hello plugin) did not build"
fi
[ -f "$copy/hello.so" ] || fail "make -C COPY built no hello.so"
if grep -q -- "-I$src" "$tmp/build.log"; then
    fail "the out-of-tree build used the source tree's headers"
fi

# 3. One exported symbol: the entry point. Anything else would be visible to
#    other plugins and the host (RTLD_LOCAL or not) and break the ABI rules.
syms=$(nm -D --defined-only "$copy/hello.so" | awk '{ print $NF }') ||
    fail "nm -D hello.so"
[ "$syms" = cami_plugin_entry ] ||
    fail "hello.so must export only cami_plugin_entry; it exports: $(echo $syms)"

# 4. Its unit tests, against the installed fake host.
if ! make -C "$copy" check >"$tmp/check.log" 2>&1; then
    cat "$tmp/check.log" >&2
    fail "make -C COPY check"
fi
grep -q "PASSED" "$tmp/check.log" || { cat "$tmp/check.log" >&2; fail "no test ran"; }
echo "PASS: out-of-tree hello.so built with pkg-config alone; its tests pass"
exit 0
