/*
 * trace_samples.c - see trace_samples.h.
 */
#include "trace_samples.h"

#include <criterion/criterion.h>
#include <string.h>

static void sample_config(struct ipc_config *c)
{
	c->max_connections = 512;
	c->header_max_bytes = 8192;
	c->uri_max_bytes = 2048;
	c->header_timeout_ms = 10000;
	c->idle_timeout_ms = 60000;
	c->send_timeout_ms = 10000;
	c->heartbeat_interval_ms = 1000;
	c->memory_reserve_kib = 65536;
	c->log_ring_lines = 256;
	c->max_connections_per_peer = 32;
	c->log_min_level = IPC_LOG_INFO;
	c->namespaces = IPC_NAMESPACES_AUTO;
	c->deny_action = IPC_DENY_TRAP;
	c->token_length = 4;
	memcpy(c->token, "s3cr", 4);
	strcpy(c->user, "nobody");
	strcpy(c->group, "nogroup");
	strcpy(c->hosts, "localhost 127.0.0.1 [::1] warden.example");
}

static void sample_pong(struct ipc_pong *p)
{
	p->nonce = 0x1122334455667788ull;
	p->sent_ns = 5000000;
	p->counters.connections_accepted = 40;
	p->counters.connections_open = 3;
	p->counters.connections_refused = 1;
	p->counters.requests = 77;
	p->counters.responses[1] = 70;
	p->counters.responses[3] = 7;
	p->counters.bytes_in = 12345;
	p->counters.bytes_out = 678901;
	p->counters.log_lines = 99;
	p->counters.memory_used = 1 << 20;
	p->counters.memory_reserved = 64 << 20;
	p->counters.timeouts = 2;
	p->counters.log_lines_by_level[IPC_LOG_INFO] = 90;
	p->counters.log_lines_by_level[IPC_LOG_WARNING] = 9;
}

static void sample_status(struct ipc_status *s)
{
	s->generation = 1;
	s->child_pid = 4242;
	s->state = IPC_STATE_RUNNING;
	s->restarts = 1;
	s->violations = 1;
	s->attested = IPC_SANDBOX_SECCOMP | IPC_SANDBOX_NO_NEW_PRIVS | IPC_SANDBOX_RLIMITS;
	s->standby_state = IPC_STANDBY_READY;
	s->standby_pid = 4243;
	s->standby_generation = 2;
	s->failovers = 1;
	s->parent_start_ns = SAMPLE_T0 - 5000000000ull;
	s->child_start_ns = SAMPLE_T0 - 1000000000ull;
	s->ipc_messages_in = 3;
	s->ipc_messages_out = 4;
	s->ipc_bytes_in = 300;
	s->ipc_bytes_out = 400;
	s->recent_count = 1;
	s->recent[0].time_ns = SAMPLE_T0 - 2000000000ull;
	s->recent[0].generation = 1;
	s->recent[0].reason = IPC_END_SIGNAL;
	s->recent[0].code = 9;
	s->recent[0].outage_ms = 12;
	s->carried.requests = 30;
	s->carried.responses[1] = 30;
	s->carried.log_lines = 20;
	s->carried.log_lines_by_level[IPC_LOG_INFO] = 20;
	s->ends_by_reason[IPC_END_SIGNAL] = 1;
	s->trace_records = 11;
	s->trace_rotations = 1;
	strcpy(s->trace_file, "/var/log/warden/ipc.trace");
	strcpy(s->recent[0].detail, "killed");
}

static void sample_violation(struct ipc_violation *v)
{
	v->nr = 101;
	v->arch = 0xc000003e; /* AUDIT_ARCH_X86_64 */
	for (int i = 0; i < 6; i++)
		v->args[i] = 0x10 + (uint64_t)i;
	v->ip = 0x7f0012345678ull;
	strcpy(v->name, "ptrace");
}

