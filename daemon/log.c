/*
 * log.c — outpostd's log lines (daemon.h), for the three places they end
 * up:
 *   - a terminal: "outpostd: info: ...";
 *   - the journal (stderr is the stream $JOURNAL_STREAM names): each line
 *     goes to journald's native socket with PRIORITY=, SYSLOG_IDENTIFIER=
 *     and BRANCH= (the peer the line is about), so `journalctl -u outpostd
 *     BRANCH=SH01` picks one branch; should that socket refuse, "<6>..." on
 *     stderr, whose prefix journald reads as the level (tests point
 *     OUTPOST_TEST_JOURNAL_SOCKET at a socket of their own);
 *   - anything else (a file, `--once >> log` from cron): an ISO 8601 UTC
 *     timestamp, then the level as journald reads it, as before:
 *     "2026-11-22T21:35:46.120Z <6>outpostd: ...".
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include "daemon.h"
#include "sync.h"

#define JOURNAL_SOCKET "/run/systemd/journal/socket"

static int log_level = OP_LOG_INFO;
static char log_peer[40];	/* BRANCH= of the lines being written */

void op_log_set_level(int level) { log_level = level; }

void op_log_peer(const char *site)
{
	snprintf(log_peer, sizeof(log_peer), "%s", site ? site : "");
}

/* Is stderr the journal stream systemd gave us ("DEV:INODE")? */
static int to_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	return js && sscanf(js, "%llu:%llu", &dev, &ino) == 2 && fstat(2, &st) == 0 &&
	       (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

static int journal_send(int level, const char *msg)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char buf[2600];
	int n = snprintf(buf, sizeof(buf), "PRIORITY=%d\nSYSLOG_IDENTIFIER=outpostd\n%s%s%s"
			 "MESSAGE=%s\n", level & 7, log_peer[0] ? "BRANCH=" : "", log_peer,
			 log_peer[0] ? "\n" : "", msg);
	if (n < 0 || (size_t)n >= sizeof(buf) || strchr(msg, '\n'))
		return -1;
	/* tests only: OUTPOST_TEST_JOURNAL_SOCKET stands in for journald */
	const char *path = getenv("OUTPOST_TEST_JOURNAL_SOCKET");
	if (!path || !*path)
		path = JOURNAL_SOCKET;
	if (strlen(path) >= sizeof(sa.sun_path))
		return -1;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	ssize_t w = sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&sa, sizeof(sa));
	close(fd);
	return w == n ? 0 : -1;
}

void op_log(int level, const char *fmt, ...)
{
	static const char *names[] = { "emerg", "alert", "crit", "error",
				       "warning", "notice", "info", "debug" };
	static int journal = -1;
	char buf[2048];
	va_list ap;
	if (level > log_level)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (journal < 0)
		journal = to_journal();
	if (journal) {
		if (journal_send(level, buf) < 0)
			fprintf(stderr, "<%d>outpostd: %s\n", level & 7, buf);
		return;
	}
	if (isatty(2)) {
		fprintf(stderr, "outpostd: %s: %s\n", names[level & 7], buf);
		return;
	}
	struct timespec ts;
	struct tm tm;
	char when[32];
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(stderr, "%s.%03ldZ <%d>outpostd: %s\n", when, ts.tv_nsec / 1000000, level & 7,
		buf);
}
