/*
 * ctl_args.c - gatewayctl's command-line parsing and error reporting:
 * options of one command, ids, numbers, "contact:ID" principals, and the
 * mapping of store results onto sysexits codes.
 *
 * Options are long ("--from 3" or "--from=3"); a value is taken as given
 * even when it starts with "-" (a body may).  "--" ends the options.
 */
#include "ctl.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

static void vreport(struct ctl *c, const char *fmt, va_list ap)
{
	struct buf b = BUF_INIT;

	buf_puts(&b, "gatewayctl: ");
	if (c->cmd != NULL)
		buf_printf(&b, "%s: ", c->cmd);
	buf_vprintf(&b, fmt, ap);
	buf_putc(&b, '\n');
	fputs(buf_cstr(&b), stderr);
	buf_release(&b);
}

int ctl_usage(struct ctl *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(c, fmt, ap);
	va_end(ap);
	return EX_USAGE;
}

int ctl_error(struct ctl *c, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(c, fmt, ap);
	va_end(ap);
	return code;
}

int ctl_exit_code(enum gw_result r)
{
	switch (r) {
	case GW_OK:
		return EX_OK;
	case GW_TEMPFAIL:
		return EX_TEMPFAIL;
	case GW_PERMFAIL:
	case GW_NOTFOUND:
		return EX_DATAERR;
	case GW_INVALID:
		return EX_USAGE;
	}
	return EX_DATAERR;
}

int ctl_store_fail(struct ctl *c, enum gw_result r, char *error)
{
	int code = ctl_exit_code(r);

	ctl_error(c, code, "%s", error != NULL ? error : gw_result_name(r));
	free(error);
	return code;
}

static int find_opt(const struct ctl_opt *opts, const char *name, size_t len)
{
	for (int i = 0; opts != NULL && opts[i].name != NULL; i++)
		if (strlen(opts[i].name) == len && strncmp(opts[i].name, name, len) == 0)
			return i;
	return -1;
}

static void add_value(struct ctl_args *a, int i, char *value)
{
	a->vals[i] = xrealloc(a->vals[i], sizeof(char *) * (size_t)(a->count[i] + 1));
	a->vals[i][a->count[i]] = value;
}

int ctl_args_parse(struct ctl *c, const struct ctl_cmd *cmd, int argc,
		   char **argv, struct ctl_args *a, int *help_r)
{
	int only_pos = 0;

	memset(a, 0, sizeof(*a));
	*help_r = 0;
	a->opts = cmd->opts;
	a->pos = xcalloc((size_t)argc + 1, sizeof(char *));
	for (int k = 0; k < argc; k++) {
		char *arg = argv[k];

		if (only_pos || arg[0] != '-' || arg[1] == '\0') {
			a->pos[a->npos++] = arg;
			continue;
		}
		if (strcmp(arg, "--") == 0) {
			only_pos = 1;
			continue;
		}
		if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
			*help_r = 1;
			return 0;
		}
		if (strcmp(arg, "--json") == 0) {
			c->json = 1;
			continue;
		}
		const char *eq = strchr(arg, '=');
		size_t len = eq != NULL ? (size_t)(eq - arg) : strlen(arg);
		int i = strncmp(arg, "--", 2) == 0 ? find_opt(cmd->opts, arg, len) : -1;

		if (i < 0)
			return ctl_usage(c, "unknown option '%.*s' (see --help)", (int)len, arg);
		const struct ctl_opt *o = &cmd->opts[i];
		if (a->count[i] > 0 && !o->repeat && !o->has_arg)
			return ctl_usage(c, "%s given twice", o->name);
		if (!o->has_arg) {
			if (eq != NULL)
				return ctl_usage(c, "%s takes no value", o->name);
			a->count[i]++;
			continue;
		}
		char *value;
		if (eq != NULL) {
			value = (char *)eq + 1;
		} else {
			if (k + 1 >= argc)
				return ctl_usage(c, "%s needs a value", o->name);
			value = argv[++k];
		}
		if (a->count[i] > 0 && !o->repeat)
			return ctl_usage(c, "%s given twice", o->name);
		add_value(a, i, value);
		a->count[i]++;
	}
	if (a->npos < cmd->min_pos) {
		/* Name the missing argument: the synopsis word at its place. */
		const char *s = cmd->synopsis, *w = s;
		for (int n = 0; n < a->npos && w != NULL; n++) {
			w = strchr(w, ' ');
			if (w != NULL)
				w++;
		}
		int len = w != NULL ? (int)strcspn(w, " ") : 0;
		return ctl_usage(c, "%.*s is required (usage: %s %s)", len,
				 w != NULL ? w : "", c->cmd, s);
	}
	if (cmd->max_pos >= 0 && a->npos > cmd->max_pos)
		return ctl_usage(c, "unexpected argument '%s'", a->pos[cmd->max_pos]);
	return 0;
}

