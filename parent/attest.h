/*
 * attest.h - the child's sandbox as the parent sees it from outside.
 *
 * A child's ready only claims its sandbox, uid and gid (ipc.h). Before the
 * parent lets it serve, it reads what the kernel says of the child in
 * /proc, which the child cannot change, and compares:
 *
 *   /proc/PID/status  NoNewPrivs; Seccomp 2 with more Seccomp_filters than
 *                     the parent's own (a child inherits the parent's);
 *                     CapInh, CapPrm, CapEff, CapBnd and CapAmb all zero;
 *                     the four ids of Uid: and Gid: those claimed (and not
 *                     root, when the parent is)
 *   /proc/PID/limits  RLIMIT_CORE and RLIMIT_NPROC 0; RLIMIT_NOFILE the
 *                     descriptors held plus max_connections plus one;
 *                     RLIMIT_AS and RLIMIT_DATA the reserve plus
 *                     IPC_ADDRESS_SPACE_SLACK (unset under ASan)
 *   /proc/PID/ns/NAME each namespace claimed differs from the parent's
 *   /proc/PID/fd      exactly the layout of child/fd_layout.h: /dev/null on
 *                     0 and 1, on 2 to 5 the very files the parent handed
 *                     over (its stderr, the IPC socket, the log, the GUI
 *                     socket), then libuv's: one epoll instance, pipes and
 *                     eventfds; nothing else, no gap. The child accepts no
 *                     client before serve, so none can be open yet.
 *
 * Anyone may read status and limits. ns and fd only a parent that may
 * ptrace the child: the child is not dumpable, so that takes
 * CAP_SYS_PTRACE (a parent started as root has it). What cannot be read
 * is "unseen": not attested, and no mismatch. What can be read and
 * contradicts a claim is a mismatch: the caller kills the child.
 *
 * Every file is read whole into a bounded buffer, or refused, and parsed
 * strictly: a key twice, a value of the wrong form, a missing key are
 * errors, never guesses.
 */
#ifndef WARDEN_PARENT_ATTEST_H
#define WARDEN_PARENT_ATTEST_H

#include "ipc/ipc.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum {
	ATTEST_FDS_MAX = 64,   /* the honest child holds a dozen before clients */
	ATTEST_LINK_MAX = 64,  /* a descriptor's or namespace's readlink, cut */
	ATTEST_NAMESPACES = 7, /* user, mnt, net, ipc, uts, cgroup, pid */
	ATTEST_MISMATCHES_MAX = 24,
	ATTEST_MISMATCH_TEXT = 200,
};

#define ATTEST_UNLIMITED UINT64_MAX /* "unlimited" in /proc/PID/limits */

struct attest_limit {
	uint64_t soft, hard;
};

/* A file as stat(2) names it. */
struct attest_file {
	bool known;
	uint64_t dev, ino;
};

struct attest_fd {
	int number;
	char link[ATTEST_LINK_MAX]; /* "socket:[123]", "anon_inode:[eventpoll]", a path */
	bool have_stat;             /* stat through the link succeeded */
	struct attest_file file;
	uint32_t mode;
	uint64_t rdev;
};

/* What /proc showed of one process. */
struct attest_view {
	pid_t pid; /* 0: the parent itself */
	/* /proc/PID/status */
	bool no_new_privs;
	unsigned seccomp;    /* 0 off, 1 strict, 2 filter */
	int seccomp_filters; /* -1: the kernel does not say (before 5.9) */
	uint64_t cap_inh, cap_prm, cap_eff, cap_bnd, cap_amb;
	uint32_t uid[4], gid[4]; /* real, effective, saved, filesystem */
	/* /proc/PID/limits */
	struct attest_limit core, nproc, nofile, as, data;
	/* /proc/PID/ns/<name>: "net:[4026531840]"; "" unseen */
	char ns[ATTEST_NAMESPACES][ATTEST_LINK_MAX];
	/* /proc/PID/fd, not read for the parent itself */
	bool fds_seen;
	bool fds_overflow; /* more than ATTEST_FDS_MAX */
	size_t fd_count;
	struct attest_fd fds[ATTEST_FDS_MAX]; /* in number order */
};

/* What the parent knows of a child without asking it. */
struct attest_expect {
	struct attest_file handed[4]; /* what fds 2 to 5 must be: stderr, IPC, log, GUI */
	uint32_t max_connections;
	uint64_t address_space; /* RLIMIT_AS and RLIMIT_DATA; 0: left unset */
	bool parent_is_root;
};

struct attest_result {
	uint32_t attested; /* IPC_SANDBOX_* seen in force, claimed or not */
	uint32_t unseen;   /* claimed, but /proc could not show them */
	bool fds_unseen;   /* the descriptors could not be checked */
	size_t count;      /* mismatches */
	char mismatch[ATTEST_MISMATCHES_MAX][ATTEST_MISMATCH_TEXT];
};

/* Reads /proc/`pid` (0: /proc/self, without its descriptors) into `view`.
 * Returns 0, or -1 with `why` saying which file could not be read or
 * parsed (status and limits must be; ns and fd may be unseen). */
int attest_read(pid_t pid, struct attest_view *view, char *why, size_t why_size);

/* Compares the child's `view` with its ready's claims, the parent's own
 * `self` and what the parent knows. Each mismatch names the protection,
 * the claim and what /proc said. */
void attest_compare(const struct attest_view *view, const struct attest_view *self,
                    const struct attest_expect *expect, const struct ipc_ready *claim,
                    struct attest_result *out);

/* The file open as `fd`, for attest_expect.handed; unknown if fstat fails. */
struct attest_file attest_file_of(int fd);

/* RLIMIT_AS and RLIMIT_DATA of a child with `memory_reserve_kib`: the
 * reserve plus IPC_ADDRESS_SPACE_SLACK, or 0 under ASan. */
uint64_t attest_address_space(uint32_t memory_reserve_kib);

#endif
