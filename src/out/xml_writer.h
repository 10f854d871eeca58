/*
 * xml_writer.h - the one XML text writer, for the GEXF and GraphML
 * networks (and any other XML output): every attribute value and element
 * text is written here, so that a name is escaped the same way in both.
 *
 * The rule: & < > " ' become entity references; tab, LF and CR become
 * character references (so attribute values keep them through attribute
 * value normalization); every other control byte, every invalid UTF-8
 * sequence (overlong, surrogate, beyond U+10FFFF, truncated) and the
 * non-characters U+FFFE and U+FFFF, which XML 1.0 does not allow, become
 * U+FFFD; valid UTF-8 is copied.
 *
 * Ownership: nothing is allocated; the caller owns the string and the
 * stream. Write errors are left in the stream (ferror), as stdio does.
 */
#ifndef GS_XML_WRITER_H
#define GS_XML_WRITER_H

#include <stdio.h>

/* Writes s (NUL-terminated) as XML attribute or element text. */
void gs_xml_str(FILE *f, const char *s);

#endif
