/*
 * main.c - the child program (warden-child): the boot sequence (boot.c),
 * nothing added. The parent execs it with only fd 3 (the IPC socket) and
 * stderr; it takes no arguments.
 */
#include "child.h"

int main(void)
{
	child_main(NULL);
	return 0;
}
