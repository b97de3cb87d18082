/*
 * The Open Inference Protocol's tensor data, read in C like our own `instances`.
 *
 * parse_tensor_data() walks a v2 inference request ({"inputs": [{..., "data": [...]}], ...})
 * just far enough to find the one input's flat `data` array, reads it (numbers or null, a
 * missing value: NaN) into doubles with the same correctly rounded reader as parse_instances,
 * and says where the array starts and ends. The caller parses everything else (a few hundred
 * bytes once the array is cut out) and checks name, shape and datatype against the count.
 * Deliberately narrow: nested data, a second input, escaped keys, non-finite numbers, too many
 * values or anything unexpected return NOT_HANDLED, and the Python path gives the answer.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "parse_double.h"

#define NOT_HANDLED 1
#define MAX_DEPTH 32

static const char *tensor_skip_ws(const char *s, const char *end) {
  while (s < end && (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')) ++s;
  return s;
}

/* Past a string starting at its opening quote; NULL when it does not end. */
static const char *skip_string(const char *s, const char *end) {
  for (++s; s < end; ++s) {
    if (*s == '\\') {
      if (++s >= end) return NULL;
    } else if (*s == '"') {
      return s + 1;
    }
  }
  return NULL;
}

/* Past any JSON value (checked by the caller's own parser later); NULL when it cannot be. */
static const char *skip_value(const char *s, const char *end, int depth) {
  s = tensor_skip_ws(s, end);
  if (s >= end || depth > MAX_DEPTH) return NULL;
  if (*s == '"') return skip_string(s, end);
  if (*s == '{' || *s == '[') {
    const char close = *s == '{' ? '}' : ']';
    s = tensor_skip_ws(s + 1, end);
    if (s < end && *s == close) return s + 1;
    for (;;) {
      if (close == '}') {
        s = tensor_skip_ws(s, end);
        if (s >= end || *s != '"' || !(s = skip_string(s, end))) return NULL;
        s = tensor_skip_ws(s, end);
        if (s >= end || *s++ != ':') return NULL;
      }
      if (!(s = skip_value(s, end, depth + 1))) return NULL;
      s = tensor_skip_ws(s, end);
      if (s >= end) return NULL;
      if (*s == close) return s + 1;
      if (*s++ != ',') return NULL;
    }
  }
  const char *start = s; /* a number or a literal */
  while (s < end && (is_digit(*s) || *s == '-' || *s == '+' || *s == '.' ||
                     (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
    ++s;
  return s > start ? s : NULL;
}

/* Is the key at s (at its opening quote) exactly `name`? Sets *after past its closing quote. */
static int key_is(const char *s, const char *end, const char *name, const char **after) {
  const size_t length = strlen(name);
  const char *past = skip_string(s, end);
  if (!past) return -1;
  *after = past;
  return (size_t)(past - s) == length + 2 && memcmp(s + 1, name, length) == 0;
}

/* A flat array of numbers or null at s; NULL when anything else (nested rows included). */
static const char *read_flat(const char *s, const char *end, double *out, int64_t max_values,
                             int64_t *count) {
  int64_t n = 0;
  s = tensor_skip_ws(s, end);
  if (s >= end || *s++ != '[') return NULL;
  s = tensor_skip_ws(s, end);
  if (s < end && *s == ']') {
    *count = 0;
    return s + 1;
  }
  for (;;) {
    if (n >= max_values) return NULL;
    s = tensor_skip_ws(s, end);
    if (s < end && *s == 'n') {
      if (end - s < 4 || memcmp(s, "null", 4) != 0) return NULL;
      out[n] = NAN;
      s += 4;
    } else {
      s = parse_json_double(s, end, &out[n]);
      if (!s || !isfinite(out[n])) return NULL;
    }
    ++n;
    s = tensor_skip_ws(s, end);
    if (s >= end) return NULL;
    if (*s == ']') break;
    if (*s++ != ',') return NULL;
  }
  *count = n;
  return s + 1;
}

/* The one input object at s: its `data` read, its span kept; NULL when not handled. */
static const char *read_input(const char *s, const char *end, double *out, int64_t max_values,
                              int64_t *count, const char **data_start, const char **data_end) {
  s = tensor_skip_ws(s, end);
  if (s >= end || *s++ != '{') return NULL;
  for (;;) {
    s = tensor_skip_ws(s, end);
    if (s >= end || *s != '"') return NULL;
    const char *after;
    const int is_data = key_is(s, end, "data", &after);
    if (is_data < 0) return NULL;
    s = tensor_skip_ws(after, end);
    if (s >= end || *s++ != ':') return NULL;
    if (is_data) {
      if (*data_start) return NULL; /* a repeated key: the Python path refuses it */
      *data_start = tensor_skip_ws(s, end);
      if (!(s = read_flat(*data_start, end, out, max_values, count))) return NULL;
      *data_end = s;
    } else if (!(s = skip_value(s, end, 2))) {
      return NULL;
    }
    s = tensor_skip_ws(s, end);
    if (s >= end) return NULL;
    if (*s == '}') return s + 1;
    if (*s++ != ',') return NULL;
  }
}

/*
 * body: the request; out: room for max_values doubles. On 0, *count_out values were read
 * and body[*start_out, *end_out) is the data array (brackets included).
 */
int64_t parse_tensor_data(const char *body, int64_t length, double *out, int64_t max_values,
                          int64_t *count_out, int64_t *start_out, int64_t *end_out) {
  const char *s = body, *end = body + length;
  const char *data_start = NULL, *data_end = NULL;
  int64_t count = 0;
  int seen_inputs = 0;
  s = tensor_skip_ws(s, end);
  if (s >= end || *s++ != '{') return NOT_HANDLED;
  for (;;) {
    s = tensor_skip_ws(s, end);
    if (s >= end || *s != '"') return NOT_HANDLED;
    const char *after;
    const int is_inputs = key_is(s, end, "inputs", &after);
    if (is_inputs < 0) return NOT_HANDLED;
    s = tensor_skip_ws(after, end);
    if (s >= end || *s++ != ':') return NOT_HANDLED;
    if (is_inputs) {
      if (seen_inputs++) return NOT_HANDLED;
      s = tensor_skip_ws(s, end);
      if (s >= end || *s++ != '[') return NOT_HANDLED;
      s = read_input(s, end, out, max_values, &count, &data_start, &data_end);
      if (!s) return NOT_HANDLED;
      s = tensor_skip_ws(s, end);
      if (s >= end || *s++ != ']') return NOT_HANDLED; /* one input only */
    } else if (!(s = skip_value(s, end, 1))) {
      return NOT_HANDLED;
    }
    s = tensor_skip_ws(s, end);
    if (s >= end) return NOT_HANDLED;
    if (*s == '}') break;
    if (*s++ != ',') return NOT_HANDLED;
  }
  if (tensor_skip_ws(s + 1, end) != end || !data_start) return NOT_HANDLED;
  *count_out = count;
  *start_out = data_start - body;
  *end_out = data_end - body;
  return 0;
}

/* ---- writer: a binary classifier's v2 output tensors ----------------------------------- */

#define COLUMN_PROBABILITIES 0 /* "p0,p1" per row, 9 decimals, p0 = 1 - p1 exactly */
#define COLUMN_LABELS 1        /* the class name (a JSON string) per row */
#define COLUMN_CLASS_INDEXES 2 /* 0 or 1 per row */
#define ENCODE_NO_ROOM (-1)
#define ENCODE_NOT_FINITE (-2)
#define ENCODE_UNKNOWN_COLUMN (-3)
#define FIXED9_BYTES 11

char *write_fixed9(char *out, int64_t v); /* json_io.c */

/* The bytes encode_binary_column needs for n rows of `column`, whatever the classes. */
int64_t encode_binary_column_capacity(int64_t n, int32_t column, const char *negative_json,
                                      const char *positive_json) {
  const int64_t negative = (int64_t)strlen(negative_json);
  const int64_t positive = (int64_t)strlen(positive_json);
  const int64_t label = negative > positive ? negative : positive;
  const int64_t row = column == COLUMN_PROBABILITIES ? 2 * FIXED9_BYTES + 1
                      : column == COLUMN_LABELS      ? label
                                                     : 1;
  return 1 + n * (row + 1);
}

/*
 * One output tensor's `data` elements (without brackets), comma-separated: the same text as
 * inference/protocols/v2_outputs.py writes. Returns the bytes written, or ENCODE_NO_ROOM
 * (nothing past out + capacity is ever written), ENCODE_NOT_FINITE, ENCODE_UNKNOWN_COLUMN.
 */
int64_t encode_binary_column(const double *p, int64_t n, double threshold, int32_t column,
                             const char *negative_json, const char *positive_json, char *out,
                             int64_t capacity) {
  if (column < COLUMN_PROBABILITIES || column > COLUMN_CLASS_INDEXES)
    return ENCODE_UNKNOWN_COLUMN;
  const size_t negative = strlen(negative_json), positive = strlen(positive_json);
  const size_t label = negative > positive ? negative : positive;
  const int64_t row = column == COLUMN_PROBABILITIES ? 2 * FIXED9_BYTES + 1
                      : column == COLUMN_LABELS      ? (int64_t)label
                                                     : 1;
  if (capacity < 1) return ENCODE_NO_ROOM; /* less than the capacity function's minimum */
  char *cursor = out;
  const char *const end = out + capacity;
  for (int64_t r = 0; r < n; ++r) {
    if (!isfinite(p[r])) return ENCODE_NOT_FINITE;
    if (end - cursor < row + 1) return ENCODE_NO_ROOM;
    if (r) *cursor++ = ',';
    const int is_positive = p[r] >= threshold;
    if (column == COLUMN_PROBABILITIES) {
      double scaled = floor(p[r] * 1e9 + 0.5);
      if (scaled < 0.0) scaled = 0.0;
      if (scaled > 1e9) scaled = 1e9;
      const int64_t v = (int64_t)scaled;
      cursor = write_fixed9(cursor, 1000000000 - v);
      *cursor++ = ',';
      cursor = write_fixed9(cursor, v);
    } else if (column == COLUMN_LABELS) {
      const size_t length = is_positive ? positive : negative;
      memcpy(cursor, is_positive ? positive_json : negative_json, length);
      cursor += length;
    } else {
      *cursor++ = (char)('0' + is_positive);
    }
  }
  return cursor - out;
}
