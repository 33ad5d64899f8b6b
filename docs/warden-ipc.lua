-- warden-ipc.lua - a Wireshark/tshark dissector for warden IPC traces.
--
-- A trace (docs/traces.md) is a pcap file of link type USER0 (147); each
-- record is a 24-byte little-endian pseudo-header followed by one IPC message
-- exactly as it crossed the socketpair: a 16-byte header and the payload
-- (ipc/ipc.h, docs/ipc.md). Payload layout: every field in struct order,
-- little-endian, natural size, no padding, fixed arrays at full size; except
-- log: time_ns u64, level u8, text_length u16, flags u8, then text_length bytes.
--
--   tshark -X lua_script:docs/warden-ipc.lua -r trace.pcap -V
--   wireshark -X lua_script:docs/warden-ipc.lua trace.pcap
--
-- Or copy it to ~/.local/lib/wireshark/plugins/. It takes over USER0 from
-- Wireshark's "User DLTs" table for as long as it is loaded.
--
-- Field names are those of ipc/fields.c, which describes every payload once:
-- warden.<type>.<field>, a nested struct's fields under its name
-- (warden.pong.counters.requests, warden.status.recent.reason), an array's
-- elements by their name or index (warden.pong.counters.responses_2xx,
-- warden.violation.args_0), a flag word's bits under it
-- (warden.ready.sandbox.seccomp). tests/test_trace_tshark.c fails when a
-- field here differs from that description in name, order, offset or size.

local proto = Proto("warden", "warden IPC")

local PSEUDO_HEADER_SIZE = 24
local HEADER_SIZE = 16
local MAGIC = 0x4e445257 -- "WRDN"
local IPC_VERSION = 6 -- ipc/ipc.h; 1 had no status.violations, 2 no config.log_format, 3 no config.hosts nor serve, 4 no report, ready's bindings nor status.standby_state, 5 no status.carried nor trace, restart outage_ms, log flags

local TYPES = {
	[1] = "hello", [2] = "config", [3] = "ready", [4] = "ping", [5] = "pong",
	[6] = "status", [7] = "log", [8] = "violation", [9] = "shutdown", [10] = "error",
	[11] = "serve", [12] = "report",
}
-- Who may send each type: 1 parent -> child, 2 child -> parent, 3 either.
local SENDER = { [1] = 1, [2] = 1, [3] = 2, [4] = 1, [5] = 2, [6] = 1, [7] = 1, [8] = 2, [9] = 1, [10] = 3, [11] = 1, [12] = 1 }

local DIRECTIONS = { [1] = "parent -> child", [2] = "child -> parent" }
local LEVELS = { [0] = "debug", [1] = "info", [2] = "notice", [3] = "warning", [4] = "error", [5] = "crit" }
local LOG_FORMATS = { [0] = "text", [1] = "json" }
local NAMESPACES = { [0] = "off", [1] = "auto", [2] = "required" }
local STATES = { [1] = "starting", [2] = "running", [3] = "restarting", [4] = "draining" }
local STANDBY_STATES = { [0] = "off", [1] = "booting", [2] = "ready", [3] = "waiting", [4] = "held" }
local END_REASONS = {
	[0] = "none", [1] = "exit", [2] = "signal", [3] = "violation", [4] = "heartbeat",
	[5] = "malformed", [6] = "ready_timeout", [7] = "reload", [8] = "attestation",
}
local DENY_ACTIONS = { [0] = "kill", [1] = "trap", [2] = "notify", [3] = "complain" }
local SHUTDOWN_REASONS = { [1] = "terminate", [2] = "reload" }
local STATUSES = {
	[0] = "ok", [1] = "short", [2] = "magic", [3] = "version", [4] = "type", [5] = "length",
	[6] = "size", [7] = "oversize", [8] = "string", [9] = "range", [10] = "sequence",
	[11] = "direction", [12] = "fds", [13] = "io",
}
local SANDBOX_FLAGS = {
	"seccomp", "no_new_privs", "caps_dropped", "user_ns", "mount_ns", "net_ns",
	"ipc_ns", "uts_ns", "cgroup_ns", "pid_ns", "rlimits",
}

