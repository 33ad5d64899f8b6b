/*
 * child_policy.h - policy/child.policy as built into the binaries.
 *
 * The build checks the policy and compiles its text in (policy/embed.cmake),
 * so the child always enforces the policy it was built with, never a file
 * found at run time.
 */
#ifndef WARDEN_POLICY_CHILD_POLICY_H
#define WARDEN_POLICY_CHILD_POLICY_H

#include <stddef.h>

extern const char child_policy_text[];   /* NUL-terminated */
extern const size_t child_policy_length; /* without the NUL */

#endif
