/*
 * http_host.h - whether a request names this server (RFC 9110 7.2), the
 * defence against DNS rebinding: a page on another site whose name was
 * made to resolve to this server's address can make a browser send it
 * requests, but the browser still sends that other site's name as Host.
 */
#ifndef WARDEN_CHILD_HTTP_HOST_H
#define WARDEN_CHILD_HTTP_HOST_H

#include <stddef.h>

enum http_host_verdict {
	HTTP_HOST_OURS,    /* one of the allowed names */
	HTTP_HOST_OTHER,   /* well-formed, but not ours: 421 */
	HTTP_HOST_INVALID, /* not uri-host [ ":" port ]: 400 (RFC 9112 3.2) */
};

/* Checks `value` (n bytes: a Host field's value, or an absolute-form
 * target's authority) against `allowed`, names separated by one space
 * ("localhost 127.0.0.1 [::1]"; NULL allows none). The port is set aside;
 * an IPv6 literal keeps its brackets; names compare ignoring case, and
 * one trailing dot (the root of the DNS) is dropped on either side. IP
 * literals compare as written ("[::1]" is not "[0::1]"). */
enum http_host_verdict http_host_check(const char *allowed, const char *value, size_t n);

#endif
