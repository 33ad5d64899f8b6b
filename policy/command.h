/*
 * command.h - `warden policy check|show|export`, the operator's view of a
 * policy file. See docs/policy.md.
 */
#ifndef WARDEN_POLICY_COMMAND_H
#define WARDEN_POLICY_COMMAND_H

/* Exit codes of every policy command. */
enum {
	POLICY_EXIT_OK = 0,
	POLICY_EXIT_POLICY_ERROR = 1, /* the policy is wrong: message on stderr */
	POLICY_EXIT_USAGE = 2,        /* the command line is wrong */
};

/* argv[0] is "policy"; returns the process exit code. */
int policy_command(int argc, char **argv);

#endif