-- ---- fields ---------------------------------------------------------------

local fields = {}
local SIZES = { u8 = 1, u16 = 2, u32 = 4, i32 = 4, u64 = 8 }

local function protofield(kind, abbr, label, display, values)
	local name = "warden." .. abbr
	local f
	if kind == "u8" then
		f = ProtoField.uint8(name, label, display or base.DEC, values)
	elseif kind == "u16" then
		f = ProtoField.uint16(name, label, display or base.DEC, values)
	elseif kind == "u32" then
		f = ProtoField.uint32(name, label, display or base.DEC, values)
	elseif kind == "i32" then
		f = ProtoField.int32(name, label, base.DEC)
	elseif kind == "u64" then
		f = ProtoField.uint64(name, label, display or base.DEC)
	else
		f = ProtoField.string(name, label)
	end
	fields[#fields + 1] = f
	return f
end

-- A field spec: how to show `size` bytes.
local function F(kind, abbr, label, display, values)
	return { kind = kind, size = SIZES[kind], key = abbr:match("[^.]+$"),
		field = protofield(kind, abbr, label, display, values) }
end
-- A NUL-terminated string in a fixed array.
local function S(abbr, label, size)
	return { kind = "string", size = size, field = protofield("string", abbr, label) }
end
-- Bytes shown only by their size (the bearer token is a secret).
local function SECRET(label, size)
	return { kind = "secret", size = size, label = label }
end
-- `count` repetitions of `list` in a subtree each.
local function GROUP(label, list, count, shown)
	local size = 0
	for _, spec in ipairs(list) do
		size = size + spec.size
	end
	return { kind = "group", size = size * (count or 1), item = size, list = list,
		count = count or 1, label = label, shown = shown }
end

local pf = {
	version = protofield("u8", "trace.version", "Trace version"),
	direction = protofield("u8", "trace.direction", "Direction", base.DEC, DIRECTIONS),
	fds = protofield("u16", "trace.fds", "Descriptors"),
	generation = protofield("u32", "trace.generation", "Generation"),
	pid = protofield("u32", "trace.pid", "Child pid"),
	reserved = protofield("u32", "trace.reserved", "Reserved", base.HEX),
	time = protofield("u64", "trace.time_ns", "Time (ns since the epoch)"),
	magic = protofield("u32", "magic", "Magic", base.HEX),
	ipc_version = protofield("u16", "version", "Version"),
	type = protofield("u16", "type", "Type", base.DEC, TYPES),
	length = protofield("u32", "length", "Payload length"),
	sequence = protofield("u32", "sequence", "Sequence"),
	malformed = protofield("string", "malformed", "Malformed"),
	wrong_way = protofield("string", "wrong_direction", "Wrong direction"),
	log_time = protofield("u64", "log.time_ns", "Time (ns)"),
	log_level = protofield("u8", "log.level", "Level", base.DEC, LEVELS),
	log_length = protofield("u16", "log.text_length", "Text length"),
	log_flags = protofield("u8", "log.flags", "Flags", base.HEX),
	log_text = protofield("string", "log.text", "Text"),
}

pf.log_replayed = ProtoField.bool("warden.log.flags.replayed", "replayed", 8, nil, 1)
fields[#fields + 1] = pf.log_replayed

-- The sandbox flags' bits, under each field that holds them.
local function flag_fields(prefix)
	local list = {}
	for i, name in ipairs(SANDBOX_FLAGS) do
		list[i] = ProtoField.bool("warden." .. prefix .. "." .. name, name, 32, nil, 2 ^ (i - 1))
		fields[#fields + 1] = list[i]
	end
	return list
end
local ready_flags = flag_fields("ready.sandbox")
local attested_flags = flag_fields("status.attested")
local serve_flags = flag_fields("serve.attested")

local ERROR_CLASSES = { "nospc", "io", "badf", "again", "other" }

-- struct ipc_counters, under `prefix` (pong.counters, status.carried).
local function counters_of(prefix)
	local list = {
		F("u64", prefix .. ".connections_accepted", "Connections accepted"),
		F("u64", prefix .. ".connections_open", "Connections open"),
		F("u64", prefix .. ".connections_refused", "Connections refused"),
		F("u64", prefix .. ".requests", "Requests"),
	}
	for i = 1, 5 do
		list[#list + 1] = F("u64", prefix .. ".responses_" .. i .. "xx", "Responses " .. i .. "xx")
	end
	for _, spec in ipairs({
		F("u64", prefix .. ".bytes_in", "Bytes in"),
		F("u64", prefix .. ".bytes_out", "Bytes out"),
		F("u64", prefix .. ".log_lines", "Log lines"),
		F("u64", prefix .. ".log_write_errors", "Log write errors"),
		F("u64", prefix .. ".memory_used", "Memory used"),
		F("u64", prefix .. ".memory_reserved", "Memory reserved"),
		F("u64", prefix .. ".timeouts", "Timeouts"),
		F("u64", prefix .. ".allocation_failures", "Allocation failures"),
	}) do
		list[#list + 1] = spec
	end
	for level = 0, 5 do
		list[#list + 1] = F("u64", prefix .. ".log_lines_by_level_" .. LEVELS[level],
			"Log lines " .. LEVELS[level])
	end
	for _, class in ipairs(ERROR_CLASSES) do
		list[#list + 1] = F("u64", prefix .. ".log_write_errors_by_class_" .. class,
			"Log write errors " .. class)
	end
	return list
end
local counters = counters_of("pong.counters")
local carried = counters_of("status.carried")

local ends_by_reason = {}
for reason = 0, 8 do
	ends_by_reason[#ends_by_reason + 1] = F("u32", "status.ends_by_reason_" .. END_REASONS[reason],
		"Ended: " .. END_REASONS[reason])
end

local restart = {
	F("u64", "status.recent.time_ns", "Time (ns)"),
	F("u32", "status.recent.generation", "Generation"),
	F("u32", "status.recent.reason", "Reason", base.DEC, END_REASONS),
	F("i32", "status.recent.code", "Code"),
	F("u32", "status.recent.outage_ms", "Outage (ms)"),
	S("status.recent.detail", "Detail", 64),
}

local args = {}
for i = 0, 5 do
	args[#args + 1] = F("u64", "violation.args_" .. i, "Argument " .. i, base.HEX)
end
local report_args = {}
for i = 0, 5 do
	report_args[#report_args + 1] = F("u64", "report.args_" .. i, "Argument " .. i, base.HEX)
end

-- Payloads of fixed size, in struct order (ipc/ipc.h).
local LAYOUTS = {
	[1] = {
		F("u32", "hello.generation", "Generation"),
		F("u32", "hello.parent_pid", "Parent pid"),
		F("u64", "hello.parent_start_ns", "Parent start (ns)"),
	},
	[2] = {
		F("u32", "config.max_connections", "Max connections"),
		F("u32", "config.header_max_bytes", "Header max bytes"),
		F("u32", "config.uri_max_bytes", "URI max bytes"),
		F("u32", "config.header_timeout_ms", "Header timeout (ms)"),
		F("u32", "config.idle_timeout_ms", "Idle timeout (ms)"),
		F("u32", "config.send_timeout_ms", "Send timeout (ms)"),
		F("u32", "config.heartbeat_interval_ms", "Heartbeat interval (ms)"),
		F("u32", "config.memory_reserve_kib", "Memory reserve (KiB)"),
		F("u32", "config.log_ring_lines", "Log ring lines"),
		F("u32", "config.max_connections_per_peer", "Max connections per peer"),
		F("u8", "config.log_min_level", "Log min level", base.DEC, LEVELS),
		F("u8", "config.log_format", "Log format", base.DEC, LOG_FORMATS),
		F("u8", "config.log_stderr_level", "Log stderr level", base.DEC, LEVELS),
		F("u8", "config.namespaces", "Namespaces", base.DEC, NAMESPACES),
		F("u8", "config.deny_action", "Deny action", base.DEC, DENY_ACTIONS),
		F("u8", "config.token_length", "Token length"),
		F("u8", "config.test_mode", "Test mode"),
		S("config.user", "User", 32),
		S("config.group", "Group", 32),
		SECRET("Token", 128),
		S("config.hosts", "Hosts", 256),
	},
	[3] = {
		F("u32", "ready.pid", "Pid"),
		F("u32", "ready.generation", "Generation"),
		{ kind = "flags", size = 4, field = protofield("u32", "ready.sandbox", "Sandbox", base.HEX), bits = ready_flags },
		F("u32", "ready.uid", "Uid"),
		F("u32", "ready.gid", "Gid"),
		F("u32", "ready.policy_instructions", "Policy instructions"),
		F("u64", "ready.boot_ns", "Boot time (ns)"),
		F("u32", "ready.epoll_fd", "Epoll fd"),
		F("u32", "ready.first_client_fd", "First client fd"),
		F("u32", "ready.fd_limit", "Fd limit"),
		F("u32", "ready.listener_fd", "Seccomp listener fd"),
	},
	[4] = {
		F("u64", "ping.nonce", "Nonce"),
		F("u64", "ping.sent_ns", "Sent (ns, parent's monotonic clock)"),
	},
	[5] = {
		F("u64", "pong.nonce", "Nonce"),
		F("u64", "pong.sent_ns", "Sent (ns, echoed)"),
		GROUP("Counters", counters),
	},
	[6] = {
		F("u32", "status.generation", "Generation"),
		F("u32", "status.child_pid", "Child pid"),
		F("u32", "status.state", "State", base.DEC, STATES),
		F("u32", "status.restarts", "Restarts"),
		F("u32", "status.violations", "Violations"),
		{ kind = "flags", size = 4, field = protofield("u32", "status.attested", "Attested", base.HEX), bits = attested_flags },
		F("u32", "status.standby_state", "Standby state", base.DEC, STANDBY_STATES),
		F("u32", "status.standby_pid", "Standby pid"),
		F("u32", "status.standby_generation", "Standby generation"),
		F("u32", "status.failovers", "Failovers"),
		F("u64", "status.parent_start_ns", "Parent start (ns)"),
		F("u64", "status.child_start_ns", "Child start (ns)"),
		F("u64", "status.ipc_messages_in", "IPC messages in"),
		F("u64", "status.ipc_messages_out", "IPC messages out"),
		F("u64", "status.ipc_bytes_in", "IPC bytes in"),
		F("u64", "status.ipc_bytes_out", "IPC bytes out"),
		F("u32", "status.recent_count", "Recent restarts"),
		GROUP("Restart", restart, 8, "recent_count"),
		GROUP("Carried over", carried),
		GROUP("Ended by reason", ends_by_reason),
		F("u64", "status.trace_records", "Trace records"),
		F("u64", "status.trace_dropped", "Trace records dropped"),
		F("u64", "status.trace_errors", "Trace errors"),
		F("u64", "status.trace_rotations", "Trace rotations"),
		S("status.trace_file", "Trace file", 128),
	},
	[8] = {
		F("u32", "violation.nr", "Syscall number"),
		F("u32", "violation.arch", "Architecture", base.HEX),
		GROUP("Arguments", args),
		F("u64", "violation.ip", "Instruction pointer", base.HEX),
		S("violation.name", "Syscall name", 32),
	},
	[9] = {
		F("u32", "shutdown.grace_ms", "Grace (ms)"),
		F("u32", "shutdown.reason", "Reason", base.DEC, SHUTDOWN_REASONS),
	},
	[10] = {
		F("u32", "error.error_version", "Error version"),
		F("u32", "error.code", "Code", base.DEC, STATUSES),
		F("u32", "error.sequence", "Rejected sequence"),
		S("error.message", "Error message", 128),
	},
	[11] = {
		{ kind = "flags", size = 4, field = protofield("u32", "serve.attested", "Attested", base.HEX), bits = serve_flags },
	},
	[12] = {
		F("u64", "report.time_ns", "Time (ns)"),
		F("u32", "report.shape", "Shape"),
		F("u32", "report.count", "Count"),
		F("u32", "report.generation", "Generation"),
		F("u32", "report.action", "Action", base.DEC, DENY_ACTIONS),
		F("u32", "report.nr", "Syscall number"),
		F("u32", "report.arch", "Architecture", base.HEX),
		GROUP("Arguments", report_args),
		F("u64", "report.ip", "Instruction pointer", base.HEX),
		S("report.syscall", "Syscall name", 32),
		S("report.text", "Explanation", 768),
	},
}

local function layout_size(list)
	local size = 0
	for _, spec in ipairs(list) do
		size = size + spec.size
	end
	return size
end

local LOG_FIXED = 12 -- time_ns u64, level u8, text_length u16, flags u8
local TEXT_MAX = 1024

local malformed_expert = ProtoExpert.new("warden.malformed.expert", "Malformed warden IPC message",
	expert.group.MALFORMED, expert.severity.ERROR)
local direction_expert = ProtoExpert.new("warden.wrong_direction.expert",
	"IPC message sent the wrong way", expert.group.PROTOCOL, expert.severity.ERROR)
proto.experts = { malformed_expert, direction_expert }
proto.fields = fields

-- ---- dissection -----------------------------------------------------------

local function malformed(tree, range, text)
	tree:add(pf.malformed, range, text)
	tree:add_proto_expert_info(malformed_expert, text)
end

local show_specs

local function show_spec(buf, tree, off, spec, values)
	local range = buf(off, spec.size)
	if spec.kind == "string" then
		tree:add_packet_field(spec.field, range, ENC_UTF_8 + ENC_STRING)
	elseif spec.kind == "secret" then
		tree:add(range, string.format("%s: %d bytes (not shown)", spec.label, spec.size))
	elseif spec.kind == "group" then
		local shown = spec.count
		if spec.shown then
			shown = math.min(values[spec.shown] or 0, spec.count)
		end
		for i = 0, shown - 1 do
			local label = spec.count > 1 and string.format("%s %d", spec.label, i + 1) or spec.label
			local sub = tree:add(buf(off + i * spec.item, spec.item), label)
			show_specs(buf, sub, off + i * spec.item, spec.list, {})
		end
	elseif spec.kind == "flags" then
		local item = tree:add_le(spec.field, range)
		for _, flag in ipairs(spec.bits) do
			item:add_le(flag, range)
		end
	else
		tree:add_le(spec.field, range)
		-- Counts that later fields depend on (status.recent_count).
		if spec.kind ~= "u64" then
			values[spec.key] = spec.kind == "i32" and range:le_int() or range:le_uint()
		end
	end
	return off + spec.size
end

show_specs = function(buf, tree, off, list, values)
	for _, spec in ipairs(list) do
		off = show_spec(buf, tree, off, spec, values)
	end
	return off
end

local function dissect_log(buf, tree, off, length)
	if length < LOG_FIXED then
		return malformed(tree, buf(off), string.format("log payload of %d bytes, shorter than %d",
			length, LOG_FIXED))
	end
	local text_length = buf(off + 9, 2):le_uint()
	tree:add_le(pf.log_time, buf(off, 8))
	tree:add_le(pf.log_level, buf(off + 8, 1))
	tree:add_le(pf.log_length, buf(off + 9, 2))
	local flags = tree:add_le(pf.log_flags, buf(off + 11, 1))
	flags:add_le(pf.log_replayed, buf(off + 11, 1))
	if text_length > TEXT_MAX or LOG_FIXED + text_length ~= length then
		return malformed(tree, buf(off + 9, 2), string.format(
			"text_length %d does not fit a %d-byte log payload", text_length, length))
	end
	if text_length > 0 then
		local text = buf(off + LOG_FIXED, text_length)
		tree:add_packet_field(pf.log_text, text, ENC_UTF_8)
	end
end

local function dissect_payload(buf, tree, off, type, length)
	if type == 7 then
		return dissect_log(buf, tree, off, length)
	end
	local list = LAYOUTS[type]
	local want = layout_size(list)
	if length ~= want then
		local range = length > 0 and buf(off, length) or buf(off - HEADER_SIZE, HEADER_SIZE)
		return malformed(tree, range, string.format("%s payload of %d bytes, not %d",
			TYPES[type], length, want))
	end
	show_specs(buf, tree, off, list, {})
end

-- The IPC header; returns the type when the payload can be decoded.
local function dissect_header(buf, tree, off)
	local available = buf:len() - off
	if available < HEADER_SIZE then
		local range = available > 0 and buf(off) or buf(0, PSEUDO_HEADER_SIZE)
		malformed(tree, range, string.format("%d bytes, shorter than the %d-byte IPC header",
			available, HEADER_SIZE))
		return nil
	end
	local header = tree:add(buf(off, HEADER_SIZE), "IPC header")
	header:add_le(pf.magic, buf(off, 4))
	header:add_le(pf.ipc_version, buf(off + 4, 2))
	header:add_le(pf.type, buf(off + 6, 2))
	header:add_le(pf.length, buf(off + 8, 4))
	header:add_le(pf.sequence, buf(off + 12, 4))
	local type = buf(off + 6, 2):le_uint()
	local length = buf(off + 8, 4):le_uint()
	if buf(off, 4):le_uint() ~= MAGIC then
		malformed(tree, buf(off, 4), "bad magic")
	elseif buf(off + 4, 2):le_uint() ~= IPC_VERSION then
		malformed(tree, buf(off + 4, 2), "unsupported protocol version")
	elseif TYPES[type] == nil then
		malformed(tree, buf(off + 6, 2), string.format("unknown type %d", type))
	elseif length ~= available - HEADER_SIZE then
		malformed(tree, buf(off + 8, 4), string.format("header says %d payload bytes, %d follow",
			length, available - HEADER_SIZE))
	else
		return type, length
	end
	return nil
end

local function dissect_pseudo_header(buf, tree)
	local ph = tree:add(buf(0, PSEUDO_HEADER_SIZE), "Pseudo-header")
	ph:add(pf.version, buf(0, 1))
	ph:add(pf.direction, buf(1, 1))
	ph:add_le(pf.fds, buf(2, 2))
	ph:add_le(pf.generation, buf(4, 4))
	ph:add_le(pf.pid, buf(8, 4))
	ph:add_le(pf.reserved, buf(12, 4))
	ph:add_le(pf.time, buf(16, 8))
	return buf(0, 1):uint(), buf(1, 1):uint(), buf(4, 4):le_uint()
end

local function set_columns(pinfo, direction, generation, text)
	pinfo.cols.protocol = "WARDEN"
	pinfo.cols.src = direction == 2 and "child" or "parent"
	pinfo.cols.dst = direction == 2 and "parent" or "child"
	local arrow = direction == 2 and "<-" or "->"
	pinfo.cols.info = string.format("%s %s gen=%d", arrow, text, generation)
end

function proto.dissector(buf, pinfo, tree)
	local root = tree:add(proto, buf(), "warden IPC trace record")
	if buf:len() < PSEUDO_HEADER_SIZE then
		pinfo.cols.protocol = "WARDEN"
		return malformed(root, buf(), "record shorter than the 24-byte pseudo-header")
	end
	local version, direction, generation = dissect_pseudo_header(buf, root)
	if version ~= 1 or DIRECTIONS[direction] == nil then
		pinfo.cols.protocol = "WARDEN"
		return malformed(root, buf(0, 2), "unknown pseudo-header version or direction")
	end
	local type, length = dissect_header(buf, root, PSEUDO_HEADER_SIZE)
	if type == nil then
		return set_columns(pinfo, direction, generation, "malformed")
	end
	local name = TYPES[type]
	local sequence = buf(PSEUDO_HEADER_SIZE + 12, 4):le_uint()
	set_columns(pinfo, direction, generation, string.format("%s seq=%d", name, sequence))
	if SENDER[type] ~= 3 and SENDER[type] ~= direction then
		local who = direction == 2 and "the child" or "the parent"
		local text = string.format("%s sent by %s", name, who)
		root:add(pf.wrong_way, buf(PSEUDO_HEADER_SIZE + 6, 2), text)
		root:add_proto_expert_info(direction_expert, text)
	end
	local payload = root:add(buf(PSEUDO_HEADER_SIZE, HEADER_SIZE + length), name)
	dissect_payload(buf, payload, PSEUDO_HEADER_SIZE + HEADER_SIZE, type, length)
end

DissectorTable.get("wtap_encap"):add((wtap_encaps or wtap).USER0, proto)
