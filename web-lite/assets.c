/*
 * assets.c - the stylesheet and script of the web view, compiled into the
 * binary from web-lite/static/ (see embed.cmake) and served under
 * /static/ with a year-long cache; pages link them with ?v=HASH so that a
 * new build is fetched at once.
 */
#include "web_int.h"

#include <stdio.h>
#include <string.h>

extern const char web_static_app_css[];
extern const char web_static_app_js[];
extern const char web_static_icon_svg[];

static const struct web_asset assets[] = {
	{ "/static/app.css", "text/css; charset=utf-8", web_static_app_css },
	{ "/static/app.js", "text/javascript; charset=utf-8", web_static_app_js },
	{ "/static/icon.svg", "image/svg+xml", web_static_icon_svg },
};

const struct web_asset *web_asset_find(const char *path)
{
	for (size_t i = 0; i < GW_ARRAY_SIZE(assets); i++)
		if (strcmp(path, assets[i].path) == 0)
			return &assets[i];
	return NULL;
}

void web_assets_version(char out[17])
{
	uint64_t h = 14695981039346656037ULL; /* FNV-1a */

	for (size_t i = 0; i < GW_ARRAY_SIZE(assets); i++)
		for (const char *p = assets[i].body; *p != '\0'; p++)
			h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	snprintf(out, 17, "%016llx", (unsigned long long)h);
}
