/*
 * open_fds.c - see open_fds.h.
 */
#include "open_fds.h"

#include <dirent.h>
#include <stddef.h>
#include <stdio.h>

/* The entries of directory `path` but . and ..; -1 when it cannot be read. */
static int entries(const char *path)
{
	DIR *d = opendir(path);
	if (d == NULL)
		return -1;
	int n = 0;
	for (struct dirent *e = readdir(d); e != NULL; e = readdir(d))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

int open_fds(void)
{
	int n = entries("/proc/self/fd");
	return n < 0 ? -1 : n - 1;
}

int open_fds_of(pid_t pid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	return entries(path);
}
