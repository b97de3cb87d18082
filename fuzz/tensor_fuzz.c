/*
 * parse_tensor_data on any bytes, its output sized as the engine sizes it: ASan reports any
 * read past the body or write past the values, UBSan any undefined step. An accepted body
 * must give finite values or NaN (null), within capacity, and a data span inside the body
 * that starts with '[' and ends with ']'.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "json_io_api.h"

#define MAX_VALUES 300000

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *body = malloc(size ? size : 1); /* exactly `size` bytes: no terminator to rely on */
  memcpy(body, data, size);
  const int64_t capacity = tensor_capacity((int64_t)size, MAX_VALUES);
  double *values = malloc((size_t)(capacity ? capacity : 1) * sizeof *values);
  int64_t count = -1, start = -1, end = -1;
  if (parse_tensor_data(body, (int64_t)size, values, capacity, &count, &start, &end) == 0) {
    if (count < 0 || count > capacity) abort();
    if (start < 0 || end <= start || end > (int64_t)size) abort();
    if (body[start] != '[' || body[end - 1] != ']') abort();
    for (int64_t i = 0; i < count; ++i)
      if (isinf(values[i])) abort();
  }
  free(values);
  free(body);
  return 0;
}
