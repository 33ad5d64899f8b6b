/*
 * ipc_samples.c - see ipc_samples.h.
 */
#include "ipc_samples.h"

#include <stdio.h>
#include <string.h>

/* A 64-bit value with every byte distinct and non-zero, so that a byte
 * misplaced by the codec shows. */
static uint64_t wide(unsigned variant, unsigned field)
{
	return 0x0102030405060708ull * (variant * 16 + field + 1) + 0x8000000000000000ull;
}

/* `length` characters from `first` on, then zeros: length = size - 1 fills
 * the array to its bound. */
static void fill_string(char *s, size_t size, size_t length, char first)
{
	memset(s, 0, size);
	for (size_t i = 0; i < length && i < size - 1; i++)
		s[i] = (char)(first + i % 5);
}

static void sample_config(struct ipc_config *c, unsigned v)
{
	c->max_connections = 65536 - v;
	c->header_max_bytes = 8192 + v;
	c->uri_max_bytes = 8192; /* <= header_max_bytes, at the bound when v = 0 */
	c->header_timeout_ms = 600000 - v;
	c->idle_timeout_ms = 3600000;
	c->send_timeout_ms = 12345 + v;
	c->heartbeat_interval_ms = 1000;
	c->memory_reserve_kib = 4194304 - v;
	c->log_ring_lines = 16 + v;
	c->max_connections_per_peer = v == 0 ? c->max_connections : 1 + v;
	c->log_min_level = (uint8_t)(v % (IPC_LOG_MAX + 1));
	c->log_format = (uint8_t)(v % (IPC_LOG_FORMAT_MAX + 1));
	c->log_stderr_level = (uint8_t)((v + 2) % (IPC_LOG_MAX + 1));
	c->namespaces = (uint8_t)(v % 3);
	c->deny_action = (uint8_t)(v % (IPC_DENY_MAX + 1));
	c->token_length = (uint8_t)(v == 0 ? IPC_TOKEN_MAX : 7 + v % 100);
	for (unsigned i = 0; i < c->token_length; i++)
		c->token[i] = (uint8_t)(0xff - i - v); /* any bytes, NUL included */
	fill_string(c->user, sizeof(c->user), v == 0 ? sizeof(c->user) - 1 : 3, 'u');
	snprintf(c->group, sizeof(c->group), "group%u", v);
	c->test_mode = (uint8_t)(v % 2);
	if (v == 0)
		fill_string(c->hosts, sizeof(c->hosts), sizeof(c->hosts) - 1, 'h');
	else
		snprintf(c->hosts, sizeof(c->hosts), "localhost [::1] host%u.example", v);
}

static void sample_ready(struct ipc_ready *r, unsigned v)
{
	r->pid = 0x7ffffff0u - v;
	r->generation = 0xfffffffeu - v;
	r->sandbox = v == 0 ? IPC_SANDBOX_ALL : IPC_SANDBOX_SECCOMP | IPC_SANDBOX_RLIMITS;
	r->uid = 65534;
	r->gid = 65533 - v;
	r->policy_instructions = 321 + v;
	r->boot_ns = wide(v, 1);
	r->fd_limit = v == 0 ? 1u << 20 : 1033 + v;
	r->first_client_fd = r->fd_limit - 1 - v;
	r->epoll_fd = v == 0 ? r->first_client_fd : 6;
	r->listener_fd = v % 2 ? 7 : 0;
}

static void sample_report(struct ipc_report *r, unsigned v)
{
	r->time_ns = wide(v, 4);
	r->shape = v == 0 ? UINT32_MAX : 1 + v;
	r->count = v == 0 ? UINT32_MAX : 1 + v * 3;
	r->generation = 1 + v;
	r->action = v % (IPC_DENY_MAX + 1);
	r->nr = 74 + v;
	r->arch = 0xc000003e;
	for (unsigned i = 0; i < 6; i++)
		r->args[i] = wide(v, 5 + i);
	r->ip = 0x00007f0012345678ull + v;
	fill_string(r->syscall, sizeof(r->syscall), v == 0 ? sizeof(r->syscall) - 1 : 5, 's');
	fill_string(r->text, sizeof(r->text), v == 0 ? sizeof(r->text) - 1 : 40 + v, 't');
}

