/*
 * xml_writer.c - XML text escaping (xml_writer.h): one pass, each UTF-8
 * sequence checked as a whole, so what is written is always well-formed
 * XML text whatever bytes an account id or tag holds.
 */
#include "xml_writer.h"

#include <stdint.h>
#include <string.h>

/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 if invalid
 * or not an XML character. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	size_t k;
	uint32_t cp;
	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		k = 2, cp = c & 0x1F;
	else if (c >= 0xE0 && c <= 0xEF)
		k = 3, cp = c & 0x0F;
	else if (c >= 0xF0 && c <= 0xF4)
		k = 4, cp = c & 0x07;
	else
		return 0;
	if (n < k)
		return 0;
	for (size_t i = 1; i < k; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3F);
	}
	if ((k == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
	    (k == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
		return 0;
	if (cp == 0xFFFE || cp == 0xFFFF)
		return 0; /* not XML characters */
	return k;
}

void gs_xml_str(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);
	while (n) {
		switch (*p) {
		case '&':
			fputs("&amp;", f);
			break;
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		case '\'':
			fputs("&apos;", f);
			break;
		case '\t':
			fputs("&#9;", f);
			break;
		case '\n':
			fputs("&#10;", f);
			break;
		case '\r':
			fputs("&#13;", f);
			break;
		default:
			if (*p < 0x20) {
				fputs("\xEF\xBF\xBD", f);
			} else {
				size_t k = utf8_len(p, n);
				if (!k) {
					fputs("\xEF\xBF\xBD", f);
				} else {
					fwrite(p, 1, k, f);
					p += k - 1;
					n -= k - 1;
				}
			}
		}
		p++;
		n--;
	}
}
