/*
 * misbehave.h - misbehaviour on request, for the parent's supervision
 * tests. Compiled only into the test build of the child (warden-child-test,
 * whose main passes misbehave_handle as the server's handler); the real
 * child has none of it.
 *
 *   GET /test/segv       a write through a null pointer (SIGSEGV)
 *   GET /test/abort      abort()
 *   GET /test/exit1      exit status 1
 *   GET /test/violation  open("/etc/passwd"): the filter denies it
 *   GET /test/close-log  close(4), the log file: the rule allows clients only
 *   GET /test/fsync-null fsync(0): denied (the rule allows the log file only),
 *                        harmless if it runs in complain mode; says what it got
 *   GET /test/hang       an endless loop: heartbeats stop
 *   GET /test/garbage    bytes on the IPC socket that are no message
 *   GET /test/ready-again  a second READY, well formed, while running
 *   GET /test/wrong-pong   the next PING answered with another nonce
 *
 * Anything else goes to the real handler (child/api.h).
 */
#ifndef WARDEN_TESTS_CHILD_MISBEHAVE_H
#define WARDEN_TESTS_CHILD_MISBEHAVE_H

#include "child/http.h"

struct child;

/* The server's handler in the test build; ctx is the struct api. */
void misbehave_handle(void *ctx, const struct http_request *req, struct http_response *res);

/* The child_hooks.after_ready of the test build: keeps the child, whose
 * channel /test/ready-again and /test/wrong-pong use (in sequence, so that the parent's
 * decoder takes the message and its protocol check is what refuses it). */
void misbehave_after_ready(struct child *c, void *ctx);

#endif