static void sample_counters(struct ipc_counters *c, unsigned v, bool gauges)
{
	c->connections_accepted = wide(v, 4);
	c->connections_open = 1000 + v;
	c->connections_refused = wide(v, 5);
	c->requests = wide(v, 6);
	for (unsigned i = 0; i < 5; i++)
		c->responses[i] = wide(v, 7 + i);
	c->bytes_in = wide(v, 12);
	c->bytes_out = UINT64_MAX - v;
	c->log_lines = 99 + v;
	c->log_write_errors = 3;
	c->memory_used = gauges ? 12345678 + v : 0;
	c->memory_reserved = gauges ? UINT64_MAX : 0;
	c->connections_open = gauges ? c->connections_open : 0;
	c->timeouts = wide(v, 13);
	c->allocation_failures = 17 + v;
	for (unsigned i = 0; i < IPC_LOG_LEVELS; i++)
		c->log_lines_by_level[i] = wide(v, 14 + i);
	for (unsigned i = 0; i < IPC_LOG_ERROR_CLASSES; i++)
		c->log_write_errors_by_class[i] = i + v;
}

static void sample_pong(struct ipc_pong *p, unsigned v)
{
	p->nonce = wide(v, 2);
	p->sent_ns = wide(v, 3);
	sample_counters(&p->counters, v, true);
}

static void sample_status(struct ipc_status *s, unsigned v)
{
	s->generation = 7 + v;
	s->child_pid = 4242 + v;
	s->state = IPC_STATE_STARTING + v % IPC_STATE_MAX;
	s->restarts = 6 + v;
	s->violations = 0xfffffff0u + v;
	s->attested = v == 0 ? IPC_SANDBOX_ALL : IPC_SANDBOX_SECCOMP | IPC_SANDBOX_NO_NEW_PRIVS;
	s->standby_state = v % (IPC_STANDBY_MAX + 1);
	s->standby_pid = v == 0 ? 0 : 4243 + v;
	s->standby_generation = v == 0 ? 0 : 8 + v;
	s->failovers = 0xfffffff8u + v;
	s->parent_start_ns = wide(v, 1);
	s->child_start_ns = wide(v, 2);
	s->ipc_messages_in = wide(v, 3);
	s->ipc_messages_out = wide(v, 4);
	s->ipc_bytes_in = wide(v, 5);
	s->ipc_bytes_out = wide(v, 6);
	s->recent_count = v == 0 ? IPC_RECENT_RESTARTS : v % (IPC_RECENT_RESTARTS + 1);
	for (unsigned i = 0; i < s->recent_count; i++) {
		struct ipc_restart *r = &s->recent[i];
		r->time_ns = wide(v, 7 + i);
		r->generation = 6 + v - i % 6;
		r->reason = i % (IPC_END_MAX + 1);
		r->code = i % 2 ? -(int32_t)(i + 1) : (int32_t)(0x7fff0000 + i);
		r->outage_ms = i == 0 ? UINT32_MAX : 250 * i + v;
		fill_string(r->detail, sizeof(r->detail), i == 0 ? sizeof(r->detail) - 1 : i, 'd');
	}
	sample_counters(&s->carried, v + 1, false);
	for (unsigned i = 0; i <= IPC_END_MAX; i++)
		s->ends_by_reason[i] = i * 3 + v;
	s->trace_records = wide(v, 20);
	s->trace_dropped = v;
	s->trace_errors = 2 * v;
	s->trace_rotations = wide(v, 21);
	fill_string(s->trace_file, sizeof(s->trace_file),
	            v == 0 ? sizeof(s->trace_file) - 1 : 20 + v, 'f');
}

static void sample_log(struct ipc_log *l, unsigned v)
{
	l->time_ns = wide(v, 9);
	l->level = (uint8_t)(IPC_LOG_CRIT - v % (IPC_LOG_MAX + 1));
	l->text_length = (uint16_t)(v == 0 ? IPC_TEXT_MAX : (v * 37) % IPC_TEXT_MAX);
	l->flags = (uint8_t)(v % 2 ? IPC_LOG_REPLAYED : 0);
	for (unsigned i = 0; i < l->text_length; i++)
		l->text[i] = (char)(1 + (i + v) % 255); /* every byte but NUL */
}

static void sample_violation(struct ipc_violation *x, unsigned v)
{
	x->nr = 101 + v;
	x->arch = 0xc000003e; /* AUDIT_ARCH_X86_64 */
	for (unsigned i = 0; i < 6; i++)
		x->args[i] = wide(v, i);
	x->ip = 0x00007f0012345678ull + v;
	fill_string(x->name, sizeof(x->name), v == 0 ? sizeof(x->name) - 1 : 6, 'n');
}

static void sample_error(struct ipc_error *e, unsigned v)
{
	e->error_version = IPC_ERROR_VERSION;
	e->code = IPC_E_SHORT + v % IPC_E_IO;
	e->sequence = 0xfffffff0u + v;
	snprintf(e->message, sizeof(e->message), "config: uri_max_bytes %u not in 16..8192", 9 + v);
}

