package mail

import (
	"bytes"
	"embed"
	"fmt"
	htmltemplate "html/template"
	"strings"
	texttemplate "text/template"
)

// Each template file, templates/<kind>.<lang>.tmpl, defines three parts:
// "subject" and "text" (plain text) and "html".
//
//go:embed templates/*.tmpl
var templateFiles embed.FS

// Languages of the mails; the first is the default.
var languages = []string{"fr", "en"}

type templateSet struct {
	text *texttemplate.Template
	html *htmltemplate.Template
}

var templates = mustParse()

func mustParse() map[string]templateSet {
	names, err := templateFiles.ReadDir("templates")
	if err != nil {
		panic(err)
	}
	out := map[string]templateSet{}
	for _, e := range names {
		name := strings.TrimSuffix(e.Name(), ".tmpl")
		src, err := templateFiles.ReadFile("templates/" + e.Name())
		if err != nil {
			panic(err)
		}
		t := texttemplate.Must(texttemplate.New(name).Option("missingkey=error").Funcs(funcs).Parse(string(src)))
		h := htmltemplate.Must(htmltemplate.New(name).Option("missingkey=error").Funcs(funcs).Parse(string(src)))
		out[name] = templateSet{text: t, html: h}
	}
	return out
}

// templateData is what every template reads: the node, its URL, and the
// message's own data.
type templateData struct {
	Node string
	URL  string
	// Unsubscribe is the message's one-click unsubscribe link, if any.
	Unsubscribe string
	Data        any
}

// funcs are the helpers templates may call. plural picks a form by count
// and language: French takes the singular for 0 and 1, English for 1 only.
var funcs = map[string]any{
	"plural": func(lang string, n int, one, other string) string {
		if n == 1 || (lang != "en" && n == 0) {
			return one
		}
		return other
	},
}

type rendered struct{ subject, text, html string }

// Kinds lists the templates there are, for tests.
func Kinds() []string {
	seen := map[string]bool{}
	var out []string
	for name := range templates {
		kind := name[:strings.LastIndex(name, ".")]
		if !seen[kind] {
			seen[kind] = true
			out = append(out, kind)
		}
	}
	return out
}

func render(kind, lang string, d templateData) (rendered, error) {
	if lang != "en" {
		lang = languages[0]
	}
	set, ok := templates[kind+"."+lang]
	if !ok {
		return rendered{}, fmt.Errorf("mail: no template %q in %q", kind, lang)
	}
	var subject, text, html bytes.Buffer
	if err := set.text.ExecuteTemplate(&subject, "subject", d); err != nil {
		return rendered{}, fmt.Errorf("mail %s: %w", kind, err)
	}
	if err := set.text.ExecuteTemplate(&text, "text", d); err != nil {
		return rendered{}, fmt.Errorf("mail %s: %w", kind, err)
	}
	if err := set.html.ExecuteTemplate(&html, "html", d); err != nil {
		return rendered{}, fmt.Errorf("mail %s: %w", kind, err)
	}
	// A subject is one line: a newline in it would start a header.
	return rendered{subject: strings.Join(strings.Fields(subject.String()), " "),
		text: strings.TrimSpace(text.String()) + "\n", html: html.String()}, nil
}
