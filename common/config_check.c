/*
 * config_check.c - syntax of config values: numbers, durations, sizes and
 * booleans, paths, listener addresses, the mail transport, mail addresses,
 * domains and the web base URL.  Kept apart from the table and loader in
 * config.c.
 */
#include "config_check.h"
#include "hours.h"

#include <errno.h>
#include <grp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "buf.h"
#include "config.h"
#include "i18n.h"

#define KiB (INT64_C(1024))
#define MiB (INT64_C(1024) * 1024)
#define GiB (INT64_C(1024) * 1024 * 1024)

static int has_ctl_or_space(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= ' ' || *s == 0x7f)
			return 1;
	return 0;
}

static int has_ctl(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < ' ' || *s == 0x7f)
			return 1;
	return 0;
}

/* Join a relative PATH onto DIR; "./" prefixes are dropped. */
static char *join(const char *dir, const char *path)
{
	while (path[0] == '.' && path[1] == '/')
		for (path += 2; *path == '/'; path++)
			;
	if (strcmp(path, ".") == 0)
		path = "";
	if (*path == '\0')
		return xstrdup(dir);
	if (dir[strlen(dir) - 1] == '/')
		return xasprintf("%s%s", dir, path);
	return xasprintf("%s/%s", dir, path);
}

int cfg_resolve_path(const char *dir, char **value, char **why_r)
{
	char *s = *value;

	if (*s == '\0') {
		*why_r = xstrdup("empty path");
		return -1;
	}
	if (has_ctl(s)) {
		*why_r = xasprintf("\"%s\" contains control characters", s);
		return -1;
	}
	if (s[0] != '/' && dir != NULL) {
		*value = join(dir, s);
		free(s);
	}
	return 0;
}

/* 0..65535 */
static int parse_port(const char *s)
{
	long v = 0;

	if (*s == '\0' || strlen(s) > 5)
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v <= 65535 ? (int)v : -1;
}

static int host_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';
}

/*
 * "HOST:PORT" or "[V6]:PORT" where port_required; without it ":PORT" may
 * be left out.  Returns the port, default_port when left out, -1 if bad.
 */
static int check_hostport(const char *s, int default_port)
{
	const char *colon, *p;

	if (*s == '[') {
		const char *close = strchr(s, ']');

		if (close == NULL || close == s + 1)
			return -1;
		for (p = s + 1; p < close; p++)
			if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f') ||
			      (*p >= 'A' && *p <= 'F') || *p == ':' || *p == '.'))
				return -1;
		if (close[1] == '\0')
			return default_port;
		if (close[1] != ':')
			return -1;
		return parse_port(close + 2);
	}
	colon = strchr(s, ':');
	if (colon == s)
		return -1;
	for (p = s; *p != '\0' && p != colon; p++)
		if (!host_char(*p))
			return -1;
	if (colon == NULL)
		return default_port;
	return parse_port(colon + 1);
}

int cfg_check_listen(const char *dir, char **value, char **why_r)
{
	char *s = *value;

	if (strncmp(s, "unix:", 5) == 0) {
		char *path = xstrdup(s + 5);

		if (*path == '\0' || cfg_resolve_path(dir, &path, why_r) < 0) {
			free(path);
			free(*why_r);
			*why_r = xasprintf("\"%s\" is not unix:/PATH", s);
			return -1;
		}
		if (strlen(path) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
			*why_r = xasprintf("\"%s\" is too long for a unix socket path "
					   "(at most %zu bytes)", path,
					   sizeof(((struct sockaddr_un *)0)->sun_path) - 1);
			free(path);
			return -1;
		}
		*value = xasprintf("unix:%s", path);
		free(path);
		free(s);
		return 0;
	}
	if (check_hostport(s, -1) < 0) {
		*why_r = xasprintf("\"%s\" is not HOST:PORT, [IPV6]:PORT or unix:/PATH", s);
		return -1;
	}
	return 0;
}

