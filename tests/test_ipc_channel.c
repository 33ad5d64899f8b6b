/*
 * test_ipc_channel.c - the channel over real socketpairs and the real
 * kernel: sequence and direction, hangup, oversize packets, EAGAIN; the
 * descriptor handover and every way it can go wrong, with the process's
 * open descriptors counted before and after (no leak); a hostile peer; the
 * channel under the child's seccomp policy; and the parent's libuv
 * endpoint.
 */
#include "policy/child_policy.h"
#include "ipc/ipc.h"
#include "ipc_samples.h"
#include "ipc/endpoint.h"
#include "open_fds.h"
#include "policy/policy.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- Helpers ---------------------------------------------------------------- */

static int count_fds(void)
{
	int n = open_fds();
	cr_assert_geq(n, 0, "cannot list /proc/self/fd");
	return n;
}

struct pair {
	int parent_fd, child_fd;
	struct ipc_channel parent; /* receives what the child sends */
	struct ipc_channel child;  /* receives what the parent sends */
};

static void pair_open(struct pair *x)
{
	int fds[2];
	cr_assert_eq(ipc_socketpair(fds), 0);
	x->parent_fd = fds[0];
	x->child_fd = fds[1];
	ipc_channel_init(&x->parent, fds[0], IPC_TO_PARENT);
	ipc_channel_init(&x->child, fds[1], IPC_TO_CHILD);
}

static void pair_close(struct pair *x)
{
	if (x->parent_fd >= 0)
		close(x->parent_fd);
	if (x->child_fd >= 0)
		close(x->child_fd);
	x->parent_fd = x->child_fd = -1;
}

static size_t encode(unsigned type, uint32_t sequence, unsigned variant, uint8_t *buf)
{
	struct ipc_message m;
	ipc_sample(type, sequence, variant, &m);
	size_t n = ipc_encode(&m, buf, IPC_MAX_MESSAGE);
	cr_assert_gt(n, 0);
	return n;
}

static void send_raw(int fd, const void *buf, size_t n)
{
	cr_assert_eq(send(fd, buf, n, MSG_NOSIGNAL), (ssize_t)n, "send: %s", strerror(errno));
}

static ssize_t receive(struct ipc_channel *ch, struct ipc_message *m, struct ipc_decode_error *err)
{
	static uint8_t raw[IPC_MAX_MESSAGE + 1];
	return ipc_receive(ch, m, raw, sizeof(raw), err);
}

static int file_fd(int flags)
{
	char path[] = "/tmp/warden-ipc-test-XXXXXX";
	int tmp = mkstemp(path);
	cr_assert_geq(tmp, 0);
	int fd = open(path, flags | O_CLOEXEC);
	cr_assert_geq(fd, 0);
	unlink(path);
	close(tmp);
	return fd;
}

static int log_fd(void)
{
	return file_fd(O_WRONLY | O_APPEND);
}

