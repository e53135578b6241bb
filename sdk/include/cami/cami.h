/*
 * cami.h - umbrella header of the CAMI host SDK.
 *
 * A plugin includes only this header (and jansson, which it pulls in). Build
 * flags come from `pkg-config --cflags --libs cami-sdk`.
 *
 * Stability: everything reachable from this header is ABI 1.x. The ABI grows
 * only by appending (new functions at the end of struct cami_host_api, new
 * fields at the end of struct cami_plugin_desc); a removal or a reordering is a
 * new major version and is checked in CI against sdk/abi/ (abidiff).
 */
#ifndef CAMI_CAMI_H
#define CAMI_CAMI_H

#include <cami/abi.h>
#include <cami/plugin.h>
#include <cami/host.h>
#include <cami/log.h>
#include <cami/config.h>
#include <cami/http.h>
#include <cami/async.h>
#include <cami/service.h>
#include <cami/bus.h>

#endif
