/*
 * JSON in and out for large batches, so a 10,000-row request costs milliseconds.
 *
 * parse_instances() reads exactly {"instances": [[n, ...], ...]} with rows of the model's
 * width of numbers or null (a missing value: NaN) into doubles, each number correctly rounded
 * as Python's float() rounds it (parse_double.h). It is deliberately narrow: anything else
 * (named rows, bad numbers, wrong widths, extra keys, non-finite values) returns NOT_HANDLED
 * and the caller falls back to the Python path, which gives the precise error or answer.
 *
 * encode_predictions() writes the predictions array into a buffer of a given capacity and
 * never past it; encode_predictions_capacity() says how much it needs. The Python encoder
 * in inference/responses.py produces the same bytes (tests compare them).
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parse_double.h" /* header-only: inlined into the reader loop */

#define NOT_HANDLED 1

static const char *skip_ws(const char *s, const char *end) {
  while (s < end && (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')) ++s;
  return s;
}

int64_t parse_instances(const char *body, int64_t length, int32_t n_features, double *out,
                        int64_t max_rows, int64_t *rows_out) {
  const char *s = body, *end = body + length;
  static const char key[] = "\"instances\"";
  s = skip_ws(s, end);
  if (s >= end || *s++ != '{') return NOT_HANDLED;
  s = skip_ws(s, end);
  if ((size_t)(end - s) < sizeof key - 1 || memcmp(s, key, sizeof key - 1) != 0)
    return NOT_HANDLED;
  s = skip_ws(s + sizeof key - 1, end);
  if (s >= end || *s++ != ':') return NOT_HANDLED;
  s = skip_ws(s, end);
  if (s >= end || *s++ != '[') return NOT_HANDLED;
  int64_t rows = 0;
  for (;;) {
    s = skip_ws(s, end);
    if (s >= end || *s++ != '[' || rows >= max_rows) return NOT_HANDLED;
    double *row = out + rows * (int64_t)n_features;
    for (int32_t j = 0; j < n_features; ++j) {
      s = skip_ws(s, end);
      if (s < end && *s == 'n') { /* one byte decides: numbers stay on their fast path */
        if (end - s < 4 || memcmp(s, "null", 4) != 0) return NOT_HANDLED;
        row[j] = NAN;
        s += 4;
      } else {
        s = parse_json_double(s, end, &row[j]);
        if (!s) return NOT_HANDLED;
      }
      s = skip_ws(s, end);
      if (s >= end) return NOT_HANDLED;
      if (j + 1 < n_features) {
        if (*s++ != ',') return NOT_HANDLED;
      } else if (*s++ != ']') {
        return NOT_HANDLED;
      }
    }
    ++rows;
    s = skip_ws(s, end);
    if (s >= end) return NOT_HANDLED;
    if (*s == ',') {
      ++s;
      continue;
    }
    if (*s++ != ']') return NOT_HANDLED;
    break;
  }
  s = skip_ws(s, end);
  if (s >= end || *s++ != '}') return NOT_HANDLED;
  if (skip_ws(s, end) != end) return NOT_HANDLED;
  *rows_out = rows;
  return 0;
}

/* ---- writer ---------------------------------------------------------------------------- */

#define ENCODE_NO_ROOM (-1)
#define ENCODE_NOT_FINITE (-2)
#define FIXED9_BYTES 11 /* "<digit>.<9 digits>" */

static const char ROW_OPEN[] = "{\"label\":";
static const char ROW_CLASS_0[] = ",\"class_index\":0,\"probabilities\":{";
static const char ROW_CLASS_1[] = ",\"class_index\":1,\"probabilities\":{";
_Static_assert(sizeof ROW_CLASS_0 == sizeof ROW_CLASS_1, "both class parts have one size");

/* The bytes of one row (without its separating comma): the one place that knows its size. */
static int64_t row_bytes(int64_t label, int64_t negative, int64_t positive) {
  return (int64_t)(sizeof ROW_OPEN - 1) + label + (int64_t)(sizeof ROW_CLASS_0 - 1) + negative +
         1 + FIXED9_BYTES + 1 + positive + 1 + FIXED9_BYTES + 2;
}

/*
 * The capacity encode_predictions needs for n rows, whatever their labels: "[" + "]" and,
 * per row, a comma and the row with the longer of the two labels.
 */
int64_t encode_predictions_capacity(int64_t n, const char *negative_json,
                                    const char *positive_json) {
  const int64_t negative = (int64_t)strlen(negative_json);
  const int64_t positive = (int64_t)strlen(positive_json);
  const int64_t label = negative > positive ? negative : positive;
  return 2 + n * (1 + row_bytes(label, negative, positive));
}

char *write_fixed9(char *out, int64_t v) { /* also tensor_io.c's */
  /* v in [0, 1e9]: "<int>.<9 digits>" */
  int64_t whole = v / 1000000000, fraction = v % 1000000000;
  *out++ = (char)('0' + whole);
  *out++ = '.';
  for (int i = 8; i >= 0; --i) {
    out[i] = (char)('0' + fraction % 10);
    fraction /= 10;
  }
  return out + 9;
}

static char *write_bytes(char *out, const char *text, size_t length) {
  memcpy(out, text, length);
  return out + length;
}

/*
 * negative_json / positive_json: the class names as JSON strings (quotes included).
 * Returns the bytes written; ENCODE_NO_ROOM when `capacity` cannot hold the answer (nothing
 * is ever written past out + capacity), ENCODE_NOT_FINITE when a probability is NaN or
 * infinite (the model never gives one: a broken invariant, not a number to round).
 */
int64_t encode_predictions(const double *p, int64_t n, double threshold,
                           const char *negative_json, const char *positive_json, char *out,
                           int64_t capacity) {
  const size_t negative = strlen(negative_json), positive = strlen(positive_json);
  const char *const end = out + (capacity > 0 ? capacity : 0);
  char *cursor = out;
  if (end - cursor < 2) return ENCODE_NO_ROOM;
  *cursor++ = '[';
  for (int64_t r = 0; r < n; ++r) {
    if (!isfinite(p[r])) return ENCODE_NOT_FINITE;
    const int is_positive = p[r] >= threshold;
    const size_t label = is_positive ? positive : negative;
    /* This row, its comma and the closing bracket must fit. */
    if (end - cursor < (r ? 1 : 0) + row_bytes((int64_t)label, (int64_t)negative,
                                               (int64_t)positive) + 1)
      return ENCODE_NO_ROOM;
    double scaled = floor(p[r] * 1e9 + 0.5);
    if (scaled < 0.0) scaled = 0.0;
    if (scaled > 1e9) scaled = 1e9;
    const int64_t v = (int64_t)scaled;
    if (r) *cursor++ = ',';
    cursor = write_bytes(cursor, ROW_OPEN, sizeof ROW_OPEN - 1);
    cursor = write_bytes(cursor, is_positive ? positive_json : negative_json, label);
    cursor = write_bytes(cursor, is_positive ? ROW_CLASS_1 : ROW_CLASS_0, sizeof ROW_CLASS_0 - 1);
    cursor = write_bytes(cursor, negative_json, negative);
    *cursor++ = ':';
    cursor = write_fixed9(cursor, 1000000000 - v);
    *cursor++ = ',';
    cursor = write_bytes(cursor, positive_json, positive);
    *cursor++ = ':';
    cursor = write_fixed9(cursor, v);
    *cursor++ = '}';
    *cursor++ = '}';
  }
  *cursor++ = ']';
  return cursor - out;
}
