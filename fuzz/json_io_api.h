/* The C entry points the function calls through ctypes (app/native: the model library's and
 * the JSON codec's), for the fuzz targets. */
#ifndef FUZZ_JSON_IO_API_H
#define FUZZ_JSON_IO_API_H
#include <stdint.h>

int32_t model_num_feature(void);
int32_t model_num_output(void);
void model_set_threads(int32_t count, int64_t min_rows);
int64_t predict_batch(const double *rows, int64_t n_rows, int32_t n_features, double *out);
int64_t parse_instances(const char *body, int64_t length, int32_t n_features, double *out,
                        int64_t max_rows, int64_t *rows_out);
int64_t parse_tensor_data(const char *body, int64_t length, double *out, int64_t max_values,
                          int64_t *count_out, int64_t *start_out, int64_t *end_out);
int64_t encode_binary_column_capacity(int64_t n, int32_t column, const char *negative_json,
                                      const char *positive_json);
int64_t encode_binary_column(const double *p, int64_t n, double threshold, int32_t column,
                             const char *negative_json, const char *positive_json, char *out,
                             int64_t capacity);
int64_t encode_predictions_capacity(int64_t n, const char *negative_json,
                                    const char *positive_json);
int64_t encode_predictions(const double *p, int64_t n, double threshold,
                           const char *negative_json, const char *positive_json, char *out,
                           int64_t capacity);

/* The reader's output rows for a body, as inference/json_codec.py sizes them. */
static inline int64_t reader_capacity(int64_t length, int32_t n_features, int64_t max_rows) {
  const int64_t by_length = length / (2 * (int64_t)n_features) + 1;
  return by_length < max_rows ? by_length : max_rows;
}

/* The tensor reader's output values for a body, as inference/json_codec.py sizes them. */
static inline int64_t tensor_capacity(int64_t length, int64_t max_values) {
  const int64_t by_length = length / 2 + 1;
  return by_length < max_values ? by_length : max_values;
}
#endif
