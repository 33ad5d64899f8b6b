/*
 * The child's count of connections per client address (child/peers.c):
 * its limit, its full table, and its removal, which moves entries back
 * and is checked against a plain array through many random takes and
 * give-backs in a small table where probes run long and wrap around.
 */
#include "child/arena.h"
#include "child/peers.h"

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

static struct arena a;

static void reserve(void)
{
	cr_assert_eq(arena_reserve(&a, 1 << 20), 0);
}

static void release(void)
{
	arena_release(&a);
}

TestSuite(peers, .init = reserve, .fini = release);

static struct peer_address v4(const char *text, unsigned port, char out[PEER_TEXT_MAX])
{
	struct sockaddr_storage ss = {0};
	struct sockaddr_in *in = (struct sockaddr_in *)&ss;
	in->sin_family = AF_INET;
	in->sin_port = htons((uint16_t)port);
	cr_assert_eq(inet_pton(AF_INET, text, &in->sin_addr), 1);
	struct peer_address addr;
	cr_assert(peer_address_of(&ss, &addr, out));
	return addr;
}

Test(peers, addresses_and_their_text)
{
	char text[PEER_TEXT_MAX];
	struct peer_address four = v4("127.0.0.2", 5000, text);
	cr_expect_str_eq(text, "127.0.0.2:5000");
	/* The same client over a dual-stack socket: ::ffff:127.0.0.2. */
	struct sockaddr_storage ss = {0};
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
	in6->sin6_family = AF_INET6;
	in6->sin6_port = htons(6000);
	cr_assert_eq(inet_pton(AF_INET6, "::ffff:127.0.0.2", &in6->sin6_addr), 1);
	struct peer_address mapped;
	cr_assert(peer_address_of(&ss, &mapped, text));
	cr_expect_str_eq(text, "127.0.0.2:6000");
	cr_expect_eq(memcmp(&four, &mapped, sizeof(four)), 0);
	cr_assert_eq(inet_pton(AF_INET6, "::1", &in6->sin6_addr), 1);
	cr_assert(peer_address_of(&ss, &mapped, text));
	cr_expect_str_eq(text, "[::1]:6000");
	ss.ss_family = AF_UNIX;
	cr_expect(!peer_address_of(&ss, &mapped, text));
}

Test(peers, the_limit_and_the_full_table)
{
	char text[PEER_TEXT_MAX];
	struct peer_table *t = peer_table_create(&a, 3, 42);
	cr_assert_not_null(t);
	struct peer_address one = v4("10.0.0.1", 1, text), two = v4("10.0.0.2", 1, text);
	struct peer_address three = v4("10.0.0.3", 1, text), four = v4("10.0.0.4", 1, text);
	cr_expect(peer_table_take(t, &one, 2));
	cr_expect(peer_table_take(t, &one, 2));
	cr_expect(!peer_table_take(t, &one, 2), "a third beyond a share of 2");
	cr_expect_eq(peer_table_count(t, &one), 2);
	cr_expect(peer_table_take(t, &two, 2));
	cr_expect(peer_table_take(t, &three, 2));
	cr_expect(!peer_table_take(t, &four, 2), "a fourth address in 3");
	cr_expect_eq(peer_table_peers(t), 3);
	peer_table_give_back(t, &two);
	cr_expect_eq(peer_table_count(t, &two), 0);
	cr_expect(peer_table_take(t, &four, 2), "a freed place is taken");
	peer_table_give_back(t, &two); /* never taken now: ignored, not corrupting */
	cr_expect_eq(peer_table_peers(t), 3);
	peer_table_free(&a, t);
}

/* xorshift64: a fixed sequence, the same on every run. */
static uint64_t next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

Test(peers, random_takes_and_give_backs_match_a_plain_count)
{
	enum { PEERS = 64, ADDRESSES = 96, STEPS = 200000 };
	static uint32_t want[ADDRESSES];
	static struct peer_address addrs[ADDRESSES];
	char text[PEER_TEXT_MAX];
	uint64_t s = 0x9e3779b97f4a7c15u;
	struct peer_table *t = peer_table_create(&a, PEERS, 7);
	cr_assert_not_null(t);
	for (unsigned i = 0; i < ADDRESSES; i++) {
		char name[32];
		snprintf(name, sizeof(name), "10.%u.%u.%u", i % 3, i / 3, i * 7 % 256);
		addrs[i] = v4(name, 1, text);
	}
	unsigned peers = 0;
	for (unsigned step = 0; step < STEPS; step++) {
		unsigned i = (unsigned)(next(&s) % ADDRESSES);
		if (next(&s) % 2 == 0) {
			bool room = want[i] > 0 || peers < PEERS;
			bool ok = want[i] < 3 && room;
			cr_assert_eq(peer_table_take(t, &addrs[i], 3), ok, "step %u", step);
			if (ok && want[i]++ == 0)
				peers++;
		} else if (want[i] > 0) {
			peer_table_give_back(t, &addrs[i]);
			if (--want[i] == 0)
				peers--;
		}
		if (step % 1000 == 0)
			for (unsigned j = 0; j < ADDRESSES; j++)
				cr_assert_eq(peer_table_count(t, &addrs[j]), want[j], "step %u",
				             step);
	}
	cr_expect_eq(peer_table_peers(t), peers);
	peer_table_free(&a, t);
}
