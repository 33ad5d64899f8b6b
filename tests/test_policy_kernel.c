/*
 * Real-kernel tests: a forked process loads a compiled policy and makes one
 * call; the kernel's verdict (survived, or killed by SIGSYS) is checked.
 */
#include "kernel_harness.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <signal.h>
#include <linux/sched.h>
#include <poll.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <grp.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#define HIGH(fd) (0x100000000L | (fd)) /* garbage in the high 32 bits */
#define X32_BIT  0x40000000L

static char buf[16];
static int one = 1;
static struct epoll_event event = {.events = EPOLLIN};
static struct epoll_event events[4];
static struct timespec zero;
static struct pollfd pfd = {.fd = FD_CLIENT, .events = POLLIN};

#define ACCEPT_FLAGS (SOCK_CLOEXEC | SOCK_NONBLOCK)

/* ---- The child policy ---------------------------------------------------- */

Test(child_policy, logging_is_allowed)
{
	struct policy_bpf bpf;
	harness_child_policy(&bpf);
	EXPECT_ALLOWED(&bpf, SYS_write, 2, buf, 0);
	EXPECT_ALLOWED(&bpf, SYS_write, FD_LOG, buf, 1);
	EXPECT_ALLOWED(&bpf, SYS_fsync, FD_LOG);
	policy_bpf_release(&bpf);
}

Test(child_policy, writes_elsewhere_are_killed)
{
	struct policy_bpf bpf;
	harness_child_policy(&bpf);
	EXPECT_KILLED(&bpf, SYS_write, 1, buf, 0);
	EXPECT_KILLED(&bpf, SYS_write, FD_IPC, buf, 1);
	EXPECT_KILLED(&bpf, SYS_write, FD_CLIENT, buf, 1);
	EXPECT_KILLED(&bpf, SYS_write, FD_GUI, buf, 1);
	EXPECT_KILLED(&bpf, SYS_writev, 2, buf, 0);
	EXPECT_KILLED(&bpf, SYS_fsync, 2);
	EXPECT_KILLED(&bpf, SYS_fsync, FD_CLIENT);
	EXPECT_KILLED(&bpf, SYS_fdatasync, FD_LOG);
	policy_bpf_release(&bpf);
}

Test(child_policy, accept4_exact_flags_only)
{
	struct policy_bpf bpf;
	harness_child_policy(&bpf);
	struct verdict v = EXPECT_ALLOWED(&bpf, SYS_accept4, FD_GUI, 0, 0, ACCEPT_FLAGS);
	cr_expect_eq(v.ret, -EAGAIN, "accept4 on an idle listener returns EAGAIN, got %ld", v.ret);
	EXPECT_KILLED(&bpf, SYS_accept4, FD_GUI, 0, 0, 0);
	EXPECT_KILLED(&bpf, SYS_accept4, FD_GUI, 0, 0, SOCK_CLOEXEC);
	EXPECT_KILLED(&bpf, SYS_accept4, FD_GUI, 0, 0, SOCK_NONBLOCK);
	EXPECT_KILLED(&bpf, SYS_accept4, FD_GUI, buf, 0, ACCEPT_FLAGS);
	EXPECT_KILLED(&bpf, SYS_accept4, FD_GUI, 0, buf, ACCEPT_FLAGS);
	EXPECT_KILLED(&bpf, SYS_accept4, FD_CLIENT, 0, 0, ACCEPT_FLAGS);
	EXPECT_KILLED(&bpf, SYS_accept, FD_GUI, 0, 0);
	policy_bpf_release(&bpf);
}

Test(child_policy, read_ipc_and_clients_only)
{
	struct policy_bpf bpf;
	harness_child_policy(&bpf);
	EXPECT_ALLOWED(&bpf, SYS_read, FD_IPC, buf, 0);
	EXPECT_ALLOWED(&bpf, SYS_read, FD_CLIENT, buf, 0);
	EXPECT_ALLOWED(&bpf, SYS_read, FD_LIMIT - 1, buf, 0);
	for (long fd = 0; fd < FD_CLIENT; fd++)
		if (fd != FD_IPC)
			EXPECT_KILLED(&bpf, SYS_read, fd, buf, 0);
	EXPECT_KILLED(&bpf, SYS_read, FD_LIMIT, buf, 0);
	EXPECT_KILLED(&bpf, SYS_read, 0xffffffffL, buf, 0);
	EXPECT_KILLED(&bpf, SYS_readv, FD_CLIENT, buf, 0);
	EXPECT_KILLED(&bpf, SYS_recvfrom, FD_CLIENT, buf, 0, 0, 0, 0);
	policy_bpf_release(&bpf);
}

