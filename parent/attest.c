/*
 * attest.c - see attest.h.
 */
#include "attest.h"
#include "common/sanitizer.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

enum {
	STATUS_MAX = 16384, /* /proc/PID/status is about 1.5 KiB; long masks on big machines */
	LIMITS_MAX = 4096,  /* 17 lines of 79 bytes */
	PATH_SIZE = 64,
};

static const char *const ns_names[ATTEST_NAMESPACES] = {"user", "mnt",    "net", "ipc",
                                                        "uts",  "cgroup", "pid"};
static const uint32_t ns_flags[ATTEST_NAMESPACES] = {
        IPC_SANDBOX_USER_NS, IPC_SANDBOX_MOUNT_NS,  IPC_SANDBOX_NET_NS, IPC_SANDBOX_IPC_NS,
        IPC_SANDBOX_UTS_NS,  IPC_SANDBOX_CGROUP_NS, IPC_SANDBOX_PID_NS,
};

/* ---- Reading ------------------------------------------------------------------ */

static int failed(char *why, size_t size, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static int failed(char *why, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, size, fmt, ap);
	va_end(ap);
	return -1;
}

static void proc_path(char *out, pid_t pid, const char *rest)
{
	if (pid == 0)
		snprintf(out, PATH_SIZE, "/proc/self/%s", rest);
	else
		snprintf(out, PATH_SIZE, "/proc/%d/%s", (int)pid, rest);
}

/* The whole file into buf (NUL-terminated), or -errno; -EFBIG when it
 * does not fit, -EILSEQ when it holds a NUL. */
static int read_whole(const char *path, char *buf, size_t cap, size_t *length)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	size_t have = 0;
	int rc = 0;
	for (;;) {
		ssize_t n = read(fd, buf + have, cap - 1 - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = n < 0 ? -errno : 0;
			break;
		}
		have += (size_t)n;
		if (have == cap - 1) {
			char extra;
			rc = read(fd, &extra, 1) == 0 ? 0 : -EFBIG;
			break;
		}
	}
	close(fd);
	buf[have] = '\0';
	*length = have;
	if (rc == 0 && strlen(buf) != have)
		rc = -EILSEQ;
	return rc;
}