int cfg_check_transport(const char *dir, char **value, char **why_r)
{
	char *s = *value;

	if (strncmp(s, "smtp://", 7) == 0) {
		const char *hp = s + 7;

		if (*hp != '\0' && check_hostport(hp, 25) > 0)
			return 0;
	} else if (strncmp(s, "sendmail:", 9) == 0) {
		if (s[9] == '/' && !has_ctl_or_space(s + 9))
			return 0;
		*why_r = xasprintf("\"%s\": sendmail needs an absolute path "
				   "(sendmail:/usr/sbin/sendmail)", s);
		return -1;
	} else if (strncmp(s, "maildir:", 8) == 0) {
		char *path = xstrdup(s + 8);

		if (*path != '\0' && cfg_resolve_path(dir, &path, why_r) == 0) {
			*value = xasprintf("maildir:%s", path);
			free(path);
			free(s);
			return 0;
		}
		free(path);
		free(*why_r);
		*why_r = NULL;
	}
	*why_r = xasprintf("\"%s\" is not smtp://HOST[:PORT], sendmail:/PATH or "
			   "maildir:PATH", s);
	return -1;
}

static int valid_domain(const char *s)
{
	size_t label = 0, total = 0;

	if (*s == '\0' || *s == '.')
		return 0;
	for (const char *p = s; *p != '\0'; p++, total++) {
		if (*p == '.') {
			if (label == 0 || p[-1] == '-')
				return 0;
			label = 0;
			continue;
		}
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '-'))
			return 0;
		if (*p == '-' && label == 0)
			return 0;
		if (++label > 63)
			return 0;
	}
	return label > 0 && s[total - 1] != '-' && total <= 253;
}

int cfg_check_domain(const char *dir, char **value, char **why_r)
{
	if (!valid_domain(*value)) {
		*why_r = xasprintf("\"%s\" is not a plain domain name", *value);
		return -1;
	}
	return 0;
}

int cfg_check_address(const char *dir, char **value, char **why_r)
{
	const char *s = *value, *at = strchr(s, '@');

	if (at == NULL || strchr(at + 1, '@') != NULL) {
		*why_r = xasprintf("\"%s\" must contain exactly one @", s);
		return -1;
	}
	if (at == s || has_ctl_or_space(s) || strpbrk(s, "<>\"(),;:[]\\") != NULL ||
	    !valid_domain(at + 1)) {
		*why_r = xasprintf("\"%s\" is not a plain address (local@domain)", s);
		return -1;
	}
	return 0;
}

/*
 * The mailbox forms mail tools accept (RFC 5322 name-addr, without
 * comments or groups): a bare address, "<addr>", "Name <addr>" and
 * "\"Name\" <addr>" (backslash escapes inside the quotes).  An unquoted
 * name may hold any text but quotes and angle brackets, so the usual
 * "Example & Partners <chat@firm.example>" is taken as written.
 *
 * Not gmime's internet_address_list_parse(): common/ may use OpenSSL only
 * (every program reads the config, and gatewayctl and the daemon's
 * outbound side link no gmime), and the one form a sender address takes
 * needs a few lines, not a MIME library.
 */
int cfg_parse_mailbox(const char *s, char **name_r, char **addr_r, char **why_r)
{
	const char *lt = NULL, *p, *name_end;
	struct buf name = BUF_INIT;
	char *addr, *why = NULL;
	int quoted = 0;

	*name_r = NULL;
	*addr_r = NULL;
	for (p = s; *p != '\0' && lt == NULL; p++) {
		if (quoted && *p == '\\' && p[1] != '\0')
			p++;
		else if (*p == '"')
			quoted = !quoted;
		else if (!quoted && *p == '<')
			lt = p;
	}
	if (lt == NULL) {
		if (quoted) {
			*why_r = xasprintf("\"%s\" has an unclosed quote", s);
			return -1;
		}
		addr = xstrdup(s);
		if (cfg_check_address(NULL, &addr, why_r) < 0) {
			free(addr);
			return -1;
		}
		*name_r = xstrdup("");
		*addr_r = addr;
		return 0;
	}
	p = strchr(lt, '>');
	if (p == NULL || p[1] != '\0') {
		*why_r = xasprintf("\"%s\" is not NAME <local@domain>: nothing may follow "
				   "the address's closing \">\"", s);
		return -1;
	}
	addr = xstrndup(lt + 1, (size_t)(p - lt - 1));
	if (cfg_check_address(NULL, &addr, &why) < 0) {
		*why_r = xasprintf("\"%s\": %s", s, why);
		free(why);
		free(addr);
		return -1;
	}
	name_end = lt;
	while (name_end > s && (name_end[-1] == ' ' || name_end[-1] == '\t'))
		name_end--;
	if (name_end > s && *s == '"' && name_end[-1] == '"' && name_end - s >= 2) {
		for (p = s + 1; p < name_end - 1; p++) {
			if (*p == '\\' && p + 1 < name_end - 1)
				p++;
			else if (*p == '"')
				break;
			buf_putc(&name, *p);
		}
		if (p < name_end - 1)
			goto bad_name;
	} else {
		for (p = s; p < name_end; p++)
			if (*p == '"')
				goto bad_name;
		buf_append(&name, s, (size_t)(name_end - s));
	}
	if (has_ctl(buf_cstr(&name))) {
		*why_r = xasprintf("\"%s\": the name contains control characters", s);
		goto fail;
	}
	*name_r = buf_detach(&name);
	*addr_r = addr;
	return 0;
bad_name:
	*why_r = xasprintf("\"%s\": quote the whole name (\"NAME\" <local@domain>) "
			   "or none of it", s);
fail:
	buf_release(&name);
	free(addr);
	return -1;
}

