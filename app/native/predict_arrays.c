/*
 * The walker of the "arrays" layout (see predict_arrays.h): tree-major over a block of rows.
 *
 * XGBoost's CPU predictor takes a block of rows through one tree before the next, so the
 * tree's nodes stay in the L1 cache while the rows pass; here, in addition, LANES rows go
 * down the tree together, one level per step, without a data-dependent branch: the next
 * node is a conditional move, the loop runs as many steps as the tree is deep, and a row
 * that reached its leaf stays on it (a leaf's children are itself). A mispredicted branch
 * per split is what the nested if/else of the other layout pays on large models.
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

static inline void add_tree(const struct array_forest *forest, int32_t t, const float *rows,
                            int32_t n_rows, int32_t n_features, float *result,
                            int categorical) {
  const struct array_node *tree = forest->nodes + forest->tree_start[t];
  const int32_t depth = forest->tree_depth[t];
  const int32_t group = forest->tree_group[t];
  const int32_t n_groups = forest->n_groups;
  int32_t r = 0;
  for (; r + LANES <= n_rows; r += LANES) {
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
  for (; r < n_rows; ++r) {
    int32_t at = 0;
    const float *row = rows + (int64_t)r * n_features;
    for (int32_t d = 0; d < depth; ++d) at = next_node(forest, tree, at, row, categorical);
    result[(int64_t)r * n_groups + group] += tree[at].threshold;
  }
}

void forest_add_trees(const struct array_forest *forest, const float *rows, int32_t n_rows,
                      int32_t n_features, float *result) {
  /* Two copies of the loop: numeric-only models never test for a categorical split. */
  if (forest->has_categorical) {
    for (int32_t t = 0; t < forest->n_trees; ++t)
      add_tree(forest, t, rows, n_rows, n_features, result, 1);
  } else {
    for (int32_t t = 0; t < forest->n_trees; ++t)
      add_tree(forest, t, rows, n_rows, n_features, result, 0);
  }
}
