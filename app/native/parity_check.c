/*
 * Verifies a compiled model library against XGBoost's own predictions, for every output kind.
 *
 * Reads the two files training or import wrote beside the model (app/artifact_contract.py
 * names them and says how they are written):
 *   the parity file: a header line (the feature names, then one column per model output),
 *     then per row the features (`nan` = missing) and XGBoost's outputs;
 *   the tolerances file: per output column, in order, `absolute|relative TOLERANCE NAME`,
 *     `#` lines being comments. absolute: |compiled - xgboost| <= TOLERANCE;
 *     relative: |compiled - xgboost| <= TOLERANCE * max(1, |xgboost|).
 * Each row goes through the generated predict() with missing values marked as TL2cgen
 * expects, so XGBoost's learned default directions are checked too. The number of outputs
 * comes from the generated code (N_TARGET * MAX_N_CLASS in header.h) and must match both
 * files, as must the output columns' names. A model with several outputs gets a line with
 * the worst difference of each first; the summary names the row furthest from its
 * tolerance. Every row also goes through libmodel's batch entry point (NaN for missing),
 * which must agree exactly on every output. Used by the image build, the import's gate and
 * the cross-architecture tests. Both files are ours, but a damaged one is refused with one
 * line, never read past its end.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "header.h"

int64_t predict_batch(const double *rows, int64_t n_rows, int32_t n_features, double *out);

#if defined(__aarch64__)
#define ARCH "aarch64"
#elif defined(__x86_64__)
#define ARCH "x86_64"
#else
#define ARCH "unknown"
#endif

enum { N_OUTPUTS = N_TARGET * MAX_N_CLASS, NAME_CHARS = 39, NAMES_SHOWN = 32 };

/* How one output column is compared, as the tolerances file says. */
struct Criterion {
  int relative;
  double tolerance;
  char *name;
};

static struct Criterion criteria[N_OUTPUTS];

/* Strips the line end; returns the remaining length. */
static size_t chomp(char *line, ssize_t length) {
  while (length > 0 && (line[length - 1] == '\n' || line[length - 1] == '\r')) --length;
  line[length] = '\0';
  return (size_t)length;
}

/* One `absolute|relative TOLERANCE NAME` line into criteria[k]; 0, or -1 said on stderr. */
static int parse_criterion(const char *line, long number, int32_t k) {
  const char *rest;
  int relative;
  if (strncmp(line, "absolute ", 9) == 0) {
    relative = 0;
  } else if (strncmp(line, "relative ", 9) == 0) {
    relative = 1;
  } else {
    fprintf(stderr, "parity: tolerances line %ld does not start with 'absolute ' or "
            "'relative '\n", number);
    return -1;
  }
  rest = line + 9;
  char *end;
  const double tolerance = strtod(rest, &end);
  if (end == rest || *end != ' ' || end[1] == '\0' || !(tolerance > 0.0 && tolerance < 1.0)) {
    fprintf(stderr, "parity: tolerances line %ld needs a tolerance in (0, 1) and a column "
            "name\n", number);
    return -1;
  }
  criteria[k] = (struct Criterion){relative, tolerance, strdup(end + 1)};
  if (!criteria[k].name) {
    perror("parity");
    return -1;
  }
  return 0;
}

/* The tolerances file into criteria[]: exactly one line per output; 0, or -1 said on stderr. */
static int read_tolerances(const char *path) {
  FILE *file = fopen(path, "r");
  if (!file) {
    perror(path);
    return -1;
  }
  char *line = NULL;
  size_t capacity = 0;
  ssize_t length;
  int32_t count = 0;
  long number = 0;
  int status = 0;
  while (status == 0 && (length = getline(&line, &capacity, file)) >= 0) {
    ++number;
    if (chomp(line, length) == 0 || line[0] == '#') continue;
    if (count == N_OUTPUTS) {
      fprintf(stderr, "parity: %s has more than the model's %d outputs\n", path, N_OUTPUTS);
      status = -1;
    } else {
      status = parse_criterion(line, number, count++);
    }
  }
  free(line);
  fclose(file);
  if (status == 0 && count != N_OUTPUTS) {
    fprintf(stderr, "parity: %s has %d output lines, the model gives %d outputs\n", path,
            count, N_OUTPUTS);
    status = -1;
  }
  return status;
}

/* The parity file's header: the features, then the output columns the tolerances name. */
static int check_header(char *header, int32_t n_features) {
  int32_t column = 0;
  for (char *cell = strtok(header, ",\r\n"); cell; cell = strtok(NULL, ",\r\n"), ++column) {
    const int32_t k = column - n_features;
    if (k >= 0 && k < N_OUTPUTS && strcmp(cell, criteria[k].name) != 0) {
      fprintf(stderr, "parity: output column %d is '%.*s' in the parity file, '%.*s' in the "
              "tolerances file\n", k, NAME_CHARS, cell, NAME_CHARS, criteria[k].name);
      return -1;
    }
  }
  if (column != n_features + N_OUTPUTS) {
    fprintf(stderr, "parity: the header has %d columns, the model takes %d features and "
            "gives %d outputs\n", column, n_features, N_OUTPUTS);
    return -1;
  }
  return 0;
}

