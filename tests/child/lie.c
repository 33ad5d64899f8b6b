/*
 * lie.c - see lie.h.
 */
#include "lie.h"
#include "ipc/ipc.h"

#include <string.h>
#include <sys/auxv.h>

static bool parse_lie(const char *what, struct child_lie *lie)
{
	lie->keep_identity = strcmp(what, "uid") == 0;
	lie->stray_fd = strcmp(what, "fd") == 0;
	if (lie->keep_identity || lie->stray_fd)
		return true;
	for (unsigned bit = 0; ipc_sandbox_flag_name(bit) != NULL; bit++)
		if (strcmp(what, ipc_sandbox_flag_name(bit)) == 0) {
			lie->skip = 1u << bit;
			return true;
		}
	return false;
}

bool lie_from_name(struct child_lie *lie)
{
	static const char mark[] = ".lie-";
	const char *name = (const char *)getauxval(AT_EXECFN);
	memset(lie, 0, sizeof(*lie));
	if (name == NULL)
		return false;
	const char *slash = strrchr(name, '/');
	const char *what = strstr(slash != NULL ? slash + 1 : name, mark);
	return what != NULL && parse_lie(what + strlen(mark), lie);
}
