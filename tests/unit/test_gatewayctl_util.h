/*
 * test_gatewayctl_util.h - running the built gatewayctl in a temp
 * directory for the tests of test_gatewayctl*.c: the config, the runner
 * that captures stdout/stderr/exit code, and the demo data.
 */
#ifndef GW_TEST_GATEWAYCTL_UTIL_H
#define GW_TEST_GATEWAYCTL_UTIL_H

#include <jansson.h>
#include <stdint.h>

#ifndef GATEWAYCTL_BIN
#error "GATEWAYCTL_BIN must name the built gatewayctl"
#endif

/* [links] view_ttl of the test config. */
#define VIEW_TTL (7 * 86400)

struct env {
	char dir[256];
	char conf[300];   /* DIR/gatewayd.conf: relative paths, see CONF_TEXT */
	/* ids of the demo data (seed()) */
	long long owner, member, acme, birch, anna, ben, clara, thread;
};

/* What one run printed and how it ended; strings malloc'd. */
struct res {
	int code;         /* exit code, 128 + signal if killed */
	char *out;
	char *err;
};

/* Run gatewayctl with args (NULL-terminated, after the program name) from
 * "/", so that relative paths must resolve against the config. */
struct res run_argv(const struct env *e, const char *const *args);
void res_free(struct res *r);

/* gatewayctl -c CONF ARGS...; the result must be freed. */
#define CTL(e, ...) run_argv((e), (const char *const[]){ "-c", (e)->conf, __VA_ARGS__, NULL })
/* Expect exit 0; stdout (malloc'd). */
#define OK(e, ...) ok_out(CTL(e, __VA_ARGS__), #__VA_ARGS__)
/* Expect exit 0 and one id on stdout. */
#define ID(e, ...) id_out(CTL(e, __VA_ARGS__), #__VA_ARGS__)
/* With --json: expect exit 0 and JSON (new reference). */
#define JSON(e, ...) json_out(CTL(e, "--json", __VA_ARGS__), #__VA_ARGS__)

char *ok_out(struct res r, const char *what);
long long id_out(struct res r, const char *what);
json_t *json_out(struct res r, const char *what);

char *slurp(const char *path);             /* "" if unreadable */
void write_file(const char *path, const char *text);
char *path_in(const struct env *e, const char *name);
char *fmt_id(long long id);
/* Fail unless want is in out. */
void expect_in(const char *what, const char *out, const char *want);

/* The demo's data (scripts/demo.sh), every id checked. */
void seed(struct env *e);

/* cmocka fixtures: an empty env with the config; the seeded demo data
 * (seeded once per group, copied per test). */
int setup_env(void **state);
int setup_seeded(void **state);
int teardown_env(void **state);
int group_setup(void **state);
int group_teardown(void **state);

#endif
