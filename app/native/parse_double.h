/*
 * JSON numbers to doubles, fast and correctly rounded (bit-identical to Python's float()).
 *
 * `json.dumps` of a float writes its shortest round-trip form: up to 17 significant digits,
 * so a full-precision batch is mostly numbers strtod would be asked to read. Three steps,
 * each exact where it answers:
 *   1. Clinger's fast path: significand <= 2^53 and |decimal exponent| <= 22 is one exact
 *      IEEE multiplication or division (short decimals such as 17.99);
 *   2. Eisel-Lemire: the significand (<= 19 digits) times a 128-bit 5^q from pow5_table.h,
 *      rounded to nearest-even; it declines the rare products it cannot round for certain
 *      (Lemire, "Number Parsing at a Gigabyte per Second", Software: Practice and Experience
 *      51(8), 2021);
 *   3. strtod, correctly rounded in glibc, for what the first two decline (more than 19
 *      significant digits, undecided products).
 * Digits are read eight (then four) at a time where they are there. Header-only: the batch
 * reader calls this 300,000 times for 10,000 rows, and a call through the library's PLT
 * each time costs more than the short numbers themselves.
 */
#ifndef PARSE_DOUBLE_H
#define PARSE_DOUBLE_H

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pow5_table.h"

#if FLT_EVAL_METHOD != 0
#error "Clinger's fast path needs double arithmetic without excess precision"
#endif

#define MAX_EXACT_DIGITS 19
#define STRTOD_BUFFER 512

static const double POW10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                               1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                               1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

static inline int is_digit(char c) { return (unsigned char)(c - '0') < 10; }

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
/* Eight ASCII digits at s, loaded little-endian: are they all digits, and their value. */
static inline uint64_t load8(const char *s) {
  uint64_t v;
  memcpy(&v, s, 8);
  return v;
}
static inline int all_eight_digits(uint64_t v) {
  return ((v & 0xF0F0F0F0F0F0F0F0u) |
          (((v + 0x0606060606060606u) & 0xF0F0F0F0F0F0F0F0u) >> 4)) == 0x3333333333333333u;
}
static inline uint64_t eight_digits_value(uint64_t v) {
  v -= 0x3030303030303030u;
  v = v * 10 + (v >> 8); /* every other byte now holds a two-digit number */
  const uint64_t mask = 0x000000FF000000FFu;
  v = ((v & mask) * (100 + (1000000ull << 32)) + ((v >> 16) & mask) * (1 + (10000ull << 32))) >> 32;
  return v & 0xFFFFFFFFu;
}
static inline int all_four_digits(uint32_t v) {
  return ((v & 0xF0F0F0F0u) | (((v + 0x06060606u) & 0xF0F0F0F0u) >> 4)) == 0x33333333u;
}
static inline uint32_t four_digits_value(uint32_t v) {
  v -= 0x30303030u;
  v = v * 10 + (v >> 8);
  return (((v & 0x00FF00FFu) * (100u * 65536u + 1u)) >> 16) & 0xFFFFu;
}
#define HAVE_EIGHT_DIGITS 1
#else
#define HAVE_EIGHT_DIGITS 0
#endif

/* Digits from *cursor while they last, folded into *w; returns how many. `wide`: try eight and
 * four at a time first (fractions of full-precision numbers; integer parts are short). */
static inline int64_t read_digits(const char **cursor, const char *end, uint64_t *w, int wide) {
  const char *s = *cursor, *first = s;
  uint64_t value = *w;
#if HAVE_EIGHT_DIGITS
  if (wide) {
    while (end - s >= 8) {
      const uint64_t chunk = load8(s);
      if (!all_eight_digits(chunk)) break;
      value = value * 100000000u + eight_digits_value(chunk);
      s += 8;
    }
    if (end - s >= 4) {
      uint32_t chunk;
      memcpy(&chunk, s, 4);
      if (all_four_digits(chunk)) {
        value = value * 10000u + four_digits_value(chunk);
        s += 4;
      }
    }
  }
#else
  (void)wide;
#endif
  while (s < end && is_digit(*s)) value = value * 10 + (uint64_t)(*s++ - '0');
  *w = value;
  *cursor = s;
  return s - first;
}

/* log2(10^q) relation used by Eisel-Lemire: floor(q * log2(5)) + q + 63, exact for |q| < 350. */
static inline int32_t binary_exponent(int32_t q) { return ((217706 * q) >> 16) + 63; }

/*
 * w * 10^q as a double's bits (sign excluded), or -1 when the 128-bit product cannot decide
 * the rounding. Requires w != 0 and q within the table.
 */
