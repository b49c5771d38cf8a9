// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/kmsg hands out one record per read(), "PRI,SEQ,TIME,FLAGS;text\n"
 * followed by continuation lines that start with a space (the record's
 * dictionary); EAGAIN when there is nothing new, EPIPE when records were
 * overwritten before they were read. Lines are counted one at a time, so
 * a stream with several records per read (a pipe in the unit tests)
 * counts the same.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "kmsg.h"

/* Larger than any record: the kernel refuses a read that cannot hold one. */
#define KMSG_READ	8192

int kmsg_open(const char *path)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	/* Skips what is already there; a pipe or file has no end to seek. */
	if (lseek(fd, 0, SEEK_END) < 0 && errno != ESPIPE) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

/* Records in @buf (@len bytes) whose text contains @needle. */
static int count_lines(char *buf, size_t len, const char *needle)
{
	int n = 0;

	buf[len] = '\0';
	for (char *line = buf, *end; line < buf + len; line = end + 1) {
		end = strchr(line, '\n');
		if (!end)
			end = buf + len;
		*end = '\0';
		if (line[0] != ' ' && strstr(line, needle))
			n++;
	}
	return n;
}

int kmsg_count(int fd, const char *needle)
{
	char buf[KMSG_READ + 1];
	int n = 0, lost = 0;

	if (fd < 0)
		return -1;
	for (;;) {
		ssize_t got = read(fd, buf, KMSG_READ);

		if (got > 0) {
			n += count_lines(buf, (size_t)got, needle);
			continue;
		}
		if (got == 0 || errno == EAGAIN)
			break;
		if (errno == EPIPE) {
			/* The next read goes on from the oldest record left. */
			lost = 1;
			continue;
		}
		if (errno == EINTR)
			continue;
		return -1;
	}
	return lost ? -1 : n;
}

void kmsg_close(int fd)
{
	if (fd >= 0)
		close(fd);
}
