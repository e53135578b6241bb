/*
 * compliance_scale.h - comparing and printing measurement values on a
 * rounded integer scale.
 *
 * Why: readings are binary doubles, so 64.10 - 62.10 is 1.999999999999993
 * and a plain `>= 2.0` would miss a 2.00 kg change. Every threshold test of
 * the rules and the last_values views therefore rounds both sides first:
 * weights to grams, everything else (bpm, mmHg, steps) to hundredths, which
 * is finer than any device reports. Header-only; used by
 * compliance_rules.c and compliance_lastvalues.c.
 */
#ifndef COMPLIANCE_SCALE_H
#define COMPLIANCE_SCALE_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* Past this a value is nonsense anyway; clamping keeps llround defined. */
#define SCALE_LIMIT 1e15

static inline long long scale_round(double v, double per_unit)
{
    double x = v * per_unit;
    if (isnan(x))
        return 0;
    if (x > SCALE_LIMIT)
        x = SCALE_LIMIT;
    if (x < -SCALE_LIMIT)
        x = -SCALE_LIMIT;
    return llround(x);
}

/* kg -> g */
static inline long long scale_grams(double kg)
{
    return scale_round(kg, 1000.0);
}

/* bpm, mmHg, steps -> hundredths */
static inline long long scale_hundredths(double v)
{
    return scale_round(v, 100.0);
}

/*
 * scale_print_hundredths - h hundredths as "72.3", "60", "-2.05" (no
 * trailing zeros) into buf; returns buf. 32 bytes always suffice.
 */
static inline char *scale_print_hundredths(long long h, char buf[32])
{
    long long a = h < 0 ? -h : h;
    long long whole = a / 100, frac = a % 100;
    const char *sign = h < 0 ? "-" : "";
    if (frac == 0)
        snprintf(buf, 32, "%s%lld", sign, whole);
    else if (frac % 10 == 0)
        snprintf(buf, 32, "%s%lld.%lld", sign, whole, frac / 10);
    else
        snprintf(buf, 32, "%s%lld.%02lld", sign, whole, frac);
    return buf;
}

/* A value as texts show it: rounded to hundredths, no trailing zeros. */
static inline char *scale_print(double v, char buf[32])
{
    return scale_print_hundredths(scale_hundredths(v), buf);
}

/* Grams as kg for texts ("2", "2.5", "2.35"; grams rounded half away
 * from zero to hundredths of a kg). */
static inline char *scale_print_grams(long long g, char buf[32])
{
    long long h = g < 0 ? -((-g + 5) / 10) : (g + 5) / 10;
    return scale_print_hundredths(h, buf);
}

#endif
