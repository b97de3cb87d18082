/*
 * Verifies a compiled model library against XGBoost's own probabilities.
 *
 * Reads the parity file written by training (a header line, then per row the features
 * and XGBoost's p(class 1)), predicts every row through libmodel's batch entry point
 * and fails when any probability differs by more than the tolerance. Used by the image
 * build and by the cross-architecture test, so both check the same way.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int32_t model_num_feature(void);
int64_t predict_proba_batch(const double *rows, int64_t n_rows, int32_t n_features,
                            double *out);

#if defined(__aarch64__)
#define ARCH "aarch64"
#elif defined(__x86_64__)
#define ARCH "x86_64"
#else
#define ARCH "unknown"
#endif

static char line[1 << 16];

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s PARITY_CSV [TOLERANCE]\n", argv[0]);
    return 2;
  }
  const double tolerance = argc > 2 ? strtod(argv[2], NULL) : 1e-6;
  FILE *file = fopen(argv[1], "r");
  if (!file) {
    perror(argv[1]);
    return 2;
  }
  const int32_t n_features = model_num_feature();
  double *row = malloc(sizeof(double) * (size_t)(n_features + 1));
  int64_t rows = 0, worst_row = -1;
  double worst = 0.0;
  if (!fgets(line, sizeof line, file)) {
    fprintf(stderr, "parity: %s is empty\n", argv[1]);
    return 2;
  }
  while (fgets(line, sizeof line, file)) {
    char *cursor = line;
    for (int32_t j = 0; j <= n_features; ++j) {
      char *end;
      row[j] = strtod(cursor, &end);
      if (end == cursor) {
        fprintf(stderr, "parity: row %lld has fewer than %d values\n", (long long)rows,
                n_features + 1);
        return 2;
      }
      cursor = (*end == ',') ? end + 1 : end;
    }
    double probability;
    if (predict_proba_batch(row, 1, n_features, &probability) != 0) {
      fprintf(stderr, "parity: row %lld was rejected by the model\n", (long long)rows);
      return 2;
    }
    const double diff = fabs(probability - row[n_features]);
    if (diff > worst || worst_row < 0) {
      worst = diff;
      worst_row = rows;
    }
    ++rows;
  }
  fclose(file);
  free(row);
  const int ok = rows > 0 && worst <= tolerance;
  printf("parity arch=%s rows=%lld max_abs_diff=%.3g (row %lld) tolerance=%.3g %s\n", ARCH,
         (long long)rows, worst, (long long)worst_row, tolerance, ok ? "OK" : "FAILED");
  return ok ? 0 : 1;
}
