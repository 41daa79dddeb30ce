/* Benchmark harness (ours) around the kernel's own interval tree, span iterator, double span iterator, pfn_batch and
 * iopt_alloc_iova, compiled from linux-source-7.2 by build.sh. Each entry point loops internally over an operation
 * sequence prepared by the C# benchmark in shared native memory, so one P/Invoke covers a whole batch and the measured
 * cost is the kernel code's, not the transition's. Nodes live in one array filled in insertion order, at a stride the
 * benchmark chooses (anchor_tree_create_layout): 48 bytes apart (sizeof(struct interval_tree_node), denser than any
 * kernel allocation), 64 (kmalloc-64, where a kmalloc'ed node or an iopt_reserved/iopt_allowed lands) or 192
 * (kmalloc-192, where iommufd's struct iopt_area, which embeds the IOAS tree's node, lands). */
#include <linux/interval_tree.h>
#include "double_span.h"
#include <string.h>

#define ANCHOR_EXPORT __attribute__((visibility("default")))

struct anchor_tree {
	struct rb_root_cached root;
	char *nodes;
	size_t capacity;
	size_t stride;
};

static inline struct interval_tree_node *anchor_node(struct anchor_tree *t, size_t slot)
{
	return (struct interval_tree_node *)(t->nodes + slot * t->stride);
}

/* Node slot i at nodes + i * stride. The dense layout keeps calloc's alignment (16 bytes: a node straddles two cache
 * lines every other slot, as in an array of the struct); the slab-like ones are 64-byte aligned, as slab objects of
 * those caches are. Returns NULL for a stride that cannot hold a node. */
ANCHOR_EXPORT void *anchor_tree_create_layout(size_t capacity, size_t stride)
{
	if (stride < sizeof(struct interval_tree_node) || stride % sizeof(void *))
		return NULL;
	struct anchor_tree *t = calloc(1, sizeof(*t));
	t->root = RB_ROOT_CACHED;
	if (stride == sizeof(struct interval_tree_node)) {
		t->nodes = calloc(capacity, stride);
	} else {
		size_t bytes = (capacity * stride + 63) & ~(size_t)63;
		t->nodes = aligned_alloc(64, bytes ? bytes : 64);
		memset(t->nodes, 0, bytes);
	}
	t->capacity = capacity;
	t->stride = stride;
	return t;
}

ANCHOR_EXPORT void *anchor_tree_create(size_t capacity)
{
	return anchor_tree_create_layout(capacity, sizeof(struct interval_tree_node));
}

ANCHOR_EXPORT void anchor_tree_destroy(void *p)
{
	struct anchor_tree *t = p;
	free(t->nodes);
	free(t);
}

/* Forget every node in O(1), like IntervalTree.Clear(); the node array is reused. */
ANCHOR_EXPORT void anchor_tree_clear(void *p)
{
	((struct anchor_tree *)p)->root = RB_ROOT_CACHED;
}

/* Inserts intervals order[0..count) into node slots 0..count: node memory follows insertion order, as kmalloc'ed
 * areas would (and as our slab does), not key order, which would give the C side a locality the kernel never has. */
ANCHOR_EXPORT void anchor_tree_insert(void *p, const uint64_t *starts, const uint64_t *lasts, const uint32_t *order, size_t count)
{
	struct anchor_tree *t = p;
	for (size_t i = 0; i < count; i++) {
		struct interval_tree_node *n = anchor_node(t, i);
		n->start = starts[order[i]];
		n->last = lasts[order[i]];
		interval_tree_insert(n, &t->root);
	}
}

/* Removes then re-inserts the nodes in slots[0..count): steady-state churn at constant size. */
ANCHOR_EXPORT void anchor_tree_remove_insert(void *p, const uint32_t *slots, size_t count)
{
	struct anchor_tree *t = p;
	for (size_t i = 0; i < count; i++) {
		struct interval_tree_node *n = anchor_node(t, slots[i]);
		interval_tree_remove(n, &t->root);
		interval_tree_insert(n, &t->root);
	}
}

/* Overlap queries: iter_first + iter_next over every match. Returns a checksum so nothing is optimised away. */
ANCHOR_EXPORT uint64_t anchor_tree_query(void *p, const uint64_t *qstarts, const uint64_t *qlasts, size_t count)
{
	struct anchor_tree *t = p;
	uint64_t acc = 0;
	for (size_t i = 0; i < count; i++) {
		struct interval_tree_node *n;
		for (n = interval_tree_iter_first(&t->root, qstarts[i], qlasts[i]); n;
		     n = interval_tree_iter_next(n, qstarts[i], qlasts[i]))
			acc += n->start;
	}
	return acc;
}

/* Span walks over [firsts[i], lasts[i]]. */
ANCHOR_EXPORT uint64_t anchor_tree_spans(void *p, const uint64_t *firsts, const uint64_t *lasts, size_t count)
{
	struct anchor_tree *t = p;
	struct interval_tree_span_iter span;
	uint64_t acc = 0;
	for (size_t i = 0; i < count; i++) {
		interval_tree_for_each_span(&span, &t->root, firsts[i], lasts[i])
			acc += span.last_used + (uint64_t)span.is_hole;
	}
	return acc;
}

/* --- iopt_alloc_iova, cut verbatim from io_pagetable.c, over a minimal io_pagetable --- */
struct io_pagetable {
	struct rb_root_cached area_itree;
	struct rb_root_cached allowed_itree;
	struct rb_root_cached reserved_itree;
	unsigned long iova_alignment;
	int iova_rwsem;
};
#include "kernel_pages_cut.c"
#include "kernel_iopt_cut.c"

/* Automatic IOVA allocations against fixed trees; returns the sum of the IOVAs found (0 for ENOSPC). */
ANCHOR_EXPORT uint64_t anchor_alloc_iova(void *areas, void *reserved, void *allowed,
					 const uint64_t *addrs, const uint64_t *lengths, size_t count)
{
	struct io_pagetable iopt = {
		.area_itree = ((struct anchor_tree *)areas)->root,
		.reserved_itree = ((struct anchor_tree *)reserved)->root,
		.allowed_itree = ((struct anchor_tree *)allowed)->root,
		.iova_alignment = 1,
	};
	uint64_t acc = 0;
	for (size_t i = 0; i < count; i++) {
		unsigned long iova = 0;
		if (!iopt_alloc_iova(&iopt, &iova, addrs[i], lengths[i]))
			acc += iova;
	}
	return acc;
}

/* Fills a pfn_batch from a PFN stream with batch_add_pfn, clearing whenever it is full (as a pfn_reader consumer
 * would after flushing the batch). Returns the total PFNs seen through the batch. */
ANCHOR_EXPORT uint64_t anchor_batch_fill(const uint64_t *pfns, size_t count, size_t max_pages)
{
	struct pfn_batch batch;
	uint64_t acc = 0;
	if (batch_init(&batch, max_pages))
		return 0;
	for (size_t i = 0; i < count; i++) {
		if (!batch_add_pfn(&batch, pfns[i])) {
			acc += batch.total_pfns;
			batch_clear(&batch);
			batch_add_pfn(&batch, pfns[i]);
		}
	}
	acc += batch.total_pfns;
	batch_destroy(&batch, NULL);
	return acc;
}
