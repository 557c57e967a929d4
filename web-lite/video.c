/*
 * video.c - links to YouTube, Vimeo, Loom and Google Drive videos in a
 * message become a click-to-load player under it.
 *
 * Nothing is fetched from the video's host until the reader clicks: the
 * page carries a box with the player's address and a plain link to the
 * video, the script puts a play button in the link's place, and the click
 * puts the frame in.  Without the script the plain link is what there
 * is; emails are composed elsewhere and keep the message's text.
 * A page that shows a player is sent with a Content-Security-Policy whose
 * frame-src names exactly the hosts of its players (web_video_csp());
 * every other page allows no frames at all.
 *
 * The addresses are found in the message as written (a bare address, an
 * <autolink> or a [text](link)), and the address of the frame is rebuilt
 * from the video's id: nothing of what was written reaches the frame's
 * src but the id, checked character by character.
 */
#include "web_int.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "i18n.h"

/* At most this many players under one message. */
#define VIDEO_MAX 4

struct video_host {
	const char *key;           /* data-host, and the bit in the mask */
	const char *name;          /* for the button */
	const char *frame_origin;  /* frame-src */
};

static const struct video_host hosts[] = {
	{ "youtube", "YouTube", "https://www.youtube-nocookie.com" },
	{ "vimeo", "Vimeo", "https://player.vimeo.com" },
	{ "loom", "Loom", "https://www.loom.com" },
	{ "gdrive", "Google Drive", "https://drive.google.com" },
};
enum { V_YOUTUBE, V_VIMEO, V_LOOM, V_GDRIVE };

struct url {
	char host[64];
	char path[512];            /* from the first "/", without query */
	char query[512];           /* after "?", without "#..." */
};

/* Split an http(s) URL (with "&amp;" already decoded); -1 when it is not one. */
static int url_split(const char *u, struct url *out)
{
	const char *p, *h;
	size_t n;

	memset(out, 0, sizeof(*out));
	if (strncasecmp(u, "https://", 8) == 0)
		h = u + 8;
	else if (strncasecmp(u, "http://", 7) == 0)
		h = u + 7;
	else
		return -1;
	n = strcspn(h, "/?#");
	if (n == 0 || n >= sizeof(out->host) || memchr(h, '@', n) != NULL ||
	    memchr(h, ':', n) != NULL)
		return -1;
	for (size_t i = 0; i < n; i++)
		out->host[i] = (char)(h[i] >= 'A' && h[i] <= 'Z' ? h[i] + 32 : h[i]);
	p = h + n;
	n = strcspn(p, "?#");
	if (n >= sizeof(out->path))
		return -1;
	memcpy(out->path, p, n);
	p += n;
	if (*p == '?') {
		p++;
		n = strcspn(p, "#");
		if (n >= sizeof(out->query))
			return -1;
		memcpy(out->query, p, n);
	}
	return 0;
}

/* The id at s: between min and max characters of [A-Za-z0-9_-], ended
 * by end or the string's end.  Its length, or 0. */
static size_t id_at(const char *s, size_t min, size_t max, const char *end, int digits)
{
	size_t n = 0;

	while (s[n] != '\0' && strchr(end, s[n]) == NULL) {
		char c = s[n];

		if (!((c >= '0' && c <= '9') ||
		      (!digits && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
				   c == '_' || c == '-'))))
			return 0;
		n++;
	}
	return n >= min && n <= max ? n : 0;
}

static int host_is(const struct url *u, const char *a, const char *b, const char *c)
{
	return strcmp(u->host, a) == 0 || (b != NULL && strcmp(u->host, b) == 0) ||
	       (c != NULL && strcmp(u->host, c) == 0);
}

/* The player's address for a link, malloc'd, and which host; NULL if none. */
static char *embed_src(const char *href, int *host_r)
{
	struct url u;
	const char *id = NULL;
	size_t n = 0;

	if (url_split(href, &u) < 0)
		return NULL;
	if (host_is(&u, "youtube.com", "www.youtube.com", "m.youtube.com")) {
		if (strcmp(u.path, "/watch") == 0) {
			for (const char *q = u.query; *q != '\0'; q += strcspn(q, "&"), q += *q == '&')
				if (strncmp(q, "v=", 2) == 0 && (n = id_at(q + 2, 11, 11, "&", 0)) > 0) {
					id = q + 2;
					break;
				}
		} else if (strncmp(u.path, "/shorts/", 8) == 0 || strncmp(u.path, "/embed/", 7) == 0 ||
			   strncmp(u.path, "/live/", 6) == 0) {
			id = strchr(u.path + 1, '/') + 1;
			n = id_at(id, 11, 11, "/", 0);
		}
		*host_r = V_YOUTUBE;
		return n > 0 ? xasprintf("https://www.youtube-nocookie.com/embed/%.*s", (int)n, id)
			     : NULL;
	}
	if (host_is(&u, "youtu.be", NULL, NULL)) {
		*host_r = V_YOUTUBE;
		n = id_at(u.path + 1, 11, 11, "/", 0);
		return n > 0 ? xasprintf("https://www.youtube-nocookie.com/embed/%.*s", (int)n,
					 u.path + 1) : NULL;
	}
	if (host_is(&u, "vimeo.com", "www.vimeo.com", NULL) ||
	    (host_is(&u, "player.vimeo.com", NULL, NULL) && strncmp(u.path, "/video/", 7) == 0)) {
		const char *p = u.host[0] == 'p' ? u.path + 7 : u.path + 1;
		size_t hn = 0;

		*host_r = V_VIMEO;
		n = id_at(p, 1, 20, "/", 1);
		if (n == 0)
			return NULL;
		/* An unlisted video's hash: vimeo.com/ID/HASH. */
		if (p[n] == '/' && (hn = id_at(p + n + 1, 6, 20, "/", 0)) > 0)
			return xasprintf("https://player.vimeo.com/video/%.*s?h=%.*s", (int)n, p,
					 (int)hn, p + n + 1);
		return xasprintf("https://player.vimeo.com/video/%.*s", (int)n, p);
	}
	if (host_is(&u, "loom.com", "www.loom.com", NULL) &&
	    (strncmp(u.path, "/share/", 7) == 0 || strncmp(u.path, "/embed/", 7) == 0)) {
		*host_r = V_LOOM;
		n = id_at(u.path + 7, 16, 64, "/", 0);
		return n > 0 ? xasprintf("https://www.loom.com/embed/%.*s", (int)n, u.path + 7)
			     : NULL;
	}
	if (host_is(&u, "drive.google.com", NULL, NULL) && strncmp(u.path, "/file/d/", 8) == 0) {
		*host_r = V_GDRIVE;
		n = id_at(u.path + 8, 10, 100, "/", 0);
		return n > 0 ? xasprintf("https://drive.google.com/file/d/%.*s/preview", (int)n,
					 u.path + 8) : NULL;
	}
	return NULL;
}

