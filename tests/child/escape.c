/*
 * escape.c - the forbidden operations (test build only). Each makes one raw
 * syscall that policy/child.policy denies; none may ever return.
 */
#include "escape.h"
#include "child/child.h"
#include "child/fd_layout.h"

#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

static char buf[64];
static const char path[] = "/etc/passwd";
static char *const no_args[] = {NULL};
#define HIGH(fd) (0x100000000L | (long)(fd))

#define ESCAPE(name, call)                                                                         \
	static void escape_##name(const struct child *c)                                           \
	{                                                                                          \
		(void)c;                                                                           \
		call;                                                                              \
	}

ESCAPE(open, syscall(SYS_open, path, O_RDONLY))
ESCAPE(openat, syscall(SYS_openat, AT_FDCWD, path, O_RDONLY))
ESCAPE(creat, syscall(SYS_creat, "/x", 0600))
ESCAPE(execve, syscall(SYS_execve, "/bin/sh", no_args, no_args))
ESCAPE(execveat, syscall(SYS_execveat, AT_FDCWD, "/bin/sh", no_args, no_args, 0))
ESCAPE(fork, syscall(SYS_fork))
ESCAPE(vfork, syscall(SYS_vfork))
ESCAPE(clone, syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0))
ESCAPE(clone3, syscall(SYS_clone3, buf, sizeof(struct clone_args)))
ESCAPE(socket, syscall(SYS_socket, AF_INET, SOCK_STREAM, 0))
ESCAPE(socketpair, syscall(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, buf))
ESCAPE(connect, syscall(SYS_connect, FD_GUI, buf, 16))
ESCAPE(bind, syscall(SYS_bind, FD_GUI, buf, 16))
ESCAPE(listen, syscall(SYS_listen, FD_GUI, 1))
ESCAPE(ptrace, syscall(SYS_ptrace, 0 /* PTRACE_TRACEME */, 0, 0, 0))
ESCAPE(kill, syscall(SYS_kill, 1, 0)) /* signal 0: harmless if it ran */
ESCAPE(tgkill, syscall(SYS_tgkill, 1, 1, 0))
ESCAPE(mmap_anonymous,
       syscall(SYS_mmap, 0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0))
ESCAPE(mmap_exec,
       syscall(SYS_mmap, 0, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0))
