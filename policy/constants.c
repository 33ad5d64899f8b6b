/*
 * constants.c - named constants and a small evaluator for constant
 * expressions, as they appear in quoted strings of a policy.
 *
 * The table is built from the system headers, so every value is the one the
 * kernel ABI defines. A name that is not here is an error, never a guess.
 */
#include "constants.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <linux/if_xdp.h>
#include <linux/io_uring.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/netlink.h>
#include <linux/if_packet.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <sys/resource.h>

struct named_constant {
	const char *name;
	uint64_t value;
};

/* Signed constants are stored sign-extended, as C would widen an int. */
#define C(x)                                                                                       \
	{                                                                                          \
#x, (uint64_t)(int64_t)(x)                                                         \
	}

static const struct named_constant constants[] = {
        /* address families, socket types and levels */
        C(AF_UNSPEC),
        C(AF_UNIX),
        C(AF_INET),
        C(AF_INET6),
        C(AF_NETLINK),
        C(AF_PACKET),
        C(AF_XDP),
        C(SOCK_STREAM),
        C(SOCK_DGRAM),
        C(SOCK_RAW),
        C(SOCK_SEQPACKET),
        C(SOCK_CLOEXEC),
        C(SOCK_NONBLOCK),
        C(SOL_SOCKET),
        C(SOL_IP),
        C(SOL_TCP),
        C(SOL_XDP),
        C(IPPROTO_IP),
        C(IPPROTO_TCP),
        C(IPPROTO_UDP),
        C(IPPROTO_IPV6),
        C(NETLINK_ROUTE),
        C(SO_ERROR),
        C(SO_RCVBUF),
        C(SO_SNDBUF),
        C(SO_REUSEADDR),
        C(SO_REUSEPORT),
        C(SO_KEEPALIVE),
        C(TCP_NODELAY),
        C(TCP_FASTOPEN_CONNECT),
        C(IPV6_V6ONLY),
        C(XDP_STATISTICS),
        C(SHUT_RD),
        C(SHUT_WR),
        C(SHUT_RDWR),
        /* message flags */
        C(MSG_NOSIGNAL),
        C(MSG_DONTWAIT),
        C(MSG_FASTOPEN),
        C(MSG_PEEK),
        C(MSG_WAITALL),
        C(MSG_TRUNC),
        C(MSG_CMSG_CLOEXEC),
        /* files */
        C(O_RDONLY),
        C(O_WRONLY),
        C(O_RDWR),
        C(O_APPEND),
        C(O_CREAT),
        C(O_EXCL),
        C(O_TRUNC),
        C(O_NONBLOCK),
        C(O_CLOEXEC),
        C(O_DIRECTORY),
        C(O_NOFOLLOW),
        C(O_PATH),
        C(AT_FDCWD),
        C(AT_SYMLINK_NOFOLLOW),
        C(AT_EMPTY_PATH),
        C(AT_REMOVEDIR),
        C(SEEK_SET),
        C(SEEK_CUR),
        C(SEEK_END),
        C(F_GETFL),
        C(F_SETFL),
        C(F_GETFD),
        C(F_SETFD),
        C(F_SETLK),
        C(F_SETLKW),
        C(F_GETLK),
        C(F_DUPFD_CLOEXEC),
        C(FD_CLOEXEC),
        /* ioctls */
        C(FIONBIO),
        C(FIONREAD),
        C(FIOCLEX),
        C(TCGETS),
        C(TCSETS),
        C(TIOCGWINSZ),
        /* processes, signals, waiting */
        C(SIGKILL),
        C(SIGTERM),
        C(SIGINT),
        C(SIGHUP),
        C(SIGCHLD),
        C(SIGSYS),
        C(SIGPIPE),
        C(SIGUSR1),
        C(SIGUSR2),
        C(SIGALRM),
        C(SIG_BLOCK),
        C(SIG_UNBLOCK),
        C(SIG_SETMASK),
        C(WNOHANG),
        C(WUNTRACED),
        C(__WALL),
        C(__WCLONE),
        C(P_PID),
        C(P_ALL),
        C(WEXITED),
        C(PR_SET_NO_NEW_PRIVS),
        C(PR_SET_DUMPABLE),
        C(PR_SET_PDEATHSIG),
        C(PR_SET_NAME),
        C(RLIMIT_NOFILE),
        C(RLIMIT_NPROC),
        C(RLIMIT_AS),
        C(RLIMIT_CORE),
        C(RLIMIT_DATA),
        /* clocks and timers */
        C(CLOCK_REALTIME),
        C(CLOCK_MONOTONIC),
        C(CLOCK_MONOTONIC_RAW),
        C(CLOCK_BOOTTIME),
        C(CLOCK_PROCESS_CPUTIME_ID),
        C(CLOCK_THREAD_CPUTIME_ID),
        C(TIMER_ABSTIME),
        C(TFD_CLOEXEC),
        C(TFD_NONBLOCK),
        C(EFD_CLOEXEC),
        C(EFD_NONBLOCK),
        /* memory */
        C(PROT_NONE),
        C(PROT_READ),
        C(PROT_WRITE),
        C(PROT_EXEC),
        C(MAP_SHARED),
        C(MAP_PRIVATE),
        C(MAP_ANONYMOUS),
        C(MAP_FIXED),
        C(MAP_NORESERVE),
        C(MAP_POPULATE),
        C(MADV_DONTNEED),
        /* futexes, epoll, poll */
        C(FUTEX_WAIT),
        C(FUTEX_WAKE),
        C(FUTEX_PRIVATE_FLAG),
        C(FUTEX_WAIT_PRIVATE),
        C(FUTEX_WAKE_PRIVATE),
        C(EPOLL_CLOEXEC),
        C(EPOLL_CTL_ADD),
        C(EPOLL_CTL_MOD),
        C(EPOLL_CTL_DEL),
        C(POLLIN),
        C(POLLOUT),
        /* io_uring */
        C(IORING_REGISTER_FILES_UPDATE),
        C(IORING_ENTER_GETEVENTS),
        /* Firedancer's own names for the kernel values above, so its policies
         * compile unchanged. */
        {"FD_SOCKADDR_IN_SZ", sizeof(struct sockaddr_in)},
        {"FD_IORING_REGISTER_FILES_UPDATE", IORING_REGISTER_FILES_UPDATE},
};

