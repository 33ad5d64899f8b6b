/*
 * bpf_interpreter.c - see bpf_interpreter.h. The rules follow the kernel's
 * net/core/filter.c (bpf_check_classic, check_load_and_stores) and
 * kernel/seccomp.c (seccomp_check_filter, seccomp_run_filters).
 */
#include "bpf_interpreter.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

_Static_assert(sizeof(struct seccomp_data) == 64, "struct seccomp_data is 64 bytes");

static int fail(struct bpf_error *err, size_t pc, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static int fail(struct bpf_error *err, size_t pc, const char *fmt, ...)
{
	err->pc = pc;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return -1;
}

static bool is_conditional_jump(uint16_t code)
{
	switch (code) {
	case BPF_JMP | BPF_JEQ | BPF_K:
	case BPF_JMP | BPF_JEQ | BPF_X:
	case BPF_JMP | BPF_JGE | BPF_K:
	case BPF_JMP | BPF_JGE | BPF_X:
	case BPF_JMP | BPF_JGT | BPF_K:
	case BPF_JMP | BPF_JGT | BPF_X:
	case BPF_JMP | BPF_JSET | BPF_K:
	case BPF_JMP | BPF_JSET | BPF_X:
		return true;
	default:
		return false;
	}
}

/* The opcodes seccomp_check_filter lets through: the kernel refuses the
 * rest of classic BPF (packet loads, BPF_MOD, BPF_LDX|BPF_MSH, ...). */
static bool is_seccomp_opcode(uint16_t code)
{
	switch (code) {
	case BPF_LD | BPF_W | BPF_ABS:
	case BPF_LD | BPF_W | BPF_LEN:
	case BPF_LDX | BPF_W | BPF_LEN:
	case BPF_RET | BPF_K:
	case BPF_RET | BPF_A:
	case BPF_ALU | BPF_ADD | BPF_K:
	case BPF_ALU | BPF_ADD | BPF_X:
	case BPF_ALU | BPF_SUB | BPF_K:
	case BPF_ALU | BPF_SUB | BPF_X:
	case BPF_ALU | BPF_MUL | BPF_K:
	case BPF_ALU | BPF_MUL | BPF_X:
	case BPF_ALU | BPF_DIV | BPF_K:
	case BPF_ALU | BPF_DIV | BPF_X:
	case BPF_ALU | BPF_AND | BPF_K:
	case BPF_ALU | BPF_AND | BPF_X:
	case BPF_ALU | BPF_OR | BPF_K:
	case BPF_ALU | BPF_OR | BPF_X:
	case BPF_ALU | BPF_XOR | BPF_K:
	case BPF_ALU | BPF_XOR | BPF_X:
	case BPF_ALU | BPF_LSH | BPF_K:
	case BPF_ALU | BPF_LSH | BPF_X:
	case BPF_ALU | BPF_RSH | BPF_K:
	case BPF_ALU | BPF_RSH | BPF_X:
	case BPF_ALU | BPF_NEG:
	case BPF_LD | BPF_IMM:
	case BPF_LDX | BPF_IMM:
	case BPF_MISC | BPF_TAX:
	case BPF_MISC | BPF_TXA:
	case BPF_LD | BPF_MEM:
	case BPF_LDX | BPF_MEM:
	case BPF_ST:
	case BPF_STX:
	case BPF_JMP | BPF_JA:
		return true;
	default:
		return is_conditional_jump(code);
	}
}

/* The checks of one instruction that do not depend on the path taken. */
static int check_insn(const struct sock_fprog *prog, size_t pc, struct bpf_error *err)
{
	const struct sock_filter *f = &prog->filter[pc];
	size_t len = prog->len;
	if (!is_seccomp_opcode(f->code))
		return fail(err, pc, "opcode 0x%04x is not allowed in a seccomp filter", f->code);
	switch (f->code) {
	case BPF_LD | BPF_W | BPF_ABS:
		if (f->k >= sizeof(struct seccomp_data) || f->k % 4 != 0)
			return fail(err, pc,
			            "load at offset %u: outside struct seccomp_data or unaligned",
			            f->k);
		break;
	case BPF_ALU | BPF_DIV | BPF_K:
		if (f->k == 0)
			return fail(err, pc, "division by the constant 0");
		break;
	case BPF_ALU | BPF_LSH | BPF_K:
	case BPF_ALU | BPF_RSH | BPF_K:
		if (f->k >= 32)
			return fail(err, pc, "shift by the constant %u", f->k);
		break;
	case BPF_LD | BPF_MEM:
	case BPF_LDX | BPF_MEM:
	case BPF_ST:
	case BPF_STX:
		if (f->k >= BPF_MEMWORDS)
			return fail(err, pc, "scratch memory index %u out of range", f->k);
		break;
	case BPF_JMP | BPF_JA:
		if (f->k >= len - pc - 1)
			return fail(err, pc, "jump by %u leaves the program of %zu instructions",
			            f->k, len);
		break;
	default:
		if (is_conditional_jump(f->code) &&
		    (pc + f->jt + 1 >= len || pc + f->jf + 1 >= len))
			return fail(err, pc,
			            "conditional jump (jt %u, jf %u) leaves the program of %zu "
			            "instructions",
			            f->jt, f->jf, len);
		break;
	}
	return 0;
}

static int check_length(const struct sock_fprog *prog, struct bpf_error *err)
{
	if (prog->filter == NULL || prog->len == 0 || prog->len > BPF_MAXINSNS)
		return fail(err, 0, "program length %u: the kernel takes 1 to %d instructions",
		            prog->len, BPF_MAXINSNS);
	return 0;
}

int bpf_validate(const struct sock_fprog *prog, struct bpf_error *err)
{
	if (check_length(prog, err) < 0)
		return -1;
	size_t len = prog->len;
	for (size_t pc = 0; pc < len; pc++)
		if (check_insn(prog, pc, err) < 0)
			return -1;
	uint16_t last = prog->filter[len - 1].code;
	if (last != (BPF_RET | BPF_K) && last != (BPF_RET | BPF_A))
		return fail(err, len - 1, "the last instruction is not a return");
	/* As check_load_and_stores: a scratch word counts as written at an
	 * instruction only if it is written on every path that reaches it.
	 * Jumps go forward only, so one pass in order sees every predecessor
	 * of an instruction before the instruction itself. */
	uint16_t valid_at[BPF_MAXINSNS];
	for (size_t pc = 0; pc < len; pc++)
		valid_at[pc] = 0xffff;
	uint16_t valid = 0;
	for (size_t pc = 0; pc < len; pc++) {
		const struct sock_filter *f = &prog->filter[pc];
		valid &= valid_at[pc];
		switch (f->code) {
		case BPF_ST:
		case BPF_STX:
			valid |= (uint16_t)(1u << f->k);
			break;
		case BPF_LD | BPF_MEM:
		case BPF_LDX | BPF_MEM:
			if (!(valid & (1u << f->k)))
				return fail(err, pc, "scratch word %u may be read before written",
				            f->k);
			break;
		case BPF_JMP | BPF_JA:
			valid_at[pc + 1 + f->k] &= valid;
			valid = 0xffff;
			break;
		case BPF_RET | BPF_K:
		case BPF_RET | BPF_A:
			valid = 0xffff;
			break;
		default:
			if (is_conditional_jump(f->code)) {
				valid_at[pc + 1 + f->jt] &= valid;
				valid_at[pc + 1 + f->jf] &= valid;
				valid = 0xffff;
			}
			break;
		}
	}
	return 0;
}

/* A 32-bit word of struct seccomp_data in the machine's byte order, as the
 * kernel loads it; on x86_64 args[i] is then the low half at 16 + 8 i and
 * the high half at 16 + 8 i + 4. */
static uint32_t load_word(const struct seccomp_data *data, uint32_t offset)
{
	uint32_t word;
	memcpy(&word, (const unsigned char *)data + offset, sizeof(word));
	return word;
}

static int alu(uint16_t code, size_t pc, uint32_t *a, uint32_t operand, struct bpf_error *err)
{
	switch (BPF_OP(code)) {
	case BPF_ADD:
		*a += operand;
		break;
	case BPF_SUB:
		*a -= operand;
		break;
	case BPF_MUL:
		*a *= operand;
		break;
	case BPF_DIV:
		if (operand == 0)
			return fail(err, pc, "division by zero (not modelled)");
		*a /= operand;
		break;
	case BPF_AND:
		*a &= operand;
		break;
	case BPF_OR:
		*a |= operand;
		break;
	case BPF_XOR:
		*a ^= operand;
		break;
	case BPF_LSH:
	case BPF_RSH:
		if (operand >= 32)
			return fail(err, pc, "shift by %u (not modelled)", operand);
		*a = BPF_OP(code) == BPF_LSH ? *a << operand : *a >> operand;
		break;
	case BPF_NEG:
		*a = 0u - *a;
		break;
	default:
		return fail(err, pc, "ALU opcode 0x%04x not modelled", code);
	}
	return 0;
}

static int jump(const struct sock_filter *f, size_t pc, uint32_t a, uint32_t x, size_t *next,
                struct bpf_error *err)
{
	uint32_t operand = BPF_SRC(f->code) == BPF_X ? x : f->k;
	bool taken;
	switch (BPF_OP(f->code)) {
	case BPF_JA:
		*next = pc + 1 + f->k;
		return 0;
	case BPF_JEQ:
		taken = a == operand;
		break;
	case BPF_JGT:
		taken = a > operand;
		break;
	case BPF_JGE:
		taken = a >= operand;
		break;
	case BPF_JSET:
		taken = (a & operand) != 0;
		break;
	default:
		return fail(err, pc, "jump opcode 0x%04x not modelled", f->code);
	}
	*next = pc + 1 + (taken ? f->jt : f->jf);
	return 0;
}

int bpf_run(const struct sock_fprog *prog, const struct seccomp_data *data, uint32_t *ret,
            struct bpf_error *err)
{
	if (check_length(prog, err) < 0)
		return -1;
	uint32_t a = 0, x = 0, mem[BPF_MEMWORDS] = {0};
	uint16_t written = 0;
	size_t pc = 0;
	while (pc < prog->len) {
		const struct sock_filter *f = &prog->filter[pc];
		size_t next = pc + 1;
		if (check_insn(prog, pc, err) < 0)
			return -1;
		switch (f->code) {
		case BPF_LD | BPF_W | BPF_ABS:
			a = load_word(data, f->k);
			break;
		case BPF_LD | BPF_W | BPF_LEN:
			a = sizeof(struct seccomp_data);
			break;
		case BPF_LDX | BPF_W | BPF_LEN:
			x = sizeof(struct seccomp_data);
			break;
		case BPF_LD | BPF_IMM:
			a = f->k;
			break;
		case BPF_LDX | BPF_IMM:
			x = f->k;
			break;
		case BPF_LD | BPF_MEM:
		case BPF_LDX | BPF_MEM:
			if (!(written & (1u << f->k)))
				return fail(err, pc, "scratch word %u read before written", f->k);
			*(BPF_CLASS(f->code) == BPF_LD ? &a : &x) = mem[f->k];
			break;
		case BPF_ST:
		case BPF_STX:
			mem[f->k] = f->code == BPF_ST ? a : x;
			written |= (uint16_t)(1u << f->k);
			break;
		case BPF_MISC | BPF_TAX:
			x = a;
			break;
		case BPF_MISC | BPF_TXA:
			a = x;
			break;
		case BPF_RET | BPF_K:
			*ret = f->k;
			return 0;
		case BPF_RET | BPF_A:
			*ret = a;
			return 0;
		default:
			if (BPF_CLASS(f->code) == BPF_ALU) {
				uint32_t operand = BPF_SRC(f->code) == BPF_X ? x : f->k;
				if (alu(f->code, pc, &a, operand, err) < 0)
					return -1;
			} else if (BPF_CLASS(f->code) == BPF_JMP) {
				if (jump(f, pc, a, x, &next, err) < 0)
					return -1;
			} else {
				return fail(err, pc, "opcode 0x%04x not modelled", f->code);
			}
			break;
		}
		pc = next;
	}
	return fail(err, pc, "ran off the end of the program without a return");
}

/* The action part of a return value, signed as the kernel compares it, so
 * that SECCOMP_RET_KILL_PROCESS (0x80000000) ranks first. */
static int32_t action_rank(uint32_t ret)
{
	return (int32_t)(ret & SECCOMP_RET_ACTION_FULL);
}

int bpf_run_stack(const struct sock_fprog *programs, size_t count, const struct seccomp_data *data,
                  uint32_t *ret, struct bpf_error *err)
{
	if (count == 0)
		return fail(err, 0, "no program to run");
	uint32_t verdict = SECCOMP_RET_ALLOW;
	for (size_t i = count; i-- > 0;) {
		uint32_t r;
		if (bpf_run(&programs[i], data, &r, err) < 0)
			return -1;
		if (action_rank(r) < action_rank(verdict))
			verdict = r;
	}
	*ret = verdict;
	return 0;
}
