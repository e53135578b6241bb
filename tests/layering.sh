#!/bin/sh
# The house rules on who may include what (run by make check):
#   - plugins (plugins/, sdk/examples/) include only <cami/...>, system and
#     library headers, and their own headers ("x.h" in their own folder);
#   - core/ includes nothing from plugins/ or sdk/examples/, and no plugin's
#     name appears in a core #include.
set -u
top=${CAMI_TOP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$top" || exit 1
bad=0
for f in $(find plugins sdk/examples -name '*.c' -o -name '*.h' 2>/dev/null | sort); do
    dir=$(dirname "$f")
    # quoted includes must name a file in the plugin's own folder
    for inc in $(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f"); do
        case "$inc" in */*|..*) echo "layering: $f includes \"$inc\": plugins include only <cami/...> and their own headers"; bad=1; continue;; esac
        [ -f "$dir/$inc" ] || { echo "layering: $f includes \"$inc\", which is not in $dir/"; bad=1; }
    done
    for inc in $(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*<\([^>]*\)>.*/\1/p' "$f"); do
        case "$inc" in core/*|http/*|*plugin.h|runtime.h|loader.h|config.h|buf.h|diag.h)
            [ "$inc" = "cami/plugin.h" ] && continue
            echo "layering: $f includes <$inc>: host-internal headers are not part of the SDK"; bad=1;;
        esac
    done
done
for f in $(find core -name '*.c' -o -name '*.h' | sort); do
    if grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*["<](\.\./)*(plugins|sdk/examples)/' "$f"; then
        echo "layering: $f includes a plugin's file: core/ must not know any plugin"; bad=1
    fi
done
# the SDK's public headers include only each other, the C library and jansson
for f in sdk/include/cami/*.h; do
    for inc in $(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"]\([^>"]*\)[>"].*/\1/p' "$f"); do
        case "$inc" in cami/*|std*.h|jansson.h|stddef.h|stdint.h|stdarg.h) ;;
            *) echo "layering: public header $f includes $inc"; bad=1;; esac
    done
done
[ "$bad" -eq 0 ] && echo "layering: ok"
exit "$bad"
