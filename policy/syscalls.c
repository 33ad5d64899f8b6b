/*
 * syscalls.c - how many arguments each Linux x86_64 system call takes, and
 * whether the kernel reads each one as 32 or 64 bits.
 *
 * Where the widths come from: the SYSCALL_DEFINEn() declarations the kernel
 * builds for the native x86_64 ABI, read from the torvalds/linux sources, with
 * include/linux/syscalls.h as a cross-check. The list of calls is every
 * "common" and "64" entry of arch/x86/entry/syscalls/syscall_64.tbl (a tree
 * whose newest entry is mseal, 462), less the ones listed at the end.
 * Where x86_64 has its own entry point, that one counts: mmap is
 * arch/x86/kernel/sys_x86_64.c, arch_prctl, iopl, ioperm and modify_ldt are
 * under arch/x86/kernel/, and clone has the plain argument order (no
 * CONFIG_CLONE_BACKWARDS*). Names are libseccomp's, which are the table's.
 *
 * The rule: the x86_64 syscall wrapper casts each register to the declared
 * type, so an argument declared int, unsigned int, pid_t, uid_t, gid_t,
 * clockid_t, timer_t, key_t, key_serial_t, mqd_t, qid_t, rwf_t, u32, an enum
 * or umode_t is W32 (umode_t is even narrower: the kernel keeps 16 bits),
 * and long, unsigned long, size_t, off_t, loff_t, u64, aio_context_t and
 * every pointer are W64. One exception: where an argument is declared
 * 64 bits wide but the kernel only ever acts on its low 32 bits (it passes
 * the value on as an int, or tests it only with 32-bit masks), the entry
 * says W32, with a comment naming the truncation. A 64-bit argument whose
 * high bits the kernel rejects (e.g. mprotect's prot, unshare's flags) stays
 * W64: there both widths give the same verdict.
 *
 * Multiplexed arguments stay W64 because some commands read them as pointers
 * or longs, even though others read only an int: fcntl and ioctl's arg,
 * prctl and keyctl's arg2-arg5, semctl's arg, futex's utime (val2 for the
 * requeue ops), sysfs's arg1 and arg2, kcmp's idx2, arch_prctl's arg2 and
 * ptrace's addr and data.
 *
 * Left out, so syscall_signature_find() returns NULL for them:
 * - entries with no implementation on x86_64 (no entry point, or
 *   sys_ni_syscall): _sysctl, afs_syscall, create_module, epoll_ctl_old,
 *   epoll_wait_old, get_kernel_syms, get_thread_area, getpmsg,
 *   lookup_dcookie, nfsservctl, putpmsg, query_module, security,
 *   set_thread_area, tuxcall, uselib, vserver;
 * - calls that libseccomp 2.5.4 (as Debian 12 ships it, which knows up to
 *   futex_requeue, 456) cannot name: uretprobe (335), statmount, listmount,
 *   lsm_get_self_attr, lsm_set_self_attr, lsm_list_modules and mseal
 *   (457-462).
 */
#include "syscalls.h"

#include <stdlib.h>
#include <string.h>

#define NONE SYSCALL_ARG_NONE
#define W32  SYSCALL_ARG_32
#define W64  SYSCALL_ARG_64

