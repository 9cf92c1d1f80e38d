// Package wiki holds the rules of a group's knowledge base that need no
// HTTP and no database: Markdown rendered to safe HTML (with [[Page title]]
// links and a table of contents), the limits on titles and bodies, and the
// readable diff between two versions of a page.
package wiki

import (
	"bytes"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	extast "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"

	"github.com/archipel-social/archipel/markup"
)

// Links tells the renderer where a [[Page title]] points: the address of
// the page of that title, and whether it exists (a missing page is a link
// that creates it).
type Links func(title string) (href string, exists bool)

// Heading is one entry of a page's table of contents.
type Heading struct {
	Level int    `json:"level"`
	Text  string `json:"text"`
	ID    string `json:"id"`
}

// Rendered is a page's body as HTML, already through the node's one HTML
// policy, with its table of contents.
type Rendered struct {
	HTML string
	TOC  []Heading
	// LinkedTitles are the [[titles]] the page links to, in order, once each.
	LinkedTitles []string
}

// Render turns a page's Markdown into safe HTML. Raw HTML in the Markdown
// is never passed through (goldmark drops it unless told otherwise), and
// what goldmark writes goes through markup.Sanitize all the same, so a
// script, an iframe or a javascript: link ends as inert text or nothing.
func Render(body string, links Links) Rendered {
	if links == nil {
		links = func(string) (string, bool) { return "", false }
	}
	md := goldmark.New(
		goldmark.WithExtensions(extension.GFM),
		goldmark.WithParserOptions(parser.WithAutoHeadingID(),
			parser.WithInlineParsers(util.Prioritized(wikiLinkParser{}, 199))),
		goldmark.WithRendererOptions(renderer.WithNodeRenderers(
			util.Prioritized(&wikiRenderer{links: links}, 100))),
	)
	src := []byte(body)
	doc := md.Parser().Parse(text.NewReader(src))
	var out Rendered
	seen := map[string]bool{}
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n := n.(type) {
		case *ast.Heading:
			id, _ := n.AttributeString("id")
			idb, _ := id.([]byte)
			out.TOC = append(out.TOC, Heading{Level: n.Level, Text: plainText(n, src), ID: string(idb)})
		case *wikiLink:
			if !seen[n.Title] {
				seen[n.Title] = true
				out.LinkedTitles = append(out.LinkedTitles, n.Title)
			}
		}
		return ast.WalkContinue, nil
	})
	var buf bytes.Buffer
	_ = md.Renderer().Render(&buf, src, doc)
	out.HTML = markup.Sanitize(buf.String())
	return out
}

// plainText is the text of a node's inline children.
func plainText(n ast.Node, src []byte) string {
	var b strings.Builder
	_ = ast.Walk(n, func(c ast.Node, entering bool) (ast.WalkStatus, error) {
		if entering {
			switch c := c.(type) {
			case *ast.Text:
				b.Write(c.Segment.Value(src))
			case *ast.String:
				b.Write(c.Value)
			case *wikiLink:
				b.WriteString(c.Title)
			}
		}
		return ast.WalkContinue, nil
	})
	return b.String()
}

// wikiLink is [[Page title]] in a page's Markdown.
type wikiLink struct {
	ast.BaseInline
	Title string
}

var kindWikiLink = ast.NewNodeKind("WikiLink")

func (n *wikiLink) Kind() ast.NodeKind { return kindWikiLink }
func (n *wikiLink) Dump(src []byte, level int) {
	ast.DumpHelper(n, src, level, map[string]string{"Title": n.Title}, nil)
}

// wikiLinkParser reads [[Page title]] before the Markdown link parser sees
// the bracket.
type wikiLinkParser struct{}

func (wikiLinkParser) Trigger() []byte { return []byte{'['} }

func (wikiLinkParser) Parse(_ ast.Node, block text.Reader, _ parser.Context) ast.Node {
	line, _ := block.PeekLine()
	if !bytes.HasPrefix(line, []byte("[[")) {
		return nil
	}
	end := bytes.Index(line[2:], []byte("]]"))
	if end < 0 {
		return nil
	}
	title := NormalizeTitle(string(line[2 : 2+end]))
	if title == "" || strings.ContainsAny(title, "[]") || len(title) > MaxTitle {
		return nil
	}
	block.Advance(2 + end + 2)
	return &wikiLink{Title: title}
}

// wikiRenderer writes wiki links and task list boxes. The node's HTML policy
// keeps no form inputs, so a box is a character that reads the same.
type wikiRenderer struct{ links Links }

func (r *wikiRenderer) RegisterFuncs(reg renderer.NodeRendererFuncRegisterer) {
	reg.Register(kindWikiLink, r.renderWikiLink)
	reg.Register(extast.KindTaskCheckBox, r.renderCheckBox)
}

func (r *wikiRenderer) renderWikiLink(w util.BufWriter, _ []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	if !entering {
		return ast.WalkContinue, nil
	}
	n := node.(*wikiLink)
	href, exists := r.links(n.Title)
	class := "wikilink"
	if !exists {
		class = "wikilink wikilink-new"
	}
	if href == "" {
		_, _ = w.WriteString(`<span class="` + class + `">` + string(util.EscapeHTML([]byte(n.Title))) + `</span>`)
		return ast.WalkSkipChildren, nil
	}
	_, _ = w.WriteString(`<a class="` + class + `" href="` + string(util.EscapeHTML(util.URLEscape([]byte(href), false))) + `">`)
	_, _ = w.Write(util.EscapeHTML([]byte(n.Title)))
	_, _ = w.WriteString(`</a>`)
	return ast.WalkSkipChildren, nil
}

func (r *wikiRenderer) renderCheckBox(w util.BufWriter, _ []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	if entering {
		if node.(*extast.TaskCheckBox).IsChecked {
			_, _ = w.WriteString(`<span class="task-done">☑</span> `)
		} else {
			_, _ = w.WriteString(`<span class="task-open">☐</span> `)
		}
	}
	return ast.WalkContinue, nil
}
