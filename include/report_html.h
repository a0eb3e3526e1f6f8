/*
 * report_html: the safety layer of the HTML reports. Every value from a
 * manifest, the journal or an API reaches a page through html_esc (text and
 * attribute values alike), and a URL becomes a link only when url_is_safe.
 */
#ifndef TP_REPORT_HTML_H
#define TP_REPORT_HTML_H

#include "util.h"

/* Appends s escaped for HTML text and quoted attribute values: & < > " '
 * as entities, control characters (but tab and newline) as U+FFFD, bytes
 * that are not UTF-8 as U+FFFD. NULL appends nothing. */
void html_esc(struct buf *out, const char *s);
/* Appends s as text isolated from its neighbours' direction (<bdi>), so a
 * right-to-left mark in a name cannot reorder the rest of the line. */
void html_name(struct buf *out, const char *s);
/*
 * 1 when url may be rendered as a link: an https: URL, or an http: URL
 * whose host is loopback (127.0.0.0/8, [::1], localhost); no blanks or
 * control characters, and a host is present. 0 for everything else
 * (javascript:, data:, http://example.com, "http://127.0.0.1@evil/").
 */
int url_is_safe(const char *url);
/* Appends the button link to url (target=_blank, rel="noopener
 * noreferrer"), or the escaped URL as plain text marked "not a safe link"
 * when it is not safe, or "no URL yet" when url is NULL. */
void html_url_button(struct buf *out, const char *url, const char *label);

/* The shared <head> (title escaped) with the inline style sheet, and the
 * closing of a page. */
void html_head(struct buf *out, const char *title);
void html_tail(struct buf *out);

#endif
