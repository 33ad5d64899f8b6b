/*
 * compile.c - from a parsed policy to seccomp filter programs.
 *
 * The encoding (docs/policy.md): each rule's condition becomes a union of
 * "boxes", one set of accepted values per argument, computed exactly with
 * interval sets; each set is cut into aligned power-of-two blocks and every
 * combination of blocks becomes one libseccomp rule of masked-equality
 * tests, one test per argument. This sidesteps the three libseccomp 2.5.4
 * pitfalls: a rule never tests an argument twice; every rule has the same
 * action (ALLOW over a default deny), so no rule can swallow another; and a
 * 32-bit argument is tested with mask 0xffffffff-or-narrower, which compares
 * exactly the low 32 bits the kernel uses, whatever the high 32 hold.
 */
#include "meaning.h"

#include <errno.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

enum {
	MAX_RULES_PER_SYSCALL = 4096, /* libseccomp rules one condition becomes */
	NARGS = MEANING_NARGS,
};

struct policy_filter {
	size_t count;
	scmp_filter_ctx programs[POLICY_MAX_PROGRAMS];
};

struct compiler {
	const struct policy *policy;
	const struct rule *rule;
	uint64_t max[NARGS]; /* the domain of each argument of this syscall */
	struct policy_error *err;
};

static int fail(struct compiler *c, struct source_pos pos, const char *message)
{
	policy_error_set(c->err, c->policy->name, pos, "%s: %s", c->rule->syscall, message);
	return -1;
}

static int add_rule(struct compiler *c, scmp_filter_ctx ctx, const struct scmp_arg_cmp *cmps,
                    unsigned n)
{
	int rc = seccomp_rule_add_exact_array(ctx, SCMP_ACT_ALLOW, c->rule->number, n, cmps);
	if (rc < 0) {
		char message[128];
		snprintf(message, sizeof(message), "libseccomp rejected a rule: %s", strerror(-rc));
		return fail(c, c->rule->pos, message);
	}
	return 0;
}

/* One libseccomp rule per combination of blocks, one block per
 * constrained argument. */
static int emit_box(struct compiler *c, scmp_filter_ctx ctx, const struct box *b, size_t *emitted)
{
	struct interval_block *blocks[NARGS] = {0};
	size_t counts[NARGS] = {0}, pick[NARGS] = {0};
	unsigned args[NARGS], n = 0;
	int rc = -1;
	for (unsigned a = 0; a < NARGS; a++) {
		if (interval_set_is_full(&b->args[a], c->max[a]))
			continue;
		if (interval_set_blocks(&b->args[a], c->max[a], &blocks[n], &counts[n]) < 0) {
			fail(c, c->rule->pos, "out of memory");
			goto out;
		}
		args[n++] = a;
	}
	for (;;) {
		struct scmp_arg_cmp cmps[NARGS];
		for (unsigned k = 0; k < n; k++) {
			const struct interval_block *blk = &blocks[k][pick[k]];
			cmps[k] = SCMP_CMP(args[k], SCMP_CMP_MASKED_EQ, blk->mask, blk->base);
		}
		if (++*emitted > MAX_RULES_PER_SYSCALL) {
			fail(c, c->rule->pos, "condition compiles to too many comparisons");
			goto out;
		}
		if (add_rule(c, ctx, cmps, n) < 0)
			goto out;
		unsigned k = 0; /* odometer over the block choices */
		while (k < n && ++pick[k] == counts[k])
			pick[k++] = 0;
		if (k == n)
			break;
	}
	rc = 0;
out:
	for (unsigned k = 0; k < n; k++)
		free(blocks[k]);
	return rc;
}

static int compile_rule(struct compiler *c, scmp_filter_ctx ctx, const uint64_t *param_values)
{
	const struct rule *rule = c->rule;
	rule_domains(rule, c->max);
	if (rule->condition == NULL)
		return add_rule(c, ctx, NULL, 0);
	struct box_list boxes;
	if (rule_boxes(c->policy, rule, param_values, &boxes, c->err) < 0)
		return -1;
	/* A box with no constraint allows every call: that one rule says it
	 * all, and is the only rule for the syscall (rule_boxes keeps it alone). */
	int rc = 0;
	size_t emitted = 0;
	if (boxes.count == 1 && box_is_full(&boxes.items[0], c->max))
		rc = add_rule(c, ctx, NULL, 0);
	else
		for (size_t i = 0; rc == 0 && i < boxes.count; i++)
			rc = emit_box(c, ctx, &boxes.items[i], &emitted);
	box_list_release(&boxes);
	return rc;
}