int cfg_check_mailbox(const char *dir, char **value, char **why_r)
{
	char *name, *addr;

	(void)dir;
	if (cfg_parse_mailbox(*value, &name, &addr, why_r) < 0)
		return -1;
	free(name);
	free(addr);
	return 0;
}

int cfg_check_display_name(const char *dir, char **value, char **why_r)
{
	if (has_ctl(*value)) {
		*why_r = xasprintf("\"%s\" contains control characters", *value);
		return -1;
	}
	return 0;
}

int cfg_check_token(const char *dir, char **value, char **why_r)
{
	if (has_ctl_or_space(*value)) {
		*why_r = xasprintf("\"%s\" contains blanks or control characters", *value);
		return -1;
	}
	return 0;
}

int cfg_check_group(const char *dir, char **value, char **why_r)
{
	struct group gr, *res = NULL;
	char sbuf[4096];

	(void)dir;
	if (has_ctl_or_space(*value) || getgrnam_r(*value, &gr, sbuf, sizeof(sbuf), &res) != 0 ||
	    res == NULL) {
		*why_r = xasprintf("\"%s\" is not a group of this system", *value);
		return -1;
	}
	return 0;
}

int (*cfg_zone_valid)(const char *zone);

int cfg_check_language(const char *dir, char **value, char **why_r)
{
	char *s = *value;
	size_t n = strlen(s);

	(void)dir;
	for (size_t i = 0; i < n; i++)
		if (s[i] >= 'A' && s[i] <= 'Z')
			s[i] = (char)(s[i] - 'A' + 'a');
	if (n == 0 || n > 15 || !i18n_lang_valid(s)) {
		*why_r = xasprintf("\"%s\" is not a language of this build (%s)", s,
				   i18n_languages());
		return -1;
	}
	return 0;
}

int cfg_check_timezone(const char *dir, char **value, char **why_r)
{
	const char *s = *value;
	size_t n = strlen(s);

	(void)dir;
	if (n == 0 || n > 63 ||
	    strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/_+-") != n ||
	    strstr(s, "..") != NULL || (cfg_zone_valid != NULL && !cfg_zone_valid(s))) {
		*why_r = xasprintf("\"%s\" is not a time zone (an IANA name such as "
				   "Europe/Paris or UTC)", s);
		return -1;
	}
	return 0;
}

int cfg_check_base_url(const char *dir, char **value, char **why_r)
{
	char *s = *value;
	const char *host;
	size_t len;

	if (strncmp(s, "https://", 8) == 0)
		host = s + 8;
	else if (strncmp(s, "http://", 7) == 0)
		host = s + 7;
	else
		host = NULL;
	if (host == NULL || *host == '\0' || *host == '/' || has_ctl_or_space(s) ||
	    strpbrk(s, "\"'<>\\?#") != NULL) {
		*why_r = xasprintf("\"%s\" is not an http:// or https:// URL", s);
		return -1;
	}
	len = strlen(s);
	while (len > (size_t)(host - s) && s[len - 1] == '/')
		s[--len] = '\0';
	return 0;
}