void ipc_sample(unsigned type, uint32_t sequence, unsigned variant, struct ipc_message *m)
{
	memset(m, 0, sizeof(*m));
	m->type = (uint16_t)type;
	m->sequence = sequence;
	unsigned v = variant;
	switch (type) {
	case IPC_HELLO:
		m->u.hello = (struct ipc_hello){1 + v, 0x7fffff00u + v, wide(v, 0)};
		break;
	case IPC_CONFIG:
		sample_config(&m->u.config, v);
		break;
	case IPC_READY:
		sample_ready(&m->u.ready, v);
		break;
	case IPC_PING:
		m->u.ping = (struct ipc_ping){wide(v, 10), wide(v, 11)};
		break;
	case IPC_PONG:
		sample_pong(&m->u.pong, v);
		break;
	case IPC_STATUS:
		sample_status(&m->u.status, v);
		break;
	case IPC_LOG:
		sample_log(&m->u.log, v);
		break;
	case IPC_VIOLATION:
		sample_violation(&m->u.violation, v);
		break;
	case IPC_SHUTDOWN:
		m->u.shutdown = (struct ipc_shutdown){3600000 - v, IPC_SHUTDOWN_TERMINATE + v % 2};
		break;
	case IPC_ERROR:
		sample_error(&m->u.error, v);
		break;
	case IPC_SERVE:
		m->u.serve.attested = (uint32_t)IPC_SANDBOX_ALL >> (v % 12);
		break;
	case IPC_REPORT:
		sample_report(&m->u.report, v);
		break;
	default:
		break;
	}
}

/* ---- Comparison ------------------------------------------------------------ */

#define SAME(field)                                                                                \
	do {                                                                                       \
		if (a->field != b->field) {                                                        \
			*why = #field;                                                             \
			return false;                                                              \
		}                                                                                  \
	} while (0)
#define SAME_BYTES(field, n)                                                                       \
	do {                                                                                       \
		if (memcmp(a->field, b->field, n) != 0) {                                          \
			*why = #field;                                                             \
			return false;                                                              \
		}                                                                                  \
	} while (0)

static bool same_config(const struct ipc_config *a, const struct ipc_config *b, const char **why)
{
	SAME(max_connections);
	SAME(header_max_bytes);
	SAME(uri_max_bytes);
	SAME(header_timeout_ms);
	SAME(idle_timeout_ms);
	SAME(send_timeout_ms);
	SAME(heartbeat_interval_ms);
	SAME(memory_reserve_kib);
	SAME(log_ring_lines);
	SAME(max_connections_per_peer);
	SAME(log_min_level);
	SAME(log_format);
	SAME(log_stderr_level);
	SAME(namespaces);
	SAME(deny_action);
	SAME(token_length);
	SAME(test_mode);
	SAME_BYTES(user, sizeof(a->user));
	SAME_BYTES(group, sizeof(a->group));
	SAME_BYTES(token, sizeof(a->token));
	SAME_BYTES(hosts, sizeof(a->hosts));
	return true;
}

static bool same_ready(const struct ipc_ready *a, const struct ipc_ready *b, const char **why)
{
	SAME(pid);
	SAME(generation);
	SAME(sandbox);
	SAME(uid);
	SAME(gid);
	SAME(policy_instructions);
	SAME(boot_ns);
	SAME(epoll_fd);
	SAME(first_client_fd);
	SAME(fd_limit);
	SAME(listener_fd);
	return true;
}

static bool same_report(const struct ipc_report *a, const struct ipc_report *b, const char **why)
{
	SAME(time_ns);
	SAME(shape);
	SAME(count);
	SAME(generation);
	SAME(action);
	SAME(nr);
	SAME(arch);
	for (int i = 0; i < 6; i++)
		SAME(args[i]);
	SAME(ip);
	SAME_BYTES(syscall, sizeof(a->syscall));
	SAME_BYTES(text, sizeof(a->text));
	return true;
}

static bool same_counters(const struct ipc_counters *a, const struct ipc_counters *b,
                          const char **why)
{
	SAME(connections_accepted);
	SAME(connections_open);
	SAME(connections_refused);
	SAME(requests);
	for (int i = 0; i < 5; i++)
		SAME(responses[i]);
	SAME(bytes_in);
	SAME(bytes_out);
	SAME(log_lines);
	SAME(log_write_errors);
	SAME(memory_used);
	SAME(memory_reserved);
	SAME(timeouts);
	SAME(allocation_failures);
	for (int i = 0; i < IPC_LOG_LEVELS; i++)
		SAME(log_lines_by_level[i]);
	for (int i = 0; i < IPC_LOG_ERROR_CLASSES; i++)
		SAME(log_write_errors_by_class[i]);
	return true;
}

