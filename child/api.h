/*
 * api.h - the GUI's endpoints: the page, its assets, and the live data.
 *
 *   GET /                 the GUI page
 *   GET /assets/...       embedded at build time; gzip copies, ETag, 304
 *   GET /api/status       the parent's latest snapshot and the child's counters
 *   GET /api/logs         the log ring (?since=ID&level=NAME)
 *   GET /api/events       Server-Sent Events: status and log lines, resumable
 *   GET /api/policy       the policy in force and its bound parameters
 *   GET /api/violations   the calls the policy denied, explained by the parent
 *   GET /healthz          liveness
 *   GET /metrics          Prometheus text exposition
 *
 * The server (server.h) calls api_handle for every valid request. With a
 * bearer token configured, only the page, its assets and /healthz are
 * served without it (api_is_public).
 */
#ifndef WARDEN_CHILD_API_H
#define WARDEN_CHILD_API_H

#include "http.h"

#include <stdbool.h>

struct api;
struct child;
struct server;

/* Allocates from the child's arena; starts the timer that feeds event
 * streams. Returns 0 or -errno. */
int api_create(struct api **out, struct child *c);

/* The server's handler; ctx is the struct api. */
void api_handle(void *ctx, const struct http_request *req, struct http_response *res);

/* The server's http_public_fn: the page, its assets and /healthz are served
 * without the bearer token (they hold no data; the page then asks for the
 * token); /api/... and /metrics, and any unknown path, need it. */
bool api_is_public(void *ctx, const struct http_text *path);

/* The parent sent a new status snapshot: event streams get it now. */
void api_status_changed(struct api *api);

/* The parent sent a violation report (IPC_REPORT): kept for the GUI. */
struct ipc_report;
void api_violation_reported(struct api *api, const struct ipc_report *report);

#endif
