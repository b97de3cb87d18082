/*
 * parse_instances on any bytes, with its output sized exactly as the engine sizes it:
 * ASan reports any read past the body or write past the rows, UBSan any undefined step.
 * An accepted body must fill whole rows of finite values or NaN (null) within that capacity.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "json_io_api.h"

#define MAX_ROWS 10000

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const int32_t n_features = model_num_feature();
  /* A copy of exactly `size` bytes: the reader must not rely on a terminator. */
  char *body = malloc(size ? size : 1);
  memcpy(body, data, size);
  const int64_t capacity = reader_capacity((int64_t)size, n_features, MAX_ROWS);
  double *rows = malloc((size_t)(capacity * n_features) * sizeof *rows);
  int64_t n_rows = -1;
  if (parse_instances(body, (int64_t)size, n_features, rows, capacity, &n_rows) == 0) {
    if (n_rows < 1 || n_rows > capacity) abort();
    for (int64_t i = 0; i < n_rows * n_features; ++i)
      if (isinf(rows[i])) abort();
  }
  free(rows);
  free(body);
  return 0;
}
