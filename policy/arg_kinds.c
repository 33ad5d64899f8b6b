/*
 * arg_kinds.c - the meaning of the arguments that policies test most: the
 * syscalls of the corpus and the child policy, from their man pages. A
 * family lists names only; their values come from constants.c, so a name
 * here is the kernel's value or nothing (tests/test_policy_explain.c
 * checks that every name resolves).
 */
#include "arg_kinds.h"
#include "constants.h"

#include <stdio.h>
#include <string.h>

#define NAMES(...) ((const char *const[]){__VA_ARGS__, NULL})

static const struct constant_family address_family = {
        "address family", UINT64_MAX,
        NAMES("AF_UNSPEC", "AF_UNIX", "AF_INET", "AF_INET6", "AF_NETLINK", "AF_PACKET", "AF_XDP"),
        NULL};
/* socket(2)'s type: the kind in the low 4 bits (SOCK_TYPE_MASK), flags above. */
static const struct constant_family socket_type = {
        "socket type", 0xf, NAMES("SOCK_STREAM", "SOCK_DGRAM", "SOCK_RAW", "SOCK_SEQPACKET"),
        NAMES("SOCK_NONBLOCK", "SOCK_CLOEXEC")};
static const struct constant_family socket_flags = {"socket flags", 0, NULL,
                                                    NAMES("SOCK_NONBLOCK", "SOCK_CLOEXEC")};
static const struct constant_family protocol = {
        "protocol", UINT64_MAX, NAMES("IPPROTO_IP", "IPPROTO_TCP", "IPPROTO_UDP", "IPPROTO_IPV6"),
        NULL};
static const struct constant_family socket_level = {
        "socket option level", UINT64_MAX,
        NAMES("SOL_SOCKET", "SOL_IP", "SOL_TCP", "IPPROTO_UDP", "IPPROTO_IPV6", "SOL_XDP"), NULL};
static const struct constant_family message_flags = {"message flags", 0, NULL,
                                                     NAMES("MSG_PEEK", "MSG_TRUNC", "MSG_DONTWAIT",
                                                           "MSG_WAITALL", "MSG_NOSIGNAL",
                                                           "MSG_FASTOPEN", "MSG_CMSG_CLOEXEC")};
static const struct constant_family shutdown_how = {"shutdown direction", UINT64_MAX,
                                                    NAMES("SHUT_RD", "SHUT_WR", "SHUT_RDWR"), NULL};
/* open(2)'s flags: the access mode in the low 2 bits (O_ACCMODE), flags above. */
static const struct constant_family open_flags = {
        "open flags", 3, NAMES("O_RDONLY", "O_WRONLY", "O_RDWR"),
        NAMES("O_CREAT", "O_EXCL", "O_TRUNC", "O_APPEND", "O_NONBLOCK", "O_DIRECTORY", "O_NOFOLLOW",
              "O_CLOEXEC", "O_PATH")};
static const struct constant_family cloexec_flag = {"close-on-exec flag", 0, NULL,
                                                    NAMES("O_CLOEXEC")};
static const struct constant_family at_flags = {
        "*at flags", 0, NULL, NAMES("AT_SYMLINK_NOFOLLOW", "AT_REMOVEDIR", "AT_EMPTY_PATH")};
static const struct constant_family seek_whence = {"seek origin", UINT64_MAX,
                                                   NAMES("SEEK_SET", "SEEK_CUR", "SEEK_END"), NULL};
static const struct constant_family fcntl_command = {"fcntl command", UINT64_MAX,
                                                     NAMES("F_GETFD", "F_SETFD", "F_GETFL",
                                                           "F_SETFL", "F_GETLK", "F_SETLK",
                                                           "F_SETLKW", "F_DUPFD_CLOEXEC"),
                                                     NULL};
static const struct constant_family ioctl_request = {
        "ioctl request", UINT64_MAX,
        NAMES("FIONBIO", "FIONREAD", "FIOCLEX", "TCGETS", "TCSETS", "TIOCGWINSZ"), NULL};
static const struct constant_family epoll_op = {
        "epoll_ctl operation", UINT64_MAX, NAMES("EPOLL_CTL_ADD", "EPOLL_CTL_DEL", "EPOLL_CTL_MOD"),
        NULL};
static const struct constant_family epoll_flags = {"epoll flags", 0, NULL, NAMES("EPOLL_CLOEXEC")};
static const struct constant_family clock_id = {
        "clock", UINT64_MAX,
        NAMES("CLOCK_REALTIME", "CLOCK_MONOTONIC", "CLOCK_PROCESS_CPUTIME_ID",
              "CLOCK_THREAD_CPUTIME_ID", "CLOCK_MONOTONIC_RAW", "CLOCK_BOOTTIME"),
        NULL};
static const struct constant_family timer_flags = {"timer flags", 0, NULL, NAMES("TIMER_ABSTIME")};
static const struct constant_family signal_number = {"signal", UINT64_MAX,
                                                     NAMES("SIGHUP", "SIGINT", "SIGKILL", "SIGUSR1",
                                                           "SIGSYS", "SIGUSR2", "SIGPIPE",
                                                           "SIGALRM", "SIGTERM", "SIGCHLD"),
                                                     NULL};
