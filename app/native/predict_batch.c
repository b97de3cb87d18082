/*
 * Batch entry point around the TL2cgen-generated model (model/c/main.c).
 *
 * The per-row loop lives here, in C, so a batch costs one ctypes call instead of one
 * Python round trip per row. Inputs are doubles, as JSON numbers arrive; like XGBoost,
 * the model compares them as float32. NaN means missing, as it does to XGBoost: the value
 * is marked missing and every split takes its learned default direction.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "header.h"

enum { N_OUTPUTS = N_TARGET * MAX_N_CLASS };

int32_t model_num_feature(void) { return get_num_feature(); }

/* Outputs per row: 1, or the number of classes of a multiclass model. */
int32_t model_num_output(void) { return N_OUTPUTS; }

/*
 * rows: n_rows * n_features doubles, row-major, NaN for a missing value.
 * out: n_rows * model_num_output() doubles, row-major (probabilities, margins, labels,
 * values or scores, as the model's objective gives them).
 * Returns 0 on success, -1 when n_features does not match the model, or -(2 + i) when
 * value i is infinite (nothing is written past that row).
 */
int64_t predict_batch(const double *rows, int64_t n_rows, int32_t n_features, double *out) {
  if (n_features != get_num_feature()) return -1;
  union Entry data[n_features];
  float result[N_OUTPUTS];
  for (int64_t r = 0; r < n_rows; ++r) {
    const double *row = rows + r * (int64_t)n_features;
    for (int32_t j = 0; j < n_features; ++j) {
      if (isfinite(row[j])) { /* the common case first: one test per value */
        data[j].fvalue = (float)row[j];
      } else if (isnan(row[j])) {
        data[j].missing = -1;
      } else {
        return -(2 + r * (int64_t)n_features + j);
      }
    }
    memset(result, 0, sizeof result);
    predict(data, 0, result);
    double *row_out = out + r * (int64_t)N_OUTPUTS;
    for (int32_t k = 0; k < N_OUTPUTS; ++k) row_out[k] = (double)result[k];
  }
  return 0;
}
