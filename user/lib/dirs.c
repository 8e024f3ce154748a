// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include "lib/dirs.h"

/* One component: made with mode, or already a directory. */
static int make_one(const char *path, mode_t mode)
{
	struct stat st;

	if (mkdir(path, mode) == 0)
		/* mkdir() applies the umask; the mode pantau documents is exact. */
		return chmod(path, mode) ? -errno : 0;
	if (errno != EEXIST)
		return -errno;
	if (stat(path, &st))
		return -errno;
	return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
}

int dirs_create(const char *path, mode_t mode)
{
	char buf[PATH_MAX];
	size_t len;
	int rc;

	len = strlen(path);
	if (len == 0)
		return -ENOENT;
	if (len >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, len + 1);
	/* Each '/' after the root ends a parent: create it, then go on. */
	for (size_t i = 1; i < len; i++) {
		if (buf[i] != '/' || buf[i - 1] == '/')
			continue;
		buf[i] = '\0';
		rc = make_one(buf, mode);
		buf[i] = '/';
		if (rc)
			return rc;
	}
	return make_one(buf, mode);
}

int dirs_create_parent(const char *file, mode_t mode)
{
	char buf[PATH_MAX];
	char *slash;
	size_t len;

	if (strcmp(file, "-") == 0)
		return 0;
	len = strlen(file);
	if (len >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, file, len + 1);
	slash = strrchr(buf, '/');
	if (!slash)
		return 0;
	if (slash == buf)
		return 0;	/* a file in / */
	*slash = '\0';
	return dirs_create(buf, mode);
}
