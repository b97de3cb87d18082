/*
 * encode_predictions with class names of 0 to 40 bytes and any probabilities (NaN and
 * infinities included), into a buffer of exactly encode_predictions_capacity() bytes and
 * into one a few bytes short. ASan reports any write past either; the full buffer must
 * always be enough unless a probability is not finite, and a short one must be refused.
 * The same for encode_binary_column (the v2 output tensors), each of its three columns.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "json_io_api.h"

#define MAX_NAME 40
#define ENCODE_NO_ROOM (-1)
#define ENCODE_NOT_FINITE (-2)

/* A JSON string of `length` bytes taken from the input (quotes added, '"' and '\\' dropped). */
static const uint8_t *take_name(const uint8_t *data, const uint8_t *end, char *name) {
  size_t length = data < end ? *data++ % (MAX_NAME + 1) : 0, n = 0;
  name[n++] = '"';
  while (length-- && data < end) {
    const uint8_t c = *data++;
    if (c >= 0x20 && c != '"' && c != '\\') name[n++] = (char)c;
  }
  name[n++] = '"';
  name[n] = '\0';
  return data;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const uint8_t *end = data + size;
  char negative[MAX_NAME + 3], positive[MAX_NAME + 3];
  data = take_name(data, end, negative);
  data = take_name(data, end, positive);
  const int64_t short_by = data < end ? 1 + *data++ % 16 : 1;
  double threshold = 0.5;
  if (end - data >= (long)sizeof threshold) {
    memcpy(&threshold, data, sizeof threshold);
    data += sizeof threshold;
  }
  const int64_t n = (end - data) / (int64_t)sizeof(double);
  double *p = malloc((size_t)(n ? n : 1) * sizeof *p);
  memcpy(p, data, (size_t)n * sizeof *p);
  int finite = 1;
  for (int64_t r = 0; r < n; ++r) finite &= isfinite(p[r]) != 0;

  const int64_t capacity = encode_predictions_capacity(n, negative, positive);
  char *out = malloc((size_t)capacity);
  const int64_t written = encode_predictions(p, n, threshold, negative, positive, out, capacity);
  if (finite ? (written < 2 || written > capacity || out[0] != '[' || out[written - 1] != ']')
             : written != ENCODE_NOT_FINITE)
    abort();
  free(out);

  const int64_t smaller = capacity - short_by;
  char *tight = malloc((size_t)(smaller > 0 ? smaller : 1));
  const int64_t refused = encode_predictions(p, n, threshold, negative, positive, tight, smaller);
  if (refused >= 0 && (refused > smaller || refused != written)) abort();
  free(tight);

  for (int32_t column = 0; column < 3; ++column) {
    const int64_t room = encode_binary_column_capacity(n, column, negative, positive);
    char *full = malloc((size_t)room);
    const int64_t wrote = encode_binary_column(p, n, threshold, column, negative, positive,
                                               full, room);
    if (finite ? (wrote < 0 || wrote > room) : wrote != ENCODE_NOT_FINITE) abort();
    free(full);
    const int64_t less = room - short_by;
    char *short_buffer = malloc((size_t)(less > 0 ? less : 1));
    const int64_t got = encode_binary_column(p, n, threshold, column, negative, positive,
                                             short_buffer, less);
    if (got >= 0 && (got > less || got != wrote)) abort();
    free(short_buffer);
  }
  free(p);
  return 0;
}
