/*
 * peers.c - see peers.h. Linear probing over a power-of-two table at most
 * half full; removal shifts the following entries back (no tombstones), so
 * a long-running server's probes stay as short as on its first day.
 */
#include "peers.h"
#include "arena.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

struct peer_entry {
	struct peer_address addr;
	uint32_t count; /* 0: the slot is free */
};

struct peer_table {
	uint64_t key[2];
	uint32_t mask; /* slots - 1 */
	uint32_t max_peers, peers;
	struct peer_entry slots[];
};

/* ---- Addresses --------------------------------------------------------------- */

static void map_ipv4(const struct in_addr *a, struct peer_address *out)
{
	memset(out->bytes, 0, 10);
	out->bytes[10] = out->bytes[11] = 0xff;
	memcpy(out->bytes + 12, &a->s_addr, 4);
}

static bool is_mapped_ipv4(const struct peer_address *a)
{
	static const uint8_t prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	return memcmp(a->bytes, prefix, sizeof(prefix)) == 0;
}

static void format(const struct peer_address *a, unsigned port, char text[PEER_TEXT_MAX])
{
	char name[INET6_ADDRSTRLEN] = "?";
	if (is_mapped_ipv4(a)) {
		inet_ntop(AF_INET, a->bytes + 12, name, sizeof(name));
		snprintf(text, PEER_TEXT_MAX, "%s:%u", name, port);
	} else {
		inet_ntop(AF_INET6, a->bytes, name, sizeof(name));
		snprintf(text, PEER_TEXT_MAX, "[%s]:%u", name, port);
	}
}

bool peer_address_of(const struct sockaddr_storage *sa, struct peer_address *out,
                     char text[PEER_TEXT_MAX])
{
	unsigned port;
	if (sa->ss_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
		map_ipv4(&in->sin_addr, out);
		port = ntohs(in->sin_port);
	} else if (sa->ss_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
		memcpy(out->bytes, &in6->sin6_addr, 16);
		port = ntohs(in6->sin6_port);
	} else {
		return false;
	}
	format(out, port, text);
	return true;
}

/* ---- The table ------------------------------------------------------------------ */

/* splitmix64's finaliser: every input bit moves every output bit. */
static uint64_t mix(uint64_t x)
{
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9u;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebu;
	return x ^ (x >> 31);
}

static uint32_t slot_of(const struct peer_table *t, const struct peer_address *a)
{
	uint64_t lo, hi;
	memcpy(&lo, a->bytes, 8);
	memcpy(&hi, a->bytes + 8, 8);
	return (uint32_t)mix(mix(lo ^ t->key[0]) ^ hi ^ t->key[1]) & t->mask;
}

struct peer_table *peer_table_create(struct arena *arena, uint32_t max_peers, uint64_t hash_key)
{
	if (max_peers == 0 || max_peers > (1u << 24))
		return NULL;
	uint32_t slots = 8;
	while (slots < 2 * max_peers)
		slots *= 2;
	struct peer_table *t =
	        arena_calloc(arena, 1, sizeof(*t) + (size_t)slots * sizeof(struct peer_entry));
	if (t == NULL)
		return NULL;
	t->key[0] = mix(hash_key);
	t->key[1] = mix(hash_key ^ 0x9e3779b97f4a7c15u);
	t->mask = slots - 1;
	t->max_peers = max_peers;
	return t;
}

void peer_table_free(struct arena *arena, struct peer_table *t)
{
	arena_free(arena, t);
}

/* The slot holding `a`, or the free slot where it would go. The table is
 * never more than half full, so a free slot is always found. */
static struct peer_entry *find(const struct peer_table *t, const struct peer_address *a)
{
	uint32_t i = slot_of(t, a);
	while (t->slots[i].count != 0 && memcmp(&t->slots[i].addr, a, sizeof(*a)) != 0)
		i = (i + 1) & t->mask;
	return (struct peer_entry *)&t->slots[i];
}

bool peer_table_take(struct peer_table *t, const struct peer_address *addr, uint32_t limit)
{
	struct peer_entry *e = find(t, addr);
	if (e->count >= limit || (e->count == 0 && t->peers >= t->max_peers))
		return false;
	if (e->count++ == 0) {
		e->addr = *addr;
		t->peers++;
	}
	return true;
}

/* Frees slot i and moves back the entries after it that probed past it
 * (Knuth's algorithm R), so that every entry stays reachable from its
 * home slot without a gap. */
static void remove_at(struct peer_table *t, uint32_t i)
{
	for (uint32_t j = (i + 1) & t->mask; t->slots[j].count != 0; j = (j + 1) & t->mask) {
		uint32_t home = slot_of(t, &t->slots[j].addr);
		/* j's entry may fill the hole at i unless its home lies in (i, j]. */
		bool stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
		if (stays)
			continue;
		t->slots[i] = t->slots[j];
		i = j;
	}
	t->slots[i].count = 0;
	t->peers--;
}

void peer_table_give_back(struct peer_table *t, const struct peer_address *addr)
{
	struct peer_entry *e = find(t, addr);
	if (e->count == 0)
		return; /* not taken: a caller's bug, but not one to corrupt the table */
	if (--e->count == 0)
		remove_at(t, (uint32_t)(e - t->slots));
}

uint32_t peer_table_count(const struct peer_table *t, const struct peer_address *addr)
{
	return find(t, addr)->count;
}

uint32_t peer_table_peers(const struct peer_table *t)
{
	return t->peers;
}
