/*
 * http_host.c - see http_host.h.
 */
#include "http_host.h"

#include <stdbool.h>
#include <string.h>
#include <strings.h>

enum { PORT_DIGITS_MAX = 5 };

/* The length of the name in name[:port], or -1 when the port is not
 * digits or an IPv6 literal's bracket is not closed. */
static long name_length(const char *v, size_t n)
{
	size_t end = n;
	if (n > 0 && v[0] == '[') {
		const char *close = memchr(v, ']', n);
		if (close == NULL)
			return -1;
		end = (size_t)(close + 1 - v);
	} else {
		const char *colon = memchr(v, ':', n);
		if (colon != NULL)
			end = (size_t)(colon - v);
	}
	if (end == n)
		return (long)end;
	if (v[end] != ':' || n - end - 1 > PORT_DIGITS_MAX)
		return -1;
	for (size_t i = end + 1; i < n; i++)
		if (v[i] < '0' || v[i] > '9')
			return -1;
	return (long)end;
}

/* A DNS name may end in the root's dot ("localhost."): the same name. */
static size_t without_root_dot(const char *name, size_t n)
{
	return n > 1 && name[n - 1] == '.' && name[0] != '[' ? n - 1 : n;
}

static bool listed(const char *allowed, const char *name, size_t n)
{
	for (const char *p = allowed; p != NULL && *p != '\0';) {
		size_t len = strcspn(p, " ");
		if (without_root_dot(p, len) == n && strncasecmp(p, name, n) == 0)
			return true;
		p += len;
		p += strspn(p, " ");
	}
	return false;
}

enum http_host_verdict http_host_check(const char *allowed, const char *value, size_t n)
{
	long len = name_length(value, n);
	if (len < 0)
		return HTTP_HOST_INVALID;
	size_t name = without_root_dot(value, (size_t)len);
	return name > 0 && listed(allowed, value, name) ? HTTP_HOST_OURS : HTTP_HOST_OTHER;
}