/* Digits only, no sign, no leading zero, at most `max`. */
static bool parse_decimal(const char *s, size_t n, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	if (n == 0 || (n > 1 && s[0] == '0'))
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		unsigned d = (unsigned)(s[i] - '0');
		if (v > (max - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

/* Exactly 16 lower-case hex digits, as the kernel prints a capability set. */
static bool parse_caps(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0;
	if (n != 16)
		return false;
	for (size_t i = 0; i < n; i++) {
		const char *digits = "0123456789abcdef";
		const char *d = s[i] != '\0' ? strchr(digits, s[i]) : NULL;
		if (d == NULL)
			return false;
		v = v << 4 | (uint64_t)(d - digits);
	}
	*out = v;
	return true;
}

/* "A\tB\tC\tD": real, effective, saved, filesystem. */
static bool parse_ids(const char *s, size_t n, uint32_t ids[4])
{
	const char *end = s + n;
	for (int i = 0; i < 4; i++) {
		const char *stop = i < 3 ? memchr(s, '\t', (size_t)(end - s)) : end;
		uint64_t v;
		if (stop == NULL || !parse_decimal(s, (size_t)(stop - s), UINT32_MAX, &v))
			return false;
		ids[i] = (uint32_t)v;
		s = i < 3 ? stop + 1 : stop;
	}
	return true;
}

enum status_key {
	KEY_NO_NEW_PRIVS,
	KEY_SECCOMP,
	KEY_SECCOMP_FILTERS,
	KEY_CAP_INH,
	KEY_CAP_PRM,
	KEY_CAP_EFF,
	KEY_CAP_BND,
	KEY_CAP_AMB,
	KEY_UID,
	KEY_GID,
	STATUS_KEYS,
};

static const char *const status_keys[STATUS_KEYS] = {
        "NoNewPrivs", "Seccomp", "Seccomp_filters", "CapInh", "CapPrm",
        "CapEff",     "CapBnd",  "CapAmb",          "Uid",    "Gid",
};

static bool parse_status_value(enum status_key key, const char *s, size_t n, struct attest_view *v)
{
	uint64_t x;
	switch (key) {
	case KEY_NO_NEW_PRIVS:
		if (!parse_decimal(s, n, 1, &x))
			return false;
		v->no_new_privs = x == 1;
		return true;
	case KEY_SECCOMP:
		if (!parse_decimal(s, n, 2, &x))
			return false;
		v->seccomp = (unsigned)x;
		return true;
	case KEY_SECCOMP_FILTERS:
		if (!parse_decimal(s, n, INT_MAX, &x))
			return false;
		v->seccomp_filters = (int)x;
		return true;
	case KEY_CAP_INH:
		return parse_caps(s, n, &v->cap_inh);
	case KEY_CAP_PRM:
		return parse_caps(s, n, &v->cap_prm);
	case KEY_CAP_EFF:
		return parse_caps(s, n, &v->cap_eff);
	case KEY_CAP_BND:
		return parse_caps(s, n, &v->cap_bnd);
	case KEY_CAP_AMB:
		return parse_caps(s, n, &v->cap_amb);
	case KEY_UID:
		return parse_ids(s, n, v->uid);
	case KEY_GID:
		return parse_ids(s, n, v->gid);
	default:
		return false;
	}
}

/* One "Key:\tvalue" line; keys other than ours are skipped. */
static int status_line(const char *line, size_t n, struct attest_view *v, unsigned *seen, char *why,
                       size_t why_size)
{
	const char *colon = memchr(line, ':', n);
	if (colon == NULL)
		return 0;
	size_t klen = (size_t)(colon - line);
	for (int k = 0; k < STATUS_KEYS; k++) {
		if (strlen(status_keys[k]) != klen || memcmp(line, status_keys[k], klen) != 0)
			continue;
		if (*seen & (1u << k))
			return failed(why, why_size, "status: %s given twice", status_keys[k]);
		*seen |= 1u << k;
		const char *value = colon + 1;
		size_t vlen = n - klen - 1;
		if (vlen < 2 || value[0] != '\t' ||
		    !parse_status_value((enum status_key)k, value + 1, vlen - 1, v))
			return failed(why, why_size, "status: %s: unexpected value '%.*s'",
			              status_keys[k], (int)(vlen < 40 ? vlen : 40), value);
		return 0;
	}
	return 0;
}

static int parse_status(const char *text, size_t length, struct attest_view *v, char *why,
                        size_t why_size)
{
	unsigned seen = 0;
	v->seccomp_filters = -1;
	for (const char *p = text; p < text + length;) {
		const char *nl = memchr(p, '\n', (size_t)(text + length - p));
		if (nl == NULL)
			return failed(why, why_size, "status: the last line is cut");
		if (status_line(p, (size_t)(nl - p), v, &seen, why, why_size) < 0)
			return -1;
		p = nl + 1;
	}
	for (int k = 0; k < STATUS_KEYS; k++)
		if (k != KEY_SECCOMP_FILTERS && !(seen & (1u << k)))
			return failed(why, why_size, "status: no %s line", status_keys[k]);
	return 0;
}

static bool parse_limit_value(const char **p, const char *end, uint64_t *out)
{
	while (*p < end && **p == ' ')
		(*p)++;
	const char *start = *p;
	while (*p < end && **p != ' ')
		(*p)++;
	size_t n = (size_t)(*p - start);
	if (n == 9 && memcmp(start, "unlimited", 9) == 0) {
		*out = ATTEST_UNLIMITED;
		return true;
	}
	return parse_decimal(start, n, UINT64_MAX - 1, out);
}

static int parse_limits(const char *text, size_t length, struct attest_view *v, char *why,
                        size_t why_size)
{
	const struct {
		const char *name;
		struct attest_limit *limit;
	} rows[] = {
	        {"Max core file size", &v->core}, {"Max processes", &v->nproc},
	        {"Max open files", &v->nofile},   {"Max address space", &v->as},
	        {"Max data size", &v->data},
	};
	enum { ROWS = sizeof(rows) / sizeof(rows[0]) };
	unsigned seen = 0;
	for (const char *p = text; p < text + length;) {
		const char *nl = memchr(p, '\n', (size_t)(text + length - p));
		if (nl == NULL)
			return failed(why, why_size, "limits: the last line is cut");
		for (unsigned r = 0; r < ROWS; r++) {
			size_t n = strlen(rows[r].name);
			if ((size_t)(nl - p) <= n || memcmp(p, rows[r].name, n) != 0 || p[n] != ' ')
				continue;
			const char *q = p + n;
			if ((seen & (1u << r)) ||
			    !parse_limit_value(&q, nl, &rows[r].limit->soft) ||
			    !parse_limit_value(&q, nl, &rows[r].limit->hard))
				return failed(why, why_size, "limits: unexpected line '%s'",
				              rows[r].name);
			seen |= 1u << r;
		}
		p = nl + 1;
	}
	for (unsigned r = 0; r < ROWS; r++)
		if (!(seen & (1u << r)))
			return failed(why, why_size, "limits: no '%s' line", rows[r].name);
	return 0;
}

static int read_parsed(pid_t pid, const char *name, size_t cap, struct attest_view *v,
                       int (*parse)(const char *, size_t, struct attest_view *, char *, size_t),
                       char *why, size_t why_size)
{
	char path[PATH_SIZE];
	char *buf = malloc(cap);
	size_t length = 0;
	proc_path(path, pid, name);
	if (buf == NULL)
		return failed(why, why_size, "%s: out of memory", path);
	int rc = read_whole(path, buf, cap, &length);
	if (rc < 0)
		failed(why, why_size, "cannot read %s: %s", path, strerror(-rc));
	else
		rc = parse(buf, length, v, why, why_size);
	free(buf);
	return rc < 0 ? -1 : 0;
}

/* A readlink, cut to the buffer, NUL-terminated; -errno. */
static int read_link(const char *path, char *out, size_t size)
{
	ssize_t n = readlink(path, out, size - 1);
	if (n < 0) {
		out[0] = '\0';
		return -errno;
	}
	out[n] = '\0';
	return 0;
}

static bool unseen_error(int rc)
{
	return rc == -EACCES || rc == -EPERM || rc == -ENOENT;
}

/* "net:[4026531840]" for `name` "net". */
static bool ns_link_valid(const char *link, const char *name)
{
	size_t n = strlen(name), len = strlen(link);
	uint64_t inode;
	return len > n + 3 && memcmp(link, name, n) == 0 && link[n] == ':' && link[n + 1] == '[' &&
	       link[len - 1] == ']' && parse_decimal(link + n + 2, len - n - 3, UINT64_MAX, &inode);
}

static int read_namespaces(pid_t pid, struct attest_view *v, char *why, size_t why_size)
{
	for (int i = 0; i < ATTEST_NAMESPACES; i++) {
		char path[PATH_SIZE], rest[16];
		snprintf(rest, sizeof(rest), "ns/%s", ns_names[i]);
		proc_path(path, pid, rest);
		int rc = read_link(path, v->ns[i], sizeof(v->ns[i]));
		if (rc < 0 && !unseen_error(rc))
			return failed(why, why_size, "cannot read %s: %s", path, strerror(-rc));
		if (rc == 0 && !ns_link_valid(v->ns[i], ns_names[i]))
			return failed(why, why_size, "%s: unexpected link", path);
	}
	return 0;
}

static int by_number(const void *a, const void *b)
{
	const struct attest_fd *x = a, *y = b;
	return (x->number > y->number) - (x->number < y->number);
}

static void read_fd(pid_t pid, struct attest_fd *fd)
{
	char path[PATH_SIZE], rest[24];
	struct stat st;
	snprintf(rest, sizeof(rest), "fd/%d", fd->number);
	proc_path(path, pid, rest);
	read_link(path, fd->link, sizeof(fd->link));
	if (stat(path, &st) == 0) {
		fd->have_stat = true;
		fd->file = (struct attest_file){true, st.st_dev, st.st_ino};
		fd->mode = st.st_mode;
		fd->rdev = st.st_rdev;
	}
}

static int read_fds(pid_t pid, struct attest_view *v, char *why, size_t why_size)
{
	char path[PATH_SIZE];
	proc_path(path, pid, "fd");
	DIR *dir = opendir(path);
	if (dir == NULL)
		return unseen_error(-errno)
		               ? 0
		               : failed(why, why_size, "cannot read %s: %s", path, strerror(errno));
	v->fds_seen = true;
	struct dirent *e;
	while ((e = readdir(dir)) != NULL && !v->fds_overflow) {
		uint64_t number;
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (!parse_decimal(e->d_name, strlen(e->d_name), INT_MAX, &number)) {
			closedir(dir);
			return failed(why, why_size, "%s: unexpected entry", path);
		}
		if (v->fd_count == ATTEST_FDS_MAX)
			v->fds_overflow = true;
		else
			v->fds[v->fd_count++].number = (int)number;
	}
	closedir(dir);
	qsort(v->fds, v->fd_count, sizeof(v->fds[0]), by_number);
	for (size_t i = 0; i < v->fd_count; i++)
		read_fd(pid, &v->fds[i]);
	return 0;
}

int attest_read(pid_t pid, struct attest_view *view, char *why, size_t why_size)
{
	memset(view, 0, sizeof(*view));
	view->pid = pid;
	if (read_parsed(pid, "status", STATUS_MAX, view, parse_status, why, why_size) < 0 ||
	    read_parsed(pid, "limits", LIMITS_MAX, view, parse_limits, why, why_size) < 0 ||
	    read_namespaces(pid, view, why, why_size) < 0)
		return -1;
	return pid != 0 ? read_fds(pid, view, why, why_size) : 0;
}

struct attest_file attest_file_of(int fd)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return (struct attest_file){0};
	return (struct attest_file){true, st.st_dev, st.st_ino};
}

uint64_t attest_address_space(uint32_t memory_reserve_kib)
{
#ifdef UNDER_ASAN
	(void)memory_reserve_kib;
	return 0;
#else
	return (uint64_t)memory_reserve_kib * 1024 + IPC_ADDRESS_SPACE_SLACK;
#endif
}

/* ---- Comparing ------------------------------------------------------------------ */

static void mismatch(struct attest_result *out, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

static void mismatch(struct attest_result *out, const char *fmt, ...)
{
	if (out->count == ATTEST_MISMATCHES_MAX)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(out->mismatch[out->count++], ATTEST_MISMATCH_TEXT, fmt, ap);
	va_end(ap);
}

/* Whether `flag` is in force as seen (1), not (0) or unseen (-1): records
 * it, and a mismatch with `said` when it was claimed and is not. */
static void judge(struct attest_result *out, const struct ipc_ready *claim, uint32_t flag, int seen,
                  const char *said)
{
	bool claimed = (claim->sandbox & flag) != 0;
	if (seen > 0)
		out->attested |= flag;
	else if (seen < 0 && claimed)
		out->unseen |= flag;
	else if (seen == 0 && claimed)
		mismatch(out, "%s: claimed, but %s",
		         ipc_sandbox_flag_name((unsigned)__builtin_ctz(flag)), said);
}

static void compare_no_new_privs(const struct attest_view *v, const struct ipc_ready *claim,
                                 struct attest_result *out)
{
	char said[80];
	snprintf(said, sizeof(said), "/proc/%d/status says NoNewPrivs 0", (int)v->pid);
	judge(out, claim, IPC_SANDBOX_NO_NEW_PRIVS, v->no_new_privs, said);
}

/* A child inherits the parent's filters: it has one of its own only if it
 * has more. Without the count (before Linux 5.9), mode 2 shows one only
 * when the parent has none. */
static void compare_seccomp(const struct attest_view *v, const struct attest_view *self,
                            const struct ipc_ready *claim, struct attest_result *out)
{
	int seen;
	if (v->seccomp_filters >= 0 && self->seccomp_filters >= 0)
		seen = v->seccomp == 2 && v->seccomp_filters > self->seccomp_filters;
	else
		seen = v->seccomp != 2 ? 0 : self->seccomp == 0 ? 1 : -1;
	char said[120];
	snprintf(said, sizeof(said),
	         "/proc/%d/status says Seccomp %u, Seccomp_filters %d (the parent's own: %d)",
	         (int)v->pid, v->seccomp, v->seccomp_filters, self->seccomp_filters);
	judge(out, claim, IPC_SANDBOX_SECCOMP, seen, said);
}

static void compare_caps(const struct attest_view *v, const struct ipc_ready *claim,
                         struct attest_result *out)
{
	const struct {
		const char *name;
		uint64_t set;
	} sets[] = {{"CapInh", v->cap_inh},
	            {"CapPrm", v->cap_prm},
	            {"CapEff", v->cap_eff},
	            {"CapBnd", v->cap_bnd},
	            {"CapAmb", v->cap_amb}};
	for (size_t i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
		char said[80];
		snprintf(said, sizeof(said), "/proc/%d/status says %s %016llx", (int)v->pid,
		         sets[i].name, (unsigned long long)sets[i].set);
		judge(out, claim, IPC_SANDBOX_CAPS_DROPPED, sets[i].set == 0, said);
	}
	if ((v->cap_inh | v->cap_prm | v->cap_eff | v->cap_bnd | v->cap_amb) != 0)
		out->attested &= ~(uint32_t)IPC_SANDBOX_CAPS_DROPPED;
}

/* `name` "uid" or "gid", `key` its status line's "Uid" or "Gid". */
static void compare_ids(const char *name, const char *key, const uint32_t ids[4], uint32_t claimed,
                        const struct attest_view *v, bool parent_is_root, struct attest_result *out)
{
	bool same =
	        ids[0] == claimed && ids[1] == claimed && ids[2] == claimed && ids[3] == claimed;
	if (!same)
		mismatch(out, "%s: claimed %u, but /proc/%d/status says %s: %u %u %u %u", name,
		         claimed, (int)v->pid, key, ids[0], ids[1], ids[2], ids[3]);
	else if (parent_is_root && claimed == 0)
		mismatch(out,
		         "%s: the child runs as root (0), which a parent started as root never "
		         "lets serve",
		         name);
}

static bool limit_is(struct attest_limit l, uint64_t want)
{
	return l.soft == want && l.hard == want;
}

static void judge_limit(struct attest_result *out, const struct ipc_ready *claim, pid_t pid,
                        const char *name, struct attest_limit l, bool ok, const char *want,
                        bool *all)
{
	char said[160], soft[24], hard[24];
	snprintf(soft, sizeof(soft), "%llu", (unsigned long long)l.soft);
	snprintf(hard, sizeof(hard), "%llu", (unsigned long long)l.hard);
	snprintf(said, sizeof(said), "/proc/%d/limits says %s %s/%s, not %s", (int)pid, name,
	         l.soft == ATTEST_UNLIMITED ? "unlimited" : soft,
	         l.hard == ATTEST_UNLIMITED ? "unlimited" : hard, want);
	if (!ok)
		judge(out, claim, IPC_SANDBOX_RLIMITS, 0, said);
	*all = *all && ok;
}

/* RLIMIT_NOFILE: the descriptors before clients plus the connection limit
 * plus one (boot.c); without the descriptor table, within its bounds. */
static bool nofile_ok(const struct attest_view *v, const struct attest_expect *e, char *want,
                      size_t size)
{
	uint64_t extra = (uint64_t)e->max_connections + 1;
	if (v->fds_seen && !v->fds_overflow) {
		snprintf(want, size, "%zu/%zu", v->fd_count + extra, v->fd_count + extra);
		return limit_is(v->nofile, v->fd_count + extra);
	}
	snprintf(want, size, "equal, %llu..%llu", (unsigned long long)(6 + extra),
	         (unsigned long long)(ATTEST_FDS_MAX + extra));
	return v->nofile.soft == v->nofile.hard && v->nofile.soft >= 6 + extra &&
	       v->nofile.soft <= ATTEST_FDS_MAX + extra;
}

static void compare_limits(const struct attest_view *v, const struct attest_expect *e,
                           const struct ipc_ready *claim, struct attest_result *out)
{
	bool all = true;
	char want[64];
	judge_limit(out, claim, v->pid, "Max core file size", v->core, limit_is(v->core, 0), "0/0",
	            &all);
	judge_limit(out, claim, v->pid, "Max processes", v->nproc, limit_is(v->nproc, 0), "0/0",
	            &all);
	bool files = nofile_ok(v, e, want, sizeof(want));
	judge_limit(out, claim, v->pid, "Max open files", v->nofile, files, want, &all);
	if (e->address_space > 0) {
		snprintf(want, sizeof(want), "%llu/%llu", (unsigned long long)e->address_space,
		         (unsigned long long)e->address_space);
		judge_limit(out, claim, v->pid, "Max address space", v->as,
		            limit_is(v->as, e->address_space), want, &all);
		judge_limit(out, claim, v->pid, "Max data size", v->data,
		            limit_is(v->data, e->address_space), want, &all);
	}
	if (all)
		out->attested |= IPC_SANDBOX_RLIMITS;
}

static void compare_namespaces(const struct attest_view *v, const struct attest_view *self,
                               const struct ipc_ready *claim, struct attest_result *out)
{
	for (int i = 0; i < ATTEST_NAMESPACES; i++) {
		int seen = v->ns[i][0] == '\0' || self->ns[i][0] == '\0'
		                   ? -1
		                   : strcmp(v->ns[i], self->ns[i]) != 0;
		char said[120];
		snprintf(said, sizeof(said), "/proc/%d/ns/%s is %s, the parent's own", (int)v->pid,
		         ns_names[i], v->ns[i]);
		judge(out, claim, ns_flags[i], seen, said);
	}
}

/* ---- The descriptor table -------------------------------------------------- */

static bool same_file(struct attest_file a, struct attest_file b)
{
	return a.known && b.known && a.dev == b.dev && a.ino == b.ino;
}

static bool is_libuv(const struct attest_fd *fd, int *epolls)
{
	if (strcmp(fd->link, "anon_inode:[eventpoll]") == 0)
		return ++*epolls == 1;
	return strcmp(fd->link, "anon_inode:[eventfd]") == 0 || strncmp(fd->link, "pipe:[", 6) == 0;
}

/* What descriptor `fd` should have been, or NULL if it is that. */
static const char *fd_wrong(const struct attest_fd *fd, const struct attest_expect *e,
                            const struct ipc_ready *claim, int *epolls)
{
	/* The filter's listener (notify and complain mode), last before the
	 * clients; the parent takes its own copy of it next. */
	if (claim->listener_fd != 0 && fd->number == (int)claim->listener_fd)
		return strcmp(fd->link, "anon_inode:seccomp notify") == 0 ? NULL
		                                                          : "the seccomp listener";
	static const char *const handed[] = {"the parent's stderr", "the IPC socket",
	                                     "the log file", "the GUI socket"};
	if (fd->number <= 1)
		return fd->have_stat && S_ISCHR(fd->mode) && fd->rdev == makedev(1, 3)
		               ? NULL
		               : "/dev/null";
	if (fd->number <= 5)
		return fd->have_stat && same_file(fd->file, e->handed[fd->number - 2])
		               ? NULL
		               : handed[fd->number - 2];
	return is_libuv(fd, epolls) ? NULL : "libuv's (one epoll instance, pipes, eventfds)";
}

/* The link as printable ASCII: a path is the child's to choose. */
static void printable(const char *in, char *out, size_t size)
{
	size_t i = 0;
	for (; in[i] != '\0' && i + 1 < size; i++)
		out[i] = in[i] >= 0x20 && in[i] < 0x7f ? in[i] : '?';
	out[i] = '\0';
}

/* The filter's bindings that READY claims are the table's: clients start
 * right above it, and the epoll instance is libuv's. */
static void compare_bindings(const struct attest_view *v, const struct ipc_ready *claim,
                             struct attest_result *out)
{
	if (claim->first_client_fd != v->fd_count)
		mismatch(out, "fd_layout: ready says first_client_fd %u, /proc/%d/fd holds %zu",
		         claim->first_client_fd, (int)v->pid, v->fd_count);
	if (claim->epoll_fd >= v->fd_count ||
	    strcmp(v->fds[claim->epoll_fd].link, "anon_inode:[eventpoll]") != 0)
		mismatch(out,
		         "fd_layout: ready says epoll_fd %u, not an epoll instance in /proc/%d/fd",
		         claim->epoll_fd, (int)v->pid);
	if (claim->listener_fd != 0 && claim->listener_fd + 1 != v->fd_count)
		mismatch(out, "fd_layout: ready says listener_fd %u, not the last descriptor",
		         claim->listener_fd);
}

static void compare_fds(const struct attest_view *v, const struct attest_expect *e,
                        const struct ipc_ready *claim, struct attest_result *out)
{
	int epolls = 0;
	if (!v->fds_seen) {
		out->fds_unseen = true;
		return;
	}
	if (v->fds_overflow)
		mismatch(out, "fd_layout: /proc/%d/fd holds more than %d descriptors", (int)v->pid,
		         ATTEST_FDS_MAX);
	for (size_t i = 0; i < v->fd_count; i++) {
		const struct attest_fd *fd = &v->fds[i];
		char link[ATTEST_LINK_MAX];
		printable(fd->link, link, sizeof(link));
		if (fd->number != (int)i) {
			mismatch(out,
			         "fd_layout: fd %zu is missing below fd %d (the layout has no gap)",
			         i, fd->number);
			return;
		}
		const char *want = fd_wrong(fd, e, claim, &epolls);
		if (want != NULL)
			mismatch(out, "fd_layout: /proc/%d/fd/%d is '%s', not %s", (int)v->pid,
			         fd->number, link, want);
	}
	if (epolls == 0)
		mismatch(out, "fd_layout: /proc/%d/fd has no epoll instance", (int)v->pid);
	else if (!v->fds_overflow)
		compare_bindings(v, claim, out);
}

void attest_compare(const struct attest_view *view, const struct attest_view *self,
                    const struct attest_expect *expect, const struct ipc_ready *claim,
                    struct attest_result *out)
{
	memset(out, 0, sizeof(*out));
	compare_seccomp(view, self, claim, out);
	compare_no_new_privs(view, claim, out);
	compare_caps(view, claim, out);
	compare_limits(view, expect, claim, out);
	compare_namespaces(view, self, claim, out);
	compare_ids("uid", "Uid", view->uid, claim->uid, view, expect->parent_is_root, out);
	compare_ids("gid", "Gid", view->gid, claim->gid, view, expect->parent_is_root, out);
	compare_fds(view, expect, claim, out);
}