Test(child_policy, sendto_needs_msg_nosignal_and_no_address)
{
	struct policy_bpf bpf;
	harness_child_policy(&bpf);
	struct verdict v = EXPECT_ALLOWED(&bpf, SYS_sendto, FD_CLIENT, buf, 1, MSG_NOSIGNAL, 0, 0);
	cr_expect_eq(v.ret, 1, "send to a connected client sends, got %ld", v.ret);
	EXPECT_ALLOWED(&bpf, SYS_sendto, FD_IPC, buf, 1, MSG_NOSIGNAL, 0, 0);
	EXPECT_KILLED(&bpf, SYS_sendto, FD_CLIENT, buf, 1, 0, 0, 0);
	EXPECT_KILLED(&bpf, SYS_sendto, FD_CLIENT, buf, 1, MSG_NOSIGNAL | MSG_DONTWAIT, 0, 0);
	EXPECT_KILLED(&bpf, SYS_sendto, FD_CLIENT, buf, 1, MSG_NOSIGNAL | MSG_OOB, 0, 0);
	EXPECT_KILLED(&bpf, SYS_sendto, FD_CLIENT, buf, 1, MSG_NOSIGNAL, buf, 0);
	EXPECT_KILLED(&bpf, SYS_sendto, FD_CLIENT, buf, 1, MSG_NOSIGNAL, 0, 16);
	EXPECT_KILLED(&bpf, SYS_sendto, 2, buf, 1, MSG_NOSIGNAL, 0, 0);
	EXPECT_KILLED(&bpf, SYS_sendto, FD_LOG, buf, 1, MSG_NOSIGNAL, 0, 0);
	EXPECT_KILLED(&bpf, SYS_sendto, FD_GUI, buf, 1, MSG_NOSIGNAL, 0, 0);
	EXPECT_KILLED(&bpf, SYS_sendmsg, FD_CLIENT, buf, MSG_NOSIGNAL);
	policy_bpf_release(&bpf);
}

Test(child_policy, close_clients_only)
{
	struct policy_bpf bpf;
	harness_child_policy(&bpf);
	struct verdict v = EXPECT_ALLOWED(&bpf, SYS_close, FD_CLIENT);
	cr_expect_eq(v.ret, 0);
	EXPECT_ALLOWED(&bpf, SYS_close, FD_LIMIT - 1);
	for (long fd = 0; fd < FD_CLIENT; fd++)
		EXPECT_KILLED(&bpf, SYS_close, fd);
	EXPECT_KILLED(&bpf, SYS_close, FD_LIMIT);
	policy_bpf_release(&bpf);
}

/* The address of a client, for its share of the connections: on client
 * descriptors only (the IPC socket's peer is the parent, the listening
 * socket has none, and neither is the server's to ask about). */
Test(child_policy, getpeername_on_clients_only)
{
	struct policy_bpf bpf;
	static struct sockaddr_storage sa;
	static socklen_t len = sizeof(sa);
	harness_child_policy(&bpf);
	EXPECT_ALLOWED(&bpf, SYS_getpeername, FD_CLIENT, &sa, &len);
	EXPECT_ALLOWED(&bpf, SYS_getpeername, FD_LIMIT - 1, &sa, &len);
	for (long fd = 0; fd < FD_CLIENT; fd++)
		EXPECT_KILLED(&bpf, SYS_getpeername, fd, &sa, &len);
	EXPECT_KILLED(&bpf, SYS_getpeername, FD_LIMIT, &sa, &len);
	EXPECT_KILLED(&bpf, SYS_getsockname, FD_CLIENT, &sa, &len);
	EXPECT_KILLED(&bpf, SYS_getsockopt, FD_CLIENT, SOL_SOCKET, SO_ERROR, &sa, &len);
	policy_bpf_release(&bpf);
}

