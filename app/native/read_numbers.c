/*
 * One JSON number per line on stdin; prints each one's double as 16 hex digits (its IEEE bits,
 * most significant first), or "declined". For the tests: they compare parse_double.h on
 * another architecture (aarch64 under qemu) with Python's float() on the host.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "parse_double.h"

int main(void) {
  static char line[1 << 16];
  while (fgets(line, sizeof line, stdin)) {
    const size_t length = strcspn(line, "\n");
    double value;
    const char *end = parse_json_double(line, line + length, &value);
    if (end != line + length) {
      puts("declined");
      continue;
    }
    uint64_t bits;
    memcpy(&bits, &value, sizeof bits);
    printf("%016" PRIx64 "\n", bits);
  }
  return 0;
}