static int inet_socket(int type, bool listening)
{
	int s = socket(AF_INET, type | SOCK_CLOEXEC, 0);
	cr_assert_geq(s, 0);
	struct sockaddr_in addr = {.sin_family = AF_INET,
	                           .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	cr_assert_eq(bind(s, (struct sockaddr *)&addr, sizeof(addr)), 0);
	if (listening)
		cr_assert_eq(listen(s, 4), 0);
	return s;
}

static int listen_fd(void)
{
	return inet_socket(SOCK_STREAM, true);
}

/* A listening AF_UNIX socket, bound to an abstract address of the
 * kernel's choosing (autobind: an address of just the family). */
static int unix_listen_fd(int type)
{
	int s = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
	cr_assert_geq(s, 0);
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	cr_assert_eq(bind(s, (struct sockaddr *)&addr, sizeof(sa_family_t)), 0);
	cr_assert_eq(listen(s, 1), 0);
	return s;
}

/* ---- Send and receive --------------------------------------------------------- */

Test(ipc_channel, socketpair_is_seqpacket_and_cloexec)
{
	int fds[2];
	cr_assert_eq(ipc_socketpair(fds), 0);
	for (int i = 0; i < 2; i++) {
		int type;
		socklen_t len = sizeof(type);
		cr_assert_eq(getsockopt(fds[i], SOL_SOCKET, SO_TYPE, &type, &len), 0);
		cr_expect_eq(type, SOCK_SEQPACKET);
		cr_expect(fcntl(fds[i], F_GETFD) & FD_CLOEXEC);
		close(fds[i]);
	}
}

/* Every type the right way, with the channels' sequence and counters. */
Test(ipc_channel, every_type_both_ways)
{
	struct pair x;
	pair_open(&x);
	uint8_t out[IPC_MAX_MESSAGE];
	uint64_t bytes[2] = {0, 0};
	uint32_t sent[2] = {0, 0};
	for (unsigned t = IPC_TYPE_MIN; t <= IPC_TYPE_MAX; t++) {
		if (t == IPC_HELLO)
			continue;
		/* Error goes both ways; everything else one way. */
		for (int way = 0; way < 2; way++) {
			bool to_child = way == 0;
			if (ipc_type_direction(t) != IPC_EITHER &&
			    (ipc_type_direction(t) == IPC_TO_CHILD) != to_child)
				continue;
			struct ipc_channel *from = to_child ? &x.parent : &x.child;
			struct ipc_channel *to = to_child ? &x.child : &x.parent;
			struct ipc_message m, got;
			struct ipc_decode_error err;
			ipc_sample(t, 0, t, &m);
			ssize_t n = ipc_send(from, &m, out, sizeof(out));
			cr_assert_gt(n, 0, "%s: %zd", ipc_type_name(t), n);
			cr_expect_eq(m.sequence, ++sent[way], "the sender sets the sequence");
			bytes[way] += (uint64_t)n;
			cr_assert_eq(receive(to, &got, &err), n, "%s: %s", ipc_type_name(t),
			             err.message);
			const char *why = NULL;
			cr_expect(ipc_messages_equal(&m, &got, &why), "%s: %s", ipc_type_name(t),
			          why);
		}
	}
	cr_expect_eq(x.parent.next_send, sent[0] + 1);
	cr_expect_eq(x.child.next_receive, sent[0] + 1);
	cr_expect_eq(x.parent.messages_out, sent[0]);
	cr_expect_eq(x.child.messages_in, sent[0]);
	cr_expect_eq(x.parent.bytes_out, bytes[0]);
	cr_expect_eq(x.child.bytes_in, bytes[0]);
	cr_expect_eq(x.child.messages_out, sent[1]);
	cr_expect_eq(x.parent.messages_in, sent[1]);
	cr_expect_eq(x.parent.bytes_in, bytes[1]);
	pair_close(&x);
}

Test(ipc_channel, send_refusals)
{
	struct pair x;
	pair_open(&x);
	uint8_t out[IPC_MAX_MESSAGE];
	struct ipc_message m;
	ipc_sample(IPC_PONG, 0, 0, &m);
	cr_expect_eq(ipc_send(&x.parent, &m, out, sizeof(out)), -EINVAL, "parent sends pong");
	ipc_sample(IPC_CONFIG, 0, 0, &m);
	cr_expect_eq(ipc_send(&x.child, &m, out, sizeof(out)), -EINVAL, "child sends config");
	ipc_sample(IPC_HELLO, 0, 0, &m);
	cr_expect_eq(ipc_send(&x.parent, &m, out, sizeof(out)), -EINVAL, "hello without fds");
	ipc_sample(IPC_CONFIG, 0, 1, &m);
	m.u.config.max_connections = 0;
	cr_expect_eq(ipc_send(&x.parent, &m, out, sizeof(out)), -EMSGSIZE, "invalid config");
	ipc_sample(IPC_STATUS, 0, 0, &m);
	cr_expect_eq(ipc_send(&x.parent, &m, out, 100), -EMSGSIZE, "buffer too small");
	cr_expect_eq(x.parent.next_send, 1, "a refused message uses no sequence number");
	cr_expect_eq(x.parent.messages_out, 0);
	pair_close(&x);
}

Test(ipc_channel, wrong_sequence)
{
	struct pair x;
	pair_open(&x);
	uint8_t buf[IPC_MAX_MESSAGE];
	struct ipc_message m;
	struct ipc_decode_error err;
	send_raw(x.child_fd, buf, encode(IPC_PONG, 5, 0, buf));
	cr_expect_eq(receive(&x.parent, &m, &err), -EPROTO);
	cr_expect_eq(err.status, IPC_E_SEQUENCE);
	cr_expect_str_eq(err.message, "pong: sequence 5, expected 1");
	send_raw(x.child_fd, buf, encode(IPC_PONG, 0, 0, buf));
	cr_expect_eq(receive(&x.parent, &m, &err), -EPROTO);
	cr_expect_str_eq(err.message, "pong: sequence 0, expected 1");
	cr_expect_eq(x.parent.next_receive, 1, "a rejected message does not advance");
	cr_expect_eq(x.parent.messages_in, 0);
	size_t n = encode(IPC_PONG, 1, 0, buf);
	send_raw(x.child_fd, buf, n);
	cr_expect_eq(receive(&x.parent, &m, &err), (ssize_t)n, "%s", err.message);
	send_raw(x.child_fd, buf, n); /* a replay */
	cr_expect_eq(receive(&x.parent, &m, &err), -EPROTO);
	cr_expect_str_eq(err.message, "pong: sequence 1, expected 2");
	pair_close(&x);
}

Test(ipc_channel, sequence_wraps_past_zero)
{
	struct pair x;
	pair_open(&x);
	uint8_t out[IPC_MAX_MESSAGE];
	struct ipc_message m, got;
	x.parent.next_send = UINT32_MAX;
	x.child.next_receive = UINT32_MAX;
	for (int i = 0; i < 2; i++) {
		ipc_sample(IPC_PING, 0, 0, &m);
		cr_assert_gt(ipc_send(&x.parent, &m, out, sizeof(out)), 0);
		cr_assert_gt(receive(&x.child, &got, NULL), 0);
		cr_expect_eq(got.sequence, i == 0 ? UINT32_MAX : 1);
	}
	cr_expect_eq(x.child.next_receive, 2);
	pair_close(&x);
}

Test(ipc_channel, wrong_direction)
{
	struct pair x;
	pair_open(&x);
	uint8_t buf[IPC_MAX_MESSAGE];
	struct ipc_message m;
	struct ipc_decode_error err;
	send_raw(x.child_fd, buf, encode(IPC_CONFIG, 1, 0, buf));
	cr_expect_eq(receive(&x.parent, &m, &err), -EPROTO);
	cr_expect_eq(err.status, IPC_E_DIRECTION);
	cr_expect_str_eq(
	        err.message,
	        "config: a parent-to-child message, but this end receives child-to-parent ones");
	send_raw(x.parent_fd, buf, encode(IPC_VIOLATION, 1, 0, buf));
	cr_expect_eq(receive(&x.child, &m, &err), -EPROTO);
	cr_expect_str_eq(
	        err.message,
	        "violation: a child-to-parent message, but this end receives parent-to-child ones");
	/* A hello needs its descriptors: never through ipc_receive. */
	send_raw(x.parent_fd, buf, encode(IPC_HELLO, 1, 0, buf));
	cr_expect_eq(receive(&x.child, &m, &err), -EPROTO);
	cr_expect_eq(err.status, IPC_E_FDS);
	cr_expect_str_eq(err.message, "hello: received without its descriptors");
	pair_close(&x);
}

Test(ipc_channel, malformed_reports_length)
{
	struct pair x;
	pair_open(&x);
	struct ipc_message m;
	struct ipc_decode_error err;
	send_raw(x.child_fd, "GARBAGE-NOT-IPC-MESSAGE", 23);
	cr_expect_eq(receive(&x.parent, &m, &err), -EPROTO);
	cr_expect_eq(err.status, IPC_E_MAGIC);
	cr_expect_eq(err.length, 23);
	pair_close(&x);
}

Test(ipc_channel, peer_closed)
{
	struct pair x;
	pair_open(&x);
	struct ipc_message m;
	close(x.child_fd);
	x.child_fd = -1;
	cr_expect_eq(receive(&x.parent, &m, NULL), 0);
	cr_expect_eq(receive(&x.parent, &m, NULL), 0);
	/* Sending to a closed peer: EPIPE, and no SIGPIPE (MSG_NOSIGNAL). */
	uint8_t out[IPC_MAX_MESSAGE];
	ipc_sample(IPC_PING, 0, 0, &m);
	cr_expect_eq(ipc_send(&x.parent, &m, out, sizeof(out)), -EPIPE);
	pair_close(&x);
}

/* A child that dies with messages of the parent's unread leaves ECONNRESET
 * on the parent's end, reported once ahead of what the child sent before
 * dying: that is still read, then the hangup. */
Test(ipc_channel, peer_died_with_our_messages_unread)
{
	struct pair x;
	pair_open(&x);
	struct ipc_message m, got;
	uint8_t out[IPC_MAX_MESSAGE];
	ipc_sample(IPC_PING, 0, 0, &m);
	cr_assert_gt(ipc_send(&x.parent, &m, out, sizeof(out)), 0); /* never read */
	ipc_sample(IPC_VIOLATION, 0, 1, &m);
	cr_assert_gt(ipc_send(&x.child, &m, out, sizeof(out)), 0); /* its last words */
	close(x.child_fd);
	x.child_fd = -1;
	struct ipc_decode_error err;
	cr_expect_gt(receive(&x.parent, &got, &err), 0, "%s", err.message);
	cr_expect_eq(got.type, IPC_VIOLATION);
	cr_expect_eq(receive(&x.parent, &got, NULL), 0);
	pair_close(&x);
}

/* read(2) cannot tell an empty packet from a hangup: both are 0, and the
 * parent ends the child either way. */
Test(ipc_channel, empty_packet_reads_as_hangup)
{
	struct pair x;
	pair_open(&x);
	send_raw(x.child_fd, "", 0);
	struct ipc_message m;
	cr_expect_eq(receive(&x.parent, &m, NULL), 0);
	pair_close(&x);
}

Test(ipc_channel, oversize_packets)
{
	struct pair x;
	pair_open(&x);
	static uint8_t big[4096];
	struct ipc_message m;
	struct ipc_decode_error err;
	/* A valid header in front of IPC_MAX_MESSAGE + 1 bytes. */
	encode(IPC_PONG, 1, 0, big);
	send_raw(x.child_fd, big, IPC_MAX_MESSAGE + 1);
	cr_expect_eq(receive(&x.parent, &m, &err), -EPROTO);
	cr_expect_eq(err.status, IPC_E_OVERSIZE);
	cr_expect_str_eq(err.message, "pong: 2049 bytes, more than the maximum 2048");
	cr_expect_eq(err.length, IPC_MAX_MESSAGE + 1);
	/* Far bigger: read(2) takes what fits, which is still one too many. */
	send_raw(x.child_fd, big, sizeof(big));
	cr_expect_eq(receive(&x.parent, &m, &err), -EPROTO);
	cr_expect_eq(err.status, IPC_E_OVERSIZE);
	/* The rest of that packet is gone: the next one is read whole. */
	size_t n = encode(IPC_PONG, 1, 0, big);
	send_raw(x.child_fd, big, n);
	cr_expect_eq(receive(&x.parent, &m, &err), (ssize_t)n, "%s", err.message);
	/* Exactly IPC_MAX_MESSAGE is not oversize; its length is wrong. */
	encode(IPC_PONG, 2, 0, big);
	send_raw(x.child_fd, big, IPC_MAX_MESSAGE);
	cr_expect_eq(receive(&x.parent, &m, &err), -EPROTO);
	cr_expect_eq(err.status, IPC_E_LENGTH);
	pair_close(&x);
}

Test(ipc_channel, receive_buffer_too_small)
{
	struct pair x;
	pair_open(&x);
	uint8_t raw[IPC_MAX_MESSAGE];
	struct ipc_message m;
	struct ipc_decode_error err;
	cr_expect_eq(ipc_receive(&x.parent, &m, raw, sizeof(raw), &err), -EINVAL);
	cr_expect_eq(err.status, IPC_E_IO);
	pair_close(&x);
}

Test(ipc_channel, nonblocking_eagain)
{
	struct pair x;
	pair_open(&x);
	cr_assert_eq(fcntl(x.parent_fd, F_SETFL, O_NONBLOCK), 0);
	struct ipc_message m;
	struct ipc_decode_error err;
	cr_expect_eq(receive(&x.parent, &m, &err), -EAGAIN);
	cr_expect_eq(err.status, IPC_E_IO);
	uint8_t buf[IPC_MAX_MESSAGE];
	size_t n = encode(IPC_PONG, 1, 0, buf);
	send_raw(x.child_fd, buf, n);
	cr_expect_eq(receive(&x.parent, &m, &err), (ssize_t)n);
	cr_expect_eq(receive(&x.parent, &m, &err), -EAGAIN);
	pair_close(&x);
}

Test(ipc_channel, socket_error)
{
	struct ipc_channel ch;
	ipc_channel_init(&ch, 1000, IPC_TO_PARENT); /* not open */
	struct ipc_message m;
	struct ipc_decode_error err;
	cr_expect_eq(receive(&ch, &m, &err), -EBADF);
	cr_expect_eq(err.status, IPC_E_IO);
	cr_expect_str_eq(err.message, "read: Bad file descriptor");
	cr_expect_eq(err.length, 0);
}

/* ---- Control data on ordinary messages ----------------------------------------- */

struct control_part {
	int level, type;
	const void *data;
	size_t len;
};

static ssize_t send_with_control(int fd, const void *buf, size_t n,
                                 const struct control_part *parts, size_t count)
{
	union {
		struct cmsghdr align;
		char buf[1024];
	} control;
	memset(&control, 0, sizeof(control));
	size_t used = 0;
	for (size_t i = 0; i < count; i++) {
		cr_assert_leq(used + CMSG_SPACE(parts[i].len), sizeof(control.buf));
		struct cmsghdr *cm = (struct cmsghdr *)(void *)(control.buf + used);
		cm->cmsg_level = parts[i].level;
		cm->cmsg_type = parts[i].type;
		cm->cmsg_len = CMSG_LEN(parts[i].len);
		memcpy(CMSG_DATA(cm), parts[i].data, parts[i].len);
		used += CMSG_SPACE(parts[i].len);
	}
	struct iovec iov = {.iov_base = (void *)buf, .iov_len = n};
	struct msghdr mh = {.msg_iov = &iov,
	                    .msg_iovlen = 1,
	                    .msg_control = used > 0 ? control.buf : NULL,
	                    .msg_controllen = used};
	return sendmsg(fd, &mh, MSG_NOSIGNAL);
}

static ssize_t send_with_fds(int fd, const void *buf, size_t n, const int *fds, size_t count)
{
	struct control_part part = {SOL_SOCKET, SCM_RIGHTS, fds, count * sizeof(int)};
	return send_with_control(fd, buf, n, &part, count > 0 ? 1 : 0);
}

/* Descriptors sent along with an ordinary message never reach the
 * receiver: read(2) has no control buffer, so the kernel installs none. */
Test(ipc_channel, fds_with_ordinary_message_not_installed)
{
	struct pair x;
	pair_open(&x);
	int p[2];
	cr_assert_eq(pipe(p), 0);
	uint8_t buf[IPC_MAX_MESSAGE];
	size_t n = encode(IPC_PONG, 1, 0, buf);
	cr_assert_eq(send_with_fds(x.child_fd, buf, n, p, 2), (ssize_t)n);
	int before = count_fds();
	struct ipc_message m;
	struct ipc_decode_error err;
	cr_expect_eq(receive(&x.parent, &m, &err), (ssize_t)n, "%s", err.message);
	cr_expect_eq(count_fds(), before);
	close(p[0]);
	close(p[1]);
	pair_close(&x);
}

/* ---- Handover ------------------------------------------------------------------- */

static size_t hello_bytes(uint8_t *buf)
{
	return encode(IPC_HELLO, 1, 0, buf);
}

/* Receives a hello that must be rejected with `status` and a message that
 * contains `what`; no descriptor may be left behind. */
static void expect_rejected(struct pair *x, enum ipc_decode_status status, const char *what)
{
	int before = count_fds();
	struct ipc_message m;
	struct ipc_decode_error err;
	int fds[IPC_HANDOVER_FDS] = {1234, 1234};
	uint8_t raw[IPC_MAX_MESSAGE + 1];
	ssize_t n = ipc_receive_hello(&x->child, &m, fds, raw, sizeof(raw), &err);
	cr_expect_eq(n, -EPROTO, "expected a rejection (%s), got %zd", what, n);
	cr_expect_eq(err.status, status, "status %d, not %d: %s", err.status, status, err.message);
	cr_expect_not_null(strstr(err.message, what), "\"%s\" does not say \"%s\"", err.message,
	                   what);
	cr_expect_eq(fds[0], -1);
	cr_expect_eq(fds[1], -1);
	cr_expect_eq(count_fds(), before, "descriptors leaked: %d before, %d after", before,
	             count_fds());
	cr_expect_eq(x->child.next_receive, 1);
}

static void close_all(const int *fds, size_t n)
{
	for (size_t i = 0; i < n; i++)
		close(fds[i]);
}

Test(ipc_handover, success)
{
	struct pair x;
	pair_open(&x);
	int fds[2] = {log_fd(), listen_fd()};
	struct ipc_message hello, got;
	ipc_sample(IPC_HELLO, 0, 3, &hello);
	uint8_t out[IPC_MAX_MESSAGE], raw[IPC_MAX_MESSAGE + 1];
	ssize_t n = ipc_send_hello(&x.parent, &hello, fds, out, sizeof(out));
	cr_assert_eq(n, IPC_HEADER_SIZE + 16);
	cr_expect_eq(hello.sequence, 1);
	int before = count_fds();
	int received[IPC_HANDOVER_FDS];
	struct ipc_decode_error err;
	cr_assert_eq(ipc_receive_hello(&x.child, &got, received, raw, sizeof(raw), &err), n, "%s",
	             err.message);
	cr_expect_eq(count_fds(), before + 2);
	cr_expect(ipc_messages_equal(&hello, &got, NULL));
	/* The kinds, and close-on-exec from MSG_CMSG_CLOEXEC. */
	cr_expect_eq(ipc_check_log_fd(received[0], &err), 0, "%s", err.message);
	cr_expect_eq(ipc_check_listen_fd(received[1], &err), 0, "%s", err.message);
	struct stat a, b;
	cr_assert_eq(fstat(received[0], &a), 0);
	cr_assert_eq(fstat(fds[0], &b), 0);
	cr_expect(a.st_ino == b.st_ino && a.st_dev == b.st_dev, "not the same file");
	for (int i = 0; i < 2; i++)
		cr_expect(fcntl(received[i], F_GETFD) & FD_CLOEXEC);
	/* The conversation goes on at sequence 2. */
	struct ipc_message config;
	ipc_sample(IPC_CONFIG, 0, 0, &config);
	cr_assert_gt(ipc_send(&x.parent, &config, out, sizeof(out)), 0);
	cr_expect_eq(config.sequence, 2);
	cr_expect_gt(receive(&x.child, &got, &err), 0, "%s", err.message);
	cr_expect_eq(x.child.messages_in, 2);
	close_all(received, 2);
	close_all(fds, 2);
	pair_close(&x);
}

Test(ipc_handover, an_af_unix_listening_socket_is_fine)
{
	struct pair x;
	pair_open(&x);
	int fds[2] = {log_fd(), unix_listen_fd(SOCK_STREAM)};
	uint8_t buf[IPC_MAX_MESSAGE], raw[IPC_MAX_MESSAGE + 1];
	cr_assert_gt(send_with_fds(x.parent_fd, buf, hello_bytes(buf), fds, 2), 0);
	struct ipc_message m;
	int received[2];
	struct ipc_decode_error err;
	cr_expect_gt(ipc_receive_hello(&x.child, &m, received, raw, sizeof(raw), &err), 0, "%s",
	             err.message);
	close_all(received, 2);
	close_all(fds, 2);
	pair_close(&x);
}

Test(ipc_handover, wrong_counts)
{
	struct pair x;
	pair_open(&x);
	uint8_t buf[IPC_MAX_MESSAGE];
	size_t n = hello_bytes(buf);
	int fds[3] = {log_fd(), listen_fd(), log_fd()};
	cr_assert_eq(send_with_fds(x.parent_fd, buf, n, fds, 1), (ssize_t)n);
	expect_rejected(&x, IPC_E_FDS, "hello: 1 descriptor, expected 2");
	cr_assert_eq(send_with_fds(x.parent_fd, buf, n, fds, 3), (ssize_t)n);
	expect_rejected(&x, IPC_E_FDS, "hello: 3 descriptors, expected 2");
	cr_assert_eq(send_with_fds(x.parent_fd, buf, n, fds, 0), (ssize_t)n);
	expect_rejected(&x, IPC_E_FDS, "hello: 0 descriptors, expected 2");
	close_all(fds, 3);
	pair_close(&x);
}

/* More descriptors than the receiver's control buffer holds: the kernel
 * installs what fits, drops the rest and sets MSG_CTRUNC. */
Test(ipc_handover, truncated_control_data)
{
	struct pair x;
	pair_open(&x);
	uint8_t buf[IPC_MAX_MESSAGE];
	size_t n = hello_bytes(buf);
	enum { MANY = 40 };
	int fds[MANY];
	for (int i = 0; i < MANY; i++)
		fds[i] = i % 2 ? listen_fd() : log_fd();
	cr_assert_eq(send_with_fds(x.parent_fd, buf, n, fds, MANY), (ssize_t)n);
	expect_rejected(&x, IPC_E_FDS, "hello: control data truncated");
	/* Fewer, but still more than two: counted exactly. */
	cr_assert_eq(send_with_fds(x.parent_fd, buf, n, fds, 20), (ssize_t)n);
	expect_rejected(&x, IPC_E_FDS, "hello: 20 descriptors, expected 2");
	close_all(fds, MANY);
	pair_close(&x);
}

/* Linux merges several SCM_RIGHTS messages of one sendmsg into one list:
 * two of two descriptors arrive as one of four. */
Test(ipc_handover, two_rights_messages)
{
	struct pair x;
	pair_open(&x);
	uint8_t buf[IPC_MAX_MESSAGE], raw[IPC_MAX_MESSAGE + 1];
	size_t n = hello_bytes(buf);
	int fds[2] = {log_fd(), listen_fd()};
	struct control_part parts[2] = {
	        {SOL_SOCKET, SCM_RIGHTS, fds, sizeof(fds)},
	        {SOL_SOCKET, SCM_RIGHTS, fds, sizeof(fds)},
	};
	cr_assert_eq(send_with_control(x.parent_fd, buf, n, parts, 2), (ssize_t)n);
	expect_rejected(&x, IPC_E_FDS, "hello: 4 descriptors, expected 2");
	/* One descriptor each: merged into a valid handover. */
	parts[0].len = parts[1].len = sizeof(int);
	parts[1].data = &fds[1];
	cr_assert_eq(send_with_control(x.parent_fd, buf, n, parts, 2), (ssize_t)n);
	struct ipc_message m;
	struct ipc_decode_error err;
	int received[2];
	cr_expect_eq(ipc_receive_hello(&x.child, &m, received, raw, sizeof(raw), &err), (ssize_t)n,
	             "%s", err.message);
	close_all(received, 2);
	close_all(fds, 2);
	pair_close(&x);
}

static void expect_kind_rejected(int log, int gui, const char *what)
{
	struct pair x;
	pair_open(&x);
	uint8_t buf[IPC_MAX_MESSAGE];
	size_t n = hello_bytes(buf);
	int fds[2] = {log, gui};
	cr_assert_eq(send_with_fds(x.parent_fd, buf, n, fds, 2), (ssize_t)n);
	expect_rejected(&x, IPC_E_FDS, what);
	close_all(fds, 2);
	pair_close(&x);
}

Test(ipc_handover, wrong_kinds)
{
	int p[2];
	cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
	close(p[0]);
	expect_kind_rejected(p[1], listen_fd(), "is a pipe, not a regular file");
	expect_kind_rejected(file_fd(O_WRONLY), listen_fd(),
	                     "is not open for appending (no O_APPEND)");
	expect_kind_rejected(file_fd(O_RDONLY | O_APPEND), listen_fd(), "is not open for writing");
	expect_kind_rejected(listen_fd(), listen_fd(), "is a socket, not a regular file");
	expect_kind_rejected(log_fd(), inet_socket(SOCK_STREAM, false), "is not listening");
	expect_kind_rejected(log_fd(), inet_socket(SOCK_DGRAM, false),
	                     "is not a stream socket (SO_TYPE 2)");
	expect_kind_rejected(log_fd(), log_fd(), "is a regular file, not a socket");
	expect_kind_rejected(log_fd(), unix_listen_fd(SOCK_SEQPACKET),
	                     "is not a stream socket (SO_TYPE 5)");
}

/* Credentials are control data too: with SO_PASSCRED on the receiving
 * socket the kernel delivers them, and the handover refuses them. */
Test(ipc_handover, credentials_rejected)
{
	struct pair x;
	pair_open(&x);
	int on = 1;
	cr_assert_eq(setsockopt(x.child_fd, SOL_SOCKET, SO_PASSCRED, &on, sizeof(on)), 0);
	uint8_t buf[IPC_MAX_MESSAGE];
	size_t n = hello_bytes(buf);
	int fds[2] = {log_fd(), listen_fd()};
	struct ucred cred = {getpid(), getuid(), getgid()};
	struct control_part parts[2] = {
	        {SOL_SOCKET, SCM_CREDENTIALS, &cred, sizeof(cred)},
	        {SOL_SOCKET, SCM_RIGHTS, fds, sizeof(fds)},
	};
	cr_assert_eq(send_with_control(x.parent_fd, buf, n, parts, 2), (ssize_t)n);
	expect_rejected(&x, IPC_E_FDS, "hello: unexpected control message (level 1, type 2)");
	close_all(fds, 2);
	pair_close(&x);
}

/* Without SO_PASSCRED the kernel drops credentials: what is left is a hello
 * without descriptors. */
Test(ipc_handover, credentials_only)
{
	struct pair x;
	pair_open(&x);
	uint8_t buf[IPC_MAX_MESSAGE];
	size_t n = hello_bytes(buf);
	struct ucred cred = {getpid(), getuid(), getgid()};
	struct control_part part = {SOL_SOCKET, SCM_CREDENTIALS, &cred, sizeof(cred)};
	cr_assert_eq(send_with_control(x.parent_fd, buf, n, &part, 1), (ssize_t)n);
	expect_rejected(&x, IPC_E_FDS, "hello: 0 descriptors, expected 2");
	pair_close(&x);
}

Test(ipc_handover, bad_message_with_good_fds)
{
	struct pair x;
	pair_open(&x);
	uint8_t buf[4096] = {0};
	int fds[2] = {log_fd(), listen_fd()};
	/* Not a hello. */
	size_t n = encode(IPC_PING, 1, 0, buf);
	cr_assert_eq(send_with_fds(x.parent_fd, buf, n, fds, 2), (ssize_t)n);
	expect_rejected(&x, IPC_E_TYPE, "handover: expected hello, got ping");
	/* A malformed hello. */
	n = hello_bytes(buf);
	buf[IPC_HEADER_SIZE] = 0; /* generation 0 */
	buf[IPC_HEADER_SIZE + 1] = 0;
	buf[IPC_HEADER_SIZE + 2] = 0;
	buf[IPC_HEADER_SIZE + 3] = 0;
	cr_assert_eq(send_with_fds(x.parent_fd, buf, n, fds, 2), (ssize_t)n);
	expect_rejected(&x, IPC_E_RANGE, "hello: generation 0 not in 1..4294967295");
	/* The wrong sequence. */
	n = encode(IPC_HELLO, 2, 0, buf);
	cr_assert_eq(send_with_fds(x.parent_fd, buf, n, fds, 2), (ssize_t)n);
	expect_rejected(&x, IPC_E_SEQUENCE, "hello: sequence 2, expected 1");
	/* Longer than the receive buffer: MSG_TRUNC. */
	hello_bytes(buf);
	cr_assert_eq(send_with_fds(x.parent_fd, buf, sizeof(buf), fds, 2), (ssize_t)sizeof(buf));
	expect_rejected(&x, IPC_E_OVERSIZE, "hello: packet longer than 2048 bytes");
	/* Descriptors with an empty packet. */
	cr_assert_eq(send_with_fds(x.parent_fd, buf, 0, fds, 2), 0);
	expect_rejected(&x, IPC_E_SHORT, "message: 0 bytes, shorter than the 16-byte header");
	/* Garbage. */
	cr_assert_eq(send_with_fds(x.parent_fd, "garbage", 7, fds, 2), 7);
	expect_rejected(&x, IPC_E_SHORT, "message: 7 bytes");
	close_all(fds, 2);
	pair_close(&x);
}

Test(ipc_handover, peer_closed_and_eagain)
{
	struct pair x;
	pair_open(&x);
	struct ipc_message m;
	struct ipc_decode_error err;
	int fds[2];
	uint8_t raw[IPC_MAX_MESSAGE + 1];
	cr_assert_eq(fcntl(x.child_fd, F_SETFL, O_NONBLOCK), 0);
	cr_expect_eq(ipc_receive_hello(&x.child, &m, fds, raw, sizeof(raw), &err), -EAGAIN);
	cr_expect_eq(err.status, IPC_E_IO);
	close(x.parent_fd);
	x.parent_fd = -1;
	cr_expect_eq(ipc_receive_hello(&x.child, &m, fds, raw, sizeof(raw), &err), 0);
	cr_expect_eq(fds[0], -1);
	cr_expect_eq(ipc_receive_hello(&x.child, &m, fds, raw, 100, &err), -EINVAL);
	pair_close(&x);
}

Test(ipc_handover, send_hello_refusals)
{
	struct pair x;
	pair_open(&x);
	int fds[2] = {log_fd(), listen_fd()};
	uint8_t out[IPC_MAX_MESSAGE];
	struct ipc_message m;
	ipc_sample(IPC_PING, 0, 0, &m);
	cr_expect_eq(ipc_send_hello(&x.parent, &m, fds, out, sizeof(out)), -EINVAL);
	ipc_sample(IPC_HELLO, 0, 0, &m);
	cr_expect_eq(ipc_send_hello(&x.child, &m, fds, out, sizeof(out)), -EINVAL,
	             "the child sends no hello");
	m.u.hello.generation = 0;
	cr_expect_eq(ipc_send_hello(&x.parent, &m, fds, out, sizeof(out)), -EMSGSIZE);
	int bad[2] = {fds[0], 999};
	ipc_sample(IPC_HELLO, 0, 0, &m);
	cr_expect_eq(ipc_send_hello(&x.parent, &m, bad, out, sizeof(out)), -EBADF);
	cr_expect_eq(x.parent.next_send, 1);
	close_all(fds, 2);
	pair_close(&x);
}

/* ---- A hostile peer -------------------------------------------------------------- */

enum {
	HOSTILE_MESSAGES = 20000,
	HOSTILE_MAX = 2400,
};

static size_t encode_any(unsigned type, uint32_t sequence, unsigned variant, uint8_t *buf)
{
	struct ipc_message m;
	ipc_sample(type, sequence, variant, &m);
	return ipc_encode(&m, buf, IPC_MAX_MESSAGE);
}

/* One packet: valid, mutated, misdirected, missequenced or random. */
static size_t hostile_packet(struct sample_rng *r, uint32_t expected, uint8_t *buf)
{
	static const unsigned up[] = {IPC_READY, IPC_PONG, IPC_VIOLATION, IPC_ERROR};
	static const unsigned down[] = {IPC_HELLO, IPC_CONFIG,   IPC_PING, IPC_STATUS,
	                                IPC_LOG,   IPC_SHUTDOWN, IPC_SERVE};
	size_t n = encode_any(up[sample_rng_next(r) % 4], expected,
	                      (unsigned)(sample_rng_next(r) % 4), buf);
	switch (sample_rng_next(r) % 8) {
	case 0: /* random bytes */
		n = 1 + sample_rng_next(r) % HOSTILE_MAX;
		for (size_t i = 0; i < n; i++)
			buf[i] = (uint8_t)sample_rng_next(r);
		break;
	case 1: /* a few bytes changed */
		for (unsigned k = 1 + sample_rng_next(r) % 4; k > 0; k--)
			buf[sample_rng_next(r) % n] = (uint8_t)sample_rng_next(r);
		break;
	case 2: /* cut short */
		n = 1 + sample_rng_next(r) % n;
		break;
	case 3: /* more bytes */
		for (size_t extra = 1 + sample_rng_next(r) % 600; extra > 0 && n < HOSTILE_MAX;
		     extra--)
			buf[n++] = (uint8_t)sample_rng_next(r);
		break;
	case 4: /* a header field */
		buf[(sample_rng_next(r) % 16)] = (uint8_t)sample_rng_next(r);
		buf[(sample_rng_next(r) % 16)] = (uint8_t)sample_rng_next(r);
		break;
	case 5: /* a wrong sequence number */
		n = encode_any(up[sample_rng_next(r) % 4],
		               expected + 1 + (uint32_t)(sample_rng_next(r) % 3), 1, buf);
		break;
	case 6: /* a type only the parent sends */
		n = encode_any(down[sample_rng_next(r) % 7], expected,
		               (unsigned)(sample_rng_next(r) % 4), buf);
		break;
	default: /* valid */
		break;
	}
	return n;
}

/* What the receiving channel must make of the packet. */
static bool acceptable(const uint8_t *buf, size_t n, uint32_t expected)
{
	struct ipc_message m;
	if (ipc_decode(buf, n, &m, NULL) != IPC_OK)
		return false;
	return (ipc_type_direction(m.type) & IPC_TO_PARENT) != 0 && m.sequence == expected;
}

/* The forked hostile child: sends, and tells the test through a pipe what
 * each packet should have been judged. */
static void __attribute__((noreturn)) hostile_peer(int sock, int verdicts)
{
	struct sample_rng r = {0x5eed5eed12345678ull};
	uint32_t expected = 1;
	static uint8_t buf[HOSTILE_MAX + IPC_MAX_MESSAGE];
	for (int i = 0; i < HOSTILE_MESSAGES; i++) {
		size_t n = hostile_packet(&r, expected, buf);
		uint8_t ok = acceptable(buf, n, expected);
		if (ok)
			expected++;
		if (send(sock, buf, n, MSG_NOSIGNAL) != (ssize_t)n)
			_exit(2);
		if (write(verdicts, &ok, 1) != 1)
			_exit(3);
	}
	_exit(0);
}

Test(ipc_channel, hostile_peer, .timeout = 120)
{
	struct pair x;
	pair_open(&x);
	int verdicts[2];
	cr_assert_eq(pipe(verdicts), 0);
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		close(x.parent_fd);
		close(verdicts[0]);
		hostile_peer(x.child_fd, verdicts[1]);
	}
	close(x.child_fd);
	x.child_fd = -1;
	close(verdicts[1]);
	static uint8_t judged[HOSTILE_MESSAGES + 1];
	unsigned statuses[IPC_E_IO + 1] = {0};
	size_t count = 0;
	for (;;) {
		struct ipc_message m;
		struct ipc_decode_error err;
		ssize_t n = receive(&x.parent, &m, &err);
		if (n == 0)
			break;
		cr_assert_lt(count, HOSTILE_MESSAGES);
		if (n < 0) {
			cr_assert_eq(n, -EPROTO, "%zd: %s", n, err.message);
			cr_assert(err.status > IPC_OK && err.status < IPC_E_IO);
			cr_assert_gt(strlen(err.message), 0);
		}
		statuses[n > 0 ? IPC_OK : err.status]++;
		judged[count++] = n > 0;
	}
	int status;
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "peer status 0x%x", status);
	cr_assert_eq(count, HOSTILE_MESSAGES);
	static uint8_t expected[HOSTILE_MESSAGES];
	cr_assert_eq(read(verdicts[0], expected, sizeof(expected)), HOSTILE_MESSAGES);
	for (size_t i = 0; i < count; i++)
		cr_assert_eq(judged[i], expected[i], "packet %zu: %s, expected %s", i,
		             judged[i] ? "accepted" : "rejected",
		             expected[i] ? "accepted" : "rejected");
	cr_expect_gt(statuses[IPC_OK], HOSTILE_MESSAGES / 10, "valid ones still decode");
	cr_expect_eq(x.parent.messages_in, statuses[IPC_OK]);
	for (int s = IPC_E_SHORT; s <= IPC_E_DIRECTION; s++)
		cr_expect_gt(statuses[s], 0, "no packet gave status %d", s);
	close(verdicts[0]);
	pair_close(&x);
}

