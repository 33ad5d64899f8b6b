/*
 * arena.c - size-class allocator over one reserved region.
 */
#include "arena.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <uv.h>

/* Every block starts with a header that remembers its class, so free and
 * realloc need no lookup. 16 bytes keep the payload 16-byte aligned. */
struct block_header {
	uint32_t size_class;
	uint32_t magic;
	uint64_t reserved;
};
#define BLOCK_MAGIC 0x57a11c0cu

_Static_assert(sizeof(struct block_header) == 16, "header keeps payloads aligned");

int arena_reserve(struct arena *a, size_t bytes)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t size = (bytes + (size_t)page - 1) & ~((size_t)page - 1);
	memset(a, 0, sizeof(*a));
	if (size == 0)
		return -EINVAL;
	void *region = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (region == MAP_FAILED)
		return -errno;
	a->base = a->next = region;
	a->end = a->base + size;
	return 0;
}

void arena_release(struct arena *a)
{
	if (a->base != NULL)
		munmap(a->base, (size_t)(a->end - a->base));
	memset(a, 0, sizeof(*a));
}

size_t arena_capacity(const struct arena *a)
{
	return (size_t)(a->end - a->base);
}

static int class_for(size_t size)
{
	if (size > ((size_t)1 << ARENA_MAX_CLASS) - sizeof(struct block_header))
		return -1;
	size_t total = size + sizeof(struct block_header);
	int c = ARENA_MIN_CLASS;
	while (((size_t)1 << c) < total)
		c++;
	return c;
}

size_t arena_block_size(size_t size)
{
	int c = class_for(size == 0 ? 1 : size);
	return c < 0 ? 0 : (size_t)1 << c;
}

size_t arena_usable_size(size_t size)
{
	size_t block = arena_block_size(size);
	return block == 0 ? 0 : block - sizeof(struct block_header);
}

void *arena_malloc(struct arena *a, size_t size)
{
	int c = class_for(size == 0 ? 1 : size);
	if (c < 0 || a->base == NULL)
		goto refuse;
	size_t block = (size_t)1 << c;
	struct block_header *h = a->free_lists[c];
	if (h != NULL) {
		a->free_lists[c] = *(void **)(h + 1);
	} else {
		if ((size_t)(a->end - a->next) < block)
			goto refuse;
		h = (struct block_header *)a->next;
		a->next += block;
	}
	h->size_class = (uint32_t)c;
	h->magic = BLOCK_MAGIC;
	a->used += block;
	if (a->used > a->peak)
		a->peak = a->used;
	return h + 1;
refuse:
	a->failures++;
	return NULL;
}

void *arena_calloc(struct arena *a, size_t count, size_t size)
{
	if (size != 0 && count > SIZE_MAX / size) {
		a->failures++;
		return NULL;
	}
	void *p = arena_malloc(a, count * size);
	if (p != NULL)
		memset(p, 0, count * size);
	return p;
}

static struct block_header *header_of(const struct arena *a, void *ptr)
{
	struct block_header *h = (struct block_header *)ptr - 1;
	/* A pointer that is not ours is a bug that must not corrupt the free
	 * lists: crash here rather than later. */
	if ((uint8_t *)h < a->base || (uint8_t *)h >= a->next || h->magic != BLOCK_MAGIC ||
	    h->size_class < ARENA_MIN_CLASS || h->size_class > ARENA_MAX_CLASS)
		__builtin_trap();
	return h;
}

void arena_free(struct arena *a, void *ptr)
{
	if (ptr == NULL)
		return;
	struct block_header *h = header_of(a, ptr);
	unsigned c = h->size_class;
	h->magic = 0; /* a second free of the same block traps */
	*(void **)(h + 1) = a->free_lists[c];
	a->free_lists[c] = h;
	a->used -= (size_t)1 << c;
}

void *arena_realloc(struct arena *a, void *ptr, size_t size)
{
	if (ptr == NULL)
		return arena_malloc(a, size);
	if (size == 0) {
		arena_free(a, ptr);
		return NULL;
	}
	struct block_header *h = header_of(a, ptr);
	size_t capacity = ((size_t)1 << h->size_class) - sizeof(*h);
	if (size <= capacity)
		return ptr;
	void *grown = arena_malloc(a, size);
	if (grown == NULL)
		return NULL; /* the old block stays valid, as realloc promises */
	memcpy(grown, ptr, capacity);
	arena_free(a, ptr);
	return grown;
}

/* ---- libuv's allocator ---------------------------------------------------
 * uv_replace_allocator takes bare function pointers, so the arena they use
 * is the one thing per process that must be reachable without a context. */
static struct arena *process_arena;

static void *uv_arena_malloc(size_t size)
{
	return arena_malloc(process_arena, size);
}

static void *uv_arena_realloc(void *ptr, size_t size)
{
	return arena_realloc(process_arena, ptr, size);
}

static void *uv_arena_calloc(size_t count, size_t size)
{
	return arena_calloc(process_arena, count, size);
}

static void uv_arena_free(void *ptr)
{
	arena_free(process_arena, ptr);
}

int arena_install_for_libuv(struct arena *a)
{
	process_arena = a;
	return uv_replace_allocator(uv_arena_malloc, uv_arena_realloc, uv_arena_calloc,
	                            uv_arena_free) == 0
	               ? 0
	               : -1;
}
