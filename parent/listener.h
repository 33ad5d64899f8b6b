/*
 * listener.h - the GUI's listening socket, which the parent owns for its
 * whole life so that connections queue in the kernel's backlog while a
 * child restarts.
 */
#ifndef WARDEN_PARENT_LISTENER_H
#define WARDEN_PARENT_LISTENER_H

#include <stdbool.h>
#include <stddef.h>

struct listener {
	int fd;
	bool from_systemd; /* socket activation (LISTEN_FDS) */
	bool loopback;     /* bound to a loopback address (config_listen_is_loopback) */
	char address[160]; /* as bound: "127.0.0.1:8080", "[::1]:8080" */
	char host[80];     /* the address's host part, as a Host header gives it: "[::1]" */
};

/* Takes the socket systemd passed (exactly one listening stream socket),
 * or binds `spec` ("ADDR:PORT", "[ADDR6]:PORT"). The socket is
 * non-blocking (several children may accept on it during a reload) and
 * close-on-exec. Its address, as the kernel has it (getsockname), fills
 * `address`, `host` and `loopback`, whatever the socket's origin: the
 * rules about who may connect judge that, not the address as written.
 * Returns 0, or -1 with a message in `err` naming the address and the
 * cause (address in use, permission denied, ...). */
int listener_open(struct listener *l, const char *spec, char *err, size_t err_size);

/* For --check-config: binds `spec` and closes it again, as listener_open
 * would (nothing to do when systemd passes the socket). Returns 0; 1 when
 * the address is in use (a running warden keeps its socket across a
 * reload, so this is only a note), with `err` saying so; or -1 with `err`
 * naming what listener_open would fail on. */
int listener_check(const char *spec, char *err, size_t err_size);

void listener_close(struct listener *l);

#endif
