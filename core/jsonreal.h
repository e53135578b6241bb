/*
 * jsonreal.h - how many digits the reals of a JSON value need.
 *
 * jansson prints reals with 17 significant digits ("70.299999999999997"),
 * where Python (Django/Tastypie, the original CAMI) printed the shortest
 * text that reads back as the same double ("70.3"). The host's dumps pass
 * JSON_REAL_PRECISION(json_real_digits(v)): the fewest digits, from 15 to
 * 17, with which every real of `v` reads back exactly, so nothing is lost.
 */
#ifndef CORE_JSONREAL_H
#define CORE_JSONREAL_H

#include <jansson.h>

int json_real_digits(const json_t *v);

/* JSON_COMPACT | JSON_ENCODE_ANY with the precision v needs. */
size_t json_compact_flags(const json_t *v);

#endif
