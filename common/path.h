/*
 * path.h - file name helpers.
 */
#ifndef GW_PATH_H
#define GW_PATH_H

/*
 * The directory part of PATH, malloc'd: "a/b" -> "a", "/b" -> "/",
 * "b" -> ".".  Unlike dirname(3) it leaves PATH alone and does not strip
 * trailing slashes ("a/" -> "a").
 */
char *path_dir(const char *path);

#endif
