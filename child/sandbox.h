/*
 * sandbox.h - the child's lockdown, one step per function, in boot order.
 *
 * Each step either succeeds or says why it failed; the boot sequence
 * (child/boot.c) stops at the first failure, so a child that cannot be
 * sandboxed as configured never serves. The last step, loading the seccomp
 * filter, is policy_bpf_load (policy/policy.h).
 */
#ifndef WARDEN_CHILD_SANDBOX_H
#define WARDEN_CHILD_SANDBOX_H

#include "common/sanitizer.h" /* UNDER_ASAN: no mallopt, no RLIMIT_AS */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct sandbox_error {
	char message[256];
};

/* ---- Step 3: environment and one-time libc set-up ----------------------- */

/* Clears the environment and does the libc initialisation that would
 * otherwise read files later (time zone, locale), and tells malloc never to
 * return memory to the kernel. */
int sandbox_prepare_libc(struct sandbox_error *err);

/* ---- Step 4: resource limits -------------------------------------------- */

struct sandbox_limits {
	size_t address_space; /* RLIMIT_AS and RLIMIT_DATA bytes; 0: leave unset */
};

/* No core dumps, no new processes, bounded address space. RLIMIT_NOFILE is
 * set later (sandbox_limit_files), once the loop's descriptors exist. */
int sandbox_limit_resources(const struct sandbox_limits *limits, struct sandbox_error *err);
int sandbox_limit_files(unsigned fd_limit, struct sandbox_error *err);

/* ---- Step 5: namespaces -------------------------------------------------- */

enum sandbox_namespaces {
	SANDBOX_NAMESPACES_OFF,
	SANDBOX_NAMESPACES_AUTO,     /* use them when the kernel allows */
	SANDBOX_NAMESPACES_REQUIRED, /* refuse to run without them */
};

/* Enters new user (when not root), mount, network, IPC, UTS and cgroup
 * namespaces and pivots the root to an empty read-only tmpfs. `*flags`
 * gets the IPC_SANDBOX_*_NS bits of what was entered. The namespaces in
 * `skip` (IPC_SANDBOX_*_NS bits; 0 but in the test build's lies, child.h)
 * are left out, and the pivot with the mount namespace. In AUTO mode a
 * failure leaves `*flags` 0 and returns 1 with `err` saying why (the
 * caller logs a WARNING); in REQUIRED mode it returns -1. */
int sandbox_enter_namespaces(enum sandbox_namespaces mode, uint32_t skip, uint32_t *flags,
                             struct sandbox_error *err);

/* ---- Step 6: identity and privileges ------------------------------------ */

struct sandbox_identity {
	bool switch_user; /* started as root: become uid/gid */
	uid_t uid;
	gid_t gid;
};

/* Resolves user and group names (before the root is pivoted away from
 * /etc). Only when running as root; otherwise switch_user is false. */
int sandbox_resolve_identity(const char *user, const char *group, struct sandbox_identity *id,
                             struct sandbox_error *err);

/* Switches to the identity, drops every capability (effective, permitted,
 * inheritable, ambient and the bounding set), sets no_new_privs and clears
 * the dumpable flag; then checks that none can be regained. `skip` leaves
 * out the capability drop (IPC_SANDBOX_CAPS_DROPPED) or no_new_privs
 * (IPC_SANDBOX_NO_NEW_PRIVS): 0 but in the test build's lies (child.h). */
int sandbox_drop_privileges(const struct sandbox_identity *id, uint32_t skip,
                            struct sandbox_error *err);

#endif
