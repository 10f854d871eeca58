/*
 * replay.c - runs a libFuzzer target's LLVMFuzzerTestOneInput on saved
 * inputs, without libFuzzer (as SQLite's fuzzcheck), so that `make test`
 * replays every seed and every crash ever found with the normal compiler,
 * and `make test-asan` under ASan and UBSan.
 *
 *   build/tests/replay_NAME [DIR-OR-FILE...]
 *
 * The Makefile links this file with fuzz/fuzz_NAME.c and the core library
 * into build/tests/replay_NAME, with -DGS_FUZZ_NAME='"NAME"'. Without
 * arguments it reads fuzz/corpus/NAME/ and fuzz/regress/NAME/ (relative to
 * the checkout, where tests/run.sh runs); a folder that does not exist is
 * skipped, but a target without any input fails. Files whose names start with
 * '.' or "README" are not inputs.
 *
 * Design: each input runs in a child process, so a target that traps or
 * aborts on a failed check (they all do) fails that input's TAP line and
 * the replay goes on to the next; the child exits normally after one input,
 * so LeakSanitizer checks it. Inputs are exact-size heap copies, as
 * libFuzzer passes them, so ASan catches a read one byte past the end.
 * Output: one TAP line per input, then the plan; exit status 1 when any
 * input failed or a folder could not be read.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef GS_FUZZ_NAME
#error "build with -DGS_FUZZ_NAME='\"NAME\"' (see the Makefile)"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int n, failed;

/* Reads path whole into an exact-size buffer; NULL (errno set) on failure.
 * An empty file gives a 1-byte buffer and *size 0. */
static uint8_t *slurp(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	uint8_t *buf = NULL;
	long len = -1;
	if (fseek(f, 0, SEEK_END) == 0)
		len = ftell(f);
	if (len >= 0 && fseek(f, 0, SEEK_SET) == 0)
		buf = malloc(len ? (size_t)len : 1);
	if (buf && fread(buf, 1, (size_t)len, f) != (size_t)len) {
		free(buf);
		buf = NULL;
		errno = EIO;
	}
	fclose(f);
	*size = (size_t)(len < 0 ? 0 : len);
	return buf;
}

/* One TAP line for one input: ok when the target returned in a child. */
static void replay_file(const char *path)
{
	char why[128] = "";
	n++;
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		size_t size;
		uint8_t *data = slurp(path, &size);
		if (!data) {
			fprintf(stderr, "%s: %s\n", path, strerror(errno));
			exit(2);
		}
		LLVMFuzzerTestOneInput(data, size);
		free(data);
		exit(0);
	}
	int status = 0;
	if (pid < 0)
		snprintf(why, sizeof why, "fork: %s", strerror(errno));
	else if (waitpid(pid, &status, 0) < 0)
		snprintf(why, sizeof why, "waitpid: %s", strerror(errno));
	else if (WIFSIGNALED(status))
		snprintf(why, sizeof why, "killed by signal %d (%s)",
			 WTERMSIG(status), strsignal(WTERMSIG(status)));
	else if (WEXITSTATUS(status) != 0)
		snprintf(why, sizeof why, "exited with status %d",
			 WEXITSTATUS(status));
	if (why[0]) {
		failed++;
		printf("not ok %d - %s %s\n# %s\n", n, GS_FUZZ_NAME, path, why);
	} else {
		printf("ok %d - %s %s\n", n, GS_FUZZ_NAME, path);
	}
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every input file of dir, in name order (so the TAP lines are stable). */
static void replay_dir(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d) {
		n++;
		failed++;
		printf("not ok %d - %s %s\n# %s\n", n, GS_FUZZ_NAME, dir,
		       strerror(errno));
		return;
	}
	char **names = NULL;
	size_t count = 0, cap = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' || !strncmp(e->d_name, "README", 6))
			continue;
		if (count == cap) {
			cap = cap ? 2 * cap : 64;
			char **grown = realloc(names, cap * sizeof *names);
			if (!grown)
				abort();
			names = grown;
		}
		size_t len = strlen(dir) + strlen(e->d_name) + 2;
		names[count] = malloc(len);
		if (!names[count])
			abort();
		snprintf(names[count++], len, "%s/%s", dir, e->d_name);
	}
	closedir(d);
	qsort(names, count, sizeof *names, by_name);
	for (size_t i = 0; i < count; i++) {
		struct stat st;
		if (stat(names[i], &st) == 0 && S_ISREG(st.st_mode))
			replay_file(names[i]);
		free(names[i]);
	}
	free(names);
}

/* A file or a folder of inputs; a path named on the command line must
 * exist, a default folder may not. */
static void replay(const char *path, int must_exist)
{
	struct stat st;
	if (stat(path, &st) != 0) {
		if (errno == ENOENT && !must_exist)
			return;
		n++;
		failed++;
		printf("not ok %d - %s %s\n# %s\n", n, GS_FUZZ_NAME, path,
		       strerror(errno));
	} else if (S_ISDIR(st.st_mode)) {
		replay_dir(path);
	} else {
		replay_file(path);
	}
}

int main(int argc, char **argv)
{
	/* a child's sanitizer report lands right before its input's line */
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 1) {
		for (int i = 1; i < argc; i++)
			replay(argv[i], 1);
	} else {
		replay("fuzz/corpus/" GS_FUZZ_NAME, 0);
		replay("fuzz/regress/" GS_FUZZ_NAME, 0);
	}
	/* a target without a single seed would pass without running */
	if (n == 0) {
		failed++;
		printf("not ok %d - %s: no inputs (fuzz/corpus/%s is empty)\n",
		       ++n, GS_FUZZ_NAME, GS_FUZZ_NAME);
	}
	printf("1..%d\n", n);
	return failed ? 1 : 0;
}