void sample_message(unsigned type, uint32_t sequence, struct ipc_message *m)
{
	memset(m, 0, sizeof(*m));
	m->type = (uint16_t)type;
	m->sequence = sequence;
	switch (type) {
	case IPC_HELLO:
		m->u.hello = (struct ipc_hello){1, 4000, SAMPLE_T0 - 5000000000ull};
		break;
	case IPC_CONFIG:
		sample_config(&m->u.config);
		break;
	case IPC_READY:
		m->u.ready = (struct ipc_ready){
		        4242, 1, IPC_SANDBOX_ALL, 65534, 65534, 123, 4500000, 6, 8, 1033, 0};
		break;
	case IPC_PING:
		m->u.ping = (struct ipc_ping){0x1122334455667788ull, 5000000};
		break;
	case IPC_PONG:
		sample_pong(&m->u.pong);
		break;
	case IPC_STATUS:
		sample_status(&m->u.status);
		break;
	case IPC_LOG:
		m->u.log.time_ns = SAMPLE_T0;
		m->u.log.level = IPC_LOG_WARNING;
		m->u.log.text_length = (uint16_t)strlen(SAMPLE_LOG_TEXT);
		memcpy(m->u.log.text, SAMPLE_LOG_TEXT, strlen(SAMPLE_LOG_TEXT));
		break;
	case IPC_VIOLATION:
		sample_violation(&m->u.violation);
		break;
	case IPC_SHUTDOWN:
		m->u.shutdown = (struct ipc_shutdown){2500, IPC_SHUTDOWN_TERMINATE};
		break;
	case IPC_ERROR:
		m->u.error.error_version = IPC_ERROR_VERSION;
		m->u.error.code = IPC_E_RANGE;
		m->u.error.sequence = 7;
		strcpy(m->u.error.message, "config: uri_max_bytes 9 < 16");
		break;
	case IPC_SERVE:
		m->u.serve.attested = IPC_SANDBOX_SECCOMP | IPC_SANDBOX_NO_NEW_PRIVS;
		break;
	case IPC_REPORT:
		m->u.report = (struct ipc_report){.time_ns = SAMPLE_T0,
		                                  .shape = 1,
		                                  .count = 2,
		                                  .generation = 1,
		                                  .action = IPC_DENY_COMPLAIN,
		                                  .nr = 74,
		                                  .arch = 0xc000003e,
		                                  .args = {4},
		                                  .ip = 0x7f0012345678ull,
		                                  .syscall = "fsync"};
		strcpy(m->u.report.text, "fsync(4): denied: no rule allows fsync; the policy's "
		                         "default is deny");
		break;
	default:
		cr_assert_fail("no sample for type %u", type);
	}
}

static struct sample *add(struct sample *out, size_t *n, size_t cap, enum trace_direction d,
                          uint32_t generation)
{
	cr_assert_lt(*n, cap);
	struct sample *s = &out[*n];
	memset(s, 0, sizeof(*s));
	s->direction = d;
	s->generation = generation;
	s->pid = 4241 + generation;
	s->time_ns = SAMPLE_T0 + (uint64_t)*n * 1000000u; /* 1 ms apart */
	s->valid = true;
	(*n)++;
	return s;
}

static void add_message(struct sample *out, size_t *n, size_t cap, enum trace_direction d,
                        uint32_t generation, unsigned type, uint32_t sequence)
{
	struct sample *s = add(out, n, cap, d, generation);
	sample_message(type, sequence, &s->msg);
	if (type == IPC_HELLO) {
		s->msg.u.hello.generation = generation;
		s->fds = IPC_HANDOVER_FDS;
	}
	s->len = ipc_encode(&s->msg, s->raw, sizeof(s->raw));
	cr_assert_gt(s->len, 0, "ipc_encode refused the %s sample", ipc_type_name(type));
}

