/* test_follow.c - tail -F sources: partial lines, rotation, truncation,
 * too-long lines, resuming at an offset, compressed files, streams. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "serve/follow.h"
#include "groundswell.h"
#include "tap.h"

static char dir[] = "/tmp/gs-follow-XXXXXX";

static void put(const char *path, const char *mode, const char *text)
{
	FILE *f = fopen(path, mode);
	fputs(text, f);
	fclose(f);
}

/* Every line available now, joined with '|'. */
static void drain(struct gs_follow *f, char *out, size_t cap, int *toolong)
{
	const char *l;
	size_t n;
	int k;
	out[0] = 0;
	while ((k = gs_follow_next(f, &l, &n)) != 0) {
		if (k == GS_ETOOLONG) {
			(*toolong)++;
			continue;
		}
		if (k < 0)
			break;
		size_t o = strlen(out);
		snprintf(out + o, cap - o, "%s%.*s", o ? "|" : "", (int)n, l);
	}
}

int main(void)
{
	char path[256], got[4096];
	int tl = 0;
	struct gs_follow_info fi;
	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof path, "%s/a.jsonl", dir);

	/* a missing path is waited for */
	struct gs_follow *f = gs_follow_open(path, 16, 0, 0, 0);
	drain(f, got, sizeof got, &tl);
	gs_follow_info(f, &fi);
	TAP_OK(got[0] == 0 && fi.state == GS_FOLLOW_MISSING, "a missing file is waited for");

	put(path, "w", "one\r\ntwo\nthr");
	drain(f, got, sizeof got, &tl);
	TAP_EQ_STR(got, "one|two", "complete lines are given, \\r stripped, the partial one held");
	gs_follow_info(f, &fi);
	TAP_EQ_INT(fi.offset, 9, "the offset ends at the last complete line");
	TAP_OK(fi.state == GS_FOLLOW_WAITING && fi.kind == GS_FOLLOW_FILE, "then it waits");
	put(path, "a", "ee\nfour\n");
	drain(f, got, sizeof got, &tl);
	TAP_EQ_STR(got, "three|four", "the partial line completes when its newline comes");

	/* too long: skipped, reading goes on */
	put(path, "a", "0123456789abcdefghij0123456789\nfive\n");
	drain(f, got, sizeof got, &tl);
	TAP_OK(tl == 1 && !strcmp(got, "five"), "a line over max_line is skipped once: %s", got);

	/* rotation: the old file's last partial line is given, then the new */
	put(path, "a", "six");
	char old[300];
	snprintf(old, sizeof old, "%s.1", path);
	rename(path, old);
	drain(f, got, sizeof got, &tl);
	TAP_EQ_STR(got, "", "moved away: nothing yet (the old file may still grow)");
	put(path, "w", "seven\n");
	drain(f, got, sizeof got, &tl);
	TAP_EQ_STR(got, "six|seven", "rotation: the old file's last line, then the new file from 0");
	gs_follow_info(f, &fi);
	TAP_EQ_INT(fi.rotations, 1, "one rotation counted");

	/* truncation */
	put(path, "w", "8\n");
	drain(f, got, sizeof got, &tl);
	TAP_EQ_STR(got, "8", "truncation: read again from 0");
	gs_follow_info(f, &fi);
	TAP_EQ_INT(fi.truncations, 1, "one truncation counted");
	TAP_EQ_INT(fi.lines, 8, "eight lines given");
	uint64_t off = fi.offset, dev = fi.dev, ino = fi.ino;
	gs_follow_close(f);

	/* resume where a saved position left off, only on the same inode */
	put(path, "a", "nine\n");
	f = gs_follow_open(path, 16, off, dev, ino);
	drain(f, got, sizeof got, &tl);
	TAP_EQ_STR(got, "nine", "resumes at the saved offset");
	gs_follow_close(f);
	f = gs_follow_open(path, 16, off, dev, ino + 1);
	drain(f, got, sizeof got, &tl);
	TAP_EQ_STR(got, "8|nine", "another inode: from the start");
	gs_follow_close(f);
	f = gs_follow_open(path, 16, 1000, dev, ino);
	drain(f, got, sizeof got, &tl);
	TAP_EQ_STR(got, "8|nine", "an offset past the end: from the start");
	gs_follow_close(f);

	/* a compressed file is read once; its position is in lines */
	char gz[300], cmd[700];
	snprintf(gz, sizeof gz, "%s/c.jsonl", dir);
	put(gz, "w", "a\nb\nc\n");
	snprintf(cmd, sizeof cmd, "gzip -c %s > %s.gz", gz, gz);
	TAP_OK(system(cmd) == 0, "gzip");
	strcat(gz, ".gz");
	f = gs_follow_open(gz, 0, 1, 0, 0);
	drain(f, got, sizeof got, &tl);
	gs_follow_info(f, &fi);
	TAP_OK(!strcmp(got, "b|c") && fi.kind == GS_FOLLOW_COMPRESSED && fi.state == GS_FOLLOW_ENDED &&
		       fi.offset == 3,
	       "a compressed file skips the lines already read, then ends: %s", got);
	gs_follow_close(f);

	/* a pipe: read to its end, a last line without newline counts */
	char fifo[300];
	snprintf(fifo, sizeof fifo, "%s/p", dir);
	int pfd[2];
	if (pipe(pfd) == 0) {
		if (write(pfd[1], "x\ny", 3) != 3)
			return 1;
		close(pfd[1]);
		int saved = dup(0);
		dup2(pfd[0], 0);
		close(pfd[0]);
		f = gs_follow_open("-", 0, 0, 0, 0);
		drain(f, got, sizeof got, &tl);
		gs_follow_info(f, &fi);
		TAP_OK(!strcmp(got, "x|y") && fi.kind == GS_FOLLOW_STREAM && fi.state == GS_FOLLOW_ENDED,
		       "stdin: read to its end, the last line without newline counts: %s", got);
		TAP_EQ_INT(gs_follow_pollfd(f), -1, "an ended stream has nothing to poll");
		gs_follow_close(f);
		dup2(saved, 0);
		close(saved);
	}
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 1;
	return TAP_DONE();
}