/* ---- numbers, durations, sizes, booleans ---------------------------- */

/* Decimal digits only, no sign, no overflow; *endp at the first non-digit. */
static int parse_digits(const char *s, int64_t *r, const char **endp)
{
	int64_t v = 0;
	const char *p = s;

	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (INT64_MAX - (*p - '0')) / 10)
			return -1;
		v = v * 10 + (*p - '0');
	}
	*r = v;
	*endp = p;
	return 0;
}

static int parse_scaled(const char *s, int64_t *r, const char *suffixes,
			const int64_t *factors)
{
	const char *end;
	int64_t v;
	const char *sfx;

	if (s == NULL || parse_digits(s, &v, &end) < 0)
		return -1;
	if (*end == '\0') {
		*r = v;
		return 0;
	}
	if (end[1] != '\0' || (sfx = strchr(suffixes, *end)) == NULL)
		return -1;
	if (v > INT64_MAX / factors[sfx - suffixes])
		return -1;
	*r = v * factors[sfx - suffixes];
	return 0;
}

int cfg_parse_duration(const char *s, int64_t *r)
{
	static const int64_t f[] = { 1, 60, 3600, 86400 };

	return parse_scaled(s, r, "smhd", f);
}

int cfg_parse_retention(const char *s, int64_t *r)
{
	static const int64_t f[] = { 1, 60, 3600, 86400, 7 * 86400, 365 * 86400 };
	size_t n;

	if (s == NULL)
		return -1;
	if (strcasecmp(s, "off") == 0) {
		*r = 0;
		return 0;
	}
	/* A bare number would be seconds: "90" meant as days would delete
	 * nearly everything, so a unit is required. */
	n = strlen(s);
	if (n == 0 || s[n - 1] < 'a' || s[n - 1] > 'z')
		return -1;
	return parse_scaled(s, r, "smhdwy", f);
}

int cfg_parse_size(const char *s, int64_t *r)
{
	static const int64_t f[] = { 1024, 1024, 1024 * 1024, 1024 * 1024,
				     1024 * 1024 * 1024, 1024 * 1024 * 1024 };

	return parse_scaled(s, r, "kKmMgG", f);
}

int cfg_parse_bool(const char *s, int *r)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };

	if (s == NULL)
		return -1;
	for (size_t i = 0; i < GW_ARRAY_SIZE(yes); i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*r = 1;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*r = 0;
			return 0;
		}
	}
	return -1;
}

int cfg_parse_int(const char *s, int64_t *r)
{
	const char *end;
	int neg = *s == '-';

	if (parse_digits(s + neg, r, &end) < 0 || *end != '\0')
		return -1;
	if (neg)
		*r = -*r;
	return 0;
}

/* Shortest exact rendering: "90s", "5m", "3d". */
void cfg_put_duration(struct buf *b, int64_t v)
{
	if (v != 0 && v % (365 * 86400) == 0 && v >= 365 * 86400)
		buf_printf(b, "%lldy", (long long)(v / (365 * 86400)));
	else if (v != 0 && v % 86400 == 0)
		buf_printf(b, "%lldd", (long long)(v / 86400));
	else if (v != 0 && v % 3600 == 0)
		buf_printf(b, "%lldh", (long long)(v / 3600));
	else if (v != 0 && v % 60 == 0)
		buf_printf(b, "%lldm", (long long)(v / 60));
	else
		buf_printf(b, "%llds", (long long)v);
}

void cfg_put_size(struct buf *b, int64_t v)
{
	if (v != 0 && v % GiB == 0)
		buf_printf(b, "%lldG", (long long)(v / GiB));
	else if (v != 0 && v % MiB == 0)
		buf_printf(b, "%lldM", (long long)(v / MiB));
	else if (v != 0 && v % KiB == 0)
		buf_printf(b, "%lldk", (long long)(v / KiB));
	else
		buf_printf(b, "%lld", (long long)v);
}

