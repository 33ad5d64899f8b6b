/*
 * sandbox.c - see sandbox.h.
 */
#include "sandbox.h"
#include "ipc/ipc.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <locale.h>
#include <malloc.h>
#include <pwd.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static int fail(struct sandbox_error *err, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

static int fail(struct sandbox_error *err, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	if (saved != 0 && n > 0 && (size_t)n < sizeof(err->message))
		snprintf(err->message + n, sizeof(err->message) - (size_t)n, ": %s",
		         strerror(saved));
	return -1;
}

/* ---- Step 3 -------------------------------------------------------------- */

int sandbox_prepare_libc(struct sandbox_error *err)
{
	errno = 0;
	if (clearenv() != 0)
		return fail(err, "cannot clear the environment");
	/* With TZ unset glibc reads /etc/localtime on first use; load it now,
	 * while the file is reachable, so no later call touches the disk. */
	tzset();
	if (setlocale(LC_ALL, "C") == NULL)
		return fail(err, "cannot set the C locale");
		/* Freed memory must never go back to the kernel after lockdown: no
		 * trimming (brk) and no mmap'ed chunks (munmap on free). */
#ifndef UNDER_ASAN /* ASan's allocator replaces glibc's; mallopt does not apply */
	if (mallopt(M_TRIM_THRESHOLD, -1) != 1 || mallopt(M_MMAP_MAX, 0) != 1)
		return fail(err, "cannot configure malloc");
#endif
	return 0;
}

/* ---- Step 4 -------------------------------------------------------------- */

static int set_limit(int resource, rlim_t value, const char *name, struct sandbox_error *err)
{
	struct rlimit limit = {value, value};
	if (setrlimit(resource, &limit) < 0)
		return fail(err, "cannot set %s to %llu", name, (unsigned long long)value);
	return 0;
}

int sandbox_limit_resources(const struct sandbox_limits *limits, struct sandbox_error *err)
{
	if (set_limit(RLIMIT_CORE, 0, "RLIMIT_CORE", err) < 0 ||
	    set_limit(RLIMIT_NPROC, 0, "RLIMIT_NPROC", err) < 0)
		return -1;
	if (limits->address_space > 0 &&
	    (set_limit(RLIMIT_AS, limits->address_space, "RLIMIT_AS", err) < 0 ||
	     set_limit(RLIMIT_DATA, limits->address_space, "RLIMIT_DATA", err) < 0))
		return -1;
	return 0;
}

int sandbox_limit_files(unsigned fd_limit, struct sandbox_error *err)
{
	return set_limit(RLIMIT_NOFILE, fd_limit, "RLIMIT_NOFILE", err);
}

/* ---- Step 5 -------------------------------------------------------------- */

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, text, strlen(text));
	int saved = errno;
	close(fd);
	errno = saved;
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

/* As an unprivileged user, a new user namespace gives the capabilities
 * needed for the others; map our own ids so files keep their owners. */
static int enter_user_namespace(struct sandbox_error *err)
{
	char map[64];
	uid_t uid = geteuid();
	gid_t gid = getegid();
	if (unshare(CLONE_NEWUSER) < 0)
		return fail(err, "cannot create a user namespace");
	snprintf(map, sizeof(map), "%u %u 1\n", uid, uid);
	if (write_file("/proc/self/setgroups", "deny") < 0 ||
	    write_file("/proc/self/uid_map", map) < 0)
		return fail(err, "cannot write the user namespace's uid map");
	snprintf(map, sizeof(map), "%u %u 1\n", gid, gid);
	if (write_file("/proc/self/gid_map", map) < 0)
		return fail(err, "cannot write the user namespace's gid map");
	return 0;
}

