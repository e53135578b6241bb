/* Compiles Debian's node-llhttp source api.c from where configure found it
 * (-I$(LLHTTP_SRCDIR)); nothing of llhttp is copied into this repository. */
#include "api.c"
