# core/: the host. Everything but main.c goes into a convenience library so
# the unit tests link the same code camid runs.
noinst_LTLIBRARIES += core/libcamicore.la
core_libcamicore_la_SOURCES = \
	core/diag.c core/diag.h \
	core/config.c core/config.h \
	core/loader.c core/loader.h core/plugin.h \
	core/log.c core/log.h \
	core/metrics.c core/metrics.h \
	core/services.c core/services.h \
	core/async.c core/async.h \
	core/fdwatch.c core/fdwatch.h \
	core/jsonreal.c core/jsonreal.h \
	core/host_api.c core/host_api.h \
	core/runtime.c core/runtime.h \
	core/worker.c core/worker.h \
	core/supervisor.c core/supervisor.h \
	core/http/router.c core/http/router.h \
	core/http/query.c core/http/query.h \
	core/http/request.c core/http/request.h \
	core/http/conn.c core/http/conn.h \
	core/http/listener.c core/http/listener.h \
	core/http/date.c core/http/date.h \
	core/http/core_routes.c core/http/core_routes.h \
	core/buf.c core/buf.h \
	core/bus/bus.c core/bus/bus.h \
	core/bus/topic.c core/bus/topic.h \
	core/bus/frames.c core/bus/frames.h \
	core/bus/jsoncheck.c core/bus/jsoncheck.h \
	core/bus/zwatch.c core/bus/zwatch.h
core_libcamicore_la_CFLAGS = $(AM_CFLAGS) $(LIBUV_CFLAGS) $(JANSSON_CFLAGS) $(LLHTTP_CFLAGS) \
	$(ZMQ_CFLAGS)
core_libcamicore_la_LIBADD = $(LIBUV_LIBS) $(JANSSON_LIBS) $(LLHTTP_LIBS) $(ZMQ_LIBS)

if BUNDLED_LLHTTP
# Debian's node-llhttp C sources, compiled where they lie (see configure).
# Generated code: our warning flags are not applied to it.
noinst_LTLIBRARIES += core/libllhttp.la
core_libllhttp_la_SOURCES = core/http/llhttp_llhttp.c core/http/llhttp_api.c core/http/llhttp_http.c
core_libllhttp_la_CPPFLAGS = -I$(LLHTTP_SRCDIR) $(LLHTTP_CFLAGS)
core_libllhttp_la_CFLAGS = $(SAN_CFLAGS) -O2 -w
core_libcamicore_la_LIBADD += core/libllhttp.la
endif

bin_PROGRAMS += core/camid
core_camid_SOURCES = core/main.c
core_camid_CFLAGS = $(AM_CFLAGS) $(LIBUV_CFLAGS) $(JANSSON_CFLAGS)
core_camid_LDADD = core/libcamicore.la