/* The new root: an empty tmpfs, read-only, the old root detached. */
static int pivot_to_empty_root(struct sandbox_error *err)
{
	static const char *const mountpoints[] = {"/tmp", "/mnt", "/var/empty"};
	const char *at = NULL;
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return fail(err, "cannot make the mount namespace private");
	for (size_t i = 0; i < sizeof(mountpoints) / sizeof(mountpoints[0]) && at == NULL; i++)
		if (mount("warden-root", mountpoints[i], "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		          "size=4k,nr_inodes=2,mode=0555") == 0)
			at = mountpoints[i];
	if (at == NULL)
		return fail(err, "cannot mount an empty tmpfs for the new root");
	/* pivot_root(".", ".") stacks the old root on the new one; detaching
	 * it leaves only the empty tmpfs. */
	if (chdir(at) < 0 || syscall(SYS_pivot_root, ".", ".") < 0 ||
	    umount2(".", MNT_DETACH) < 0 || chdir("/") < 0)
		return fail(err, "cannot pivot the root to %s", at);
	if (mount(NULL, "/", NULL,
	          MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		return fail(err, "cannot make the new root read-only");
	return 0;
}

/* The unshare flags of the namespaces not in `skip`, and their bits. */
static int unshare_flags(uint32_t skip, uint32_t *bits)
{
	static const struct {
		uint32_t bit;
		int clone;
	} kinds[] = {
	        {IPC_SANDBOX_MOUNT_NS, CLONE_NEWNS},      {IPC_SANDBOX_NET_NS, CLONE_NEWNET},
	        {IPC_SANDBOX_IPC_NS, CLONE_NEWIPC},       {IPC_SANDBOX_UTS_NS, CLONE_NEWUTS},
	        {IPC_SANDBOX_CGROUP_NS, CLONE_NEWCGROUP},
	};
	int flags = 0;
	*bits = 0;
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (skip & kinds[i].bit)
			continue;
		flags |= kinds[i].clone;
		*bits |= kinds[i].bit;
	}
	return flags;
}

int sandbox_enter_namespaces(enum sandbox_namespaces mode, uint32_t skip, uint32_t *flags,
                             struct sandbox_error *err)
{
	*flags = 0;
	if (mode == SANDBOX_NAMESPACES_OFF)
		return 0;
	uint32_t entered = 0, others;
	errno = 0;
	if (geteuid() != 0 && !(skip & IPC_SANDBOX_USER_NS)) {
		if (enter_user_namespace(err) < 0)
			goto unavailable;
		entered |= IPC_SANDBOX_USER_NS;
	}
	if (unshare(unshare_flags(skip, &others)) < 0) {
		fail(err, "cannot create mount, network, IPC, UTS and cgroup namespaces");
		goto unavailable;
	}
	entered |= others;
	/* Never pivot the root of a mount namespace that is not our own. */
	if ((entered & IPC_SANDBOX_MOUNT_NS) && pivot_to_empty_root(err) < 0)
		goto unavailable;
	*flags = entered;
	return 0;
unavailable:
	/* A half-entered set is still stronger than none; but the report says
	 * what was asked and not had. */
	*flags = entered;
	return mode == SANDBOX_NAMESPACES_REQUIRED ? -1 : 1;
}

/* ---- Step 6 -------------------------------------------------------------- */

int sandbox_resolve_identity(const char *user, const char *group, struct sandbox_identity *id,
                             struct sandbox_error *err)
{
	memset(id, 0, sizeof(*id));
	if (geteuid() != 0)
		return 0;
	errno = 0;
	struct passwd *pw = getpwnam(user);
	if (pw == NULL)
		return fail(err, "unknown user '%s'", user);
	errno = 0;
	struct group *gr = getgrnam(group);
	if (gr == NULL)
		return fail(err, "unknown group '%s'", group);
	if (pw->pw_uid == 0 || gr->gr_gid == 0) {
		errno = 0;
		return fail(err, "refusing to run the child as root (user '%s', group '%s')", user,
		            group);
	}
	id->switch_user = true;
	id->uid = pw->pw_uid;
	id->gid = gr->gr_gid;
	return 0;
}

static int drop_bounding_set(struct sandbox_error *err)
{
	for (int cap = 0; cap <= CAP_LAST_CAP; cap++)
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
			return fail(err, "cannot drop capability %d from the bounding set", cap);
	return 0;
}

static int clear_capabilities(struct sandbox_error *err)
{
	struct __user_cap_header_struct header = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {{0}};
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
		return fail(err, "cannot clear the ambient capabilities");
	if (syscall(SYS_capset, &header, data) < 0)
		return fail(err, "cannot clear the capability sets");
	return 0;
}

static int switch_identity(const struct sandbox_identity *id, struct sandbox_error *err)
{
	if (!id->switch_user)
		return 0;
	if (setgroups(0, NULL) < 0)
		return fail(err, "cannot drop supplementary groups");
	if (setresgid(id->gid, id->gid, id->gid) < 0)
		return fail(err, "cannot switch to gid %u", id->gid);
	if (setresuid(id->uid, id->uid, id->uid) < 0)
		return fail(err, "cannot switch to uid %u", id->uid);
	return 0;
}

static int check_dropped(const struct sandbox_identity *id, uint32_t skip,
                         struct sandbox_error *err)
{
	errno = 0;
	if (id->switch_user && (setuid(0) == 0 || setgid(0) == 0))
		return fail(err, "could regain root after dropping it");
	if (skip & IPC_SANDBOX_CAPS_DROPPED)
		return 0;
	struct __user_cap_header_struct header = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
	if (syscall(SYS_capget, &header, data) < 0)
		return fail(err, "cannot read the capability sets");
	for (int i = 0; i < _LINUX_CAPABILITY_U32S_3; i++)
		if (data[i].effective || data[i].permitted || data[i].inheritable) {
			errno = 0;
			return fail(err, "capabilities remain after dropping them");
		}
	return 0;
}

int sandbox_drop_privileges(const struct sandbox_identity *id, uint32_t skip,
                            struct sandbox_error *err)
{
	bool caps = !(skip & IPC_SANDBOX_CAPS_DROPPED);
	/* The bounding set needs CAP_SETPCAP, so it goes first, while we
	 * still have it (as root, or in our own user namespace). */
	errno = 0;
	if ((caps && drop_bounding_set(err) < 0) || switch_identity(id, err) < 0 ||
	    (caps && clear_capabilities(err) < 0))
		return -1;
	if (!(skip & IPC_SANDBOX_NO_NEW_PRIVS) && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return fail(err, "cannot set no_new_privs");
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		return fail(err, "cannot clear the dumpable flag");
	return check_dropped(id, skip, err);
}