struct named_struct {
	const char *name;
	size_t size;
};

#define S(x)                                                                                       \
	{                                                                                          \
#x, sizeof(struct x)                                                               \
	}

static const struct named_struct structs[] = {
        S(sockaddr),         S(sockaddr_in), S(sockaddr_in6), S(sockaddr_un),
        S(sockaddr_storage), S(sockaddr_nl), S(sockaddr_ll),  S(sockaddr_xdp),
        S(timespec),         S(timeval),     S(epoll_event),  S(pollfd),
        S(msghdr),           S(iovec),       S(linger),       S(rlimit),
};

static bool name_is(const char *name, const char *s, size_t len)
{
	return strlen(name) == len && memcmp(name, s, len) == 0;
}

bool constant_lookup(const char *name, size_t len, uint64_t *value)
{
	for (size_t i = 0; i < sizeof(constants) / sizeof(constants[0]); i++) {
		if (name_is(constants[i].name, name, len)) {
			*value = constants[i].value;
			return true;
		}
	}
	return false;
}

static bool struct_size(const char *name, size_t len, uint64_t *value)
{
	for (size_t i = 0; i < sizeof(structs) / sizeof(structs[0]); i++) {
		if (name_is(structs[i].name, name, len)) {
			*value = structs[i].size;
			return true;
		}
	}
	return false;
}

/* A recursive-descent evaluator over the expression text. Arithmetic is
 * done on uint64_t, where wrap-around is defined; casts then truncate and
 * widen as C does. */
struct evaluator {
	const char *text;
	size_t len, pos;
	unsigned depth;
	struct constant_eval_error *err;
};

enum { MAX_EVAL_DEPTH = 32 };

static int fail(struct evaluator *ev, size_t at, const char *fmt, const char *what, size_t n)
{
	ev->err->offset = at;
	snprintf(ev->err->message, sizeof(ev->err->message), fmt, (int)n, what);
	return -1;
}

static void skip_space(struct evaluator *ev)
{
	while (ev->pos < ev->len && (ev->text[ev->pos] == ' ' || ev->text[ev->pos] == '\t'))
		ev->pos++;
}

bool constant_is_name_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

bool constant_is_name_char(char c)
{
	return constant_is_name_start(c) || (c >= '0' && c <= '9');
}