static bool same_pong(const struct ipc_pong *a, const struct ipc_pong *b, const char **why)
{
	SAME(nonce);
	SAME(sent_ns);
	return same_counters(&a->counters, &b->counters, why);
}

static bool same_status(const struct ipc_status *a, const struct ipc_status *b, const char **why)
{
	SAME(generation);
	SAME(child_pid);
	SAME(state);
	SAME(restarts);
	SAME(violations);
	SAME(attested);
	SAME(standby_state);
	SAME(standby_pid);
	SAME(standby_generation);
	SAME(failovers);
	SAME(parent_start_ns);
	SAME(child_start_ns);
	SAME(ipc_messages_in);
	SAME(ipc_messages_out);
	SAME(ipc_bytes_in);
	SAME(ipc_bytes_out);
	SAME(recent_count);
	for (int i = 0; i < IPC_RECENT_RESTARTS; i++) {
		SAME(recent[i].time_ns);
		SAME(recent[i].generation);
		SAME(recent[i].reason);
		SAME(recent[i].code);
		SAME(recent[i].outage_ms);
		SAME_BYTES(recent[i].detail, IPC_DETAIL_MAX);
	}
	for (int i = 0; i <= IPC_END_MAX; i++)
		SAME(ends_by_reason[i]);
	SAME(trace_records);
	SAME(trace_dropped);
	SAME(trace_errors);
	SAME(trace_rotations);
	SAME_BYTES(trace_file, IPC_TRACE_FILE_MAX);
	return same_counters(&a->carried, &b->carried, why);
}

static bool same_log(const struct ipc_log *a, const struct ipc_log *b, const char **why)
{
	SAME(time_ns);
	SAME(level);
	SAME(text_length);
	SAME(flags);
	SAME_BYTES(text, a->text_length <= IPC_TEXT_MAX ? a->text_length : IPC_TEXT_MAX);
	return true;
}

static bool same_violation(const struct ipc_violation *a, const struct ipc_violation *b,
                           const char **why)
{
	SAME(nr);
	SAME(arch);
	for (int i = 0; i < 6; i++)
		SAME(args[i]);
	SAME(ip);
	SAME_BYTES(name, sizeof(a->name));
	return true;
}

static bool same_payload(const struct ipc_message *m, const struct ipc_message *n, const char **why)
{
	const struct ipc_message *a = m, *b = n;
	switch (m->type) {
	case IPC_HELLO:
		SAME(u.hello.generation);
		SAME(u.hello.parent_pid);
		SAME(u.hello.parent_start_ns);
		return true;
	case IPC_CONFIG:
		return same_config(&m->u.config, &n->u.config, why);
	case IPC_READY:
		return same_ready(&m->u.ready, &n->u.ready, why);
	case IPC_PING:
		SAME(u.ping.nonce);
		SAME(u.ping.sent_ns);
		return true;
	case IPC_PONG:
		return same_pong(&m->u.pong, &n->u.pong, why);
	case IPC_STATUS:
		return same_status(&m->u.status, &n->u.status, why);
	case IPC_LOG:
		return same_log(&m->u.log, &n->u.log, why);
	case IPC_VIOLATION:
		return same_violation(&m->u.violation, &n->u.violation, why);
	case IPC_SHUTDOWN:
		SAME(u.shutdown.grace_ms);
		SAME(u.shutdown.reason);
		return true;
	case IPC_ERROR:
		SAME(u.error.error_version);
		SAME(u.error.code);
		SAME(u.error.sequence);
		SAME_BYTES(u.error.message, IPC_MESSAGE_MAX);
		return true;
	case IPC_SERVE:
		SAME(u.serve.attested);
		return true;
	case IPC_REPORT:
		return same_report(&m->u.report, &n->u.report, why);
	default:
		*why = "type (unknown)";
		return false;
	}
}

bool ipc_messages_equal(const struct ipc_message *a, const struct ipc_message *b, const char **why)
{
	const char *ignored;
	if (why == NULL)
		why = &ignored;
	SAME(type);
	SAME(sequence);
	return same_payload(a, b, why);
}

uint64_t sample_rng_next(struct sample_rng *r)
{
	r->state ^= r->state << 13;
	r->state ^= r->state >> 7;
	r->state ^= r->state << 17;
	return r->state;
}
