/*
 * webhook.c - webhook event kinds, endpoint URLs and secret files (webhook.h).
 */
#include "webhook.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <string.h>

#include "buf.h"
#include "gw.h"

static const struct {
	unsigned bit;
	const char *name;
} rows[] = {
	{ WEBHOOK_MESSAGE_POSTED, "message.posted" },
	{ WEBHOOK_CHAT_CREATED, "chat.created" },
	{ WEBHOOK_TASK_CHANGED, "task.changed" },
	{ WEBHOOK_FILE_UPLOADED, "file.uploaded" },
	{ WEBHOOK_EMAIL_REPLY, "email.reply" },
	{ WEBHOOK_CONTACT_BOUNCING, "contact.bouncing" },
	{ WEBHOOK_REMINDER_SENT, "reminder.sent" },
};

const char *webhook_event_name(unsigned event)
{
	for (size_t i = 0; i < GW_ARRAY_SIZE(rows); i++)
		if (rows[i].bit == event)
			return rows[i].name;
	return NULL;
}

static int one_name(const char *s, size_t n, unsigned *mask)
{
	if ((n == 1 && s[0] == '*') || (n == 3 && strncmp(s, "all", 3) == 0)) {
		*mask |= WEBHOOK_EVENTS_ALL;
		return 0;
	}
	for (size_t i = 0; i < GW_ARRAY_SIZE(rows); i++) {
		if (strlen(rows[i].name) == n && strncmp(rows[i].name, s, n) == 0) {
			*mask |= rows[i].bit;
			return 0;
		}
	}
	return -1;
}

int webhook_events_parse(const char *list, unsigned *mask_r, char **bad_r)
{
	unsigned mask = 0;
	const char *p = list != NULL ? list : "";

	*bad_r = NULL;
	while (*p != '\0') {
		while (*p == ',' || isspace((unsigned char)*p))
			p++;
		const char *start = p;
		while (*p != '\0' && *p != ',' && !isspace((unsigned char)*p))
			p++;
		if (p > start && one_name(start, (size_t)(p - start), &mask) < 0) {
			*bad_r = xstrndup(start, (size_t)(p - start));
			return -1;
		}
	}
	if (mask == 0) {
		*bad_r = xstrdup("");
		return -1;
	}
	*mask_r = mask;
	return 0;
}

char *webhook_events_format(unsigned mask)
{
	struct buf b = BUF_INIT;

	for (size_t i = 0; i < GW_ARRAY_SIZE(rows); i++) {
		if ((mask & rows[i].bit) == 0)
			continue;
		if (b.len > 0)
			buf_putc(&b, ',');
		buf_puts(&b, rows[i].name);
	}
	return buf_detach(&b);
}

const char *webhook_events_known(void)
{
	return "message.posted, chat.created, task.changed, file.uploaded, email.reply,"
	       " contact.bouncing, reminder.sent (or *)";
}

int webhook_url_check(const char *url, char **why_r)
{
	const char *host;

	if (strncasecmp(url, "https://", 8) == 0)
		host = url + 8;
	else if (strncasecmp(url, "http://", 7) == 0)
		host = url + 7;
	else {
		*why_r = xasprintf("\"%s\" is not an http:// or https:// URL", url);
		return -1;
	}
	if (strlen(url) > WEBHOOK_URL_MAX) {
		*why_r = xasprintf("URL longer than %d bytes", WEBHOOK_URL_MAX);
		return -1;
	}
	for (const char *p = url; *p != '\0'; p++) {
		if ((unsigned char)*p <= ' ' || *p == 0x7f) {
			*why_r = xasprintf("\"%s\" holds a blank or control character", url);
			return -1;
		}
	}
	if (*host == '\0' || *host == '/' || *host == ':' || *host == '?' || *host == '#') {
		*why_r = xasprintf("\"%s\" names no host", url);
		return -1;
	}
	return 0;
}

int webhook_name_check(const char *name, char **why_r)
{
	size_t n = strlen(name);

	if (n == 0 || n > 64 || strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_-") != n) {
		*why_r = xasprintf("\"%s\" is not a name of 1-64 characters a-z, 0-9, _ and -",
				   name);
		return -1;
	}
	return 0;
}

int webhook_secret_read(const char *path, char **secret_r, char **why_r)
{
	char data[4097];
	struct stat st;
	ssize_t n;
	size_t len;
	int fd;

	*secret_r = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		*why_r = xasprintf("%s: cannot read: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		*why_r = xasprintf("%s: not a regular file", path);
		close(fd);
		return -1;
	}
	if ((st.st_mode & 077) != 0) {
		*why_r = xasprintf("%s: mode is %04o, readable or writable by others"
				   " (chmod 600 it)", path, (unsigned)(st.st_mode & 07777));
		close(fd);
		return -1;
	}
	n = read(fd, data, sizeof(data) - 1);
	close(fd);
	if (n < 0) {
		*why_r = xasprintf("%s: cannot read: %s", path, strerror(errno));
		return -1;
	}
	data[n] = '\0';
	len = strcspn(data, "\r\n");
	while (len > 0 && (data[len - 1] == ' ' || data[len - 1] == '\t'))
		len--;
	if (len < WEBHOOK_SECRET_MIN) {
		explicit_bzero(data, sizeof(data));
		*why_r = xasprintf("%s: the secret (first line) is shorter than %d bytes", path,
				   WEBHOOK_SECRET_MIN);
		return -1;
	}
	*secret_r = xstrndup(data, len);
	explicit_bzero(data, sizeof(data));
	return 0;
}
