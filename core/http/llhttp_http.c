/* Compiles Debian's node-llhttp source http.c from where configure found it
 * (-I$(LLHTTP_SRCDIR)); nothing of llhttp is copied into this repository. */
#include "http.c"
