# core/camictl: the admin's command for the bus (docs/BUS.md), installed
# beside camid. It reads camid's config with the host's own parser, so
# includes and quoting work the same; it needs no plugin and no libuv.
bin_PROGRAMS += core/camictl
core_camictl_SOURCES = core/camictl.c core/config.c core/config.h core/diag.c core/diag.h
core_camictl_CFLAGS = $(AM_CFLAGS) $(ZMQ_CFLAGS) $(JANSSON_CFLAGS)
core_camictl_LDADD = $(ZMQ_LIBS) $(JANSSON_LIBS)
