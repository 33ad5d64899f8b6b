/*
 * channel.c - one end of the IPC socketpair: sequence numbers, direction,
 * and the descriptor handover.
 *
 * The syscalls used here are chosen for the child's seccomp policy: after
 * lockdown the child may only read(2) its IPC socket and send to it with
 * sendto(fd, buf, n, MSG_NOSIGNAL, NULL, 0). So ipc_receive uses read (a
 * SOCK_SEQPACKET read returns one packet and drops any descriptors sent
 * with it: the kernel installs none when there is no control buffer), and
 * ipc_send uses exactly that sendto. Only the handover, before lockdown,
 * uses sendmsg/recvmsg.
 *
 * Nothing here allocates, prints or keeps state outside the channel, so it
 * can run in the child's SIGSYS handler and after lockdown.
 */
#include "ipc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- Errors ---------------------------------------------------------------- */

static void __attribute__((format(printf, 3, 4)))
set_error(struct ipc_decode_error *err, enum ipc_decode_status status, const char *fmt, ...)
{
	err->status = status;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
}

/* strerrordesc_np is a table lookup: no allocation, no locale, no syscall. */
static const char *describe(int e)
{
	const char *d = strerrordesc_np(e);
	return d != NULL ? d : "unknown error";
}

static ssize_t io_error(struct ipc_decode_error *err, const char *what, int e)
{
	set_error(err, IPC_E_IO, "%s: %s", what, describe(e));
	err->length = 0;
	return -e;
}

static void clear_error(struct ipc_decode_error *err)
{
	err->status = IPC_OK;
	err->message[0] = '\0';
	err->length = 0;
}

/* ---- The channel --------------------------------------------------------------- */

int ipc_socketpair(int fds[2])
{
	return socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) == 0 ? 0 : -errno;
}

void ipc_channel_init(struct ipc_channel *ch, int fd, enum ipc_direction receives)
{
	memset(ch, 0, sizeof(*ch));
	ch->fd = fd;
	ch->next_send = 1;
	ch->next_receive = 1;
	ch->receives = receives;
}

/* Sequence numbers start at 1 and skip 0 when they wrap, so that 0 can
 * mean "unknown" (ipc_error.sequence). */
static uint32_t next_sequence(uint32_t s)
{
	return s == UINT32_MAX ? 1 : s + 1;
}

static const char *direction_name(enum ipc_direction d)
{
	switch (d) {
	case IPC_TO_CHILD:
		return "parent-to-child";
	case IPC_TO_PARENT:
		return "child-to-parent";
	default:
		return "either-way";
	}
}

/* Whether the peer of `ch` accepts `type`: a type's direction is the end
 * that receives it, and the peer receives what `ch` does not. */
static bool peer_accepts(const struct ipc_channel *ch, unsigned type)
{
	enum ipc_direction d = ipc_type_direction(type);
	return d == IPC_EITHER || ch->receives == IPC_EITHER || (d != 0 && d != ch->receives);
}

static bool accepts(const struct ipc_channel *ch, unsigned type)
{
	enum ipc_direction d = ipc_type_direction(type);
	return d != 0 && (d & ch->receives) != 0;
}

static void account_sent(struct ipc_channel *ch, size_t n)
{
	ch->next_send = next_sequence(ch->next_send);
	ch->messages_out++;
	ch->bytes_out += n;
}

static void account_received(struct ipc_channel *ch, size_t n)
{
	ch->next_receive = next_sequence(ch->next_receive);
	ch->messages_in++;
	ch->bytes_in += n;
}

/* Encodes `msg` with the channel's next sequence number. Returns the
 * length, or a negative errno. */
static ssize_t encode_next(struct ipc_channel *ch, struct ipc_message *msg, uint8_t *raw,
                           size_t raw_cap)
{
	msg->sequence = ch->next_send;
	if (!peer_accepts(ch, msg->type))
		return -EINVAL;
	size_t n = ipc_encode(msg, raw, raw_cap);
	return n > 0 ? (ssize_t)n : -EMSGSIZE;
}