/* ---- Under the child's seccomp policy ---------------------------------------------- */

enum { SANDBOX_IPC_FD = 3, SANDBOX_LOG_FD = 4, PING_NONCE = 0x0123456789abcdefull };

static void compile_child_policy(struct policy_bpf *bpf)
{
	const struct policy_binding b[] = {
	        {"ipc_fd", SANDBOX_IPC_FD}, {"logfile_fd", SANDBOX_LOG_FD},
	        {"gui_socket_fd", 5},       {"epoll_fd", 6},
	        {"first_client_fd", 7},     {"fd_limit", 64},
	};
	struct policy_error err = {0};
	struct policy *p =
	        policy_parse("child.policy", child_policy_text, child_policy_length, &err);
	cr_assert_not_null(p, "%s", err.message);
	struct policy_filter *f =
	        policy_compile(p, b, sizeof(b) / sizeof(b[0]), POLICY_DENY_KILL, &err);
	cr_assert_not_null(f, "%s", err.message);
	cr_assert_eq(policy_filter_bpf(f, bpf, &err), 0, "%s", err.message);
	policy_filter_free(f);
	policy_free(p);
}

static int high(int fd)
{
	int moved = fcntl(fd, F_DUPFD_CLOEXEC, 100);
	cr_assert_geq(moved, 0);
	close(fd);
	return moved;
}