size_t sample_conversation(struct sample *out, size_t cap)
{
	static const struct {
		enum trace_direction d;
		unsigned type;
	} script[] = {
	        {TRACE_TO_CHILD, IPC_HELLO},
	        {TRACE_TO_CHILD, IPC_CONFIG},
	        {TRACE_TO_PARENT, IPC_READY},
	        {TRACE_TO_CHILD, IPC_PING},
	        {TRACE_TO_PARENT, IPC_PONG},
	        {TRACE_TO_CHILD, IPC_STATUS},
	        {TRACE_TO_CHILD, IPC_LOG},
	        {TRACE_TO_PARENT, IPC_VIOLATION},
	        {TRACE_TO_PARENT, IPC_ERROR},
	        {TRACE_TO_CHILD, IPC_SHUTDOWN},
	        /* added with version 4, last so that the others keep their place */
	        {TRACE_TO_CHILD, IPC_SERVE},
	};
	size_t n = 0;
	uint32_t down = 1, up = 1;
	for (size_t i = 0; i < sizeof(script) / sizeof(script[0]); i++) {
		bool to_child = script[i].d == TRACE_TO_CHILD;
		add_message(out, &n, cap, script[i].d, 1, script[i].type, to_child ? down++ : up++);
	}
	/* A hostile child: garbage, then a type only the parent may send. */
	struct sample *bad = add(out, &n, cap, TRACE_TO_PARENT, 1);
	memcpy(bad->raw, "GARBAGE-NOT-IPC-MESSAGE", 23);
	bad->len = 23;
	bad->valid = false;
	add_message(out, &n, cap, TRACE_TO_PARENT, 1, IPC_CONFIG, up++);
	out[n - 1].valid = false;
	/* The next generation starts. */
	add_message(out, &n, cap, TRACE_TO_CHILD, 2, IPC_HELLO, 1);
	add_message(out, &n, cap, TRACE_TO_PARENT, 2, IPC_READY, 1);
	return n;
}

size_t sample_heartbeats(struct sample *out, size_t cap, size_t count)
{
	size_t n = 0;
	uint64_t t = SAMPLE_T0;
	for (uint32_t i = 1; i <= count + 1; i++) {
		add_message(out, &n, cap, TRACE_TO_CHILD, 1, IPC_PING, i);
		out[n - 1].msg.u.ping.nonce = 1000 + i;
		out[n - 1].time_ns = t;
		out[n - 1].len =
		        ipc_encode(&out[n - 1].msg, out[n - 1].raw, sizeof(out[n - 1].raw));
		if (i <= count) {
			add_message(out, &n, cap, TRACE_TO_PARENT, 1, IPC_PONG, i);
			out[n - 1].msg.u.pong.nonce = 1000 + i;
			out[n - 1].time_ns = t + i * 1000000ull;
			out[n - 1].len =
			        ipc_encode(&out[n - 1].msg, out[n - 1].raw, sizeof(out[n - 1].raw));
		}
		t += 1000000000ull;
	}
	/* A pong for a ping that was never sent (another generation's nonce). */
	add_message(out, &n, cap, TRACE_TO_PARENT, 1, IPC_PONG, (uint32_t)count + 1);
	out[n - 1].msg.u.pong.nonce = 999999;
	out[n - 1].time_ns = t;
	out[n - 1].len = ipc_encode(&out[n - 1].msg, out[n - 1].raw, sizeof(out[n - 1].raw));
	return n;
}

void sample_record(struct trace *tr, const struct sample *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		cr_assert_eq(trace_record_at(tr, s[i].time_ns, s[i].direction, s[i].generation,
		                             s[i].pid, s[i].fds, s[i].raw, s[i].len),
		             0);
}

void sample_write(const char *path, const struct sample *s, size_t n)
{
	char err[256];
	struct trace *tr = trace_open(path, 0, 1, err, sizeof(err));
	cr_assert_not_null(tr, "%s", err);
	sample_record(tr, s, n);
	cr_assert_eq(trace_close(tr), 0);
}
