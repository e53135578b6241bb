/* noentry.c - a shared object whose entry point is misspelt, as a plugin
 * written without CAMI_PLUGIN() might be: the loader must say that
 * cami_plugin_entry is missing. Linked without the export filter so the
 * misspelt symbol is really there. */
#include <cami/cami.h>

CAMI_EXPORT int cami_plugin_entri(void);
CAMI_EXPORT int cami_plugin_entri(void)
{
    return 0;
}
