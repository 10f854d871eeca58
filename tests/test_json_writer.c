/* tests/test_json_writer.c - src/out/json_writer.c: the one JSON and CSV
 * string writer. */
#include <stdlib.h>
#include <string.h>

#include "out/json_writer.h"
#include "tap.h"

static char *through_file(void (*w)(FILE *, const char *), const char *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	w(f, s);
	fclose(f);
	return buf;
}

static void esc_is(const char *in, size_t n, unsigned flags, const char *want)
{
	char out[256];
	size_t k = gs_json_escape(out, in, n, flags);
	TAP_OK(k <= GS_JSON_ESCAPED_MAX(n) && k == strlen(want) && memcmp(out, want, k) == 0,
	   "escape -> %s", want);
}

int main(void)
{
	esc_is("MeToo", 5, 0, "MeToo");
	esc_is("a\"b\\c", 5, 0, "a\\\"b\\\\c");
	esc_is("\n\r\t\x01\x1f", 5, 0, "\\n\\r\\t\\u0001\\u001f");
	esc_is("caf\xc3\xa9", 5, 0, "caf\xc3\xa9");
	esc_is("caf\xc3\xa9", 5, GS_JSON_ASCII, "caf\\u00e9");
	esc_is("\xe2\x80\x94", 3, GS_JSON_ASCII, "\\u2014");
	esc_is("\xf0\x9f\x98\x80!", 5, GS_JSON_ASCII, "\\ud83d\\ude00!");
	esc_is("\x01\x01\x01", 3, 0, "\\u0001\\u0001\\u0001");
	esc_is("x\xc3", 2, GS_JSON_ASCII, "x\\u00c3");
	esc_is("", 0, 0, "");

	char *s = through_file(gs_json_str, "a\"\x02z");
	TAP_OK(strcmp(s, "\"a\\\"\\u0002z\"") == 0, "gs_json_str quotes and escapes: %s", s);
	free(s);
	s = through_file(gs_json_str, "");
	TAP_OK(strcmp(s, "\"\"") == 0, "gs_json_str of the empty string");
	free(s);
	s = through_file(gs_csv_str, "plain");
	TAP_OK(strcmp(s, "plain") == 0, "a plain CSV field is written as it is");
	free(s);
	s = through_file(gs_csv_str, "a,\"b\"");
	TAP_OK(strcmp(s, "\"a,\"\"b\"\"\"") == 0, "a CSV field with a comma and quotes: %s", s);
	free(s);
	s = through_file(gs_csv_str, "line\nbreak");
	TAP_OK(strcmp(s, "\"line\nbreak\"") == 0, "a CSV field with a line break is quoted");
	free(s);

	char t[32];
	gs_time_text(t, INT64_MAX);
	TAP_OK(t[0] == 0, "no time is the empty text");
	gs_time_text(t, 1507852800000);
	TAP_OK(strcmp(t, "2017-10-13T00:00:00Z") == 0, "a time is RFC 3339: %s", t);
	return TAP_DONE();
}