ESCAPE(mprotect, syscall(SYS_mprotect, buf, 4096, PROT_READ | PROT_WRITE | PROT_EXEC))
ESCAPE(brk, syscall(SYS_brk, 0))
ESCAPE(munmap, syscall(SYS_munmap, buf, 4096))
ESCAPE(mremap, syscall(SYS_mremap, buf, 4096, 8192, 0))
ESCAPE(write_client, syscall(SYS_write, c->first_client_fd, buf, 1))
ESCAPE(write_ipc, syscall(SYS_write, FD_IPC, buf, 1))
ESCAPE(write_stdout, syscall(SYS_write, 1, buf, 1))
ESCAPE(read_log, syscall(SYS_read, FD_LOG, buf, 1))
ESCAPE(read_gui, syscall(SYS_read, FD_GUI, buf, 1))
ESCAPE(read_stdin, syscall(SYS_read, 0, buf, 1))
ESCAPE(close_log, syscall(SYS_close, FD_LOG))
ESCAPE(close_stderr, syscall(SYS_close, 2))
ESCAPE(close_ipc, syscall(SYS_close, FD_IPC))
ESCAPE(close_epoll, syscall(SYS_close, c->epoll_fd))
ESCAPE(sendto_log, syscall(SYS_sendto, FD_LOG, buf, 1, MSG_NOSIGNAL, 0, 0))
ESCAPE(sendto_without_nosignal, syscall(SYS_sendto, FD_IPC, buf, 1, 0, 0, 0))
ESCAPE(sendto_with_address, syscall(SYS_sendto, FD_IPC, buf, 1, MSG_NOSIGNAL, buf, 16))
ESCAPE(sendmsg, syscall(SYS_sendmsg, FD_IPC, buf, MSG_NOSIGNAL))
ESCAPE(accept4_blocking, syscall(SYS_accept4, FD_GUI, 0, 0, SOCK_CLOEXEC))
ESCAPE(accept4_with_address, syscall(SYS_accept4, FD_GUI, buf, buf, SOCK_CLOEXEC | SOCK_NONBLOCK))
ESCAPE(accept, syscall(SYS_accept, FD_GUI, 0, 0))
ESCAPE(getpeername_ipc, syscall(SYS_getpeername, FD_IPC, buf, buf))
ESCAPE(getsockname_client, syscall(SYS_getsockname, c->first_client_fd, buf, buf))
ESCAPE(ioctl_fionread, syscall(SYS_ioctl, c->first_client_fd, FIONREAD, buf))
ESCAPE(ioctl_fionbio_on_gui, syscall(SYS_ioctl, FD_GUI, FIONBIO, buf))
ESCAPE(epoll_ctl_other, syscall(SYS_epoll_ctl, FD_GUI, EPOLL_CTL_ADD, FD_IPC, buf))
ESCAPE(epoll_ctl_log, syscall(SYS_epoll_ctl, c->epoll_fd, EPOLL_CTL_ADD, FD_LOG, buf))
ESCAPE(epoll_create, syscall(SYS_epoll_create1, 0))
ESCAPE(fsync_stderr, syscall(SYS_fsync, 2))
ESCAPE(close_high_bits_stderr, syscall(SYS_close, HIGH(2)))
ESCAPE(write_high_bits_ipc, syscall(SYS_write, HIGH(FD_IPC), buf, 1))
ESCAPE(read_high_bits_log, syscall(SYS_read, HIGH(FD_LOG), buf, 1))
ESCAPE(unshare, syscall(SYS_unshare, CLONE_NEWUSER))
ESCAPE(setns, syscall(SYS_setns, FD_IPC, 0))
ESCAPE(setuid, syscall(SYS_setuid, 0))
ESCAPE(chdir, syscall(SYS_chdir, "/"))
ESCAPE(chroot, syscall(SYS_chroot, "/"))
ESCAPE(prctl, syscall(SYS_prctl, PR_SET_DUMPABLE, 1, 0, 0, 0))
ESCAPE(seccomp, syscall(SYS_seccomp, 0 /* SECCOMP_SET_MODE_STRICT */, 0, 0))
ESCAPE(bpf, syscall(SYS_bpf, 0, buf, 16))
ESCAPE(io_uring_setup, syscall(SYS_io_uring_setup, 8, buf))
ESCAPE(userfaultfd, syscall(SYS_userfaultfd, 0))
ESCAPE(keyctl, syscall(SYS_keyctl, 0, 0, 0, 0, 0))
ESCAPE(personality, syscall(SYS_personality, 0xffffffff))
ESCAPE(process_vm_writev, syscall(SYS_process_vm_writev, 1, buf, 1, buf, 1, 0))
ESCAPE(mount, syscall(SYS_mount, "none", "/", "tmpfs", 0, 0))
ESCAPE(rt_sigaction, syscall(SYS_rt_sigaction, SIGSYS, 0, 0, 8))
ESCAPE(getpid, syscall(SYS_getpid))
ESCAPE(nanosleep, syscall(SYS_nanosleep, buf, 0))
ESCAPE(getrandom, syscall(SYS_getrandom, buf, 8, 0))
ESCAPE(exit_thread, syscall(SYS_exit, 0))
ESCAPE(ppoll, syscall(SYS_ppoll, buf, 0, 0, 0, 8))

#define ENTRY(name, sys)                                                                           \
	{                                                                                          \
#name, sys, escape_##name                                                          \
	}

