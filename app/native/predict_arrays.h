/*
 * The "arrays" layout: a model as data (node tables written by
 * train-code/model_build/array_layout.py) walked by one small loop (predict_arrays.c) instead
 * of one branch per node of generated code.
 *
 * Each tree is an array of nodes; node 0 is its root. A split sends a row left when its
 * value is below the threshold in float32 (XGBoost's rule), the default direction when the
 * value is missing (NaN), and, for a categorical split, right when the value's category is
 * in the node's set (XGBoost's rule). A leaf's children are the leaf itself, so walking a
 * tree for as many steps as it is deep always ends on the row's leaf, whatever its depth:
 * that is what lets several rows go down a tree in lockstep without a branch per node.
 */
#ifndef PREDICT_ARRAYS_H
#define PREDICT_ARRAYS_H

#include <stdint.h>

/* Bits of array_node.feature above the feature index. */
#define ARRAY_NODE_DEFAULT_LEFT 0x80000000u
#define ARRAY_NODE_CATEGORICAL 0x40000000u
#define ARRAY_NODE_FEATURE 0x3fffffffu

struct array_node {
  union {
    float threshold;     /* numeric split; a leaf's value */
    uint32_t categories; /* categorical split: offset of its set in forest.category_words */
  };
  uint32_t feature;      /* feature index | ARRAY_NODE_DEFAULT_LEFT | ARRAY_NODE_CATEGORICAL */
  int32_t left, right;   /* node indices within the tree; both the node itself for a leaf */
};

struct array_forest {
  int32_t n_trees;
  int32_t n_groups;                  /* outputs a tree can add to (classes, targets, or 1) */
  int32_t has_categorical;
  const struct array_node *nodes;    /* all trees, one after the other */
  const int32_t *tree_start;         /* first node of each tree in nodes */
  const uint8_t *tree_depth;         /* steps from the root to the deepest leaf */
  const int32_t *tree_group;         /* which output each tree adds to */
  /* per categorical split: the number of 32-bit words, then the words of its bit set */
  const uint32_t *category_words;
};

/*
 * Adds every tree's leaf to `result` (n_groups floats per row, row-major) for n_rows rows of
 * n_features floats each (NaN: missing). Trees are taken in order for every row: the
 * float32 sums round exactly as XGBoost's do.
 */
void forest_add_trees(const struct array_forest *forest, const float *rows, int32_t n_rows,
                      int32_t n_features, float *result);

#endif
