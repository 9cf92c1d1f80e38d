// Package markup is the node's one policy for HTML that comes from users and
// peers. Every such text is either plain text, which templates escape once,
// or HTML made safe here once, on the way in (a peer's post, bio or group
// description, a local bio rendered from its plain source), which pages then
// show as it is.
package markup

import (
	"html"
	"regexp"
	"strings"

	"github.com/microcosm-cc/bluemonday"
)

// policy keeps what posts and bios need (links, paragraphs, lists,
// emphasis) and the classes Mastodon puts on mentions and hashtags. It drops
// everything that acts on the page: scripts and styles, and also meta,
// base, form, input, iframe and object, which the CSP does not stop.
var policy = func() *bluemonday.Policy {
	p := bluemonday.UGCPolicy()
	p.AllowAttrs("class").Matching(bluemonday.SpaceSeparatedTokens).OnElements("a", "span")
	p.RequireNoFollowOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(true)
	return p
}()

// strict keeps no markup at all.
var strict = bluemonday.StrictPolicy()

// Sanitize makes a user's or a peer's HTML safe to show as it is.
func Sanitize(s string) string { return policy.Sanitize(s) }

// Text reduces HTML to the plain text it shows, for fields kept and shown as
// text (titles, document descriptions, profile fields, content warnings).
// Plain text goes through unchanged, save for what looks like a tag.
func Text(s string) string {
	if !strings.ContainsAny(s, "<&") {
		return s
	}
	return html.UnescapeString(strict.Sanitize(s))
}

// TextToHTML turns plain text into escaped HTML paragraphs, with line breaks.
func TextToHTML(s string) string { return paragraphs(s, html.EscapeString) }

// LinkedTextToHTML is TextToHTML with the http(s) addresses in the text made
// links: what a local bio or group description becomes.
func LinkedTextToHTML(s string) string { return paragraphs(s, escapeAndLink) }

func paragraphs(s string, inline func(string) string) string {
	var b strings.Builder
	for _, para := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n\n") {
		para = strings.TrimSpace(para)
		if para == "" {
			continue
		}
		b.WriteString("<p>")
		b.WriteString(strings.ReplaceAll(inline(para), "\n", "<br>"))
		b.WriteString("</p>")
	}
	return b.String()
}

// urlRE finds http(s) addresses in plain text; a trailing full stop, comma
// or closing bracket is punctuation, not part of the address.
var urlRE = regexp.MustCompile(`https?://[^\s<>"]+[^\s<>".,;:!?)\]']`)

func escapeAndLink(s string) string {
	var b strings.Builder
	last := 0
	for _, m := range urlRE.FindAllStringIndex(s, -1) {
		b.WriteString(html.EscapeString(s[last:m[0]]))
		u := html.EscapeString(s[m[0]:m[1]])
		b.WriteString(`<a href="` + u + `" rel="nofollow noopener" target="_blank">` + u + `</a>`)
		last = m[1]
	}
	b.WriteString(html.EscapeString(s[last:]))
	// The link was built from escaped text; the policy checks it once more.
	return policy.Sanitize(b.String())
}
