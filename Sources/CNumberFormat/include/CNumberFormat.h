#ifndef NAPKIN_NUMBER_FORMAT_H
#define NAPKIN_NUMBER_FORMAT_H

#include <stddef.h>

/// Writes x as printf's "%.*f" (conversion 'f'), "%.*e" ('e') or "%.*g" ('g') with `precision`,
/// always with a '.' whatever the host's locale. Returns the length the text needs (as snprintf:
/// when it is `size` or more, `out` holds a cut copy and the caller asks again with more room).
/// Foundation's String(format:) does the same through CFString, six times slower; drawing a
/// figure formats every tick and value.
int napkin_format_double(char *out, size_t size, double x, int precision, char conversion);

#endif
