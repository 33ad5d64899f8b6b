/*
 * policy.h - seccomp policies: parse, bind, compile, load.
 *
 * A policy file is written in the seed's language (Firedancer's
 * .seccomppolicy): a parameter line, then one rule per allowed syscall,
 * optionally with a condition on its arguments. See docs/policy.md.
 *
 *     struct policy_error err;
 *     struct policy *p = policy_parse_file("child.policy", &err);
 *     struct policy_binding b[] = {{"logfile_fd", 4}, {"gui_socket_fd", 5}};
 *     struct policy_filter *f = policy_compile(p, b, 2, POLICY_DENY_KILL, &err);
 *     struct policy_bpf bpf;
 *     policy_filter_bpf(f, &bpf, &err);
 *     policy_bpf_load(&bpf);        (no allocation, no other syscall)
 *
 * Every failure fills a struct policy_error that names file:line:column and
 * says what is wrong. Nothing here prints, exits or keeps global state.
 */
#ifndef WARDEN_POLICY_POLICY_H
#define WARDEN_POLICY_POLICY_H

#include <linux/filter.h>
#include <stddef.h>
#include <stdint.h>

/* ---- Errors ------------------------------------------------------------ */

struct policy_error {
	char file[256];
	unsigned line, column; /* 1-based; 0 when the error has no place */
	char message[512];
};

/* "file:line:column: message" (or "file: message"), always terminated. */
void policy_error_format(const struct policy_error *err, char *buf, size_t size);

/* ---- Parsing ----------------------------------------------------------- */

struct policy;

/* Parses `len` bytes of policy text; `name` is used in error messages.
 * Returns NULL on error. Any input is safe: no crash, no guess. */
struct policy *policy_parse(const char *name, const char *text, size_t len,
                            struct policy_error *err);
struct policy *policy_parse_file(const char *path, struct policy_error *err);
void policy_free(struct policy *policy);

/* The declared parameters, in declaration order. */
size_t policy_param_count(const struct policy *policy);
const char *policy_param_name(const struct policy *policy, size_t index);

/* The rules, in file order: the syscall each allows. */
size_t policy_rule_count(const struct policy *policy);
const char *policy_rule_syscall(const struct policy *policy, size_t index);

/* ---- Compiling --------------------------------------------------------- */

/* One value for one declared parameter. Parameters are `uint`: 32 bits. */
struct policy_binding {
	const char *name;
	uint64_t value;
};

/* What a denied syscall does. Either way the call never runs. */
enum policy_deny_action {
	POLICY_DENY_KILL, /* the whole process dies by SIGSYS */
	POLICY_DENY_TRAP, /* SIGSYS is delivered: a handler may report, then exit */
	/* SECCOMP_RET_USER_NOTIF: the call waits for whoever holds the filter's
	 * listener (policy_bpf_load_listener) to let it run or refuse it; with
	 * no listener left it fails with ENOSYS. */
	POLICY_DENY_NOTIFY,
};

struct policy_filter;

/* Binds every parameter (each exactly once; unknown names are errors) and
 * compiles the policy into seccomp filter programs for this architecture.
 * Returns NULL on error. */
struct policy_filter *policy_compile(const struct policy *policy,
                                     const struct policy_binding *bindings, size_t count,
                                     enum policy_deny_action deny, struct policy_error *err);
void policy_filter_free(struct policy_filter *filter);

/* libseccomp's pseudo-filter code of every program, in load order. */
int policy_filter_export_pfc(const struct policy_filter *filter, int fd);

/* ---- BPF programs and loading ------------------------------------------ */

enum { POLICY_MAX_PROGRAMS = 2 };

/* The filter as raw classic-BPF programs, in load order. */
struct policy_bpf {
	size_t count;
	struct sock_fprog programs[POLICY_MAX_PROGRAMS];
};

int policy_filter_bpf(const struct policy_filter *filter, struct policy_bpf *out,
                      struct policy_error *err);
void policy_bpf_release(struct policy_bpf *bpf);

/* Sets no_new_privs and installs every program, with no allocation and no
 * syscall other than prctl and seccomp, so that nothing runs between the
 * first program and the last that the filter might deny. Returns 0, or a
 * negative errno; on error the process may hold some of the programs and
 * must not go on. */
int policy_bpf_load(const struct policy_bpf *bpf);

/* The same for a filter compiled with POLICY_DENY_NOTIFY, which must be one
 * program: installs it with a new listener, whose descriptor (the lowest
 * free one, close-on-exec) is put in `*listener`. A denied call then waits
 * until the listener's holder answers it (SECCOMP_IOCTL_NOTIF_*): the
 * caller must hand the listener over before making one. */
int policy_bpf_load_listener(const struct policy_bpf *bpf, int *listener);

#endif
