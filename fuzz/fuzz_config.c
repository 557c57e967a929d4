/*
 * fuzz_config.c - libFuzzer target for the config parser (common/config.c
 * and the value validators of common/config_check.c).
 *
 * Each input is parsed as a whole gatewayd.conf with cfg_load_string()
 * (under a path, so that relative paths are resolved); a parsed config is
 * dumped and freed, a refused one must come with an error naming the
 * file.  Input holding a NUL byte goes through cfg_load() from a temp file
 * instead (in $GW_FUZZ_TMPDIR, else /tmp), the only way such a byte
 * reaches the parser.  Then every line of
 * the input, and its value after a '=', is handed to each value parser
 * and validator on its own; what
 * a duration or size parser accepts must survive its own rendering
 * unchanged (cfg_put_duration / cfg_put_size, then parse again).
 *
 * With GW_FUZZ_ECHO set, the effective values or the error are printed to
 * stderr (to check a seed).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "config.h"
#include "config_check.h"

#define NAME "/etc/gatewayd/gatewayd.conf"

static char tmp_path[4096];
static FILE *devnull;
static int echo;

static void cleanup(void)
{
	if (tmp_path[0] != '\0')
		(void)unlink(tmp_path);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	int fd;
	const char *tmp = getenv("GW_FUZZ_TMPDIR");

	(void)argc;
	(void)argv;
	snprintf(tmp_path, sizeof(tmp_path), "%s/gw-fuzz-config.XXXXXX",
		 tmp != NULL ? tmp : "/tmp");
	fd = mkstemp(tmp_path);
	if (fd < 0) {
		perror("mkstemp");
		abort();
	}
	close(fd);
	atexit(cleanup);
	echo = getenv("GW_FUZZ_ECHO") != NULL;
	devnull = fopen("/dev/null", "w");
	if (devnull == NULL)
		abort();
	return 0;
}

static void check_result(int rc, struct gw_config *cfg, char *err, const char *name)
{
	if (rc == 0) {
		if (cfg == NULL || err != NULL)
			abort();
		cfg_dump(cfg, echo ? stderr : devnull);
		cfg_free(&cfg);
		if (cfg != NULL)
			abort();
		return;
	}
	/* Every refusal names the file it was reading. */
	if (rc != -1 || cfg != NULL || err == NULL || strncmp(err, name, strlen(name)) != 0) {
		fprintf(stderr, "cfg: rc %d, error \"%s\"\n", rc, err != NULL ? err : "(null)");
		abort();
	}
	if (echo)
		fprintf(stderr, "%s\n", err);
	free(err);
}

static void load_file(const uint8_t *data, size_t size)
{
	FILE *f = fopen(tmp_path, "w");
	struct gw_config *cfg = NULL;
	char *err = NULL;
	int rc;

	if (f == NULL)
		abort();
	if (size > 0 && fwrite(data, 1, size, f) != size)
		abort();
	if (fclose(f) != 0)
		abort();
	rc = cfg_load(tmp_path, &cfg, &err);
	check_result(rc, cfg, err, tmp_path);
}

typedef int check_fn(const char *dir, char **value, char **why_r);

static void validate(const char *line)
{
	static check_fn *const checks[] = {
		cfg_resolve_path, cfg_check_listen, cfg_check_transport,
		cfg_check_address, cfg_check_domain, cfg_check_display_name,
		cfg_check_token, cfg_check_base_url,
	};
	int64_t v, again;
	int b;

	for (size_t i = 0; i < sizeof(checks) / sizeof(checks[0]); i++) {
		for (int with_dir = 0; with_dir < 2; with_dir++) {
			char *value = xstrdup(line), *why = NULL;

			if (checks[i](with_dir ? "/etc/gatewayd" : NULL, &value, &why) == 0) {
				if (value == NULL || why != NULL)
					abort();
			} else if (why == NULL) {
				abort();
			}
			free(value);
			free(why);
		}
	}
	if (cfg_parse_duration(line, &v) == 0) {
		struct buf b2 = BUF_INIT;

		cfg_put_duration(&b2, v);
		if (cfg_parse_duration(buf_cstr(&b2), &again) != 0 || again != v) {
			fprintf(stderr, "duration \"%s\" = %lld renders as \"%s\"\n", line,
				(long long)v, buf_cstr(&b2));
			abort();
		}
		buf_release(&b2);
	}
	if (cfg_parse_size(line, &v) == 0) {
		struct buf b2 = BUF_INIT;

		cfg_put_size(&b2, v);
		if (cfg_parse_size(buf_cstr(&b2), &again) != 0 || again != v) {
			fprintf(stderr, "size \"%s\" = %lld renders as \"%s\"\n", line,
				(long long)v, buf_cstr(&b2));
			abort();
		}
		buf_release(&b2);
	}
	(void)cfg_parse_bool(line, &b);
	(void)cfg_parse_int(line, &v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = xstrndup((const char *)data, size);
	struct gw_config *cfg = NULL;
	char *err = NULL, *line, *save = NULL;
	int rc;

	if (memchr(data, '\0', size) != NULL) {
		load_file(data, size);
	} else {
		rc = cfg_load_string(NAME, text, &cfg, &err);
		check_result(rc, cfg, err, NAME);
	}
	/* Value parsers see each line alone (xstrndup stopped at a NUL). */
	for (line = strtok_r(text, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		char *eq = strchr(line, '=');

		validate(line);
		if (eq != NULL) {
			for (eq++; *eq == ' ' || *eq == '\t'; eq++)
				;
			validate(eq);
		}
	}
	free(text);
	return 0;
}