static const struct escape escapes[] = {
        ENTRY(open, "open"),
        ENTRY(openat, "openat"),
        ENTRY(creat, "creat"),
        ENTRY(execve, "execve"),
        ENTRY(execveat, "execveat"),
        ENTRY(fork, "fork"),
        ENTRY(vfork, "vfork"),
        ENTRY(clone, "clone"),
        ENTRY(clone3, "clone3"),
        ENTRY(socket, "socket"),
        ENTRY(socketpair, "socketpair"),
        ENTRY(connect, "connect"),
        ENTRY(bind, "bind"),
        ENTRY(listen, "listen"),
        ENTRY(ptrace, "ptrace"),
        ENTRY(kill, "kill"),
        ENTRY(tgkill, "tgkill"),
        ENTRY(mmap_anonymous, "mmap"),
        ENTRY(mmap_exec, "mmap"),
        ENTRY(mprotect, "mprotect"),
        ENTRY(brk, "brk"),
        ENTRY(munmap, "munmap"),
        ENTRY(mremap, "mremap"),
        ENTRY(write_client, "write"),
        ENTRY(write_ipc, "write"),
        ENTRY(write_stdout, "write"),
        ENTRY(read_log, "read"),
        ENTRY(read_gui, "read"),
        ENTRY(read_stdin, "read"),
        ENTRY(close_log, "close"),
        ENTRY(close_stderr, "close"),
        ENTRY(close_ipc, "close"),
        ENTRY(close_epoll, "close"),
        ENTRY(sendto_log, "sendto"),
        ENTRY(sendto_without_nosignal, "sendto"),
        ENTRY(sendto_with_address, "sendto"),
        ENTRY(sendmsg, "sendmsg"),
        ENTRY(accept4_blocking, "accept4"),
        ENTRY(accept4_with_address, "accept4"),
        ENTRY(accept, "accept"),
        ENTRY(getpeername_ipc, "getpeername"),
        ENTRY(getsockname_client, "getsockname"),
        ENTRY(ioctl_fionread, "ioctl"),
        ENTRY(ioctl_fionbio_on_gui, "ioctl"),
        ENTRY(epoll_ctl_other, "epoll_ctl"),
        ENTRY(epoll_ctl_log, "epoll_ctl"),
        ENTRY(epoll_create, "epoll_create1"),
        ENTRY(fsync_stderr, "fsync"),
        ENTRY(close_high_bits_stderr, "close"),
        ENTRY(write_high_bits_ipc, "write"),
        ENTRY(read_high_bits_log, "read"),
        ENTRY(unshare, "unshare"),
        ENTRY(setns, "setns"),
        ENTRY(setuid, "setuid"),
        ENTRY(chdir, "chdir"),
        ENTRY(chroot, "chroot"),
        ENTRY(prctl, "prctl"),
        ENTRY(seccomp, "seccomp"),
        ENTRY(bpf, "bpf"),
        ENTRY(io_uring_setup, "io_uring_setup"),
        ENTRY(userfaultfd, "userfaultfd"),
        ENTRY(keyctl, "keyctl"),
        ENTRY(personality, "personality"),
        ENTRY(process_vm_writev, "process_vm_writev"),
        ENTRY(mount, "mount"),
        ENTRY(rt_sigaction, "rt_sigaction"),
        ENTRY(getpid, "getpid"),
        ENTRY(nanosleep, "nanosleep"),
        ENTRY(getrandom, "getrandom"),
        ENTRY(exit_thread, "exit"),
        ENTRY(ppoll, "ppoll"),
};

const struct escape *escape_table(size_t *count)
{
	*count = sizeof(escapes) / sizeof(escapes[0]);
	return escapes;
}

const struct escape *escape_find(const char *name)
{
	for (size_t i = 0; i < sizeof(escapes) / sizeof(escapes[0]); i++)
		if (strcmp(escapes[i].name, name) == 0)
			return &escapes[i];
	return NULL;
}