ssize_t ipc_send(struct ipc_channel *ch, struct ipc_message *msg, uint8_t *raw, size_t raw_cap)
{
	/* A hello travels only with its descriptors (ipc_send_hello). */
	if (msg->type == IPC_HELLO)
		return -EINVAL;
	ssize_t len = encode_next(ch, msg, raw, raw_cap);
	if (len < 0)
		return len;
	ssize_t n;
	do
		n = sendto(ch->fd, raw, (size_t)len, MSG_NOSIGNAL, NULL, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (n != len) /* a SOCK_SEQPACKET send is all or nothing */
		return -EIO;
	account_sent(ch, (size_t)n);
	return n;
}

/* Decodes `n` received bytes and checks them against the channel, without
 * changing it. */
static bool validate(const struct ipc_channel *ch, const uint8_t *raw, size_t n,
                     struct ipc_message *msg, struct ipc_decode_error *err)
{
	if (ipc_decode(raw, n, msg, err) != IPC_OK)
		return false;
	const char *name = ipc_type_name(msg->type);
	if (!accepts(ch, msg->type)) {
		set_error(err, IPC_E_DIRECTION, "%s: a %s message, but this end receives %s ones",
		          name, direction_name(ipc_type_direction(msg->type)),
		          direction_name(ch->receives));
		return false;
	}
	if (msg->sequence != ch->next_receive) {
		set_error(err, IPC_E_SEQUENCE, "%s: sequence %u, expected %u", name, msg->sequence,
		          ch->next_receive);
		return false;
	}
	return true;
}

static bool buffer_big_enough(size_t raw_cap, struct ipc_decode_error *err)
{
	if (raw_cap >= IPC_MAX_MESSAGE + 1)
		return true;
	set_error(err, IPC_E_IO, "receive buffer of %zu bytes, fewer than %d", raw_cap,
	          IPC_MAX_MESSAGE + 1);
	return false;
}

/* One read(2). A peer that closed with messages of ours unread leaves
 * ECONNRESET on this end, reported once and ahead of what it sent before
 * closing, which is still queued (then the hangup): that is read on, so a
 * dying child's last message (a violation report) is not lost and its end
 * reads as a hangup. */
static ssize_t read_packet(int fd, uint8_t *raw, size_t cap)
{
	bool reset_seen = false;
	for (;;) {
		ssize_t n = read(fd, raw, cap);
		if (n >= 0)
			return n;
		if (errno == EINTR)
			continue;
		if (errno != ECONNRESET || reset_seen)
			return -1;
		reset_seen = true;
	}
}

ssize_t ipc_receive(struct ipc_channel *ch, struct ipc_message *msg, uint8_t *raw, size_t raw_cap,
                    struct ipc_decode_error *err)
{
	struct ipc_decode_error scratch;
	if (err == NULL)
		err = &scratch;
	clear_error(err);
	if (!buffer_big_enough(raw_cap, err))
		return -EINVAL;
	ssize_t n = read_packet(ch->fd, raw, raw_cap);
	if (n < 0)
		return io_error(err, "read", errno == EWOULDBLOCK ? EAGAIN : errno);
	if (n == 0) /* hangup; read(2) cannot tell an empty packet from it */
		return 0;
	if (!validate(ch, raw, (size_t)n, msg, err))
		return -EPROTO;
	if (msg->type == IPC_HELLO) {
		set_error(err, IPC_E_FDS, "hello: received without its descriptors");
		return -EPROTO;
	}
	account_received(ch, (size_t)n);
	return n;
}

/* ---- Descriptor handover --------------------------------------------------------- */

enum {
	/* Room for more descriptors than the handover carries, so that a
	 * wrong count is reported as such; beyond this the kernel truncates
	 * (MSG_CTRUNC), which is rejected too. */
	HANDOVER_ROOM_FDS = 16,
};

/* Room for the descriptors and one more control message (credentials, if
 * the socket has SO_PASSCRED), so that it is seen and named, not merely
 * truncated. */
union handover_control {
	struct cmsghdr align;
	char buf[CMSG_SPACE(sizeof(int) * HANDOVER_ROOM_FDS) + CMSG_SPACE(sizeof(struct ucred))];
};

ssize_t ipc_send_hello(struct ipc_channel *ch, struct ipc_message *hello,
                       const int fds[IPC_HANDOVER_FDS], uint8_t *raw, size_t raw_cap)
{
	if (hello->type != IPC_HELLO)
		return -EINVAL;
	ssize_t len = encode_next(ch, hello, raw, raw_cap);
	if (len < 0)
		return len;
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * IPC_HANDOVER_FDS)];
	} control;
	memset(&control, 0, sizeof(control));
	struct iovec iov = {.iov_base = raw, .iov_len = (size_t)len};
	struct msghdr mh = {.msg_iov = &iov,
	                    .msg_iovlen = 1,
	                    .msg_control = control.buf,
	                    .msg_controllen = sizeof(control.buf)};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int) * IPC_HANDOVER_FDS);
	memcpy(CMSG_DATA(cm), fds, sizeof(int) * IPC_HANDOVER_FDS);
	ssize_t n;
	do
		n = sendmsg(ch->fd, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (n != len)
		return -EIO;
	account_sent(ch, (size_t)n);
	return n;
}