struct policy_filter *policy_compile(const struct policy *policy,
                                     const struct policy_binding *bindings, size_t count,
                                     enum policy_deny_action deny, struct policy_error *err)
{
	uint64_t values[POLICY_MAX_PARAMS] = {0};
	if (meaning_bind(policy, bindings, count, false, values, err) < 0)
		return NULL;
	uint32_t deny_action = deny == POLICY_DENY_TRAP     ? SCMP_ACT_TRAP
	                       : deny == POLICY_DENY_NOTIFY ? SCMP_ACT_NOTIFY
	                                                    : SCMP_ACT_KILL_PROCESS;
	struct policy_filter *filter = calloc(1, sizeof(*filter));
	scmp_filter_ctx ctx = seccomp_init(deny_action);
	if (filter == NULL || ctx == NULL ||
	    seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS) < 0) {
		policy_error_set(err, policy->name, (struct source_pos){0, 0},
		                 "cannot create a libseccomp filter");
		goto fail;
	}
	filter->programs[filter->count++] = ctx;
	ctx = NULL;
	struct compiler c = {.policy = policy, .err = err};
	for (size_t i = 0; i < policy->rule_count; i++) {
		c.rule = &policy->rules[i];
		if (compile_rule(&c, filter->programs[0], values) < 0)
			goto fail;
	}
	return filter;
fail:
	if (ctx != NULL)
		seccomp_release(ctx);
	policy_filter_free(filter);
	return NULL;
}

void policy_filter_free(struct policy_filter *filter)
{
	if (filter == NULL)
		return;
	for (size_t i = 0; i < filter->count; i++)
		seccomp_release(filter->programs[i]);
	free(filter);
}

int policy_filter_export_pfc(const struct policy_filter *filter, int fd)
{
	for (size_t i = 0; i < filter->count; i++) {
		int rc = seccomp_export_pfc(filter->programs[i], fd);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* libseccomp 2.5 exports BPF only to a file descriptor: go through a
 * memfd and read the program back. */
static int export_program(scmp_filter_ctx ctx, struct sock_fprog *prog, struct policy_error *err,
                          const char *name)
{
	const struct source_pos nowhere = {0, 0};
	int rc = -1;
	struct stat st;
	int fd = memfd_create("warden-bpf", MFD_CLOEXEC);
	if (fd < 0 || seccomp_export_bpf(ctx, fd) < 0 || fstat(fd, &st) < 0) {
		policy_error_set(err, name, nowhere, "cannot export the BPF program");
		goto out;
	}
	size_t size = (size_t)st.st_size, count = size / sizeof(struct sock_filter);
	if (size % sizeof(struct sock_filter) != 0 || count == 0 || count > BPF_MAXINSNS) {
		policy_error_set(err, name, nowhere,
		                 "the filter has %zu instructions; the kernel takes 1 to %d", count,
		                 BPF_MAXINSNS);
		goto out;
	}
	prog->filter = malloc(size);
	if (prog->filter == NULL || pread(fd, prog->filter, size, 0) != (ssize_t)size) {
		free(prog->filter);
		prog->filter = NULL;
		policy_error_set(err, name, nowhere, "cannot read back the BPF program");
		goto out;
	}
	prog->len = (unsigned short)count;
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	return rc;
}

int policy_filter_bpf(const struct policy_filter *filter, struct policy_bpf *out,
                      struct policy_error *err)
{
	*out = (struct policy_bpf){0};
	for (size_t i = 0; i < filter->count; i++) {
		if (export_program(filter->programs[i], &out->programs[i], err, "filter") < 0) {
			policy_bpf_release(out);
			return -1;
		}
		out->count++;
	}
	return 0;
}

void policy_bpf_release(struct policy_bpf *bpf)
{
	for (size_t i = 0; i < bpf->count; i++)
		free(bpf->programs[i].filter);
	*bpf = (struct policy_bpf){0};
}

/* Required for an unprivileged load, and what keeps a setuid exec from
 * regaining privileges once filtered. */
static int set_no_new_privs(void)
{
	return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ? -errno : 0;
}

int policy_bpf_load_listener(const struct policy_bpf *bpf, int *listener)
{
	*listener = -1;
	if (bpf->count != 1)
		return -EINVAL; /* one listener per filter tree: one program */
	int err = set_no_new_privs();
	if (err < 0)
		return err;
	/* NEW_LISTENER with TSYNC needs TSYNC_ESRCH: a thread that cannot be
	 * synchronised is then an error (ESRCH), not a thread id returned in
	 * the place of the listener. */
	long rc = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
	                  SECCOMP_FILTER_FLAG_TSYNC | SECCOMP_FILTER_FLAG_TSYNC_ESRCH |
	                          SECCOMP_FILTER_FLAG_NEW_LISTENER,
	                  &bpf->programs[0]);
	if (rc < 0)
		return -errno;
	*listener = (int)rc;
	return 0;
}

int policy_bpf_load(const struct policy_bpf *bpf)
{
	if (bpf->count == 0)
		return -EINVAL;
	int err = set_no_new_privs();
	if (err < 0)
		return err;
	for (size_t i = 0; i < bpf->count; i++) {
		/* TSYNC: every thread of the process gets the filter, or none. */
		long rc = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC,
		                  &bpf->programs[i]);
		if (rc < 0)
			return -errno;
		if (rc > 0)
			return -EBUSY; /* a thread could not be synchronised */
	}
	return 0;
}
