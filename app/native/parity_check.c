/*
 * Verifies a compiled model library against XGBoost's own predictions, for every output kind.
 *
 * Reads the parity file written by training or import: a header line (the feature names,
 * then one column per model output), then per row the features (`nan` = missing) and
 * XGBoost's outputs. Each row goes through the generated predict() with missing values
 * marked as TL2cgen expects, so XGBoost's learned default directions are checked too.
 * The number of outputs comes from the generated code (N_TARGET * MAX_N_CLASS in
 * header.h) and must match the file. Output columns say how they are compared:
 *   p_<class> (probabilities) and label (0/1 classes): |compiled - xgboost| <= ABS_TOLERANCE
 *   margin, value, score, quantile_<alpha>, value_<target>:
 *     |compiled - xgboost| <= REL_TOLERANCE * max(1, |xgboost|)
 * A model with several outputs gets a line with the worst difference of each first.
 * Every row also goes through libmodel's batch entry point (NaN for missing), which must
 * agree exactly on every output. Used by the image build and the cross-architecture tests.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "header.h"

int64_t predict_batch(const double *rows, int64_t n_rows, int32_t n_features, double *out);

#if defined(__aarch64__)
#define ARCH "aarch64"
#elif defined(__x86_64__)
#define ARCH "x86_64"
#else
#define ARCH "unknown"
#endif

enum { N_OUTPUTS = N_TARGET * MAX_N_CLASS, NAME_CHARS = 40, NAMES_SHOWN = 32 };

/* The output columns' names (cut to NAME_CHARS), for the per-output line. */
static char output_names[N_OUTPUTS][NAME_CHARS];

/* 1 when every output column is compared absolutely, 0 relatively, -1 when unknown. */
static int absolute_columns(char *header, int32_t n_features) {
  int32_t column = 0, absolute = 0, relative = 0;
  for (char *cell = strtok(header, ",\r\n"); cell; cell = strtok(NULL, ",\r\n"), ++column) {
    if (column < n_features) continue;
    if (column - n_features < N_OUTPUTS)
      snprintf(output_names[column - n_features], NAME_CHARS, "%s", cell);
    if (strncmp(cell, "p_", 2) == 0 || strcmp(cell, "label") == 0) {
      ++absolute;
    } else if (strcmp(cell, "margin") == 0 || strcmp(cell, "value") == 0 ||
               strcmp(cell, "score") == 0 || strncmp(cell, "quantile_", 9) == 0 ||
               strncmp(cell, "value_", 6) == 0) {
      ++relative;
    } else {
      fprintf(stderr, "parity: unknown output column '%s'\n", cell);
      return -1;
    }
  }
  if (column != n_features + N_OUTPUTS || (absolute && relative)) {
    fprintf(stderr, "parity: the header has %d columns, the model takes %d features and "
            "gives %d outputs of one kind\n", column, n_features, N_OUTPUTS);
    return -1;
  }
  return absolute > 0;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s PARITY_CSV [ABS_TOLERANCE [REL_TOLERANCE]]\n", argv[0]);
    return 2;
  }
  const double abs_tolerance = argc > 2 ? strtod(argv[2], NULL) : 1e-6;
  const double rel_tolerance = argc > 3 ? strtod(argv[3], NULL) : 1e-5;
  FILE *file = fopen(argv[1], "r");
  if (!file) {
    perror(argv[1]);
    return 2;
  }
  const int32_t n_features = get_num_feature();
  char *line = NULL;
  size_t capacity = 0;
  if (getline(&line, &capacity, file) < 0) {
    fprintf(stderr, "parity: %s is empty\n", argv[1]);
    return 2;
  }
  const int absolute = absolute_columns(line, n_features);
  if (absolute < 0) return 2;
  const double tolerance = absolute ? abs_tolerance : rel_tolerance;
  double *values = malloc(sizeof(double) * (size_t)(n_features + N_OUTPUTS));
  union Entry *data = malloc(sizeof(union Entry) * (size_t)n_features);
  float result[N_OUTPUTS];
  static double worst_output[N_OUTPUTS];
  int64_t rows = 0, worst_row = -1, missing_rows = 0;
  double worst = 0.0;
  while (getline(&line, &capacity, file) > 0) {
    char *cursor = line;
    int has_missing = 0;
    for (int32_t j = 0; j < n_features + N_OUTPUTS; ++j) {
      char *end;
      values[j] = strtod(cursor, &end);
      if (end == cursor) {
        fprintf(stderr, "parity: row %lld has fewer than %d values\n", (long long)rows,
                n_features + N_OUTPUTS);
        return 2;
      }
      cursor = (*end == ',') ? end + 1 : end;
    }
    for (int32_t j = 0; j < n_features; ++j) {
      if (isnan(values[j])) {
        data[j].missing = -1;
        has_missing = 1;
      } else {
        data[j].fvalue = (float)values[j];
      }
    }
    missing_rows += has_missing;
    memset(result, 0, sizeof result);
    predict(data, 0, result);
    for (int32_t k = 0; k < N_OUTPUTS; ++k) {
      const double expected = values[n_features + k];
      double diff = fabs((double)result[k] - expected);
      if (!absolute) diff /= fmax(1.0, fabs(expected));
      if (isnan(diff)) diff = INFINITY;
      if (diff > worst_output[k]) worst_output[k] = diff;
      if (diff > worst || worst_row < 0) {
        worst = diff;
        worst_row = rows;
      }
    }
    double batch[N_OUTPUTS];
    int agrees = predict_batch(values, 1, n_features, batch) == 0;
    for (int32_t k = 0; agrees && k < N_OUTPUTS; ++k) agrees = batch[k] == (double)result[k];
    if (!agrees) {
      fprintf(stderr, "parity: row %lld: the batch entry point disagrees with predict()\n",
              (long long)rows);
      return 1;
    }
    ++rows;
  }
  fclose(file);
  free(line);
  free(values);
  free(data);
  const int ok = rows > 0 && worst <= tolerance;
  if (N_OUTPUTS > 1) {
    printf("per-output max_%s_diff:", absolute ? "abs" : "rel");
    for (int32_t k = 0; k < N_OUTPUTS && k < NAMES_SHOWN; ++k)
      printf(" %s=%.3g", output_names[k], worst_output[k]);
    fputs(N_OUTPUTS > NAMES_SHOWN ? " ...\n" : "\n", stdout);
  }
  printf("parity arch=%s rows=%lld outputs=%d missing_rows=%lld max_%s_diff=%.3g (row %lld) "
         "tolerance=%.3g %s\n", ARCH, (long long)rows, N_OUTPUTS, (long long)missing_rows,
         absolute ? "abs" : "rel", worst, (long long)worst_row, tolerance, ok ? "OK" : "FAILED");
  return ok ? 0 : 1;
}