/* What arrived in the control data of one recvmsg. */
struct received_fds {
	int fds[sizeof(union handover_control) / sizeof(int)];
	size_t count;
	unsigned rights_messages; /* SCM_RIGHTS control messages */
	bool other;               /* any other control message */
	int other_level, other_type;
};

static void collect_rights(struct received_fds *rx, const struct cmsghdr *cm)
{
	size_t n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
	const unsigned char *data = CMSG_DATA(cm);
	rx->rights_messages++;
	for (size_t i = 0; i < n && rx->count < sizeof(rx->fds) / sizeof(rx->fds[0]); i++)
		memcpy(&rx->fds[rx->count++], data + i * sizeof(int), sizeof(int));
}

/* Every descriptor first, so that all of them are closed on any error. */
static void collect(struct msghdr *mh, struct received_fds *rx)
{
	memset(rx, 0, sizeof(*rx));
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(mh); cm != NULL; cm = CMSG_NXTHDR(mh, cm)) {
		if (cm->cmsg_len < CMSG_LEN(0))
			break;
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
			collect_rights(rx, cm);
		} else if (!rx->other) {
			rx->other = true;
			rx->other_level = cm->cmsg_level;
			rx->other_type = cm->cmsg_type;
		}
	}
}

static void close_received(struct received_fds *rx)
{
	for (size_t i = 0; i < rx->count; i++)
		close(rx->fds[i]);
	rx->count = 0;
}

static bool check_control(const struct msghdr *mh, const struct received_fds *rx,
                          struct ipc_decode_error *err)
{
	if (mh->msg_flags & MSG_TRUNC)
		set_error(err, IPC_E_OVERSIZE, "hello: packet longer than %d bytes",
		          IPC_MAX_MESSAGE);
	else if (mh->msg_flags & MSG_CTRUNC)
		set_error(err, IPC_E_FDS,
		          "hello: control data truncated (too many descriptors or messages)");
	else if (rx->other)
		set_error(err, IPC_E_FDS, "hello: unexpected control message (level %d, type %d)",
		          rx->other_level, rx->other_type);
	else if (rx->rights_messages > 1)
		set_error(err, IPC_E_FDS, "hello: %u SCM_RIGHTS control messages, expected one",
		          rx->rights_messages);
	else if (rx->count != IPC_HANDOVER_FDS)
		set_error(err, IPC_E_FDS, "hello: %zu descriptor%s, expected %d", rx->count,
		          rx->count == 1 ? "" : "s", IPC_HANDOVER_FDS);
	else
		return true;
	return false;
}

static bool check_hello(const struct ipc_channel *ch, const struct msghdr *mh,
                        const struct received_fds *rx, const uint8_t *raw, size_t n,
                        struct ipc_message *hello, struct ipc_decode_error *err)
{
	if (!check_control(mh, rx, err) || !validate(ch, raw, n, hello, err))
		return false;
	if (hello->type != IPC_HELLO) {
		set_error(err, IPC_E_TYPE, "handover: expected hello, got %s",
		          ipc_type_name(hello->type));
		return false;
	}
	return ipc_check_log_fd(rx->fds[0], err) == 0 && ipc_check_listen_fd(rx->fds[1], err) == 0;
}

