/*
 * The walker of the "arrays" layout (see predict_arrays.h): tree-major over a block of rows.
 *
 * XGBoost's CPU predictor takes a block of rows through one tree before the next, so the
 * tree's nodes stay in the L1 cache while the rows pass; here, in addition, LANES rows go
 * down the tree together, one level per step, without a data-dependent branch: the next
 * node is a conditional move, the loop runs as many steps as the tree is deep, and a row
 * that reached its leaf stays on it (a leaf's children are itself). A mispredicted branch
 * per split is what the nested if/else of the other layout pays on large models. Rows left
 * over (fewer than LANES, a single row) go down LANES trees at a time instead.
 */
#include "predict_arrays.h"

enum { LANES = 8 };
/* Categories are integers in [0, 2^24): the largest range a float32 holds exactly. */
#define MAX_CATEGORY 16777216.0f

/* XGBoost's rule: a category in the node's set goes right; any other value goes left. */
static int category_goes_left(const struct array_forest *forest, const struct array_node *node,
                              float value) {
  if (!(value >= 0.0f && value < MAX_CATEGORY)) return 1;
  const uint32_t category = (uint32_t)value;
  const uint32_t *set = forest->category_words + node->categories;
  if (category / 32 >= set[0]) return 1;
  return !((set[1 + category / 32] >> (category % 32)) & 1u);
}

static inline int32_t next_node(const struct array_forest *forest, const struct array_node *tree,
                                int32_t at, const float *row, int categorical) {
  const struct array_node *node = tree + at;
  const uint32_t feature = node->feature;
  const float value = row[feature & ARRAY_NODE_FEATURE];
  const int missing = value != value;
  int left;
  if (categorical && (feature & ARRAY_NODE_CATEGORICAL)) {
    left = missing ? (int)(feature >> 31) : category_goes_left(forest, node, value);
  } else {
    left = (value < node->threshold) | (missing & (int)(feature >> 31));
  }
  return left ? node->left : node->right;
}

/* LANES rows at a time down one tree, a level per step. */
static inline void add_tree(const struct array_forest *forest, int32_t t, const float *rows,
                            int32_t n_blocks, int32_t n_features, float *result,
                            int categorical) {
  const struct array_node *tree = forest->nodes + forest->tree_start[t];
  const int32_t depth = forest->tree_depth[t];
  const int32_t group = forest->tree_group[t];
  const int32_t n_groups = forest->n_groups;
  for (int32_t b = 0; b < n_blocks; ++b) {
    const int32_t r = b * LANES;
    int32_t at[LANES] = {0};
    const float *block = rows + (int64_t)r * n_features;
    for (int32_t d = 0; d < depth; ++d) {
      for (int l = 0; l < LANES; ++l) {
        at[l] = next_node(forest, tree, at[l], block + (int64_t)l * n_features, categorical);
      }
    }
    for (int l = 0; l < LANES; ++l) result[(int64_t)(r + l) * n_groups + group] +=
        tree[at[l]].threshold;
  }
}

/* One row down LANES trees at a time (their leaves then added in tree order): a single
   row gets the same independent steps that LANES rows give a tree. */
static inline void add_trees_to_row(const struct array_forest *forest, const float *row,
                                    float *result, int categorical) {
  int32_t t = 0;
  for (; t + LANES <= forest->n_trees; t += LANES) {
    int32_t at[LANES] = {0}, depth = 0;
    for (int l = 0; l < LANES; ++l)
      depth = forest->tree_depth[t + l] > depth ? forest->tree_depth[t + l] : depth;
    for (int32_t d = 0; d < depth; ++d) {
      for (int l = 0; l < LANES; ++l) {
        at[l] = next_node(forest, forest->nodes + forest->tree_start[t + l], at[l], row,
                          categorical);
      }
    }
    for (int l = 0; l < LANES; ++l) {
      result[forest->tree_group[t + l]] +=
          forest->nodes[forest->tree_start[t + l] + at[l]].threshold;
    }
  }
  for (; t < forest->n_trees; ++t) {
    const struct array_node *tree = forest->nodes + forest->tree_start[t];
    int32_t at = 0;
    for (int32_t d = 0; d < forest->tree_depth[t]; ++d)
      at = next_node(forest, tree, at, row, categorical);
    result[forest->tree_group[t]] += tree[at].threshold;
  }
}

static inline void add_all(const struct array_forest *forest, const float *rows,
                           int32_t n_rows, int32_t n_features, float *result,
                           int categorical) {
  const int32_t n_blocks = n_rows / LANES;
  if (n_blocks) {
    for (int32_t t = 0; t < forest->n_trees; ++t)
      add_tree(forest, t, rows, n_blocks, n_features, result, categorical);
  }
  for (int32_t r = n_blocks * LANES; r < n_rows; ++r) {
    add_trees_to_row(forest, rows + (int64_t)r * n_features,
                     result + (int64_t)r * forest->n_groups, categorical);
  }
}

void forest_add_trees(const struct array_forest *forest, const float *rows, int32_t n_rows,
                      int32_t n_features, float *result) {
  /* Two copies of the loops: numeric-only models never test for a categorical split. */
  if (forest->has_categorical) {
    add_all(forest, rows, n_rows, n_features, result, 1);
  } else {
    add_all(forest, rows, n_rows, n_features, result, 0);
  }
}
