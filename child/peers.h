/*
 * peers.h - client addresses, and how many connections each one has open.
 *
 * The server gives every address a bounded share of its connections
 * (server_config.max_connections_per_peer): it asks the count here before
 * it takes a connection and gives it back when the connection closes. The
 * counts live in one open-addressing hash table allocated from the child's
 * arena at start, sized for every connection the server may hold at once:
 * it never grows, and a full table refuses instead of allocating.
 *
 * The hash is keyed with a random value taken at start, so that a client
 * who controls many addresses (an IPv6 prefix) cannot choose ones that
 * collide and turn each look-up into a walk of the whole table.
 */
#ifndef WARDEN_CHILD_PEERS_H
#define WARDEN_CHILD_PEERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct arena;

enum {
	/* "[ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255]:65535" and its NUL */
	PEER_TEXT_MAX = 64,
};

/* An IPv6 address, or an IPv4 one mapped (::ffff:a.b.c.d): a client that
 * reaches a dual-stack socket over IPv4 counts as its IPv4 address. */
struct peer_address {
	uint8_t bytes[16];
};

/* The address of `sa` (AF_INET or AF_INET6), and its text with the port
 * for logs ("127.0.0.1:5000", "[::1]:5000"). Returns false for another
 * family. */
bool peer_address_of(const struct sockaddr_storage *sa, struct peer_address *out,
                     char text[PEER_TEXT_MAX]);

struct peer_table;

/* A table for up to `max_peers` addresses at once. NULL when the arena
 * cannot hold it. */
struct peer_table *peer_table_create(struct arena *arena, uint32_t max_peers, uint64_t hash_key);
void peer_table_free(struct arena *arena, struct peer_table *t);

/* Counts one more connection from `addr` unless it has `limit` open
 * already (or the table is full): then returns false and counts nothing. */
bool peer_table_take(struct peer_table *t, const struct peer_address *addr, uint32_t limit);

/* Gives back one connection of `addr` (taken before). */
void peer_table_give_back(struct peer_table *t, const struct peer_address *addr);

/* Connections open from `addr`; and addresses with one open at least. */
uint32_t peer_table_count(const struct peer_table *t, const struct peer_address *addr);
uint32_t peer_table_peers(const struct peer_table *t);

#endif
