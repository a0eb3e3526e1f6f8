/*
 * report_html: escaping, safe links and the shared page frame (inline
 * style sheet: no external fonts, scripts or images, so a page works
 * offline and from file://).
 */
#include <string.h>

#include "report_html.h"

void html_esc(struct buf *out, const char *s)
{
	size_t n, ok;

	if (!s)
		return;
	n = strlen(s);
	while (n) {
		ok = utf8_valid_prefix(s, n);
		for (size_t i = 0; i < ok; i++) {
			unsigned char c = (unsigned char)s[i];

			switch (c) {
			case '&':
				buf_adds(out, "&amp;");
				break;
			case '<':
				buf_adds(out, "&lt;");
				break;
			case '>':
				buf_adds(out, "&gt;");
				break;
			case '"':
				buf_adds(out, "&quot;");
				break;
			case '\'':
				buf_adds(out, "&#39;");
				break;
			case '\t':
			case '\n':
				buf_addc(out, (char)c);
				break;
			default:
				if (c < 0x20 || c == 0x7f)
					buf_adds(out, "\xef\xbf\xbd");
				else if (c == 0xc2 && i + 1 < ok &&
				         (unsigned char)s[i + 1] >= 0x80 &&
				         (unsigned char)s[i + 1] <= 0x9f) {
					buf_adds(out, "\xef\xbf\xbd"); /* C1 */
					i++;
				} else
					buf_addc(out, (char)c);
			}
		}
		s += ok;
		n -= ok;
		if (n) { /* one byte that is not UTF-8 */
			buf_adds(out, "\xef\xbf\xbd");
			s++;
			n--;
		}
	}
}

void html_name(struct buf *out, const char *s)
{
	buf_adds(out, "<span dir=\"auto\" class=\"nm\">");
	html_esc(out, s);
	buf_adds(out, "</span>");
}

static int loopback_host(const char *h, size_t n)
{
	size_t i;
	int dots = 0;

	if (n == 9 && str_ncasecmp(h, "localhost", 9) == 0)
		return 1;
	if (n == 5 && memcmp(h, "[::1]", 5) == 0)
		return 1;
	if (n < 4 || memcmp(h, "127.", 4) != 0)
		return 0;
	for (i = 0; i < n; i++) {
		if (h[i] == '.')
			dots++;
		else if (h[i] < '0' || h[i] > '9')
			return 0;
	}
	return dots == 3;
}

int url_is_safe(const char *url)
{
	const char *p, *auth, *end, *host, *q;
	int https;

	if (!url)
		return 0;
	for (p = url; *p; p++)
		if ((unsigned char)*p <= 0x20 || *p == 0x7f || *p == '\\' ||
		    *p == '"' || *p == '<' || *p == '>')
			return 0;
	if (str_ncasecmp(url, "https://", 8) == 0) {
		https = 1;
		auth = url + 8;
	} else if (str_ncasecmp(url, "http://", 7) == 0) {
		https = 0;
		auth = url + 7;
	} else {
		return 0;
	}
	end = auth + strcspn(auth, "/?#");
	host = auth;
	for (q = auth; q < end; q++)
		if (*q == '@')
			return 0; /* credentials in a link, or a disguise */
	if (host < end && *host == '[') {
		q = memchr(host, ']', (size_t)(end - host));
		if (!q)
			return 0;
		q++;
	} else {
		q = memchr(host, ':', (size_t)(end - host));
		if (!q)
			q = end;
	}
	if (q == host)
		return 0;
	return https || loopback_host(host, (size_t)(q - host));
}

void html_url_button(struct buf *out, const char *url, const char *label)
{
	if (!url) {
		buf_adds(out, "<span class=\"muted\">no URL yet</span>");
	} else if (url_is_safe(url)) {
		buf_adds(out, "<a class=\"btn\" href=\"");
		html_esc(out, url);
		buf_adds(out,
		         "\" target=\"_blank\" rel=\"noopener noreferrer\">");
		html_esc(out, label);
		buf_adds(out, "</a>");
	} else {
		buf_adds(out, "<span class=\"unsafe\" title=\"not a safe "
		              "link\">not a safe link: <code>");
		html_esc(out, url);
		buf_adds(out, "</code></span>");
	}
}

/* One style sheet for every page: system fonts, readable from 320 px up,
 * tables scroll sideways on phones (or stack, .stack), print in black on
 * white without the buttons' chrome. */
