/*
 * ctl_file.c - writing a file the way `backup` and `person export` do: to
 * a temporary file beside FILE, fsync'd, then moved into place and the
 * directory fsync'd, so that FILE is never seen half-written and an
 * existing FILE is replaced only with --force.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctl.h"
#include "path.h"

int ctl_create_errno_code(int err)
{
	return err == ENOSPC || err == EDQUOT || err == EIO || err == ENOMEM ? EX_TEMPFAIL
									      : EX_CANTCREAT;
}

int ctl_move_into_place(const char *tmp, const char *file, int force)
{
	if (force)
		return rename(tmp, file);
	if (renameat2(AT_FDCWD, tmp, AT_FDCWD, file, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
	/* A file system without RENAME_NOREPLACE: link(2) fails on EEXIST too. */
	if (link(tmp, file) < 0)
		return -1;
	unlink(tmp);
	return 0;
}

void ctl_fsync_dir(const char *path)
{
	char *dir = path_dir(path);
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		(void)fsync(fd);
		close(fd);
	}
	free(dir);
}

int ctl_same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
}
