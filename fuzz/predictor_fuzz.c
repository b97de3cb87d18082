/*
 * predict_batch on rows the reader accepts, or else on the input's bytes taken as doubles
 * (NaN, infinities, subnormals included). Accepted rows (NaN is missing) give finite outputs,
 * model_num_output() per row; an infinite value is refused with its index. Batches of 16
 * rows or more are split across two threads. Also the `arrays` target (fuzz/run.py).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "json_io_api.h"

#define MAX_ROWS 10000

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  model_set_threads(2, 8);
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const int32_t n_features = model_num_feature();
  const int64_t capacity = reader_capacity((int64_t)size, n_features, MAX_ROWS);
  double *rows = malloc((size_t)(capacity * n_features) * sizeof *rows);
  int64_t n_rows = 0;
  if (parse_instances((const char *)data, (int64_t)size, n_features, rows, capacity,
                      &n_rows) != 0) {
    n_rows = (int64_t)(size / (sizeof(double) * (size_t)n_features));
    if (n_rows > capacity) n_rows = capacity;
    memcpy(rows, data, (size_t)(n_rows * n_features) * sizeof *rows);
  }
  const int64_t n_out = (n_rows ? n_rows : 1) * (int64_t)model_num_output();
  double *out = malloc((size_t)n_out * sizeof *out);
  const int64_t status = predict_batch(rows, n_rows, n_features, out);
  if (status == 0) {
    for (int64_t i = 0; i < n_rows * (int64_t)model_num_output(); ++i)
      if (!isfinite(out[i])) abort();
  } else {
    const int64_t index = -status - 2;
    if (index < 0 || index >= n_rows * n_features || !isinf(rows[index])) abort();
  }
  if (predict_batch(rows, n_rows, n_features + 1, out) != -1) abort();
  free(out);
  free(rows);
  return 0;
}