ssize_t ipc_receive_hello(struct ipc_channel *ch, struct ipc_message *hello,
                          int fds[IPC_HANDOVER_FDS], uint8_t *raw, size_t raw_cap,
                          struct ipc_decode_error *err)
{
	struct ipc_decode_error scratch;
	if (err == NULL)
		err = &scratch;
	clear_error(err);
	for (size_t i = 0; i < IPC_HANDOVER_FDS; i++)
		fds[i] = -1;
	if (!buffer_big_enough(raw_cap, err))
		return -EINVAL;
	union handover_control control;
	struct iovec iov = {.iov_base = raw, .iov_len = raw_cap};
	struct msghdr mh = {.msg_iov = &iov,
	                    .msg_iovlen = 1,
	                    .msg_control = control.buf,
	                    .msg_controllen = sizeof(control.buf)};
	ssize_t n;
	do
		n = recvmsg(ch->fd, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return io_error(err, "recvmsg", errno == EWOULDBLOCK ? EAGAIN : errno);
	err->length = (size_t)n;
	struct received_fds rx;
	collect(&mh, &rx);
	if (n == 0 && rx.count == 0 && !rx.other && !(mh.msg_flags & MSG_CTRUNC))
		return 0; /* hangup */
	if (!check_hello(ch, &mh, &rx, raw, (size_t)n, hello, err)) {
		close_received(&rx);
		return -EPROTO;
	}
	for (size_t i = 0; i < IPC_HANDOVER_FDS; i++)
		fds[i] = rx.fds[i];
	account_received(ch, (size_t)n);
	return n;
}

/* ---- Descriptor kinds ---------------------------------------------------------------- */

static const char *kind_name(mode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG:
		return "regular file";
	case S_IFDIR:
		return "directory";
	case S_IFCHR:
		return "character device";
	case S_IFBLK:
		return "block device";
	case S_IFIFO:
		return "pipe";
	case S_IFSOCK:
		return "socket";
	case S_IFLNK:
		return "symbolic link";
	default:
		return "file of unknown kind";
	}
}

static int fd_error(struct ipc_decode_error *err, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

static int fd_error(struct ipc_decode_error *err, const char *fmt, ...)
{
	if (err == NULL)
		return -EPROTO;
	err->status = IPC_E_FDS;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return -EPROTO;
}

int ipc_check_log_fd(int fd, struct ipc_decode_error *err)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return fd_error(err, "log fd %d: fstat: %s", fd, describe(errno));
	if (!S_ISREG(st.st_mode))
		return fd_error(err, "log fd %d is a %s, not a regular file", fd,
		                kind_name(st.st_mode));
	int flags = fcntl(fd, F_GETFL);
	if (flags < 0)
		return fd_error(err, "log fd %d: F_GETFL: %s", fd, describe(errno));
	if (!(flags & O_APPEND))
		return fd_error(err, "log fd %d is not open for appending (no O_APPEND)", fd);
	int access = flags & O_ACCMODE;
	if (access != O_WRONLY && access != O_RDWR)
		return fd_error(err, "log fd %d is not open for writing", fd);
	return 0;
}

static int socket_option(int fd, int option, int *value)
{
	socklen_t len = sizeof(*value);
	return getsockopt(fd, SOL_SOCKET, option, value, &len) == 0 && len == sizeof(*value) ? 0
	                                                                                     : -1;
}

int ipc_check_listen_fd(int fd, struct ipc_decode_error *err)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return fd_error(err, "GUI fd %d: fstat: %s", fd, describe(errno));
	if (!S_ISSOCK(st.st_mode))
		return fd_error(err, "GUI fd %d is a %s, not a socket", fd, kind_name(st.st_mode));
	int type, listening;
	if (socket_option(fd, SO_TYPE, &type) < 0 ||
	    socket_option(fd, SO_ACCEPTCONN, &listening) < 0)
		return fd_error(err, "GUI fd %d: getsockopt: %s", fd, describe(errno));
	if (type != SOCK_STREAM)
		return fd_error(err, "GUI fd %d is not a stream socket (SO_TYPE %d)", fd, type);
	if (listening != 1)
		return fd_error(err, "GUI fd %d is not listening", fd);
	return 0;
}
