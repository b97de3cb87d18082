/*
 * Batch entry point around the generated model (model/c/main.c, either layout).
 *
 * The per-row loop lives here, in C, so a batch costs one ctypes call instead of one
 * Python round trip per row. Inputs are doubles, as JSON numbers arrive; like XGBoost,
 * the model compares them as float32. NaN means missing, as it does to XGBoost: the value
 * is marked missing and every split takes its learned default direction.
 *
 * The if/else layout predicts row by row; the arrays layout (MODEL_PREDICT_BLOCK) takes a
 * block of rows through each tree in turn. A batch of at least 2 * min_rows_per_thread rows
 * is split across model_set_threads() threads (ctypes releases the GIL during the call).
 */
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "header.h"

enum { N_OUTPUTS = N_TARGET * MAX_N_CLASS, MAX_THREADS = 64 };
/* Rows per block of the arrays layout: their floats fit in 16 KB (half an L1 data cache)
   beside the tree being walked; at least 8 (the walker's lanes), at most 256. */
enum { BLOCK_BYTES = 16384, MIN_BLOCK = 8, MAX_BLOCK = 256 };

static int32_t threads = 1;
static int64_t min_rows_per_thread = 1 << 30;

int32_t model_num_feature(void) { return get_num_feature(); }

/* Outputs per row: 1, or the number of classes of a multiclass model. */
int32_t model_num_output(void) { return N_OUTPUTS; }

/* 1 for the arrays layout, 0 for if/else. */
int32_t model_layout_is_arrays(void) {
#ifdef MODEL_PREDICT_BLOCK
  return 1;
#else
  return 0;
#endif
}

/* Threads for large batches, and the fewest rows worth a thread (see predict_batch). */
void model_set_threads(int32_t count, int64_t min_rows) {
  threads = count < 1 ? 1 : count > MAX_THREADS ? MAX_THREADS : count;
  min_rows_per_thread = min_rows < 1 ? 1 : min_rows;
}

/* The index of the first infinite value, or -1. */
static int64_t first_infinite(const double *values, int64_t n) {
  for (int64_t i = 0; i < n; ++i)
    if (isinf(values[i])) return i;
  return -1;
}

#ifdef MODEL_PREDICT_BLOCK
static int32_t block_rows(int32_t n_features) {
  int64_t rows = BLOCK_BYTES / ((int64_t)sizeof(float) * n_features);
  rows = rows < MIN_BLOCK ? MIN_BLOCK : rows > MAX_BLOCK ? MAX_BLOCK : rows;
  return (int32_t)rows;
}

/* Rows [begin, end) a block at a time through every tree; see predict_batch for the status. */
static int64_t predict_range(const double *rows, int64_t begin, int64_t end, int32_t n_features,
                             double *out) {
  const int32_t block = block_rows(n_features);
  float *x = malloc(sizeof(float) * (size_t)block * (size_t)n_features);
  float *result = malloc(sizeof(float) * (size_t)block * N_OUTPUTS);
  if (!x || !result) {
    free(x);
    free(result);
    return -1;
  }
  for (int64_t first = begin; first < end; first += block) {
    const int32_t n = (int32_t)(end - first < block ? end - first : block);
    const double *values = rows + first * n_features;
    for (int64_t i = 0; i < (int64_t)n * n_features; ++i) {
      if (isinf(values[i])) {
        free(x);
        free(result);
        return -(2 + first * n_features + i);
      }
      x[i] = (float)values[i];
    }
    memset(result, 0, sizeof(float) * (size_t)n * N_OUTPUTS);
    predict_block(x, n, result);
    double *block_out = out + first * N_OUTPUTS;
    for (int64_t k = 0; k < (int64_t)n * N_OUTPUTS; ++k) block_out[k] = (double)result[k];
  }
  free(x);
  free(result);
  return 0;
}
#else
static int64_t predict_range(const double *rows, int64_t begin, int64_t end, int32_t n_features,
                             double *out) {
  union Entry *data = malloc(sizeof(union Entry) * (size_t)n_features);
  if (!data) return -1;
  float result[N_OUTPUTS];
  for (int64_t r = begin; r < end; ++r) {
    const double *row = rows + r * n_features;
    for (int32_t j = 0; j < n_features; ++j) {
      if (isfinite(row[j])) { /* the common case first: one test per value */
        data[j].fvalue = (float)row[j];
      } else if (isnan(row[j])) {
        data[j].missing = -1;
      } else {
        free(data);
        return -(2 + r * n_features + j);
      }
    }
    memset(result, 0, sizeof result);
    predict(data, 0, result);
    double *row_out = out + r * N_OUTPUTS;
    for (int32_t k = 0; k < N_OUTPUTS; ++k) row_out[k] = (double)result[k];
  }
  free(data);
  return 0;
}
#endif

struct range {
  const double *rows;
  int64_t begin, end;
  int32_t n_features;
  double *out;
  int64_t status;
};

static void *predict_thread(void *arg) {
  struct range *range = arg;
  range->status = predict_range(range->rows, range->begin, range->end, range->n_features,
                                range->out);
  return NULL;
}

/* The rows split in `count` contiguous ranges, the first on the calling thread; the rows
   are known to be free of infinities. */
static int64_t predict_parallel(const double *rows, int64_t n_rows, int32_t n_features, double *out,
                            int32_t count) {
  struct range ranges[MAX_THREADS];
  pthread_t ids[MAX_THREADS];
  int started[MAX_THREADS] = {0};
  for (int32_t i = 0; i < count; ++i) {
    ranges[i] = (struct range){rows, n_rows * i / count, n_rows * (i + 1) / count, n_features,
                               out, 0};
  }
  for (int32_t i = 1; i < count; ++i)
    started[i] = pthread_create(&ids[i], NULL, predict_thread, &ranges[i]) == 0;
  predict_thread(&ranges[0]);
  int64_t status = ranges[0].status;
  for (int32_t i = 1; i < count; ++i) {
    if (started[i]) {
      pthread_join(ids[i], NULL);
    } else {
      predict_thread(&ranges[i]); /* no thread to be had: this range on the caller's */
    }
    if (ranges[i].status) status = ranges[i].status;
  }
  return status;
}

/*
 * rows: n_rows * n_features doubles, row-major, NaN for a missing value.
 * out: n_rows * model_num_output() doubles, row-major (probabilities, margins, labels,
 * values or scores, as the model's objective gives them).
 * Returns 0 on success, -1 when n_features does not match the model (or memory runs out),
 * or -(2 + i) when value i is infinite (nothing is written past that row; nothing at all
 * when the batch is split across threads, which is checked whole first).
 */
int64_t predict_batch(const double *rows, int64_t n_rows, int32_t n_features, double *out) {
  if (n_features != get_num_feature()) return -1;
  int64_t count = n_rows / min_rows_per_thread;
  count = count > threads ? threads : count;
  if (count > 1) {
    const int64_t infinite = first_infinite(rows, n_rows * n_features);
    if (infinite >= 0) return -(2 + infinite);
    return predict_parallel(rows, n_rows, n_features, out, (int32_t)count);
  }
  return predict_range(rows, 0, n_rows, n_features, out);
}