/* Sorted by strcmp() order of the name, for bsearch(). */
static const struct syscall_signature signatures[] = {
        {"accept", 3, {W32, W64, W64}},
        {"accept4", 4, {W32, W64, W64, W32}},
        {"access", 2, {W64, W32}},
        {"acct", 1, {W64}},
        {"add_key", 5, {W64, W64, W64, W64, W32}},
        {"adjtimex", 1, {W64}},
        {"alarm", 1, {W32}},
        {"arch_prctl", 2, {W32, W64}},
        {"bind", 3, {W32, W64, W32}},
        {"bpf", 3, {W32, W64, W32}},
        {"brk", 1, {W64}},
        {"cachestat", 4, {W32, W64, W64, W32}},
        {"capget", 2, {W64, W64}},
        {"capset", 2, {W64, W64}},
        {"chdir", 1, {W64}},
        {"chmod", 2, {W64, W32}},
        {"chown", 3, {W64, W32, W32}},
        {"chroot", 1, {W64}},
        {"clock_adjtime", 2, {W32, W64}},
        {"clock_getres", 2, {W32, W64}},
        {"clock_gettime", 2, {W32, W64}},
        {"clock_nanosleep", 4, {W32, W32, W64, W64}},
        {"clock_settime", 2, {W32, W64}},
        /* clone: flags is unsigned long, but the kernel reads lower_32_bits(clone_flags)
         * (kernel/fork.c). x86_64 uses the plain order: flags, newsp, parent_tid,
         * child_tid, tls.
         */
        {"clone", 5, {W32, W64, W64, W64, W64}},
        {"clone3", 2, {W64, W64}},
        {"close", 1, {W32}},
        {"close_range", 3, {W32, W32, W32}},
        {"connect", 3, {W32, W64, W32}},
        {"copy_file_range", 6, {W32, W64, W32, W64, W64, W32}},
        {"creat", 2, {W64, W32}},
        {"delete_module", 2, {W64, W32}},
        {"dup", 1, {W32}},
        {"dup2", 2, {W32, W32}},
        {"dup3", 3, {W32, W32, W32}},
        {"epoll_create", 1, {W32}},
        {"epoll_create1", 1, {W32}},
        {"epoll_ctl", 4, {W32, W32, W32, W64}},
        {"epoll_pwait", 6, {W32, W64, W32, W32, W64, W64}},
        {"epoll_pwait2", 6, {W32, W64, W32, W64, W64, W64}},
        {"epoll_wait", 4, {W32, W64, W32, W32}},
        {"eventfd", 1, {W32}},
        {"eventfd2", 2, {W32, W32}},
        {"execve", 3, {W64, W64, W64}},
        {"execveat", 5, {W32, W64, W64, W64, W32}},
        {"exit", 1, {W32}},
        {"exit_group", 1, {W32}},
        {"faccessat", 3, {W32, W64, W32}},
        {"faccessat2", 4, {W32, W64, W32, W32}},
        {"fadvise64", 4, {W32, W64, W64, W32}},
        {"fallocate", 4, {W32, W32, W64, W64}},
        {"fanotify_init", 2, {W32, W32}},
        {"fanotify_mark", 5, {W32, W32, W64, W32, W64}},
        {"fchdir", 1, {W32}},
        {"fchmod", 2, {W32, W32}},
        {"fchmodat", 3, {W32, W64, W32}},
        {"fchmodat2", 4, {W32, W64, W32, W32}},
        {"fchown", 3, {W32, W32, W32}},
        {"fchownat", 5, {W32, W64, W32, W32, W32}},
        {"fcntl", 3, {W32, W32, W64}},
        {"fdatasync", 1, {W32}},
        {"fgetxattr", 4, {W32, W64, W64, W64}},
        {"finit_module", 3, {W32, W64, W32}},
        {"flistxattr", 3, {W32, W64, W64}},
        {"flock", 2, {W32, W32}},
        {"fork", 0, {NONE}},
        {"fremovexattr", 2, {W32, W64}},
        {"fsconfig", 5, {W32, W32, W64, W64, W32}},
        {"fsetxattr", 5, {W32, W64, W64, W64, W32}},
        {"fsmount", 3, {W32, W32, W32}},
        {"fsopen", 2, {W64, W32}},
        {"fspick", 3, {W32, W64, W32}},
        {"fstat", 2, {W32, W64}},
        {"fstatfs", 2, {W32, W64}},
        {"fsync", 1, {W32}},
        {"ftruncate", 2, {W32, W64}},
        {"futex", 6, {W64, W32, W32, W64, W64, W32}},
        {"futex_requeue", 4, {W64, W32, W32, W32}},
        {"futex_wait", 6, {W64, W64, W64, W32, W64, W32}},
        {"futex_waitv", 5, {W64, W32, W32, W64, W32}},
        {"futex_wake", 4, {W64, W64, W32, W32}},
        {"futimesat", 3, {W32, W64, W64}},
        {"get_mempolicy", 5, {W64, W64, W64, W64, W64}},
        {"get_robust_list", 3, {W32, W64, W64}},
        {"getcpu", 3, {W64, W64, W64}},
        {"getcwd", 2, {W64, W64}},
        {"getdents", 3, {W32, W64, W32}},
        {"getdents64", 3, {W32, W64, W32}},
        {"getegid", 0, {NONE}},
        {"geteuid", 0, {NONE}},
        {"getgid", 0, {NONE}},
        {"getgroups", 2, {W32, W64}},
        {"getitimer", 2, {W32, W64}},
        {"getpeername", 3, {W32, W64, W64}},
        {"getpgid", 1, {W32}},
        {"getpgrp", 0, {NONE}},
        {"getpid", 0, {NONE}},
        {"getppid", 0, {NONE}},
        {"getpriority", 2, {W32, W32}},
        {"getrandom", 3, {W64, W64, W32}},
        {"getresgid", 3, {W64, W64, W64}},
        {"getresuid", 3, {W64, W64, W64}},
        {"getrlimit", 2, {W32, W64}},
        {"getrusage", 2, {W32, W64}},
        {"getsid", 1, {W32}},
        {"getsockname", 3, {W32, W64, W64}},
        {"getsockopt", 5, {W32, W32, W32, W64, W64}},
        {"gettid", 0, {NONE}},
        {"gettimeofday", 2, {W64, W64}},
        {"getuid", 0, {NONE}},
        {"getxattr", 4, {W64, W64, W64, W64}},
        {"init_module", 3, {W64, W64, W64}},
        {"inotify_add_watch", 3, {W32, W64, W32}},
        {"inotify_init", 0, {NONE}},
        {"inotify_init1", 1, {W32}},
        {"inotify_rm_watch", 2, {W32, W32}},
        {"io_cancel", 3, {W64, W64, W64}},
        {"io_destroy", 1, {W64}},
        {"io_getevents", 5, {W64, W64, W64, W64, W64}},
        {"io_pgetevents", 6, {W64, W64, W64, W64, W64, W64}},
        {"io_setup", 2, {W32, W64}},
        {"io_submit", 3, {W64, W64, W64}},
        {"io_uring_enter", 6, {W32, W32, W32, W32, W64, W64}},
        {"io_uring_register", 4, {W32, W32, W64, W32}},
        {"io_uring_setup", 2, {W32, W64}},
        {"ioctl", 3, {W32, W32, W64}},
        {"ioperm", 3, {W64, W64, W32}},
        {"iopl", 1, {W32}},
        {"ioprio_get", 2, {W32, W32}},
        {"ioprio_set", 3, {W32, W32, W32}},
        /* kcmp: idx1 is unsigned long, but every use passes it to
         * get_file_raw_ptr(task, unsigned int idx). idx2 stays 64: KCMP_EPOLL_TFD reads
         * it as a pointer.
         */
        {"kcmp", 5, {W32, W32, W32, W32, W64}},
        {"kexec_file_load", 5, {W32, W32, W64, W64, W64}},
        /* kexec_load: flags is unsigned long, but it is only tested against 32-bit
         * masks (KEXEC_ARCH_MASK is 0xffff0000, so ~KEXEC_ARCH_MASK is 0xffff): bits
         * 32-63 are never looked at.
         */
        {"kexec_load", 4, {W64, W64, W64, W32}},
        {"keyctl", 5, {W32, W64, W64, W64, W64}},
        {"kill", 2, {W32, W32}},
        {"landlock_add_rule", 4, {W32, W32, W64, W32}},
        {"landlock_create_ruleset", 3, {W64, W64, W32}},
        {"landlock_restrict_self", 2, {W32, W32}},
        {"lchown", 3, {W64, W32, W32}},
        {"lgetxattr", 4, {W64, W64, W64, W64}},
        {"link", 2, {W64, W64}},
        {"linkat", 5, {W32, W64, W32, W64, W32}},
        {"listen", 2, {W32, W32}},
        {"listxattr", 3, {W64, W64, W64}},
        {"llistxattr", 3, {W64, W64, W64}},
        {"lremovexattr", 2, {W64, W64}},
        {"lseek", 3, {W32, W64, W32}},
        {"lsetxattr", 5, {W64, W64, W64, W64, W32}},
        {"lstat", 2, {W64, W64}},
        {"madvise", 3, {W64, W64, W32}},
        {"map_shadow_stack", 3, {W64, W64, W32}},
        /* mbind: mode is unsigned long, truncated by `int lmode = mode` in
         * kernel_mbind() (older kernels range-checked the full value instead).
         */
        {"mbind", 6, {W64, W64, W32, W64, W64, W32}},
        {"membarrier", 3, {W32, W32, W32}},
        {"memfd_create", 2, {W64, W32}},
        {"memfd_secret", 1, {W32}},
        {"migrate_pages", 4, {W32, W64, W64, W64}},
        {"mincore", 3, {W64, W64, W64}},
        {"mkdir", 2, {W64, W32}},
        {"mkdirat", 3, {W32, W64, W32}},
        {"mknod", 3, {W64, W32, W32}},
        {"mknodat", 4, {W32, W64, W32, W32}},
        {"mlock", 2, {W64, W64}},
        {"mlock2", 3, {W64, W64, W32}},
        {"mlockall", 1, {W32}},
        /* mmap (arch/x86/kernel/sys_x86_64.c) declares all six unsigned long. fd goes to
         * fget(unsigned int); prot and flags are only tested with 32-bit masks in
         * do_mmap() (MAP_SHARED_VALIDATE rejects unknown bits). One wrinkle: do_mmap()
         * tests `prot == PROT_EXEC` (execute-only pkey) on the full value, so high bits
         * can only make an execute-only mapping readable as well.
         */
        {"mmap", 6, {W64, W64, W32, W32, W32, W64}},
        {"modify_ldt", 3, {W32, W64, W64}},
        {"mount", 5, {W64, W64, W64, W64, W64}},
        {"mount_setattr", 5, {W32, W64, W32, W64, W64}},
        {"move_mount", 5, {W32, W64, W32, W64, W32}},
        {"move_pages", 6, {W32, W64, W64, W64, W64, W32}},
        {"mprotect", 3, {W64, W64, W64}},
        {"mq_getsetattr", 3, {W32, W64, W64}},
        {"mq_notify", 2, {W32, W64}},
        {"mq_open", 4, {W64, W32, W32, W64}},
        {"mq_timedreceive", 5, {W32, W64, W64, W64, W64}},
        {"mq_timedsend", 5, {W32, W64, W64, W32, W64}},
        {"mq_unlink", 1, {W64}},
        {"mremap", 5, {W64, W64, W64, W64, W64}},
        {"msgctl", 3, {W32, W32, W64}},
        {"msgget", 2, {W32, W32}},
        {"msgrcv", 5, {W32, W64, W64, W64, W32}},
        {"msgsnd", 4, {W32, W64, W64, W32}},
        {"msync", 3, {W64, W64, W32}},
        {"munlock", 2, {W64, W64}},
        {"munlockall", 0, {NONE}},
        {"munmap", 2, {W64, W64}},
        {"name_to_handle_at", 5, {W32, W64, W64, W64, W32}},
        {"nanosleep", 2, {W64, W64}},
        {"newfstatat", 4, {W32, W64, W64, W32}},
        {"open", 3, {W64, W32, W32}},
        {"open_by_handle_at", 3, {W32, W64, W32}},
        {"open_tree", 3, {W32, W64, W32}},
        {"openat", 4, {W32, W64, W32, W32}},
        {"openat2", 4, {W32, W64, W64, W64}},
        {"pause", 0, {NONE}},
        {"perf_event_open", 5, {W64, W32, W32, W32, W64}},
        {"personality", 1, {W32}},
        {"pidfd_getfd", 3, {W32, W32, W32}},
        {"pidfd_open", 2, {W32, W32}},
        {"pidfd_send_signal", 4, {W32, W32, W64, W32}},
        {"pipe", 1, {W64}},
        {"pipe2", 2, {W64, W32}},
        {"pivot_root", 2, {W64, W64}},
        {"pkey_alloc", 2, {W64, W64}},
        {"pkey_free", 1, {W32}},
        {"pkey_mprotect", 4, {W64, W64, W64, W32}},
        {"poll", 3, {W64, W32, W32}},
        {"ppoll", 5, {W64, W32, W64, W64, W64}},
        {"prctl", 5, {W32, W64, W64, W64, W64}},
        {"pread64", 4, {W32, W64, W64, W64}},
        /* preadv, preadv2, pwritev, pwritev2, readv, writev: fd and vlen are unsigned
         * long; fd goes to fdget(unsigned int), vlen to import_iovec(unsigned nr_segs).
         * pos_h is ignored on 64-bit (pos_from_hilo() shifts it out); it stays 64.
         */
        {"preadv", 5, {W32, W64, W32, W64, W64}},
        {"preadv2", 6, {W32, W64, W32, W64, W64, W32}},
        {"prlimit64", 4, {W32, W32, W64, W64}},
        /* process_madvise: vlen is size_t, truncated by import_iovec(unsigned nr_segs). */
        {"process_madvise", 5, {W32, W64, W32, W32, W32}},
        {"process_mrelease", 2, {W32, W32}},
        /* process_vm_readv, process_vm_writev: liovcnt is unsigned long, truncated by
         * import_iovec(unsigned nr_segs). riovcnt and flags stay 64: iovec_from_user()
         * range-checks riovcnt in full, and flags must be 0 in full.
         */
        {"process_vm_readv", 6, {W32, W64, W32, W64, W64, W64}},
        {"process_vm_writev", 6, {W32, W64, W32, W64, W64, W64}},
        {"pselect6", 6, {W32, W64, W64, W64, W64, W64}},
        /* ptrace: pid is long, truncated by find_get_task_by_vpid(pid_t). request stays
         * 64: it is compared in full and an unknown value fails.
         */
        {"ptrace", 4, {W64, W32, W64, W64}},
        {"pwrite64", 4, {W32, W64, W64, W64}},
        /* pwritev, pwritev2: fd and vlen are truncated, see preadv. */
        {"pwritev", 5, {W32, W64, W32, W64, W64}},
        {"pwritev2", 6, {W32, W64, W32, W64, W64, W32}},
        {"quotactl", 4, {W32, W64, W32, W64}},
        {"quotactl_fd", 4, {W32, W32, W32, W64}},
        {"read", 3, {W32, W64, W64}},
        {"readahead", 3, {W32, W64, W64}},
        {"readlink", 3, {W64, W64, W32}},
        {"readlinkat", 4, {W32, W64, W64, W32}},
        /* readv: fd and vlen are truncated, see preadv. */
        {"readv", 3, {W32, W64, W32}},
        {"reboot", 4, {W32, W32, W32, W64}},
        {"recvfrom", 6, {W32, W64, W64, W32, W64, W64}},
        {"recvmmsg", 5, {W32, W64, W32, W32, W64}},
        {"recvmsg", 3, {W32, W64, W32}},
        /* remap_file_pages: flags is unsigned long but reduced by `flags &=
         * MAP_NONBLOCK`; prot stays 64 (it must be 0 in full).
         */
        {"remap_file_pages", 5, {W64, W64, W64, W64, W32}},
        {"removexattr", 2, {W64, W64}},
        {"rename", 2, {W64, W64}},
        {"renameat", 4, {W32, W64, W32, W64}},
        {"renameat2", 5, {W32, W64, W32, W64, W32}},
        {"request_key", 4, {W64, W64, W64, W32}},
        {"restart_syscall", 0, {NONE}},
        {"rmdir", 1, {W64}},
        {"rseq", 4, {W64, W32, W32, W32}},
        {"rt_sigaction", 4, {W32, W64, W64, W64}},
        {"rt_sigpending", 2, {W64, W64}},
        {"rt_sigprocmask", 4, {W32, W64, W64, W64}},
        {"rt_sigqueueinfo", 3, {W32, W32, W64}},
        {"rt_sigreturn", 0, {NONE}},
        {"rt_sigsuspend", 2, {W64, W64}},
        {"rt_sigtimedwait", 4, {W64, W64, W64, W64}},
        {"rt_tgsigqueueinfo", 4, {W32, W32, W32, W64}},
        {"sched_get_priority_max", 1, {W32}},
        {"sched_get_priority_min", 1, {W32}},
        {"sched_getaffinity", 3, {W32, W32, W64}},
        {"sched_getattr", 4, {W32, W64, W32, W32}},
        {"sched_getparam", 2, {W32, W64}},
        {"sched_getscheduler", 1, {W32}},
        {"sched_rr_get_interval", 2, {W32, W64}},
        {"sched_setaffinity", 3, {W32, W32, W64}},
        {"sched_setattr", 3, {W32, W64, W32}},
        {"sched_setparam", 2, {W32, W64}},
        {"sched_setscheduler", 3, {W32, W32, W64}},
        {"sched_yield", 0, {NONE}},
        {"seccomp", 3, {W32, W32, W64}},
        {"select", 5, {W32, W64, W64, W64, W64}},
        {"semctl", 4, {W32, W32, W32, W64}},
        {"semget", 3, {W32, W32, W32}},
        {"semop", 3, {W32, W64, W32}},
        {"semtimedop", 4, {W32, W64, W32, W64}},
        {"sendfile", 4, {W32, W32, W64, W64}},
        {"sendmmsg", 4, {W32, W64, W32, W32}},
        {"sendmsg", 3, {W32, W64, W32}},
        {"sendto", 6, {W32, W64, W64, W32, W64, W32}},
        {"set_mempolicy", 3, {W32, W64, W64}},
        {"set_mempolicy_home_node", 4, {W64, W64, W64, W64}},
        {"set_robust_list", 2, {W64, W64}},
        {"set_tid_address", 1, {W64}},
        {"setdomainname", 2, {W64, W32}},
        {"setfsgid", 1, {W32}},
        {"setfsuid", 1, {W32}},
        {"setgid", 1, {W32}},
        {"setgroups", 2, {W32, W64}},
        {"sethostname", 2, {W64, W32}},
        {"setitimer", 3, {W32, W64, W64}},
        {"setns", 2, {W32, W32}},
        {"setpgid", 2, {W32, W32}},
        {"setpriority", 3, {W32, W32, W32}},
        {"setregid", 2, {W32, W32}},
        {"setresgid", 3, {W32, W32, W32}},
        {"setresuid", 3, {W32, W32, W32}},
        {"setreuid", 2, {W32, W32}},
        {"setrlimit", 2, {W32, W64}},
        {"setsid", 0, {NONE}},
        {"setsockopt", 5, {W32, W32, W32, W64, W32}},
        {"settimeofday", 2, {W64, W64}},
        {"setuid", 1, {W32}},
        {"setxattr", 5, {W64, W64, W64, W64, W32}},
        {"shmat", 3, {W32, W64, W32}},
        {"shmctl", 3, {W32, W32, W64}},
        {"shmdt", 1, {W64}},
        {"shmget", 3, {W32, W64, W32}},
        {"shutdown", 2, {W32, W32}},
        {"sigaltstack", 2, {W64, W64}},
        {"signalfd", 3, {W32, W64, W64}},
        {"signalfd4", 4, {W32, W64, W64, W32}},
        {"socket", 3, {W32, W32, W32}},
        {"socketpair", 4, {W32, W32, W32, W64}},
        {"splice", 6, {W32, W64, W32, W64, W64, W32}},
        {"stat", 2, {W64, W64}},
        {"statfs", 2, {W64, W64}},
        {"statx", 5, {W32, W64, W32, W32, W64}},
        {"swapoff", 1, {W64}},
        {"swapon", 2, {W64, W32}},
        {"symlink", 2, {W64, W64}},
        {"symlinkat", 3, {W64, W32, W64}},
        {"sync", 0, {NONE}},
        {"sync_file_range", 4, {W32, W64, W64, W32}},
        {"syncfs", 1, {W32}},
        {"sysfs", 3, {W32, W64, W64}},
        {"sysinfo", 1, {W64}},
        {"syslog", 3, {W32, W64, W32}},
        {"tee", 4, {W32, W32, W64, W32}},
        {"tgkill", 3, {W32, W32, W32}},
        {"time", 1, {W64}},
        {"timer_create", 3, {W32, W64, W64}},
        {"timer_delete", 1, {W32}},
        {"timer_getoverrun", 1, {W32}},
        {"timer_gettime", 2, {W32, W64}},
        {"timer_settime", 4, {W32, W32, W64, W64}},
        {"timerfd_create", 2, {W32, W32}},
        {"timerfd_gettime", 2, {W32, W64}},
        {"timerfd_settime", 4, {W32, W32, W64, W64}},
        {"times", 1, {W64}},
        {"tkill", 2, {W32, W32}},
        {"truncate", 2, {W64, W64}},
        {"umask", 1, {W32}},
        {"umount2", 2, {W64, W32}},
        {"uname", 1, {W64}},
        {"unlink", 1, {W64}},
        {"unlinkat", 3, {W32, W64, W32}},
        {"unshare", 1, {W64}},
        {"userfaultfd", 1, {W32}},
        {"ustat", 2, {W32, W64}},
        {"utime", 2, {W64, W64}},
        {"utimensat", 4, {W32, W64, W64, W32}},
        {"utimes", 2, {W64, W64}},
        {"vfork", 0, {NONE}},
        {"vhangup", 0, {NONE}},
        /* vmsplice: nr_segs is unsigned long, truncated by import_iovec(unsigned nr_segs). */
        {"vmsplice", 4, {W32, W64, W32, W32}},
        {"wait4", 4, {W32, W64, W32, W64}},
        {"waitid", 5, {W32, W32, W64, W32, W64}},
        {"write", 3, {W32, W64, W64}},
        /* writev: fd and vlen are truncated, see preadv. */
        {"writev", 3, {W32, W64, W32}},
};

#undef NONE
#undef W32
#undef W64

static int compare_name(const void *key, const void *element)
{
	const struct syscall_signature *signature = element;

	return strcmp(key, signature->name);
}

const struct syscall_signature *syscall_signature_find(const char *name)
{
	if (name == NULL)
		return NULL;
	return bsearch(name, signatures, sizeof(signatures) / sizeof(signatures[0]),
	               sizeof(signatures[0]), compare_name);
}

const struct syscall_signature *syscall_signature_table(size_t *count)
{
	if (count != NULL)
		*count = sizeof(signatures) / sizeof(signatures[0]);
	return signatures;
}
