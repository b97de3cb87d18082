/*
 * Batch entry point around the TL2cgen-generated model (model/c/main.c).
 *
 * The per-row loop lives here, in C, so a batch costs one ctypes call instead of one
 * Python round trip per row. Inputs are doubles, as JSON numbers arrive; like XGBoost,
 * the model compares them as float32.
 */
#include <math.h>
#include <stdint.h>

#include "header.h"

int32_t model_num_feature(void) { return get_num_feature(); }

/*
 * rows: n_rows * n_features doubles, row-major. out: n_rows probabilities of class 1.
 * Returns 0 on success, -1 when n_features does not match the model, or
 * -(2 + i) when value i is not finite (nothing is written past that row).
 */
int64_t predict_proba_batch(const double *rows, int64_t n_rows, int32_t n_features,
                            double *out) {
  if (n_features != get_num_feature()) return -1;
  union Entry data[n_features];
  float result[N_TARGET * MAX_N_CLASS];
  for (int64_t r = 0; r < n_rows; ++r) {
    const double *row = rows + r * (int64_t)n_features;
    for (int32_t j = 0; j < n_features; ++j) {
      if (!isfinite(row[j])) return -(2 + r * (int64_t)n_features + j);
      data[j].fvalue = (float)row[j];
    }
    result[0] = 0.0f;
    predict(data, 0, result);
    out[r] = (double)result[0];
  }
  return 0;
}
