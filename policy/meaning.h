/*
 * meaning.h - what a rule allows, as exact sets: the union of "boxes", each
 * box one set of accepted values per argument. The compiler encodes these
 * boxes as BPF; the explainer and `warden policy diff` read them, so all
 * three agree on what a policy means. Internal to policy/.
 */
#ifndef WARDEN_POLICY_MEANING_H
#define WARDEN_POLICY_MEANING_H

#include "ast.h"

enum { MEANING_NARGS = 6 };

/* The values of all six arguments that one conjunction accepts. */
struct box {
	struct interval_set args[MEANING_NARGS];
};

struct box_list {
	struct box *items;
	size_t count, capacity;
};

/* The domain of each argument of a rule's syscall: UINT32_MAX for one the
 * kernel reads as 32 bits, UINT64_MAX otherwise. */
void rule_domains(const struct rule *rule, uint64_t max[MEANING_NARGS]);

/* The rule's condition with the parameters' values, as the fewest boxes the
 * merging finds: one full box for a rule that allows every call. Fails (with
 * the compiler's messages) when the condition allows nothing, has too many
 * alternatives, or memory runs out. */
int rule_boxes(const struct policy *policy, const struct rule *rule, const uint64_t *param_values,
               struct box_list *out, struct policy_error *err);

/* Binds parameter values by name, each declared parameter exactly once.
 * With `ignore_unknown`, a binding for a name the policy does not declare is
 * skipped (diff binds two policies from one list); otherwise it is an error. */
int meaning_bind(const struct policy *policy, const struct policy_binding *bindings, size_t count,
                 bool ignore_unknown, uint64_t *values, struct policy_error *err);

bool box_is_empty(const struct box *b);
bool box_is_full(const struct box *b, const uint64_t max[MEANING_NARGS]);
bool box_contains(const struct box *b, const uint64_t seen[MEANING_NARGS]);
void box_release(struct box *b);
/* Takes ownership of *b (released on failure too). Returns 0 or -1. */
int box_list_push(struct box_list *l, struct box *b);
/* Joins boxes that differ in one argument only. Returns 0 or -1. */
int box_list_merge(struct box_list *l);
void box_list_release(struct box_list *l);

/* An argument as the kernel reads it: its low 32 bits when the domain is
 * 32 bits wide. */
uint64_t meaning_seen(uint64_t value, uint64_t max);

#endif
