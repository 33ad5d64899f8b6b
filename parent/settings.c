/*
 * settings.c - see settings.h.
 */
#include "settings.h"
#include "child_program.h"
#include "listener.h"

#include <string.h>

static int find_program(struct settings *s, FILE *errors)
{
	char err[PATH_MAX + 200];
	if (child_program_find(&s->config, s->child_program, sizeof(s->child_program), err,
	                       sizeof(err)) == 0)
		return 0;
	fprintf(errors, "%s\n", err);
	return 1;
}

static int read_token(struct settings *s, FILE *errors)
{
	struct config_error err;
	size_t length = 0;
	if (config_read_token(&s->config, s->child_config.token, &length, &err) < 0) {
		fprintf(errors, "%s\n", err.message);
		return 1;
	}
	s->child_config.token_length = (uint8_t)length;
	return 0;
}

/* The rules config_validate applies to the address as written, applied to
 * the socket itself: systemd's socket is whatever systemd bound. Beyond
 * loopback, serving needs a token or the allowance, and complain mode
 * (which lets the child's denied calls run) an allowance of its own. */
static int check_exposure(const struct settings *s, const struct listener *l, FILE *errors)
{
	const struct warden_config *cfg = &s->config;
	const char *via = l->from_systemd ? " (passed by systemd)" : "";
	int count = 0;
	if (l->loopback)
		return 0;
	if (cfg->token_file[0] == '\0' && !cfg->allow_remote_without_token) {
		fprintf(errors,
		        "the GUI's socket%s is bound to %s, not a loopback address: set [server] "
		        "token_file, or allow_remote_without_token = true to serve anyone who can "
		        "connect\n",
		        via, l->address);
		count++;
	}
	if (cfg->sandbox_mode == CONFIG_MODE_COMPLAIN && !cfg->complain_on_remote) {
		fprintf(errors,
		        "complain mode lets the child make calls its policy denies, and the GUI's "
		        "socket%s is bound to %s, not a loopback address: listen on loopback, or "
		        "set [sandbox] complain_on_remote = true\n",
		        via, l->address);
		count++;
	}
	return count;
}

int settings_prepare(struct settings *s, const struct listener *listener, FILE *errors)
{
	int count = 0;
	memset(s->child_program, 0, sizeof(s->child_program));
	config_to_ipc(&s->config, &s->child_config);
	s->child_config.test_mode = child_program_test_mode() ? 1 : 0;
	count += find_program(s, errors);
	count += read_token(s, errors);
	if (listener != NULL) {
		count += check_exposure(s, listener, errors);
		if (listener->host[0] != '\0')
			config_hosts_add(&s->child_config, listener->host);
	}
	return count;
}