char *cfg_enum_error(const char *value, const char *const *enums)
{
	struct buf b = BUF_INIT;

	buf_printf(&b, "\"%s\" is not one of ", value);
	for (size_t i = 0; enums[i] != NULL; i++)
		buf_printf(&b, "%s%s", i > 0 ? ", " : "", enums[i]);
	return buf_detach(&b);
}

int cfg_parse_imap_url(const char *url, int *implicit_tls_r, char **host_r, int *port_r)
{
	const char *hp;
	int port, tls;
	size_t hlen;

	if (strncmp(url, "imaps://", 8) == 0) {
		hp = url + 8;
		tls = 1;
	} else if (strncmp(url, "imap://", 7) == 0) {
		hp = url + 7;
		tls = 0;
	} else {
		return -1;
	}
	/* A trailing slash is what people paste from a mail client. */
	hlen = strlen(hp);
	if (hlen > 0 && hp[hlen - 1] == '/')
		hlen--;
	{
		char *copy = xstrndup(hp, hlen);

		port = *copy != '\0' ? check_hostport(copy, tls ? 993 : 143) : -1;
		if (port <= 0) {
			free(copy);
			return -1;
		}
		if (host_r != NULL) {
			char *colon = copy[0] == '[' ? strchr(copy, ']') : strrchr(copy, ':');

			if (copy[0] == '[') {
				*colon = '\0';
				memmove(copy, copy + 1, strlen(copy + 1) + 1);
			} else if (colon != NULL) {
				*colon = '\0';
			}
			*host_r = copy;
		} else {
			free(copy);
		}
	}
	*implicit_tls_r = tls;
	*port_r = port;
	return 0;
}

int cfg_check_imap_url(const char *dir, char **value, char **why_r)
{
	int tls, port;

	(void)dir;
	if (cfg_parse_imap_url(*value, &tls, NULL, &port) < 0) {
		*why_r = xasprintf("\"%s\" is not imaps://HOST[:PORT] or imap://HOST[:PORT]",
				   *value);
		return -1;
	}
	return 0;
}

/* An IMAP mailbox name as given: one line, no wildcards. */
static int valid_mailbox(const char *s)
{
	return *s != '\0' && !has_ctl(s) && strpbrk(s, "*%") == NULL && strlen(s) <= 200;
}

int cfg_check_imap_mailbox(const char *dir, char **value, char **why_r)
{
	(void)dir;
	if (!valid_mailbox(*value)) {
		*why_r = xasprintf("\"%s\" is not a mailbox name (one line, no * or %%)", *value);
		return -1;
	}
	return 0;
}

int cfg_check_imap_done(const char *dir, char **value, char **why_r)
{
	(void)dir;
	if (strcmp(*value, "delete") == 0 ||
	    (strncmp(*value, "move:", 5) == 0 && valid_mailbox(*value + 5)))
		return 0;
	*why_r = xasprintf("\"%s\" is not move:MAILBOX or delete", *value);
	return -1;
}

int cfg_check_imap_rejected(const char *dir, char **value, char **why_r)
{
	(void)dir;
	if (strncmp(*value, "move:", 5) == 0 && valid_mailbox(*value + 5))
		return 0;
	*why_r = xasprintf("\"%s\" is not move:MAILBOX (rejected mail is kept)", *value);
	return -1;
}

int cfg_check_secret_file(const char *dir, char **value, char **why_r)
{
	struct stat st;

	(void)dir;
	if (stat(*value, &st) < 0) {
		*why_r = xasprintf("\"%s\": %s", *value, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		*why_r = xasprintf("\"%s\" is not a regular file", *value);
		return -1;
	}
	if (st.st_mode & (S_IROTH | S_IWOTH)) {
		*why_r = xasprintf("\"%s\" is readable or writable by others (mode %04o); "
				   "chmod 600 or 640 it", *value, (unsigned)(st.st_mode & 07777));
		return -1;
	}
	return 0;
}

int cfg_check_hours(const char *dir, char **value, char **why_r)
{
	int open_min, close_min;

	(void)dir;
	return hours_parse_range(*value, &open_min, &close_min, why_r);
}

int cfg_check_days(const char *dir, char **value, char **why_r)
{
	unsigned mask;

	(void)dir;
	return hours_parse_days(*value, &mask, why_r);
}