Test(child_policy, ioctl_fionbio_on_clients_only)
{
	struct policy_bpf bpf;
	harness_child_policy(&bpf);
	struct verdict v = EXPECT_ALLOWED(&bpf, SYS_ioctl, FD_CLIENT, FIONBIO, &one);
	cr_expect_eq(v.ret, 0);
	EXPECT_KILLED(&bpf, SYS_ioctl, FD_CLIENT, FIONREAD, &one);
	EXPECT_KILLED(&bpf, SYS_ioctl, FD_CLIENT, FIOCLEX, 0);
	EXPECT_KILLED(&bpf, SYS_ioctl, FD_GUI, FIONBIO, &one);
	EXPECT_KILLED(&bpf, SYS_ioctl, FD_IPC, FIONBIO, &one);
	/* The request is an unsigned int: high bits cannot turn FIONBIO into
	 * anything else, and the kernel sees FIONBIO. */
	EXPECT_ALLOWED(&bpf, SYS_ioctl, FD_CLIENT, HIGH(FIONBIO), &one);
	policy_bpf_release(&bpf);
}

Test(child_policy, epoll_on_the_loop_only)
{
	struct policy_bpf bpf;
	harness_child_policy(&bpf);
	struct verdict v =
	        EXPECT_ALLOWED(&bpf, SYS_epoll_ctl, FD_EPOLL, EPOLL_CTL_ADD, FD_CLIENT, &event);
	cr_expect_eq(v.ret, 0);
	EXPECT_ALLOWED(&bpf, SYS_epoll_ctl, FD_EPOLL, EPOLL_CTL_ADD, FD_IPC, &event);
	EXPECT_ALLOWED(&bpf, SYS_epoll_ctl, FD_EPOLL, EPOLL_CTL_ADD, FD_GUI, &event);
	EXPECT_ALLOWED(&bpf, SYS_epoll_wait, FD_EPOLL, events, 4, 0);
	EXPECT_ALLOWED(&bpf, SYS_epoll_pwait, FD_EPOLL, events, 4, 0, 0, 8);
	EXPECT_KILLED(&bpf, SYS_epoll_ctl, FD_OTHER_EPOLL, EPOLL_CTL_ADD, FD_CLIENT, &event);
	EXPECT_KILLED(&bpf, SYS_epoll_ctl, FD_EPOLL, EPOLL_CTL_ADD, FD_LOG, &event);
	EXPECT_KILLED(&bpf, SYS_epoll_ctl, FD_EPOLL, EPOLL_CTL_ADD, 2, &event);
	EXPECT_KILLED(&bpf, SYS_epoll_ctl, FD_EPOLL, EPOLL_CTL_ADD, FD_OTHER_EPOLL - 3, &event);
	EXPECT_KILLED(&bpf, SYS_epoll_wait, FD_OTHER_EPOLL, events, 4, 0);
	EXPECT_KILLED(&bpf, SYS_epoll_pwait, FD_EPOLL, events, 4, 0, buf, 8);
	EXPECT_KILLED(&bpf, SYS_ppoll, &pfd, 1, &zero, 0, 8);
	EXPECT_KILLED(&bpf, SYS_poll, &pfd, 1, 0);
	policy_bpf_release(&bpf);
}

Test(child_policy, exit_group_is_allowed)
{
	struct policy_bpf bpf;
	harness_child_policy(&bpf);
	struct verdict v = harness_run(&bpf, SYS_exit_group, 7, 0, 0, 0, 0, 0);
	cr_expect(WIFEXITED(v.status) && WEXITSTATUS(v.status) == 7,
	          "exit_group(7) should end the process with status 7, got 0x%x", v.status);
	policy_bpf_release(&bpf);
}