void ctl_args_release(struct ctl_args *a)
{
	for (int i = 0; i < CTL_MAX_OPTS; i++)
		free(a->vals[i]);
	free(a->pos);
	memset(a, 0, sizeof(*a));
}

static int opt_index(const struct ctl_args *a, const char *name)
{
	int i = find_opt(a->opts, name, strlen(name));

	if (i < 0) {
		/* A command asking for an option it did not declare is a bug
		 * in gatewayctl, not a user error. */
		fprintf(stderr, "gatewayctl: internal error: option %s not declared\n", name);
		abort();
	}
	return i;
}

const char *ctl_opt(const struct ctl_args *a, const char *name)
{
	int i = opt_index(a, name);

	if (a->count[i] == 0 || a->vals[i] == NULL)
		return NULL;
	return a->vals[i][a->count[i] - 1];
}

int ctl_flag(const struct ctl_args *a, const char *name)
{
	return a->count[opt_index(a, name)];
}

char *const *ctl_opt_all(const struct ctl_args *a, const char *name, size_t *n_r)
{
	int i = opt_index(a, name);

	*n_r = a->vals[i] != NULL ? (size_t)a->count[i] : 0;
	return a->vals[i];
}

const char *ctl_need(struct ctl *c, const struct ctl_args *a, const char *opt,
		     int *rc_r)
{
	const char *v = ctl_opt(a, opt);

	if (v == NULL)
		*rc_r = ctl_usage(c, "%s is required", opt);
	return v;
}

/* Decimal digits only, no sign or spaces, no overflow. */
static int parse_i64(const char *s, int64_t *v_r)
{
	char *end;
	long long v;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return -1;
	*v_r = v;
	return 0;
}

int ctl_parse_id(struct ctl *c, const char *opt, const char *what, const char *s,
		 int64_t *id_r)
{
	int64_t v;

	if (parse_i64(s, &v) < 0 || v <= 0) {
		if (opt != NULL)
			return ctl_usage(c, "%s: '%s' is not %s", opt, s, what);
		return ctl_usage(c, "'%s' is not %s", s, what);
	}
	*id_r = v;
	return 0;
}

int ctl_parse_int(struct ctl *c, const char *opt, const char *s, int64_t min,
		  int64_t max, int64_t *v_r)
{
	int64_t v;

	if (parse_i64(s, &v) < 0)
		return ctl_usage(c, "%s: '%s' is not a number", opt, s);
	if (v < min || v > max)
		return ctl_usage(c, "%s: %lld is out of range (%lld..%lld)", opt,
				 (long long)v, (long long)min, (long long)max);
	*v_r = v;
	return 0;
}

int ctl_parse_principal(struct ctl *c, const char *opt, const char *s,
			int allow_contact, int allow_staff,
			enum store_kind *kind_r, int64_t *id_r)
{
	const char *colon = strchr(s, ':');
	int64_t id;
	const char *want = allow_contact && allow_staff ? "contact:ID or staff:ID"
			   : allow_contact ? "contact:ID" : "staff:ID";

	if (colon != NULL && parse_i64(colon + 1, &id) == 0 && id > 0) {
		size_t len = (size_t)(colon - s);

		if (allow_contact && len == 7 && strncmp(s, "contact", 7) == 0) {
			*kind_r = STORE_CONTACT;
			*id_r = id;
			return 0;
		}
		if (allow_staff && len == 5 && strncmp(s, "staff", 5) == 0) {
			*kind_r = STORE_STAFF;
			*id_r = id;
			return 0;
		}
	}
	return ctl_usage(c, "%s: '%s' is not %s", opt, s, want);
}