/* Everything this process touches after loading the filter is prepared
 * before it: buffers, the channel, the reply. */
struct sandboxed {
	struct ipc_channel ch;
	struct ipc_message msg;
	struct ipc_decode_error err;
	uint8_t raw[IPC_MAX_MESSAGE + 1], out[IPC_MAX_MESSAGE];
};

static void __attribute__((noreturn))
sandboxed_child(int sock, int log, const struct policy_bpf *bpf, bool violate)
{
	static struct sandboxed s;
	if (dup2(sock, SANDBOX_IPC_FD) != SANDBOX_IPC_FD ||
	    dup2(log, SANDBOX_LOG_FD) != SANDBOX_LOG_FD)
		_exit(120);
	ipc_channel_init(&s.ch, SANDBOX_IPC_FD, IPC_TO_CHILD);
	if (policy_bpf_load(bpf) != 0)
		_exit(121);
	/* From here: read and sendto on fd 3, write to 4, exit_group. */
	if (ipc_receive(&s.ch, &s.msg, s.raw, sizeof(s.raw), &s.err) <= 0 || s.msg.type != IPC_PING)
		syscall(SYS_exit_group, 2);
	uint64_t nonce = s.msg.u.ping.nonce, sent = s.msg.u.ping.sent_ns;
	memset(&s.msg, 0, sizeof(s.msg));
	s.msg.type = IPC_PONG;
	s.msg.u.pong.nonce = nonce;
	s.msg.u.pong.sent_ns = sent;
	s.msg.u.pong.counters.requests = 1;
	if (ipc_send(&s.ch, &s.msg, s.out, sizeof(s.out)) <= 0)
		syscall(SYS_exit_group, 3);
	if (violate)
		syscall(SYS_getpid); /* not in the policy: SIGSYS */
	if (syscall(SYS_write, SANDBOX_LOG_FD, "done", 4) != 4)
		syscall(SYS_exit_group, 4);
	syscall(SYS_exit_group, 0);
	for (;;)
		;
}