enum constant_scan_status constant_scan_integer(const char *text, size_t len, uint64_t *value,
                                                size_t *used)
{
	unsigned base = 10;
	uint64_t v = 0;
	size_t at = 0;
	if (len > 1 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
		base = 16;
		at = 2;
	}
	size_t first_digit = at;
	for (; at < len; at++) {
		char c = text[at];
		unsigned d;
		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (base == 16 && c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else if (base == 16 && c >= 'A' && c <= 'F')
			d = (unsigned)(c - 'A' + 10);
		else
			break;
		if (v > (UINT64_MAX - d) / base)
			return CONSTANT_SCAN_OVERFLOW;
		v = v * base + d;
	}
	*used = at;
	*value = v;
	return at == first_digit ? CONSTANT_SCAN_NO_DIGITS : CONSTANT_SCAN_OK;
}

static size_t ident_length(const struct evaluator *ev, size_t at)
{
	size_t n = 0;
	if (at < ev->len && constant_is_name_start(ev->text[at]))
		while (at + n < ev->len && constant_is_name_char(ev->text[at + n]))
			n++;
	return n;
}

static bool accept_char(struct evaluator *ev, char c)
{
	skip_space(ev);
	if (ev->pos < ev->len && ev->text[ev->pos] == c) {
		ev->pos++;
		return true;
	}
	return false;
}

static bool accept_word(struct evaluator *ev, const char *word)
{
	skip_space(ev);
	size_t n = ident_length(ev, ev->pos);
	if (n > 0 && name_is(word, ev->text + ev->pos, n)) {
		ev->pos += n;
		return true;
	}
	return false;
}

static int expression(struct evaluator *ev, uint64_t *value);

static int number(struct evaluator *ev, uint64_t *value)
{
	size_t start = ev->pos, used = 0;
	switch (constant_scan_integer(ev->text + ev->pos, ev->len - ev->pos, value, &used)) {
	case CONSTANT_SCAN_OVERFLOW:
		return fail(ev, start, "%.*s", "integer does not fit in 64 bits", 31);
	case CONSTANT_SCAN_NO_DIGITS:
		return fail(ev, start, "%.*s", "expected digits after 0x", 24);
	case CONSTANT_SCAN_OK:
		break;
	}
	ev->pos += used;
	/* C integer suffixes (1UL) are accepted and change nothing here. */
	while (ev->pos < ev->len && strchr("uUlL", ev->text[ev->pos]) != NULL)
		ev->pos++;
	if (ev->pos < ev->len && constant_is_name_char(ev->text[ev->pos]))
		return fail(ev, ev->pos, "%.*s", "malformed integer", 17);
	return 0;
}

/* A cast "(type)" at the current position: returns its width and
 * signedness, or 0 when the parenthesis does not open a cast. */
static unsigned cast(struct evaluator *ev, bool *is_signed)
{
	size_t save = ev->pos;
	unsigned width = 0;
	if (!accept_char(ev, '('))
		return 0;
	*is_signed = true;
	if (accept_word(ev, "unsigned")) {
		*is_signed = false;
		width = accept_word(ev, "long") ? 64 : (accept_word(ev, "int"), 32);
	} else if (accept_word(ev, "int")) {
		width = 32;
	} else if (accept_word(ev, "long")) {
		width = 64;
	} else if (accept_word(ev, "uint")) {
		*is_signed = false;
		width = 32;
	} else if (accept_word(ev, "ulong")) {
		*is_signed = false;
		width = 64;
	}
	if (width == 0 || !accept_char(ev, ')')) {
		ev->pos = save;
		return 0;
	}
	return width;
}

static int unary(struct evaluator *ev, uint64_t *value);

static int primary(struct evaluator *ev, uint64_t *value)
{
	skip_space(ev);
	if (ev->pos >= ev->len)
		return fail(ev, ev->pos, "%.*s", "expression ends where a value was expected", 42);
	char c = ev->text[ev->pos];
	if (c >= '0' && c <= '9')
		return number(ev, value);
	if (c == '(') {
		ev->pos++;
		if (expression(ev, value) < 0)
			return -1;
		if (!accept_char(ev, ')'))
			return fail(ev, ev->pos, "%.*s", "expected ')'", 12);
		return 0;
	}
	size_t n = ident_length(ev, ev->pos);
	if (n == 0)
		return fail(ev, ev->pos, "unexpected '%.*s'", ev->text + ev->pos, 1);
	if (name_is("sizeof", ev->text + ev->pos, n)) {
		ev->pos += n;
		if (!accept_char(ev, '(') || !accept_word(ev, "struct"))
			return fail(ev, ev->pos, "%.*s", "expected '(struct NAME)' after sizeof",
			            37);
		skip_space(ev);
		size_t at = ev->pos, m = ident_length(ev, at);
		if (m == 0 || !struct_size(ev->text + at, m, value))
			return fail(ev, at, "unknown struct '%.*s'", ev->text + at, m);
		ev->pos += m;
		if (!accept_char(ev, ')'))
			return fail(ev, ev->pos, "%.*s", "expected ')'", 12);
		return 0;
	}
	if (!constant_lookup(ev->text + ev->pos, n, value))
		return fail(ev, ev->pos, "unknown constant '%.*s'", ev->text + ev->pos, n);
	ev->pos += n;
	return 0;
}

static int unary(struct evaluator *ev, uint64_t *value)
{
	if (++ev->depth > MAX_EVAL_DEPTH)
		return fail(ev, ev->pos, "%.*s", "expression nested too deeply", 28);
	int rc;
	bool is_signed;
	unsigned width;
	if (accept_char(ev, '-')) {
		rc = unary(ev, value);
		*value = 0 - *value;
	} else if (accept_char(ev, '~')) {
		rc = unary(ev, value);
		*value = ~*value;
	} else if (accept_char(ev, '+')) {
		rc = unary(ev, value);
	} else if ((width = cast(ev, &is_signed)) != 0) {
		rc = unary(ev, value);
		if (rc == 0 && width == 32)
			*value = is_signed ? (uint64_t)(int64_t)(int32_t)(uint32_t)*value
			                   : (uint64_t)(uint32_t)*value;
	} else {
		rc = primary(ev, value);
	}
	ev->depth--;
	return rc;
}

/* Binary operators by C precedence, lowest first. */
static const char *const levels[] = {"|", "&", "<< >>", "+ -"};

static int binary(struct evaluator *ev, unsigned level, uint64_t *value)
{
	if (level == sizeof(levels) / sizeof(levels[0]))
		return unary(ev, value);
	if (binary(ev, level + 1, value) < 0)
		return -1;
	for (;;) {
		skip_space(ev);
		if (ev->pos >= ev->len)
			return 0;
		const char *op = ev->text + ev->pos;
		size_t oplen =
		        (ev->len - ev->pos >= 2 && (op[0] == '<' || op[0] == '>') && op[1] == op[0])
		                ? 2
		                : 1;
		if (oplen == 1 && ev->len - ev->pos >= 2 && (op[0] == '|' || op[0] == '&') &&
		    op[1] == op[0])
			return 0; /* || and && are not constant operators here */
		char token[3] = {op[0], oplen == 2 ? op[1] : '\0', '\0'};
		const char *found = strstr(levels[level], token);
		if (found == NULL || (found[oplen] != ' ' && found[oplen] != '\0'))
			return 0;
		ev->pos += oplen;
		uint64_t rhs;
		if (binary(ev, level + 1, &rhs) < 0)
			return -1;
		switch (token[0]) {
		case '|':
			*value |= rhs;
			break;
		case '&':
			*value &= rhs;
			break;
		case '+':
			*value += rhs;
			break;
		case '-':
			*value -= rhs;
			break;
		case '<':
		case '>':
			if (rhs >= 64)
				return fail(ev, ev->pos, "%.*s", "shift count of 64 or more", 25);
			*value = token[0] == '<' ? *value << rhs : *value >> rhs;
			break;
		}
	}
}

static int expression(struct evaluator *ev, uint64_t *value)
{
	if (++ev->depth > MAX_EVAL_DEPTH)
		return fail(ev, ev->pos, "%.*s", "expression nested too deeply", 28);
	int rc = binary(ev, 0, value);
	ev->depth--;
	return rc;
}

int constant_eval(const char *expr, size_t len, uint64_t *value, struct constant_eval_error *err)
{
	struct evaluator ev = {.text = expr, .len = len, .err = err};
	if (expression(&ev, value) < 0)
		return -1;
	skip_space(&ev);
	if (ev.pos != ev.len)
		return fail(&ev, ev.pos, "unexpected '%.*s' after the value", expr + ev.pos, 1);
	return 0;
}
