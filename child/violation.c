/*
 * violation.c - the SIGSYS handler of report mode.
 */
#include "violation.h"

#include <linux/audit.h>
#include <seccomp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/ucontext.h>
#include <unistd.h>

enum { SYSCALL_NAMES = 512 };

/* The signal handler reaches these without a context argument: there is
 * one handler, one channel and one name table per process. */
static struct ipc_channel *report_channel;
static char syscall_names[SYSCALL_NAMES][IPC_NAME_MAX];

const char *violation_syscall_name(unsigned nr)
{
	return nr < SYSCALL_NAMES && syscall_names[nr][0] != '\0' ? syscall_names[nr] : NULL;
}

/* Async-signal-safe formatting into a fixed buffer. */
struct line {
	char text[512];
	size_t len;
};

static void put_str(struct line *l, const char *s)
{
	while (*s != '\0' && l->len < sizeof(l->text) - 1)
		l->text[l->len++] = *s++;
}

static void put_u64(struct line *l, uint64_t v, unsigned base)
{
	char digits[24];
	size_t n = 0;
	do {
		digits[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v != 0);
	if (base == 16)
		put_str(l, "0x");
	while (n > 0 && l->len < sizeof(l->text) - 1)
		l->text[l->len++] = digits[--n];
}

static void write_line(const struct line *l)
{
	size_t done = 0;
	while (done < l->len) {
		long n = syscall(SYS_write, 2, l->text + done, l->len - done);
		if (n <= 0)
			return;
		done += (size_t)n;
	}
}

static void fill_report(struct ipc_violation *v, const siginfo_t *info, const ucontext_t *uc)
{
	const greg_t *r = uc->uc_mcontext.gregs;
	memset(v, 0, sizeof(*v));
	v->nr = (uint32_t)info->si_syscall;
	v->arch = info->si_arch;
	v->args[0] = (uint64_t)r[REG_RDI];
	v->args[1] = (uint64_t)r[REG_RSI];
	v->args[2] = (uint64_t)r[REG_RDX];
	v->args[3] = (uint64_t)r[REG_R10];
	v->args[4] = (uint64_t)r[REG_R8];
	v->args[5] = (uint64_t)r[REG_R9];
	v->ip = (uint64_t)(uintptr_t)info->si_call_addr;
	const char *name = v->arch == AUDIT_ARCH_X86_64 ? violation_syscall_name(v->nr) : NULL;
	if (name != NULL)
		memcpy(v->name, name, strlen(name) + 1);
}

static void report_to_stderr(const struct ipc_violation *v)
{
	struct line l = {.len = 0};
	put_str(&l, "warden-child: sandbox violation: syscall ");
	put_str(&l, v->name[0] != '\0' ? v->name : "?");
	put_str(&l, " (");
	put_u64(&l, v->nr, 10);
	put_str(&l, ") args");
	for (int i = 0; i < 6; i++) {
		put_str(&l, " ");
		put_u64(&l, v->args[i], 16);
	}
	put_str(&l, "; exiting\n");
	write_line(&l);
}

static void report_to_parent(const struct ipc_violation *v)
{
	struct ipc_message msg = {.type = IPC_VIOLATION};
	uint8_t raw[IPC_MAX_MESSAGE];
	msg.u.violation = *v;
	if (report_channel != NULL)
		ipc_send(report_channel, &msg, raw, sizeof(raw));
}

static void on_sigsys(int sig, siginfo_t *info, void *context)
{
	(void)sig;
	struct ipc_violation v;
	fill_report(&v, info, context);
	report_to_stderr(&v);
	report_to_parent(&v);
	syscall(SYS_exit_group, VIOLATION_EXIT_STATUS);
	__builtin_unreachable();
}

static void resolve_names(void)
{
	for (unsigned nr = 0; nr < SYSCALL_NAMES; nr++) {
		char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_X86_64, (int)nr);
		if (name != NULL && strlen(name) < IPC_NAME_MAX)
			memcpy(syscall_names[nr], name, strlen(name) + 1);
		free(name);
	}
}

int violation_install(struct ipc_channel *channel)
{
	resolve_names();
	report_channel = channel;
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigsys;
	sa.sa_flags = SA_SIGINFO;
	sigfillset(&sa.sa_mask); /* nothing interrupts the report */
	return sigaction(SIGSYS, &sa, NULL);
}