/* Runs the ping/pong exchange with a sandboxed child; returns its status. */
static int exchange_with_sandboxed_child(bool violate)
{
	struct policy_bpf bpf;
	compile_child_policy(&bpf);
	int fds[2], log[2];
	cr_assert_eq(ipc_socketpair(fds), 0);
	cr_assert_eq(pipe(log), 0);
	int parent_fd = high(fds[0]), child_fd = high(fds[1]);
	int log_read = high(log[0]), log_write = high(log[1]);
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0)
		sandboxed_child(child_fd, log_write, &bpf, violate);
	close(child_fd);
	close(log_write);
	struct ipc_channel ch;
	ipc_channel_init(&ch, parent_fd, IPC_TO_PARENT);
	struct ipc_message ping = {.type = IPC_PING}, pong;
	ping.u.ping.nonce = PING_NONCE;
	ping.u.ping.sent_ns = 42;
	uint8_t out[IPC_MAX_MESSAGE];
	struct ipc_decode_error err;
	cr_assert_gt(ipc_send(&ch, &ping, out, sizeof(out)), 0);
	ssize_t n = receive(&ch, &pong, &err);
	int status;
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(!(WIFEXITED(status) && WEXITSTATUS(status) >= 120),
	          "the child could not set up or load the filter (exit %d)", WEXITSTATUS(status));
	cr_assert_gt(n, 0, "no pong (%zd: %s); child status 0x%x", n, err.message, status);
	cr_expect_eq(pong.type, IPC_PONG);
	cr_expect_eq(pong.u.pong.nonce, PING_NONCE);
	cr_expect_eq(pong.u.pong.sent_ns, 42);
	cr_expect_eq(pong.u.pong.counters.requests, 1);
	char done[8] = {0};
	ssize_t got = read(log_read, done, sizeof(done));
	cr_expect_eq(got, violate ? 0 : 4);
	close(log_read);
	close(parent_fd);
	policy_bpf_release(&bpf);
	return status;
}

