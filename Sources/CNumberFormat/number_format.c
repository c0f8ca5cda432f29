#define _GNU_SOURCE
#include <locale.h>
#include <pthread.h>
#include <stdio.h>
#include "CNumberFormat.h"

#if defined(__APPLE__)
#include <xlocale.h>
#endif

static locale_t c_locale;
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;
static void make_c_locale(void) { c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0); }

int napkin_format_double(char *out, size_t size, double x, int precision, char conversion) {
    // The "C" locale for this thread while formatting: a host that set LC_NUMERIC to one with a
    // decimal comma must not change how napkin prints numbers.
    pthread_once(&c_locale_once, make_c_locale);
    locale_t previous = c_locale ? uselocale(c_locale) : (locale_t)0;
    int n;
    switch (conversion) {
    case 'e': n = snprintf(out, size, "%.*e", precision, x); break;
    case 'g': n = snprintf(out, size, "%.*g", precision, x); break;
    default: n = snprintf(out, size, "%.*f", precision, x); break;
    }
    if (c_locale) uselocale(previous);
    return n;
}