/* "abs" or "rel" when every output is compared so, else "mixed". */
static const char *kind_of_all(void) {
  int32_t relative = 0;
  for (int32_t k = 0; k < N_OUTPUTS; ++k) relative += criteria[k].relative;
  return relative == 0 ? "abs" : relative == N_OUTPUTS ? "rel" : "mixed";
}

/* The differences seen so far: per output, and the one furthest from its tolerance. */
struct Tally {
  double worst_output[N_OUTPUTS];
  double worst, worst_score;
  int64_t rows, worst_row, missing_rows;
  int32_t worst_column;
};

/* One parity row through predict() and the batch entry point; 0, or 1 said on stderr. */
static int check_row(const double *values, union Entry *data, int32_t n_features,
                     struct Tally *tally) {
  float result[N_OUTPUTS];
  int has_missing = 0;
  for (int32_t j = 0; j < n_features; ++j) {
    if (isnan(values[j])) {
      data[j].missing = -1;
      has_missing = 1;
    } else {
      data[j].fvalue = (float)values[j];
    }
  }
  tally->missing_rows += has_missing;
  memset(result, 0, sizeof result);
  predict(data, 0, result);
  for (int32_t k = 0; k < N_OUTPUTS; ++k) {
    const double expected = values[n_features + k];
    double diff = fabs((double)result[k] - expected);
    if (criteria[k].relative) diff /= fmax(1.0, fabs(expected));
    if (isnan(diff)) diff = INFINITY;
    if (diff > tally->worst_output[k]) tally->worst_output[k] = diff;
    const double score = diff / criteria[k].tolerance;
    if (score > tally->worst_score || tally->worst_row < 0) {
      tally->worst = diff;
      tally->worst_score = score;
      tally->worst_row = tally->rows;
      tally->worst_column = k;
    }
  }
  double batch[N_OUTPUTS];
  int agrees = predict_batch(values, 1, n_features, batch) == 0;
  for (int32_t k = 0; agrees && k < N_OUTPUTS; ++k) agrees = batch[k] == (double)result[k];
  if (!agrees) {
    fprintf(stderr, "parity: row %lld: the batch entry point disagrees with predict()\n",
            (long long)tally->rows);
    return 1;
  }
  ++tally->rows;
  return 0;
}

/* Every row after the header; 0, 1 (the batch entry point disagrees) or 2 (unreadable). */
static int check_rows(FILE *file, int32_t n_features, struct Tally *tally) {
  const int32_t width = n_features + N_OUTPUTS;
  double *values = malloc(sizeof(double) * (size_t)width);
  union Entry *data = malloc(sizeof(union Entry) * (size_t)(n_features > 0 ? n_features : 1));
  char *line = NULL;
  size_t capacity = 0;
  int status = values && data ? 0 : 2;
  if (status) perror("parity");
  while (status == 0 && getline(&line, &capacity, file) > 0) {
    char *cursor = line;
    for (int32_t j = 0; status == 0 && j < width; ++j) {
      char *end;
      values[j] = strtod(cursor, &end);
      if (end == cursor) {
        fprintf(stderr, "parity: row %lld has fewer than %d values\n", (long long)tally->rows,
                width);
        status = 2;
      }
      cursor = (*end == ',') ? end + 1 : end;
    }
    if (status == 0) status = check_row(values, data, n_features, tally);
  }
  free(line);
  free(values);
  free(data);
  return status;
}

static void print_summary(const struct Tally *tally, int ok) {
  const char *kind = kind_of_all();
  if (N_OUTPUTS > 1) {
    printf("per-output max_%s_diff:", kind);
    for (int32_t k = 0; k < N_OUTPUTS && k < NAMES_SHOWN; ++k)
      printf(" %.*s=%.3g", NAME_CHARS, criteria[k].name, tally->worst_output[k]);
    fputs(N_OUTPUTS > NAMES_SHOWN ? " ...\n" : "\n", stdout);
  }
  const struct Criterion *worst = &criteria[tally->worst_column];
  printf("parity arch=%s rows=%lld outputs=%d missing_rows=%lld max_%s_diff=%.3g (row %lld) "
         "tolerance=%.3g %s\n", ARCH, (long long)tally->rows, N_OUTPUTS,
         (long long)tally->missing_rows, worst->relative ? "rel" : "abs", tally->worst,
         (long long)tally->worst_row, worst->tolerance, ok ? "OK" : "FAILED");
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s PARITY_CSV PARITY_TOLERANCES\n", argv[0]);
    return 2;
  }
  if (read_tolerances(argv[2]) != 0) return 2;
  FILE *file = fopen(argv[1], "r");
  if (!file) {
    perror(argv[1]);
    return 2;
  }
  const int32_t n_features = get_num_feature();
  char *header = NULL;
  size_t capacity = 0;
  int status = 2;
  if (getline(&header, &capacity, file) < 0) {
    fprintf(stderr, "parity: %s is empty\n", argv[1]);
  } else if (check_header(header, n_features) == 0) {
    struct Tally tally = {.worst_row = -1};
    status = check_rows(file, n_features, &tally);
    if (status == 0) {
      int ok = tally.rows > 0;
      for (int32_t k = 0; k < N_OUTPUTS; ++k)
        ok = ok && tally.worst_output[k] <= criteria[k].tolerance;
      print_summary(&tally, ok);
      status = ok ? 0 : 1;
    }
  }
  free(header);
  fclose(file);
  for (int32_t k = 0; k < N_OUTPUTS; ++k) free(criteria[k].name);
  return status;
}
