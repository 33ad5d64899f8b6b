/*
 * json_check.c - see json_check.h.
 */
#include "json_check.h"
#include "common/utf8.h"

#include <string.h>

/* ---- Parsing ---------------------------------------------------------------- */

struct parser {
	const char *p, *end;
	int depth;
};

static bool value(struct parser *ps);

static void skip_ws(struct parser *ps)
{
	while (ps->p < ps->end && strchr(" \t\r\n", *ps->p) != NULL && *ps->p != '\0')
		ps->p++;
}

static bool literal(struct parser *ps, const char *word)
{
	size_t n = strlen(word);
	if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0)
		return false;
	ps->p += n;
	return true;
}

static bool string(struct parser *ps)
{
	if (ps->p >= ps->end || *ps->p++ != '"')
		return false;
	while (ps->p < ps->end) {
		unsigned char c = (unsigned char)*ps->p;
		if (c == '"') {
			ps->p++;
			return true;
		}
		if (c < 0x20)
			return false;
		if (c >= 0x80) {
			size_t n = utf8_sequence((const unsigned char *)ps->p,
			                         (size_t)(ps->end - ps->p));
			if (n == 0)
				return false;
			ps->p += n;
			continue;
		}
		ps->p++;
		if (c != '\\')
			continue;
		if (ps->p >= ps->end)
			return false;
		c = (unsigned char)*ps->p++;
		if (c == 'u') {
			for (int i = 0; i < 4; i++)
				if (ps->p >= ps->end ||
				    strchr("0123456789abcdefABCDEF", *ps->p++) == NULL)
					return false;
		} else if (strchr("\"\\/bfnrt", c) == NULL || c == '\0') {
			return false;
		}
	}
	return false;
}

static bool number(struct parser *ps)
{
	const char *start = ps->p;
	if (ps->p < ps->end && *ps->p == '-')
		ps->p++;
	while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
		ps->p++;
	return ps->p > start && ps->p[-1] != '-';
}

static bool members(struct parser *ps, char close, bool keyed)
{
	ps->p++;
	skip_ws(ps);
	if (ps->p < ps->end && *ps->p == close) {
		ps->p++;
		return true;
	}
	for (;;) {
		skip_ws(ps);
		if (keyed) {
			if (!string(ps))
				return false;
			skip_ws(ps);
			if (ps->p >= ps->end || *ps->p++ != ':')
				return false;
		}
		if (!value(ps))
			return false;
		skip_ws(ps);
		if (ps->p >= ps->end)
			return false;
		char c = *ps->p++;
		if (c == close)
			return true;
		if (c != ',')
			return false;
	}
}

static bool value(struct parser *ps)
{
	skip_ws(ps);
	if (ps->p >= ps->end || ++ps->depth > 64)
		return false;
	bool ok;
	switch (*ps->p) {
	case '{':
		ok = members(ps, '}', true);
		break;
	case '[':
		ok = members(ps, ']', false);
		break;
	case '"':
		ok = string(ps);
		break;
	case 't':
		ok = literal(ps, "true");
		break;
	case 'f':
		ok = literal(ps, "false");
		break;
	case 'n':
		ok = literal(ps, "null");
		break;
	default:
		ok = number(ps);
	}
	ps->depth--;
	return ok;
}

bool json_valid(const char *text, size_t n)
{
	struct parser ps = {text, text + n, 0};
	if (!value(&ps))
		return false;
	skip_ws(&ps);
	return ps.p == ps.end;
}

/* ---- Members ---------------------------------------------------------------- */

/* Whether the string token at ps->p is `"key"`, spelt without escapes. */
static bool key_is(const struct parser *ps, const char *key)
{
	size_t n = strlen(key);
	return (size_t)(ps->end - ps->p) > n + 1 && ps->p[0] == '"' &&
	       memcmp(ps->p + 1, key, n) == 0 && ps->p[n + 1] == '"';
}

bool json_member(const char *text, size_t n, const char *key, const char **value_out,
                 size_t *length_out)
{
	struct parser ps = {text, text + n, 0};
	skip_ws(&ps);
	if (ps.p >= ps.end || *ps.p++ != '{')
		return false;
	for (;;) {
		skip_ws(&ps);
		bool match = key_is(&ps, key);
		if (!string(&ps))
			return false;
		skip_ws(&ps);
		if (ps.p >= ps.end || *ps.p++ != ':')
			return false;
		skip_ws(&ps);
		const char *start = ps.p;
		if (!value(&ps))
			return false;
		if (match) {
			*value_out = start;
			*length_out = (size_t)(ps.p - start);
			return true;
		}
		skip_ws(&ps);
		if (ps.p >= ps.end || *ps.p++ != ',')
			return false;
	}
}