static int64_t eisel_lemire(uint64_t w, int32_t q) {
  const int lz = __builtin_clzll(w);
  w <<= lz;
  const uint64_t *pow5 = POW5_128[q - POW5_SMALLEST_Q];
  __uint128_t product = (__uint128_t)w * pow5[0];
  uint64_t high = (uint64_t)(product >> 64), low = (uint64_t)product;
  const uint64_t precision_mask = 0xFFFFFFFFFFFFFFFFu >> 55; /* 52 + implicit + round + shift */
  if ((high & precision_mask) == precision_mask) {
    const uint64_t second = (uint64_t)(((__uint128_t)w * pow5[1]) >> 64);
    low += second;
    if (second > low) ++high;
    /* The product may still be a unit short; only exponents whose 5^q the table holds exactly
     * (or whose reciprocal is exact enough) are known to be safe. */
    if (low == 0xFFFFFFFFFFFFFFFFu && (q < -27 || q > 55)) return -1;
  }
  const int upper = (int)(high >> 63);
  const int shift = upper + 64 - 52 - 3;
  uint64_t mantissa = high >> shift;
  int32_t power2 = binary_exponent(q) + upper - lz + 1023;
  if (power2 <= 0) { /* subnormal, or zero */
    if (-power2 + 1 >= 64) return 0;
    mantissa >>= -power2 + 1;
    mantissa += mantissa & 1;
    mantissa >>= 1;
    power2 = mantissa < (1ull << 52) ? 0 : 1;
    return ((int64_t)power2 << 52) | (int64_t)(mantissa & ((1ull << 52) - 1));
  }
  /* Exactly halfway between two doubles: round to even instead of up. */
  if (low <= 1 && q >= -4 && q <= 23 && (mantissa & 3) == 1 && (mantissa << shift) == high)
    mantissa &= ~1ull;
  mantissa += mantissa & 1;
  mantissa >>= 1;
  if (mantissa >= (2ull << 52)) {
    mantissa = 1ull << 52;
    ++power2;
  }
  if (power2 >= 0x7FF) return (int64_t)0x7FF << 52; /* infinity */
  return ((int64_t)power2 << 52) | (int64_t)(mantissa & ((1ull << 52) - 1));
}

static inline const char *with_strtod(const char *start, const char *stop, double *value) {
  char small[STRTOD_BUFFER];
  const size_t length = (size_t)(stop - start);
  char *text = length < sizeof small ? small : malloc(length + 1); /* e.g. exact expansions */
  if (!text) return NULL;
  memcpy(text, start, length);
  text[length] = '\0';
  *value = strtod(text, NULL);
  if (text != small) free(text);
  return isfinite(*value) ? stop : NULL;
}

/*
 * Reads the JSON number at [s, end). Returns the first byte after it, or NULL when the text is
 * not a JSON number or is not finite as a double (the caller's slower path then gives the
 * precise answer).
 */
static inline const char *parse_json_double(const char *s, const char *end, double *value) {
  const char *start = s;
  const int negative = (s < end && *s == '-');
  s += negative;
  if (s >= end || !is_digit(*s)) return NULL;
  const char *integer = s;
  uint64_t w = 0;
  int64_t digits = read_digits(&s, end, &w, 0);
  if (digits > 1 && *integer == '0') return NULL; /* JSON allows no leading zeros */
  int64_t exponent = 0;
  if (s < end && *s == '.') {
    ++s;
    const int64_t fraction = read_digits(&s, end, &w, 1);
    if (fraction == 0) return NULL;
    exponent = -fraction;
    digits += fraction;
  }
  if (s < end && (*s == 'e' || *s == 'E')) {
    ++s;
    int sign = 1;
    int64_t e = 0;
    if (s < end && (*s == '+' || *s == '-')) sign = (*s++ == '-') ? -1 : 1;
    if (s >= end || !is_digit(*s)) return NULL;
    while (s < end && is_digit(*s)) {
      if (e < 100000) e = e * 10 + (*s - '0');
      ++s;
    }
    exponent += sign * e;
  }
  if (digits > MAX_EXACT_DIGITS) {
    /* Leading zeros ("0.000…") are not significant: count again without them. */
    const char *p = integer;
    while (p < s && (*p == '0' || *p == '.')) ++p;
    int64_t significant = 0;
    for (; p < s && *p != 'e' && *p != 'E'; ++p) significant += is_digit(*p);
    if (significant > MAX_EXACT_DIGITS) return with_strtod(start, s, value);
  }
  double result;
  if (w == 0) {
    result = 0.0;
  } else if (exponent >= -22 && exponent <= 22 && w <= (1ull << 53)) {
    result = (double)w;
    result = exponent < 0 ? result / POW10[-exponent] : result * POW10[exponent];
  } else if (exponent < POW5_SMALLEST_Q) {
    result = 0.0; /* below half the smallest subnormal even with 19 digits */
  } else if (exponent > POW5_LARGEST_Q) {
    return NULL; /* infinite */
  } else {
    const int64_t bits = eisel_lemire(w, (int32_t)exponent);
    if (bits < 0) return with_strtod(start, s, value);
    if (bits == (int64_t)0x7FF << 52) return NULL;
    const uint64_t unsigned_bits = (uint64_t)bits;
    memcpy(&result, &unsigned_bits, sizeof result);
  }
  *value = negative ? -result : result;
  return s;
}

#endif