Test(ipc_sandbox, ping_pong_under_child_policy)
{
	int status = exchange_with_sandboxed_child(false);
	cr_expect(!(WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS), "killed by SIGSYS");
	cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status 0x%x", status);
}

/* The same child, then one syscall the policy does not allow: the filter
 * was really in force during the exchange. */
Test(ipc_sandbox, filter_was_in_force)
{
	int status = exchange_with_sandboxed_child(true);
	cr_expect(WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS, "child status 0x%x", status);
}

/* ---- The parent's libuv endpoint ------------------------------------------------------ */

enum { FLOOD = 1000 };

struct seen {
	unsigned messages, errors, closes, closed, sent;
	uint32_t last_sequence;
	bool in_order;
	bool close_on_message;
	struct ipc_decode_error err;
	uint8_t raw[IPC_MAX_MESSAGE + 1];
	size_t raw_len;
	enum ipc_direction sent_direction;
	unsigned sent_fds;
	uint8_t sent_raw[IPC_MAX_MESSAGE];
	size_t sent_len;
};

static void on_closed(struct ipc_endpoint *ep)
{
	struct seen *s = ep->data;
	s->closed++;
}

static void on_message(struct ipc_endpoint *ep, const struct ipc_message *msg, const uint8_t *raw,
                       size_t len)
{
	struct seen *s = ep->data;
	s->messages++;
	s->in_order = s->in_order && msg->sequence == s->last_sequence + 1;
	s->last_sequence = msg->sequence;
	memcpy(s->raw, raw, len);
	s->raw_len = len;
	if (s->close_on_message)
		ipc_endpoint_close(ep, on_closed);
}