Test(child_policy, other_syscalls_are_killed)
{
	struct policy_bpf bpf;
	harness_child_policy(&bpf);
	EXPECT_KILLED(&bpf, SYS_getpid, 0);
	EXPECT_KILLED(&bpf, SYS_openat, AT_FDCWD, "/etc/passwd", O_RDONLY);
	EXPECT_KILLED(&bpf, SYS_open, "/etc/passwd", O_RDONLY);
	EXPECT_KILLED(&bpf, SYS_mmap, 0, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	EXPECT_KILLED(&bpf, SYS_brk, 0);
	EXPECT_KILLED(&bpf, SYS_socket, AF_INET, SOCK_STREAM, 0);
	EXPECT_KILLED(&bpf, SYS_kill, 1, 0);
	EXPECT_KILLED(&bpf, SYS_rt_sigaction, SIGSYS, 0, 0, 8);
	EXPECT_KILLED(&bpf, SYS_clock_gettime, CLOCK_MONOTONIC, buf);
	EXPECT_KILLED(&bpf, SYS_exit, 0);
	EXPECT_KILLED(&bpf, SYS_clone3, buf, 0);
	EXPECT_KILLED(&bpf, SYS_execve, "/bin/true", 0, 0);
	policy_bpf_release(&bpf);
}

Test(child_policy, high_32_bits_of_int_fds_are_ignored_as_the_kernel_does)
{
	struct policy_bpf bpf;
	harness_child_policy(&bpf);
	/* close(0x100000002) is close(2) to the kernel: it must die. */
	EXPECT_KILLED(&bpf, SYS_close, HIGH(2));
	EXPECT_KILLED(&bpf, SYS_close, HIGH(FD_LOG));
	EXPECT_KILLED(&bpf, SYS_close, 0xffffffff00000002L);
	EXPECT_KILLED(&bpf, SYS_read, HIGH(FD_LOG), buf, 0);
	EXPECT_KILLED(&bpf, SYS_write, HIGH(FD_CLIENT), buf, 1);
	EXPECT_KILLED(&bpf, SYS_sendto, HIGH(FD_LOG), buf, 1, MSG_NOSIGNAL, 0, 0);
	EXPECT_KILLED(&bpf, SYS_accept4, FD_GUI, 0, 0, HIGH(0));
	/* write(0x100000002, ...) is write(2, ...): allowed, and the same. */
	struct verdict plain = EXPECT_ALLOWED(&bpf, SYS_write, 2, buf, 0);
	struct verdict high = EXPECT_ALLOWED(&bpf, SYS_write, HIGH(2), buf, 0);
	cr_expect_eq(plain.ret, high.ret);
	struct verdict log = EXPECT_ALLOWED(&bpf, SYS_write, HIGH(FD_LOG), buf, 1);
	cr_expect_eq(log.ret, 1, "write to fd 0x100000004 writes to the log, got %ld", log.ret);
	EXPECT_ALLOWED(&bpf, SYS_close, HIGH(FD_CLIENT));
	EXPECT_ALLOWED(&bpf, SYS_sendto, FD_CLIENT, buf, 1, HIGH(MSG_NOSIGNAL), 0, 0);
	/* 64-bit arguments compare all their bits: a non-NULL address is not
	 * NULL because its low half is zero. */
	EXPECT_KILLED(&bpf, SYS_accept4, FD_GUI, 0x100000000L, 0, ACCEPT_FLAGS);
	EXPECT_KILLED(&bpf, SYS_sendto, FD_CLIENT, buf, 1, MSG_NOSIGNAL, 0x100000000L, 0);
	policy_bpf_release(&bpf);
}

Test(child_policy, x32_and_foreign_abi_numbers_are_killed)
{
	struct policy_bpf bpf;
	harness_child_policy(&bpf);
	EXPECT_KILLED(&bpf, X32_BIT | SYS_write, 2, buf, 0);
	EXPECT_KILLED(&bpf, X32_BIT | SYS_close, FD_CLIENT);
	EXPECT_KILLED(&bpf, 1000, 0);
	EXPECT_KILLED(&bpf, -1L, 0);
	policy_bpf_release(&bpf);
}

/* ---- The seed policy ----------------------------------------------------- */

Test(seed_policy, allowed_calls_survive)
{
	struct policy_bpf bpf;
	harness_seed_policy(&bpf);
	EXPECT_ALLOWED(&bpf, SYS_write, 2, buf, 0);
	EXPECT_ALLOWED(&bpf, SYS_write, FD_LOG, buf, 1);
	EXPECT_ALLOWED(&bpf, SYS_fsync, FD_LOG);
	EXPECT_ALLOWED(&bpf, SYS_accept4, FD_GUI, 0, 0, ACCEPT_FLAGS);
	EXPECT_ALLOWED(&bpf, SYS_read, FD_CLIENT, buf, 0);
	EXPECT_ALLOWED(&bpf, SYS_read, FD_IPC, buf, 0);
	EXPECT_ALLOWED(&bpf, SYS_read, 0, buf, 0);
	EXPECT_ALLOWED(&bpf, SYS_sendto, FD_CLIENT, buf, 1, MSG_NOSIGNAL, 0, 0);
	/* The seed does not check sendto's flags: without MSG_NOSIGNAL it is
	 * allowed there (the child policy is tighter). */
	EXPECT_ALLOWED(&bpf, SYS_sendto, FD_CLIENT, buf, 1, 0, 0, 0);
	EXPECT_ALLOWED(&bpf, SYS_close, FD_CLIENT);
	EXPECT_ALLOWED(&bpf, SYS_close, FD_IPC);
	EXPECT_ALLOWED(&bpf, SYS_ppoll, &pfd, 1, &zero, 0, 8);
	EXPECT_ALLOWED(&bpf, SYS_write, HIGH(2), buf, 0);
	policy_bpf_release(&bpf);
}

Test(seed_policy, denied_calls_are_killed)
{
	struct policy_bpf bpf;
	harness_seed_policy(&bpf);
	EXPECT_KILLED(&bpf, SYS_write, FD_CLIENT, buf, 1);
	EXPECT_KILLED(&bpf, SYS_write, 1, buf, 0);
	EXPECT_KILLED(&bpf, SYS_fsync, 2);
	EXPECT_KILLED(&bpf, SYS_accept4, FD_GUI, 0, 0, 0);
	EXPECT_KILLED(&bpf, SYS_accept4, FD_GUI, 0, 0, SOCK_CLOEXEC);
	EXPECT_KILLED(&bpf, SYS_accept4, FD_CLIENT, 0, 0, ACCEPT_FLAGS);
	EXPECT_KILLED(&bpf, SYS_read, 2, buf, 0);
	EXPECT_KILLED(&bpf, SYS_read, FD_LOG, buf, 0);
	EXPECT_KILLED(&bpf, SYS_read, FD_GUI, buf, 0);
	EXPECT_KILLED(&bpf, SYS_sendto, 2, buf, 1, MSG_NOSIGNAL, 0, 0);
	EXPECT_KILLED(&bpf, SYS_sendto, FD_LOG, buf, 1, MSG_NOSIGNAL, 0, 0);
	EXPECT_KILLED(&bpf, SYS_sendto, FD_GUI, buf, 1, MSG_NOSIGNAL, 0, 0);
	EXPECT_KILLED(&bpf, SYS_close, 2);
	EXPECT_KILLED(&bpf, SYS_close, FD_LOG);
	EXPECT_KILLED(&bpf, SYS_close, FD_GUI);
	EXPECT_KILLED(&bpf, SYS_getpid, 0);
	EXPECT_KILLED(&bpf, SYS_epoll_wait, FD_EPOLL, events, 4, 0);
	EXPECT_KILLED(&bpf, SYS_exit_group, 0);
	policy_bpf_release(&bpf);
}

Test(seed_policy, high_32_bits)
{
	struct policy_bpf bpf;
	harness_seed_policy(&bpf);
	EXPECT_KILLED(&bpf, SYS_close, HIGH(2));
	EXPECT_KILLED(&bpf, SYS_close, HIGH(FD_LOG));
	EXPECT_KILLED(&bpf, SYS_read, HIGH(FD_GUI), buf, 0);
	EXPECT_KILLED(&bpf, SYS_sendto, HIGH(2), buf, 1, 0, 0, 0);
	EXPECT_ALLOWED(&bpf, SYS_close, HIGH(FD_CLIENT));
	EXPECT_ALLOWED(&bpf, SYS_write, HIGH(FD_LOG), buf, 1);
	policy_bpf_release(&bpf);
}

/* ---- Ranges bound from parameters --------------------------------------- */

static const char range_policy[] = "uint logfile_fd, uint lo, uint hi\n"
                                   "write: (eq (arg 0) logfile_fd)\n"
                                   "read: (and (>= (arg 0) lo)\n"
                                   "           (<= (arg 0) hi))\n"
                                   "lseek: (and (eq (arg 0) 7)\n"
                                   "            (>= (arg 1) lo)\n"
                                   "            (<= (arg 1) hi))\n"
                                   "close: (not (and (>= (arg 0) lo) (< (arg 0) hi)))\n";

Test(ranges, int_argument_at_both_edges)
{
	struct policy_binding b[] = {{"logfile_fd", FD_LOG}, {"lo", 10}, {"hi", 20}};
	struct policy_bpf bpf;
	harness_compile_text(range_policy, b, 3, &bpf);
	EXPECT_KILLED(&bpf, SYS_read, 9, buf, 0);
	EXPECT_ALLOWED(&bpf, SYS_read, 10, buf, 0);
	EXPECT_ALLOWED(&bpf, SYS_read, 15, buf, 0);
	EXPECT_ALLOWED(&bpf, SYS_read, 20, buf, 0);
	EXPECT_KILLED(&bpf, SYS_read, 21, buf, 0);
	EXPECT_KILLED(&bpf, SYS_read, 0, buf, 0);
	EXPECT_KILLED(&bpf, SYS_read, 0xffffffffL, buf, 0);
	EXPECT_ALLOWED(&bpf, SYS_read, HIGH(10), buf, 0);
	EXPECT_KILLED(&bpf, SYS_read, HIGH(21), buf, 0);
	/* The complement of a half-open range, on the same argument. */
	EXPECT_ALLOWED(&bpf, SYS_close, 9);
	EXPECT_KILLED(&bpf, SYS_close, 10);
	EXPECT_KILLED(&bpf, SYS_close, 19);
	EXPECT_ALLOWED(&bpf, SYS_close, 20);
	EXPECT_KILLED(&bpf, SYS_close, HIGH(12));
	policy_bpf_release(&bpf);
}

Test(ranges, long_argument_compares_all_64_bits)
{
	struct policy_binding b[] = {{"logfile_fd", FD_LOG}, {"lo", 100}, {"hi", 0xffffffff}};
	struct policy_bpf bpf;
	harness_compile_text(range_policy, b, 3, &bpf);
	EXPECT_KILLED(&bpf, SYS_lseek, 7, 99, SEEK_SET);
	EXPECT_ALLOWED(&bpf, SYS_lseek, 7, 100, SEEK_SET);
	EXPECT_ALLOWED(&bpf, SYS_lseek, 7, 0xffffffffL, SEEK_SET);
	EXPECT_KILLED(&bpf, SYS_lseek, 7, 0x100000000L, SEEK_SET);
	EXPECT_KILLED(&bpf, SYS_lseek, 7, 0x100000064L, SEEK_SET);
	EXPECT_KILLED(&bpf, SYS_lseek, 8, 100, SEEK_SET);
	policy_bpf_release(&bpf);
}

Test(ranges, range_of_one_and_the_ends_of_the_domain)
{
	struct policy_bpf bpf;
	struct policy_binding b[] = {{"logfile_fd", FD_LOG}, {"lo", 0}, {"hi", 0}};
	harness_compile_text(range_policy, b, 3, &bpf);
	EXPECT_ALLOWED(&bpf, SYS_read, 0, buf, 0);
	EXPECT_KILLED(&bpf, SYS_read, 1, buf, 0);
	policy_bpf_release(&bpf);
	struct policy_binding top[] = {
	        {"logfile_fd", FD_LOG}, {"lo", 0xfffffffe}, {"hi", 0xffffffff}};
	harness_compile_text(range_policy, top, 3, &bpf);
	EXPECT_ALLOWED(&bpf, SYS_read, 0xffffffffL, buf, 0);
	EXPECT_ALLOWED(&bpf, SYS_read, 0xfffffffeL, buf, 0);
	EXPECT_KILLED(&bpf, SYS_read, 0xfffffffdL, buf, 0);
	policy_bpf_release(&bpf);
}

Test(constants, negative_int_constant_on_both_widths)
{
	const char *text = "uint logfile_fd\n"
	                   "write: (eq (arg 0) logfile_fd)\n"
	                   "close: (eq (arg 0) \"(int)-1\")\n"
	                   "lseek: (eq (arg 1) \"(int)-1\")\n";
	struct policy_binding b[] = {{"logfile_fd", FD_LOG}};
	struct policy_bpf bpf;
	harness_compile_text(text, b, 1, &bpf);
	EXPECT_ALLOWED(&bpf, SYS_close, 0xffffffffL);
	EXPECT_ALLOWED(&bpf, SYS_close, -1L);
	EXPECT_ALLOWED(&bpf, SYS_lseek, 3, -1L, 0);
	EXPECT_KILLED(&bpf, SYS_lseek, 3, 0xffffffffL, 0);
	policy_bpf_release(&bpf);
}

/* A negative int other than -1: its low 32 bits are not all ones, so a
 * value left sign-extended to 64 bits (and then clamped to the 32-bit
 * domain) would compare with 0xffffffff instead of 0xffffff9c. */
Test(constants, negative_int_keeps_its_low_32_bits)
{
	const char *text = "uint logfile_fd\n"
	                   "write: (eq (arg 0) logfile_fd)\n"
	                   "close: (eq (arg 0) \"(int)-100\")\n";
	struct policy_binding b[] = {{"logfile_fd", FD_LOG}};
	struct policy_bpf bpf;
	harness_compile_text(text, b, 1, &bpf);
	EXPECT_ALLOWED(&bpf, SYS_close, -100L);
	EXPECT_ALLOWED(&bpf, SYS_close, 0xffffff9cL);
	EXPECT_KILLED(&bpf, SYS_close, 0xffffffffL);
	EXPECT_KILLED(&bpf, SYS_close, 0xffffff9dL);
	policy_bpf_release(&bpf);
}

/* ---- Loading without privileges ------------------------------------------- */

/* Without CAP_SYS_ADMIN the kernel takes a filter only from a process with
 * no_new_privs, which policy_bpf_load sets itself. As root the test first
 * becomes nobody, which drops every capability and leaves no_new_privs
 * unset. Exit codes: 0 loaded with no_new_privs, 10 could not drop, 11
 * no_new_privs already set, 12 + errno the load failed, 13 loaded without
 * no_new_privs. */
static void __attribute__((noreturn)) load_unprivileged(const struct policy_bpf *bpf)
{
	if (geteuid() == 0 && (setresgid(65534, 65534, 65534) < 0 || setgroups(0, NULL) < 0 ||
	                       setresuid(65534, 65534, 65534) < 0))
		_exit(10);
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 0)
		_exit(11);
	int rc = policy_bpf_load(bpf);
	if (rc < 0)
		_exit(12 + (-rc < 100 ? -rc : 100));
	/* Raw calls from here: the filter allows these two only, and ASan's
	 * _exit would run its leak check first. */
	long nnp = syscall(SYS_prctl, PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
	syscall(SYS_exit_group, nnp == 1 ? 0 : 13);
	_exit(14); /* not reached */
}

Test(load, an_unprivileged_caller_gets_no_new_privs_and_its_filter)
{
	const char *text = "noarg\nexit_group\nprctl\n";
	struct policy_bpf bpf;
	harness_compile_text(text, NULL, 0, &bpf);
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0)
		load_unprivileged(&bpf);
	int status;
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	          "status 0x%x (exit 12 + errno: the load failed; 13: no no_new_privs)", status);
	policy_bpf_release(&bpf);
}

