/*
 * bpf_interpreter.h - a classic-BPF interpreter for seccomp filters, so that
 * tests can ask what a compiled filter returns for any syscall and argument
 * vector without loading it into the kernel.
 *
 * It accepts exactly the instructions the kernel accepts in a seccomp filter
 * (seccomp_check_filter and bpf_check_classic), with the same load-time
 * checks. Anything else, and any run-time behaviour it does not model (a
 * division by a zero X, a shift by an X of 32 or more), is reported as an
 * error rather than given some plausible result: a test must fail, not pass
 * on a guess.
 */
#ifndef WARDEN_TESTS_BPF_INTERPRETER_H
#define WARDEN_TESTS_BPF_INTERPRETER_H

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdint.h>

struct bpf_error {
	size_t pc; /* the offending instruction */
	char message[200];
};

/* The checks the kernel makes when the program is loaded: length, known
 * opcodes, load offsets inside struct seccomp_data and aligned, jumps and
 * scratch-memory indices in range, no scratch word read before it is
 * written on some path, a return as the last instruction. Returns 0, or -1
 * with `err` filled. */
int bpf_validate(const struct sock_fprog *prog, struct bpf_error *err);

/* Runs the program on `data` and stores its 32-bit return value. Checks
 * every instruction it executes as bpf_validate would, so an unvalidated
 * program cannot mislead either. Returns 0, or -1 with `err` filled. */
int bpf_run(const struct sock_fprog *prog, const struct seccomp_data *data, uint32_t *ret,
            struct bpf_error *err);

/* Runs a stack of filters, programs[0] loaded first, and picks the verdict
 * the kernel picks: the action of highest precedence (SECCOMP_RET_KILL_PROCESS
 * first, SECCOMP_RET_ALLOW last), ties going to the filter loaded last. */
int bpf_run_stack(const struct sock_fprog *programs, size_t count, const struct seccomp_data *data,
                  uint32_t *ret, struct bpf_error *err);

#endif