static void on_error(struct ipc_endpoint *ep, const struct ipc_decode_error *err,
                     const uint8_t *raw, size_t len)
{
	struct seen *s = ep->data;
	s->errors++;
	s->err = *err;
	memcpy(s->raw, raw, len);
	s->raw_len = len;
	ipc_endpoint_close(ep, on_closed);
}

static void on_close(struct ipc_endpoint *ep)
{
	struct seen *s = ep->data;
	s->closes++;
	ipc_endpoint_close(ep, on_closed);
}

static void on_sent(struct ipc_endpoint *ep, enum ipc_direction direction, const uint8_t *raw,
                    size_t len, unsigned fds)
{
	struct seen *s = ep->data;
	s->sent++;
	s->sent_direction = direction;
	s->sent_fds = fds;
	memcpy(s->sent_raw, raw, len);
	s->sent_len = len;
}

static const struct ipc_endpoint_callbacks callbacks = {
        .on_message = on_message,
        .on_error = on_error,
        .on_close = on_close,
        .on_sent = on_sent,
};

struct endpoint_test {
	uv_loop_t loop;
	struct ipc_endpoint ep;
	struct seen seen;
	int peer_fd; /* the child's end */
	struct ipc_channel peer;
};

static void endpoint_open(struct endpoint_test *t)
{
	int fds[2];
	memset(&t->seen, 0, sizeof(t->seen));
	t->seen.in_order = true;
	cr_assert_eq(uv_loop_init(&t->loop), 0);
	cr_assert_eq(ipc_socketpair(fds), 0);
	cr_assert_eq(
	        ipc_endpoint_start(&t->loop, &t->ep, fds[0], IPC_TO_PARENT, &callbacks, &t->seen),
	        0);
	t->peer_fd = fds[1];
	ipc_channel_init(&t->peer, fds[1], IPC_TO_CHILD);
}

static void endpoint_finish(struct endpoint_test *t)
{
	cr_assert_eq(uv_run(&t->loop, UV_RUN_DEFAULT), 0);
	cr_expect_eq(t->seen.closed, 1, "the close callback ran %u times", t->seen.closed);
	cr_expect_eq(t->ep.channel.fd, -1);
	cr_expect_eq(uv_loop_close(&t->loop), 0);
	if (t->peer_fd >= 0)
		close(t->peer_fd);
}

static void peer_send(struct endpoint_test *t, unsigned type, unsigned variant)
{
	struct ipc_message m;
	uint8_t out[IPC_MAX_MESSAGE];
	ipc_sample(type, 0, variant, &m);
	cr_assert_gt(ipc_send(&t->peer, &m, out, sizeof(out)), 0);
}

/* A forked child floods the endpoint, then hangs up. */
Test(ipc_endpoint, receives_every_message_in_order)
{
	struct endpoint_test t;
	/* libuv opens a process-wide pipe with its first loop, for good. */
	uv_loop_t warm;
	cr_assert_eq(uv_loop_init(&warm), 0);
	cr_assert_eq(uv_loop_close(&warm), 0);
	int before = count_fds();
	endpoint_open(&t);
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		for (int i = 0; i < FLOOD; i++) {
			struct ipc_message m;
			uint8_t out[IPC_MAX_MESSAGE];
			ipc_sample(IPC_PONG, 0, (unsigned)i, &m);
			if (ipc_send(&t.peer, &m, out, sizeof(out)) <= 0)
				_exit(1);
		}
		_exit(0);
	}
	close(t.peer_fd);
	t.peer_fd = -1;
	endpoint_finish(&t);
	int status;
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_expect_eq(status, 0);
	cr_expect_eq(t.seen.messages, FLOOD);
	cr_expect(t.seen.in_order);
	cr_expect_eq(t.seen.closes, 1);
	cr_expect_eq(t.seen.errors, 0);
	cr_expect_eq(t.ep.channel.messages_in, FLOOD);
	cr_expect_eq(count_fds(), before, "descriptors left open: %d before, %d after", before,
	             count_fds());
}

