/*
 * JSON in and out for large batches, so a 10,000-row request costs milliseconds.
 *
 * parse_instances() reads exactly {"instances": [[n, ...], ...]} with numeric rows of the
 * model's width into doubles, each correctly rounded as Python's float() rounds it
 * (parse_double.c). It is deliberately narrow: anything else (named rows, bad numbers, wrong
 * widths, extra keys, non-finite values) returns NOT_HANDLED and the caller falls back to the
 * Python path, which gives the precise error or answer.
 *
 * encode_predictions() writes the predictions array; the Python encoder in
 * inference/responses.py produces the same bytes (tests compare them).
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
      s = parse_json_double(s, end, &row[j]);
      if (!s) return NOT_HANDLED;
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

static char *write_fixed9(char *out, int64_t v) {
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

static char *write_text(char *out, const char *text) {
  size_t length = strlen(text);
  memcpy(out, text, length);
  return out + length;
}

/*
 * negative_json / positive_json: the class names as JSON strings (quotes included).
 * Returns the bytes written, or -1 when `capacity` is too small.
 */
int64_t encode_predictions(const double *p, int64_t n, double threshold,
                           const char *negative_json, const char *positive_json, char *out,
                           int64_t capacity) {
  const int64_t per_row = 64 + 2 * (int64_t)(strlen(negative_json) + strlen(positive_json));
  if (capacity < 2 + n * per_row) return -1;
  char *cursor = out;
  *cursor++ = '[';
  for (int64_t r = 0; r < n; ++r) {
    if (r) *cursor++ = ',';
    const int positive = p[r] >= threshold;
    int64_t v = (int64_t)floor(p[r] * 1e9 + 0.5);
    if (v < 0) v = 0;
    if (v > 1000000000) v = 1000000000;
    cursor = write_text(cursor, "{\"label\":");
    cursor = write_text(cursor, positive ? positive_json : negative_json);
    cursor = write_text(cursor, positive ? ",\"class_index\":1,\"probabilities\":{"
                                         : ",\"class_index\":0,\"probabilities\":{");
    cursor = write_text(cursor, negative_json);
    *cursor++ = ':';
    cursor = write_fixed9(cursor, 1000000000 - v);
    *cursor++ = ',';
    cursor = write_text(cursor, positive_json);
    *cursor++ = ':';
    cursor = write_fixed9(cursor, v);
    *cursor++ = '}';
    *cursor++ = '}';
  }
  *cursor++ = ']';
  return cursor - out;
}