static const struct constant_family signal_how = {"sigprocmask operation", UINT64_MAX,
                                                  NAMES("SIG_BLOCK", "SIG_UNBLOCK", "SIG_SETMASK"),
                                                  NULL};
static const struct constant_family wait_options = {
        "wait options", 0, NULL, NAMES("WNOHANG", "WUNTRACED", "WEXITED", "__WCLONE", "__WALL")};
/* futex(2)'s operation: the command in the low 7 bits (FUTEX_CMD_MASK). */
static const struct constant_family futex_op = {
        "futex operation", 0x7f, NAMES("FUTEX_WAIT", "FUTEX_WAKE"), NAMES("FUTEX_PRIVATE_FLAG")};
static const struct constant_family memory_protection = {
        "memory protection", 0, NULL, NAMES("PROT_READ", "PROT_WRITE", "PROT_EXEC")};
static const struct constant_family map_flags = {"mapping flags", 0, NULL,
                                                 NAMES("MAP_SHARED", "MAP_PRIVATE", "MAP_FIXED",
                                                       "MAP_ANONYMOUS", "MAP_NORESERVE",
                                                       "MAP_POPULATE")};
static const struct constant_family prctl_option = {
        "prctl option", UINT64_MAX,
        NAMES("PR_SET_PDEATHSIG", "PR_SET_DUMPABLE", "PR_SET_NAME", "PR_SET_NO_NEW_PRIVS"), NULL};
static const struct constant_family resource = {
        "resource", UINT64_MAX,
        NAMES("RLIMIT_DATA", "RLIMIT_CORE", "RLIMIT_NPROC", "RLIMIT_NOFILE", "RLIMIT_AS"), NULL};
static const struct constant_family eventfd_flags = {"eventfd flags", 0, NULL,
                                                     NAMES("EFD_NONBLOCK", "EFD_CLOEXEC")};
static const struct constant_family timerfd_flags = {"timerfd flags", 0, NULL,
                                                     NAMES("TFD_NONBLOCK", "TFD_CLOEXEC")};
static const struct constant_family io_uring_register_op = {
        "io_uring_register operation", UINT64_MAX, NAMES("IORING_REGISTER_FILES_UPDATE"), NULL};
static const struct constant_family io_uring_enter_flags = {"io_uring_enter flags", 0, NULL,
                                                            NAMES("IORING_ENTER_GETEVENTS")};

#define NUM                                                                                        \
	{                                                                                          \
		ARG_NUMBER, NULL                                                                   \
	}
#define FD                                                                                         \
	{                                                                                          \
		ARG_FD, NULL                                                                       \
	}
#define DIRFD                                                                                      \
	{                                                                                          \
		ARG_DIRFD, NULL                                                                    \
	}
#define NAMED(fam)                                                                                 \
	{                                                                                          \
		ARG_NAMED, &(fam)                                                                  \
	}

