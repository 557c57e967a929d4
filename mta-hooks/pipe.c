/*
 * pipe.c - gatewayd-pipe, the command Postfix pipe(8) runs for each
 * message to the reply domain:
 *
 *   gatewayd-pipe [-c CONF] [-v] SENDER RECIPIENT < message
 *
 * It reads the message (keeping at most [inbound] max_size bytes of it but
 * counting all), hands it to decide_message() and exits:
 *
 *   0   handled: explained, recorded, or dropped on purpose
 *   75  temporary trouble; the one line of output starts with "4.3.0" and
 *       says why, Postfix logs it and retries later
 *
 * Never anything else.  pipe(8) bounces a message to its sender for any
 * other status (1, 70, 74...), and a bounce to whoever wrote to a reply
 * address is exactly the backscatter this program exists to avoid.  So
 * every way out is one of the two: usage and config errors defer (the
 * postmaster fixes them and Postfix delivers), a crash signal or an abort
 * (allocation failure in the x* helpers) is caught and turned into 75, and
 * an alarm ends the run well before Postfix's own time limit, which would
 * bounce.  A process killed by a signal we cannot catch is deferred by
 * pipe(8) as well ("Command died with signal N", 4.3.0).
 *
 * Output: Postfix shows the command's output only when it fails, so the
 * per-message line goes to syslog (facility mail), or to stderr with -v.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "config.h"
#include "decide.h"
#include "i18n.h"
#include "inbound.h"
#include "links.h"
#include "log.h"
#include "pipe_exit.h"
#include "store.h"

/* What a crash says; the alarm and the rest are pipe_exit.c's. */
static const char local_abort[] = "4.3.0 gatewayd-pipe: aborted (out of memory or internal "
				  "error), will retry\n";
static const char local_crash[] = "4.3.0 gatewayd-pipe: internal error (crash), will retry\n";

/* "4.3.0 WHY" for Postfix, logged; 75 (pipe_vdefer). */
static void __attribute__((noreturn)) defer(const char *fmt, ...) GW_PRINTF(1, 2);
static void defer(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pipe_vdefer("4.3.0 ", fmt, ap);
}

static void usage_defer(void)
{
	defer("usage: gatewayd-pipe [-c CONF] [-v] SENDER RECIPIENT (check the argv= of the "
	      "pipe service in master.cf)");
}

static void help(void)
{
	printf("usage: gatewayd-pipe [-c CONF] [-v] SENDER RECIPIENT < message\n"
	       "  -c CONF   config file (default %s)\n"
	       "  -v        log to stderr instead of syslog\n"
	       "Exit 0: handled (explained, recorded or dropped); 75: try again later.\n",
	       CFG_DEFAULT_PATH);
	exit(EX_OK);
}

static void limits_from_config(const struct gw_config *cfg, struct inbound_limits *lim)
{
	inbound_limits_init(lim);
	lim->max_size = (size_t)cfg->inbound.max_size;
	lim->max_header_bytes = (size_t)cfg->inbound.max_header_bytes;
	lim->max_mime_depth = (int)cfg->inbound.max_mime_depth;
	lim->max_parts = (int)cfg->inbound.max_parts;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "stderr", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *conf = CFG_DEFAULT_PATH;
	int to_stderr = 0, c;
	struct gw_config *cfg = NULL;
	struct link_keys *keys = NULL;
	struct store *store = NULL;
	struct decide_settings set;
	struct decide_outcome out;
	struct stat st;
	char *err = NULL, *data = NULL, *line;
	size_t len = 0, total = 0;
	enum log_level level = LOG_LVL_INFO;

	pipe_catch_signals(local_abort, local_crash);
	alarm(PIPE_ALARM_SECONDS);
	/* Until the config says otherwise, problems go to syslog and stdout. */
	log_init("gatewayd-pipe", LOG_LVL_INFO, 1);

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+c:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			conf = optarg;
			break;
		case 'v':
			to_stderr = 1;
			log_init("gatewayd-pipe", LOG_LVL_INFO, 0);
			break;
		case 'h':
			help();
			break;
		default:
			usage_defer();
		}
	}
	if (argc - optind != 2)
		usage_defer();

	if (cfg_load(conf, &cfg, &err) != 0)
		defer("config: %s", err);
	if (log_level_parse(cfg->log.level, &level) < 0)
		level = LOG_LVL_INFO;
	log_init("gatewayd-pipe", level, !to_stderr);
	/* the notes it writes are kept in English and shown in the reader's
	   language; the catalogs are for anything read here */
	if (i18n_init(&err) < 0) {
		log_warn("pipe: %s", err);
		free(err);
		err = NULL;
	}
	i18n_defaults(cfg->firm.language, cfg->firm.timezone);

	if (link_keys_load(cfg->links.key_file, &keys, &err) != 0)
		defer("keys: %s", err);

	/* store_open() would create a missing file: an empty database would
	   make every reply look forged and drop it.  Refuse instead. */
	if (stat(cfg->store.path, &st) != 0)
		defer("database %s: %s (run gatewayctl init)", cfg->store.path,
		      strerror(errno));

	memset(&set, 0, sizeof(set));
	limits_from_config(cfg, &set.limits);
	if (inbound_read_fd(STDIN_FILENO, &set.limits, &data, &len, &total, &err) != 0)
		defer("%s", err);

	if (store_open(&cfg->store, &store, &err) != 0)
		defer("database: %s", err);
	store_set_mail_domain(store, cfg->mail.reply_domain);

	set.store = store;
	set.keys = keys;
	set.reply_domain = cfg->mail.reply_domain;
	set.from_address = cfg->mail.from;
	set.max_explanations_per_day = cfg->mail.max_explanations_per_day;

	memset(&out, 0, sizeof(out));
	if (decide_message(&set, pipe_envelope_sender(argv[optind]), argv[optind + 1], data, len,
			   total, &out, &err) != GW_OK) {
		store_close(&store);
		defer("%s", err);
	}
	line = decide_outcome_line(&out);
	log_info("pipe: %s", line);

	free(line);
	decide_outcome_clear(&out);
	store_close(&store);
	link_keys_free(&keys);
	cfg_free(&cfg);
	free(data);
	return EX_OK;
}