static const char css[] =
    ":root{--fg:#1d2330;--mut:#5b6474;--line:#d9dee7;--bg:#f6f7f9;"
    "--ok:#1a7f37;--warn:#b25e00;--bad:#c2261d;--acc:#2557d6}"
    "*{box-sizing:border-box}"
    "body{margin:0;font:15px/1.45 system-ui,-apple-system,'Segoe UI',"
    "Roboto,sans-serif;color:var(--fg);background:var(--bg)}"
    "div.main{max-width:1100px;margin:0 auto;padding:16px}"
    ".nm{unicode-bidi:isolate}"
    ".hd{background:#1d2330;color:#fff;padding:14px 16px}"
    ".hd h1{margin:0;font-size:1.3em;max-width:1100px;margin:0 auto;"
    "overflow-wrap:anywhere}"
    ".hd p{margin:4px auto 0;max-width:1100px;color:#c9d1e0;"
    "font-size:.9em}"
    "h2{font-size:1.1em;margin:24px 0 8px}"
    "a{color:var(--acc)}"
    ".cards{display:grid;grid-template-columns:repeat(auto-fit,"
    "minmax(150px,1fr));gap:10px}"
    ".card{background:#fff;border:1px solid var(--line);border-radius:8px;"
    "padding:10px 12px}"
    ".card b{display:block;font-size:1.6em}"
    ".card span{color:var(--mut);font-size:.85em}"
    ".panel{background:#fff;border:1px solid var(--line);border-radius:8px;"
    "padding:12px;overflow-x:auto}"
    "table{border-collapse:collapse;width:100%;background:#fff}"
    "th,td{text-align:left;padding:6px 8px;border-bottom:1px solid "
    "var(--line);vertical-align:top}"
    "td{overflow-wrap:break-word}"
    "th{background:#eef1f6;font-size:.85em;white-space:nowrap}"
    "th.s{cursor:pointer}th.s:after{content:' \\2195';color:var(--mut)}"
    "td.n,th.n{text-align:right}"
    ".tag{display:inline-block;padding:1px 8px;border-radius:10px;"
    "font-size:.85em;white-space:nowrap;background:#eef1f6}"
    ".t-granted,.t-confirmed,.t-done,.t-created,.t-adopted,.t-yes,"
    ".t-executed{background:#dcf3e3;color:var(--ok)}"
    ".t-pending,.t-issued,.t-running,.t-starting,.t-no,"
    ".t-not-executed-yet{background:#fff1d6;color:var(--warn)}"
    ".t-error,.t-failed{background:#fde2e0;color:var(--bad)}"
    ".btn{display:inline-block;padding:5px 12px;border-radius:6px;"
    "background:var(--acc);color:#fff;text-decoration:none;"
    "white-space:nowrap}"
    ".btn:hover{filter:brightness(1.1)}"
    ".muted{color:var(--mut)}"
    ".unsafe{color:var(--bad);overflow-wrap:anywhere}"
    "code{font-size:.8em;overflow-wrap:anywhere}.tm{white-space:nowrap}"
    "img.chart{width:100%;max-width:560px;height:auto;display:block}"
    ".worst{margin:8px 0 0;font-size:.9em}"
    "#ents{min-width:640px}#ents td:first-child{min-width:12em}"
    ".ft{color:var(--mut);font-size:.85em;margin:24px 0}"
    "@media (max-width:640px){div.main{padding:8px}"
    "table.stack thead{display:none}"
    "table.stack tr{display:block;border-bottom:2px solid var(--line);"
    "padding:6px 0}"
    "table.stack td{display:flex;gap:8px;border:0;padding:3px 8px}"
    "table.stack td:before{content:attr(data-l);flex:0 0 7em;"
    "color:var(--mut);font-size:.85em}"
    "table.stack td:empty{display:none}"
    "table.stack td>*{min-width:0;overflow-wrap:anywhere}"
    ".card{padding:6px 10px}.card b{font-size:1.3em}}"
    "@media print{body{background:#fff;font-size:11pt}"
    ".hd{background:#fff;color:#000;border-bottom:2px solid #000}"
    ".hd p{color:#333}.panel,.card{border-color:#999}"
    ".btn{background:none;color:#000;padding:0;text-decoration:underline}"
    "a.btn:after{content:' ' attr(href);font-size:8pt;"
    "overflow-wrap:anywhere;white-space:normal}"
    "th.s:after{content:''}tr{break-inside:avoid}}";

void html_head(struct buf *out, const char *title)
{
	buf_adds(out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	              "<meta charset=\"utf-8\">\n"
	              "<meta name=\"viewport\" content=\"width=device-width,"
	              "initial-scale=1\">\n"
	              "<meta name=\"referrer\" content=\"no-referrer\">\n"
	              "<title>");
	html_esc(out, title);
	buf_adds(out, "</title>\n<style>");
	buf_adds(out, css);
	buf_adds(out, "</style>\n</head>\n<body>\n");
}

void html_tail(struct buf *out)
{
	buf_adds(out, "</body>\n</html>\n");
}