/* Sorted by name. Trailing arguments left out are numbers. */
static const struct syscall_arg_kinds table[] = {
        {"accept", {FD}},
        {"accept4", {FD, NUM, NUM, NAMED(socket_flags)}},
        {"bind", {FD}},
        {"clock_gettime", {NAMED(clock_id)}},
        {"clock_nanosleep", {NAMED(clock_id), NAMED(timer_flags)}},
        {"close", {FD}},
        {"connect", {FD}},
        {"copy_file_range", {FD, NUM, FD}},
        {"dup", {FD}},
        {"dup2", {FD, FD}},
        {"dup3", {FD, FD, NAMED(cloexec_flag)}},
        {"epoll_create1", {NAMED(epoll_flags)}},
        {"epoll_ctl", {FD, NAMED(epoll_op), FD}},
        {"epoll_pwait", {FD}},
        {"epoll_pwait2", {FD}},
        {"epoll_wait", {FD}},
        {"eventfd2", {NUM, NAMED(eventfd_flags)}},
        {"faccessat", {DIRFD}},
        {"faccessat2", {DIRFD, NUM, NUM, NAMED(at_flags)}},
        {"fallocate", {FD}},
        {"fchdir", {FD}},
        {"fchmod", {FD}},
        {"fchown", {FD}},
        {"fcntl", {FD, NAMED(fcntl_command)}},
        {"fdatasync", {FD}},
        {"flock", {FD}},
        {"fstat", {FD}},
        {"fstatfs", {FD}},
        {"fsync", {FD}},
        {"ftruncate", {FD}},
        {"futex", {NUM, NAMED(futex_op)}},
        {"getdents64", {FD}},
        {"getpeername", {FD}},
        {"getrlimit", {NAMED(resource)}},
        {"getsockname", {FD}},
        {"getsockopt", {FD, NAMED(socket_level)}},
        {"io_uring_enter", {FD, NUM, NUM, NAMED(io_uring_enter_flags)}},
        {"io_uring_register", {FD, NAMED(io_uring_register_op)}},
        {"ioctl", {FD, NAMED(ioctl_request)}},
        {"kill", {NUM, NAMED(signal_number)}},
        {"listen", {FD}},
        {"lseek", {FD, NUM, NAMED(seek_whence)}},
        {"mmap", {NUM, NUM, NAMED(memory_protection), NAMED(map_flags), FD}},
        {"mprotect", {NUM, NUM, NAMED(memory_protection)}},
        {"newfstatat", {DIRFD, NUM, NUM, NAMED(at_flags)}},
        {"openat", {DIRFD, NUM, NAMED(open_flags)}},
        {"prctl", {NAMED(prctl_option)}},
        {"pread64", {FD}},
        {"preadv", {FD}},
        {"preadv2", {FD}},
        {"prlimit64", {NUM, NAMED(resource)}},
        {"pwrite64", {FD}},
        {"pwritev", {FD}},
        {"pwritev2", {FD}},
        {"read", {FD}},
        {"readv", {FD}},
        {"recvfrom", {FD, NUM, NUM, NAMED(message_flags)}},
        {"recvmmsg", {FD, NUM, NUM, NAMED(message_flags)}},
        {"recvmsg", {FD, NUM, NAMED(message_flags)}},
        {"renameat", {DIRFD, NUM, DIRFD}},
        {"renameat2", {DIRFD, NUM, DIRFD}},
        {"rt_sigprocmask", {NAMED(signal_how)}},
        {"sendfile", {FD, FD}},
        {"sendmmsg", {FD, NUM, NUM, NAMED(message_flags)}},
        {"sendmsg", {FD, NUM, NAMED(message_flags)}},
        {"sendto", {FD, NUM, NUM, NAMED(message_flags)}},
        {"setrlimit", {NAMED(resource)}},
        {"setsockopt", {FD, NAMED(socket_level)}},
        {"shutdown", {FD, NAMED(shutdown_how)}},
        {"socket", {NAMED(address_family), NAMED(socket_type), NAMED(protocol)}},
        {"socketpair", {NAMED(address_family), NAMED(socket_type), NAMED(protocol)}},
        {"tgkill", {NUM, NUM, NAMED(signal_number)}},
        {"timerfd_create", {NAMED(clock_id), NAMED(timerfd_flags)}},
        {"timerfd_gettime", {FD}},
        {"timerfd_settime", {FD, NAMED(timer_flags)}},
        {"tkill", {NUM, NAMED(signal_number)}},
        {"unlinkat", {DIRFD, NUM, NAMED(at_flags)}},
        {"wait4", {NUM, NUM, NAMED(wait_options)}},
        {"write", {FD}},
        {"writev", {FD}},
};

struct arg_kind_of arg_kind_find(const char *syscall, unsigned arg)
{
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]) && arg < 6; i++)
		if (strcmp(table[i].syscall, syscall) == 0)
			return table[i].args[arg];
	return (struct arg_kind_of){ARG_NUMBER, NULL};
}

const struct syscall_arg_kinds *arg_kinds_table(size_t *count)
{
	*count = sizeof(table) / sizeof(table[0]);
	return table;
}

/* The value of a name in the argument's domain; false when unknown. */
static bool name_value(const char *name, uint64_t max, uint64_t *value)
{
	if (!constant_lookup(name, strlen(name), value))
		return false;
	*value &= max;
	return true;
}

static void append(char *buf, size_t size, size_t *len, const char *piece)
{
	int n = snprintf(buf + *len, *len < size ? size - *len : 0, "%s%s", *len ? "|" : "", piece);
	*len += n > 0 ? (size_t)n : 0;
}

static bool render_choice(const struct constant_family *f, uint64_t value, uint64_t max, char *buf,
                          size_t size, size_t *len)
{
	uint64_t v;
	for (size_t i = 0; f->choices != NULL && f->choices[i] != NULL; i++) {
		if (name_value(f->choices[i], max, &v) && v == (value & f->choice_mask)) {
			append(buf, size, len, f->choices[i]);
			return true;
		}
	}
	return false;
}

bool constant_family_render(const struct constant_family *f, uint64_t value, uint64_t max,
                            char *buf, size_t size)
{
	size_t len = 0;
	bool named = false;
	uint64_t rest = value & ~f->choice_mask, v;
	if (size > 0)
		buf[0] = '\0';
	if (f->choice_mask != 0 && render_choice(f, value, max, buf, size, &len))
		named = true;
	else
		rest = value;
	for (size_t i = 0; f->flags != NULL && f->flags[i] != NULL; i++) {
		if (name_value(f->flags[i], max, &v) && v != 0 && (rest & v) == v) {
			append(buf, size, &len, f->flags[i]);
			rest &= ~v;
			named = true;
		}
	}
	if (!named) {
		if (size > 0)
			buf[0] = '\0';
		return false;
	}
	if (rest != 0) {
		char hex[24];
		snprintf(hex, sizeof(hex), "0x%llx", (unsigned long long)rest);
		append(buf, size, &len, hex);
	}
	return true;
}