/*
 * The video's own page, rebuilt from the player's address (so the link
 * is as clean as the frame): a plain link for readers without script.
 */
static char *watch_url(int host, const char *src)
{
	const char *id = strrchr(src, '/') + 1;

	switch (host) {
	case V_YOUTUBE:
		return xasprintf("https://www.youtube.com/watch?v=%s", id);
	case V_VIMEO: {
		const char *h = strstr(src, "?h=");
		size_t n = strcspn(id, "?");

		return h != NULL ? xasprintf("https://vimeo.com/%.*s/%s", (int)n, id, h + 3)
				 : xasprintf("https://vimeo.com/%s", id);
	}
	case V_LOOM:
		return xasprintf("https://www.loom.com/share/%s", id);
	default: {
		/* .../file/d/ID/preview */
		const char *d = strstr(src, "/file/d/") + 8;

		return xasprintf("https://drive.google.com/file/d/%.*s/view",
				 (int)strcspn(d, "/"), d);
	}
	}
}

/* Without script: a plain link.  The script puts the play button in its
 * place (on pages allowed to frame the host) and the frame on a click. */
static void render_player(struct buf *out, int host, const char *src)
{
	char *label = xasprintf(_("Play the video from %s"), hosts[host].name);
	char *hint = xasprintf(_("Nothing is loaded from %s until you play it."),
			       hosts[host].name);
	char *link = xasprintf(_("Watch the video on %s"), hosts[host].name);
	char *url = watch_url(host, src);

	buf_printf(out, "<div class=\"vplayer\" data-host=\"%s\" data-src=\"", hosts[host].key);
	buf_html_escape(out, src);
	buf_puts(out, "\" data-label=\"");
	buf_html_escape(out, label);
	buf_puts(out, "\" data-hint=\"");
	buf_html_escape(out, hint);
	buf_puts(out, "\"><a class=\"vlink\" href=\"");
	buf_html_escape(out, url);
	buf_puts(out, "\" rel=\"noopener noreferrer\">");
	buf_html_escape(out, link);
	buf_puts(out, "</a></div>");
	free(label);
	free(hint);
	free(link);
	free(url);
}

void web_render_videos(const char *text, struct buf *out)
{
	char *seen[VIDEO_MAX];
	size_t n_seen = 0;
	const char *p = text;

	while (n_seen < VIDEO_MAX && (p = strstr(p, "http")) != NULL) {
		/* A URL runs to a blank or to what ends a link in CommonMark. */
		size_t n = strcspn(p, " \t\r\n<>\"')]");
		char *href = xstrndup(p, n), *src;
		int host = 0, dup = 0;

		p += n > 0 ? n : 4;
		src = embed_src(href, &host);
		free(href);
		if (src == NULL)
			continue;
		for (size_t i = 0; i < n_seen; i++)
			dup |= strcmp(seen[i], src) == 0;
		if (dup) {
			free(src);
			continue;
		}
		seen[n_seen++] = src;
		render_player(out, host, src);
	}
	for (size_t i = 0; i < n_seen; i++)
		free(seen[i]);
}

unsigned web_video_hosts(const char *html, size_t len)
{
	static const char mark[] = "<div class=\"vplayer\" data-host=\"";
	unsigned mask = 0;
	const char *p = html, *end = html + len;

	while ((p = memmem(p, (size_t)(end - p), mark, sizeof(mark) - 1)) != NULL) {
		p += sizeof(mark) - 1;
		for (size_t i = 0; i < GW_ARRAY_SIZE(hosts); i++) {
			size_t k = strlen(hosts[i].key);

			if ((size_t)(end - p) > k && memcmp(p, hosts[i].key, k) == 0 && p[k] == '"')
				mask |= 1u << i;
		}
	}
	return mask;
}

char *web_video_csp(unsigned mask)
{
	struct buf b = BUF_INIT;

	buf_puts(&b, WEB_CSP "; frame-src");
	for (size_t i = 0; i < GW_ARRAY_SIZE(hosts); i++)
		if (mask & (1u << i))
			buf_printf(&b, " %s", hosts[i].frame_origin);
	return buf_detach(&b);
}

char *web_video_keys(unsigned mask)
{
	struct buf b = BUF_INIT;

	for (size_t i = 0; i < GW_ARRAY_SIZE(hosts); i++)
		if (mask & (1u << i))
			buf_printf(&b, "%s%s", b.len > 0 ? " " : "", hosts[i].key);
	return b.len > 0 ? buf_detach(&b) : (buf_release(&b), xstrdup(""));
}