Test(ipc_endpoint, raw_bytes_handed_over)
{
	struct endpoint_test t;
	endpoint_open(&t);
	uint8_t want[IPC_MAX_MESSAGE];
	struct ipc_message m;
	ipc_sample(IPC_VIOLATION, 1, 2, &m);
	size_t n = ipc_encode(&m, want, sizeof(want));
	send_raw(t.peer_fd, want, n);
	close(t.peer_fd);
	t.peer_fd = -1;
	endpoint_finish(&t);
	cr_expect_eq(t.seen.messages, 1);
	cr_expect_eq(t.seen.raw_len, n);
	cr_expect_eq(memcmp(t.seen.raw, want, n), 0);
}

/* The peer died with a message of ours unread (the socket reports POLLERR,
 * which libuv passes on as UV_EBADF): its own last message is delivered,
 * then a hangup, not an error. */
Test(ipc_endpoint, peer_died_with_our_message_unread_is_a_hangup)
{
	struct endpoint_test t;
	endpoint_open(&t);
	struct ipc_message ping;
	ipc_sample(IPC_PING, 0, 0, &ping);
	cr_assert_gt(ipc_endpoint_send(&t.ep, &ping), 0); /* never read */
	peer_send(&t, IPC_VIOLATION, 1);
	close(t.peer_fd);
	t.peer_fd = -1;
	endpoint_finish(&t);
	cr_expect_eq(t.seen.messages, 1);
	cr_expect_eq(t.seen.errors, 0, "error: %s", t.seen.err.message);
	cr_expect_eq(t.seen.closes, 1);
}

/* A malformed message: on_error with its bytes, nothing after it. */
Test(ipc_endpoint, malformed_stops_receiving)
{
	struct endpoint_test t;
	endpoint_open(&t);
	peer_send(&t, IPC_PONG, 0);
	send_raw(t.peer_fd, "GARBAGE-NOT-IPC-MESSAGE", 23);
	peer_send(&t, IPC_PONG, 1);
	endpoint_finish(&t);
	cr_expect_eq(t.seen.messages, 1);
	cr_expect_eq(t.seen.errors, 1);
	cr_expect_eq(t.seen.closes, 0);
	cr_expect_eq(t.seen.err.status, IPC_E_MAGIC);
	cr_expect_eq(t.seen.raw_len, 23);
	cr_expect_eq(memcmp(t.seen.raw, "GARBAGE-NOT-IPC-MESSAGE", 23), 0);
}

Test(ipc_endpoint, wrong_direction_is_an_error)
{
	struct endpoint_test t;
	endpoint_open(&t);
	uint8_t buf[IPC_MAX_MESSAGE];
	size_t n = encode(IPC_CONFIG, 1, 0, buf);
	send_raw(t.peer_fd, buf, n);
	endpoint_finish(&t);
	cr_expect_eq(t.seen.errors, 1);
	cr_expect_eq(t.seen.err.status, IPC_E_DIRECTION);
	cr_expect_eq(t.seen.raw_len, n);
}

Test(ipc_endpoint, close_from_a_callback)
{
	struct endpoint_test t;
	endpoint_open(&t);
	t.seen.close_on_message = true;
	peer_send(&t, IPC_PONG, 0);
	peer_send(&t, IPC_PONG, 1);
	peer_send(&t, IPC_PONG, 2);
	endpoint_finish(&t);
	cr_expect_eq(t.seen.messages, 1);
	ipc_endpoint_close(&t.ep, on_closed); /* twice: nothing happens */
	cr_expect_eq(t.seen.closed, 1);
}

Test(ipc_endpoint, send_hands_bytes_to_the_observer)
{
	struct endpoint_test t;
	endpoint_open(&t);
	int fds[2] = {log_fd(), listen_fd()};
	struct ipc_message m, got;
	struct ipc_decode_error err;
	uint8_t raw[IPC_MAX_MESSAGE + 1];
	int received[2];

	ipc_sample(IPC_HELLO, 0, 0, &m);
	ssize_t n = ipc_endpoint_send_hello(&t.ep, &m, fds);
	cr_assert_gt(n, 0);
	cr_expect_eq(t.seen.sent, 1);
	cr_expect_eq(t.seen.sent_direction, IPC_TO_CHILD);
	cr_expect_eq(t.seen.sent_fds, 2);
	cr_assert_eq(ipc_receive_hello(&t.peer, &got, received, raw, sizeof(raw), &err), n, "%s",
	             err.message);
	cr_expect_eq(t.seen.sent_len, (size_t)n);
	cr_expect_eq(memcmp(t.seen.sent_raw, raw, (size_t)n), 0);
	close_all(received, 2);

	ipc_sample(IPC_STATUS, 0, 0, &m);
	n = ipc_endpoint_send(&t.ep, &m);
	cr_assert_gt(n, 0);
	cr_expect_eq(t.seen.sent, 2);
	cr_expect_eq(t.seen.sent_fds, 0);
	cr_assert_eq(receive(&t.peer, &got, &err), n, "%s", err.message);
	cr_expect_eq(got.sequence, 2);

	/* Refused: nothing reaches the observer. */
	ipc_sample(IPC_PONG, 0, 0, &m);
	cr_expect_eq(ipc_endpoint_send(&t.ep, &m), -EINVAL);
	cr_expect_eq(t.seen.sent, 2);

	ipc_endpoint_close(&t.ep, on_closed);
	ipc_sample(IPC_PING, 0, 0, &m);
	cr_expect_eq(ipc_endpoint_send(&t.ep, &m), -EBADF);
	cr_expect_eq(ipc_endpoint_send_hello(&t.ep, &m, fds), -EBADF);
	endpoint_finish(&t);
	close_all(fds, 2);
}

/* The socket is non-blocking once watched: a peer that does not read
 * makes sends fail with EAGAIN instead of stalling the parent. */
Test(ipc_endpoint, send_never_blocks)
{
	struct endpoint_test t;
	endpoint_open(&t);
	struct ipc_message m;
	ssize_t n = 0;
	for (int i = 0; i < 100000 && n >= 0; i++) {
		ipc_sample(IPC_STATUS, 0, 0, &m);
		n = ipc_endpoint_send(&t.ep, &m);
	}
	cr_expect_eq(n, -EAGAIN);
	ipc_endpoint_close(&t.ep, on_closed);
	endpoint_finish(&t);
}

Test(ipc_endpoint, start_fails_on_a_bad_fd)
{
	uv_loop_t loop;
	struct ipc_endpoint ep;
	struct seen seen = {0};
	cr_assert_eq(uv_loop_init(&loop), 0);
	cr_expect_lt(ipc_endpoint_start(&loop, &ep, 1000, IPC_TO_PARENT, &callbacks, &seen), 0);
	cr_expect_eq(uv_run(&loop, UV_RUN_DEFAULT), 0);
	cr_expect_eq(uv_loop_close(&loop), 0);
}