/* ---- A filter reaches every thread (TSYNC) --------------------------------- */

static const char tsync_policy[] = "uint go_fd, uint park_fd\n"
                                   "write: (eq (arg 0) go_fd)\n"
                                   "read: (eq (arg 0) park_fd)\n";

static int go[2], park[2];

/* Waits until the main thread has loaded the filter, then makes a call the
 * policy denies. Without TSYNC this thread stays unfiltered: it survives and
 * ends the process with status 0. */
static void *call_after_load(void *unused)
{
	(void)unused;
	char byte;
	if (read(go[0], &byte, 1) != 1)
		_exit(122);
	syscall(SYS_getppid);
	syscall(SYS_exit_group, 0);
	return NULL;
}

static void __attribute__((noreturn)) load_with_a_second_thread(const struct policy_bpf *bpf)
{
	pthread_t thread;
	alarm(10); /* a hang ends by SIGALRM, not by the test's timeout */
	if (pthread_create(&thread, NULL, call_after_load, NULL) != 0)
		_exit(120);
	if (policy_bpf_load(bpf) != 0)
		_exit(121);
	syscall(SYS_write, go[1], "g", 1);
	/* Parked: park[1] stays open, so only the second thread ends this. */
	char byte;
	syscall(SYS_read, park[0], &byte, 1);
	_exit(123);
}

Test(tsync, a_thread_started_before_the_load_is_filtered_too)
{
	cr_assert_eq(pipe(go), 0);
	cr_assert_eq(pipe(park), 0);
	struct policy_binding b[] = {{"go_fd", go[1]}, {"park_fd", park[0]}};
	struct policy_bpf bpf;
	harness_compile_text(tsync_policy, b, 2, &bpf);
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0)
		load_with_a_second_thread(&bpf);
	int status;
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_expect(WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS,
	          "the second thread's getppid should kill the process by SIGSYS, but %s %d",
	          WIFSIGNALED(status) ? "it died by signal" : "it exited with",
	          WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
	policy_bpf_release(&bpf);
	close(go[0]);
	close(go[1]);
	close(park[0]);
	close(park[1]);
}
