/*
 * One JSON number to the nearest double, as Python's float() gives it (correctly rounded).
 */
#ifndef PARSE_DOUBLE_H
#define PARSE_DOUBLE_H

/*
 * Reads the JSON number at [s, end). Returns the first byte after it, or NULL when the text is
 * not a JSON number, is not finite as a double, or is too long to hand to strtod (the caller's
 * slower path then gives the precise answer).
 */
const char *parse_json_double(const char *s, const char *end, double *value);

#endif
