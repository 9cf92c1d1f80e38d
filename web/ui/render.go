package ui

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/archipel-social/archipel/observatory"
	"github.com/archipel-social/archipel/store"
)

// view is what every template receives: the reader, their language, the
// form as typed and its errors, and the page's own data.
type view struct {
	Lang    string
	Path    string
	Host    string
	Me      *store.Actor
	Account *store.Account
	CSRF    string
	Title   string
	Nav     string
	Notice  string
	Form    url.Values
	Errors  map[string]string
	Data    any
	// ActorURI is the ActivityPub id of the person or group a page shows,
	// linked as its alternate form.
	ActorURI string
}

// T translates a catalogue key into the reader's language.
func (v *view) T(key string, args ...any) string { return translate(v.Lang, key, args...) }

// TN translates a message that depends on a count n (key.one, key.other),
// by the language's plural rules. Templates pass counts of either integer
// type (len gives an int, the store's counts are int64).
func (v *view) TN(key string, n any, args ...any) string {
	var count int64
	switch n := n.(type) {
	case int:
		count = int64(n)
	case int64:
		count = n
	default:
		panic(fmt.Sprintf("TN %q: count of type %T", key, n))
	}
	return translatePlural(v.Lang, key, count, args...)
}

// Has tells whether a key has a message (optional hints).
func (v *view) Has(key string) bool { return hasMessage(v.Lang, key) }

// Date shows a time the reader's way.
func (v *view) Date(t time.Time) string { return formatDate(v.Lang, t) }

// Value is what the reader typed in a field, for forms shown again.
func (v *view) Value(name string) string {
	if v.Form == nil {
		return ""
	}
	return v.Form.Get(name)
}

// OtherLang is the language the switch offers.
func (v *view) OtherLang() string {
	if v.Lang == langEN {
		return langFR
	}
	return langEN
}

// IsAdmin tells whether the reader may open the admin pages.
func (v *view) IsAdmin() bool {
	return v.Account != nil && (v.Account.Role == store.RoleAdmin || v.Account.Role == store.RoleUnitAdmin)
}

// IsNodeAdmin tells whether the reader administers the whole node.
func (v *view) IsNodeAdmin() bool { return v.Account != nil && v.Account.Role == store.RoleAdmin }

func (u *UI) newView(r *http.Request, title, nav string) *view {
	v := &view{Lang: langOf(r.Context()), Path: r.URL.RequestURI(), Host: u.Links.Host(), Title: title, Nav: nav,
		Errors: map[string]string{}}
	if s := sessionOf(r); s != nil {
		v.Me, v.Account, v.CSRF = s.Actor, s.Account, s.CSRF
	}
	if n := r.URL.Query().Get("notice"); n != "" && hasMessage(v.Lang, "notice."+n) {
		v.Notice = v.T("notice." + n)
	}
	return v
}

// templates holds one template set per page, each with the layout and the
// shared partials.
type templates struct{ pages map[string]*template.Template }

var funcs = template.FuncMap{
	"actorURL": actorURL,
	"groupURL": groupURL,
	"handle":   func(a *store.Actor) string { return "@" + a.Handle() },
	// sanitized shows, as it is, HTML that was made safe once on the way in
	// (package markup): a post's content, a bio's SummaryHTML. It is the
	// only unescaped output of the templates; every other field is plain
	// text, escaped by the template.
	"sanitized": func(s string) template.HTML { return template.HTML(s) },
	"dict": func(kv ...any) map[string]any {
		m := make(map[string]any, len(kv)/2)
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	},
	"id": func(n int64) string { return strconv.FormatInt(n, 10) },
	// count, percent and minutes show an observatory figure; nil is one
	// about too few people to show.
	"count": func(n *int) string {
		if n == nil {
			return "< " + strconv.Itoa(observatory.Threshold)
		}
		return strconv.Itoa(*n)
	},
	"percent": func(f *float64) string {
		if f == nil {
			return "–"
		}
		return strconv.FormatFloat(*f*100, 'f', 0, 64) + " %"
	},
	"minutes": func(f *float64) string {
		if f == nil {
			return "–"
		}
		return strconv.FormatFloat(*f, 'f', 0, 64) + " min"
	},
	"iso":     func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"initial": initial,
	"list2":   func(a, b string) []string { return []string{a, b} },
	"list3":   func(a, b, c string) []string { return []string{a, b, c} },
	"list4":   func(a, b, c, d string) []string { return []string{a, b, c, d} },
	"toID": func(s string) int64 {
		n, _ := strconv.ParseInt(s, 10, 64)
		return n
	},
	"timeOf": func(t *time.Time) time.Time {
		if t == nil {
			return time.Time{}
		}
		return *t
	},
	"deref": func(p *int64) int64 {
		if p == nil {
			return 0
		}
		return *p
	},
	// eventKind splits store.MemberEvents' "kind group@host".
	"eventKind": func(s string) [2]string {
		k, g, _ := strings.Cut(s, " ")
		return [2]string{k, g}
	},
}

func mustParseTemplates() *templates {
	t := &templates{pages: map[string]*template.Template{}}
	names, err := fs.Glob(templateFiles, "templates/*.html")
	if err != nil {
		panic(err)
	}
	for _, n := range names {
		base := path.Base(n)
		if base == "layout.html" || strings.HasPrefix(base, "_") {
			continue
		}
		t.pages[strings.TrimSuffix(base, ".html")] = template.Must(template.New(base).Funcs(funcs).
			ParseFS(templateFiles, "templates/layout.html", "templates/_*.html", n))
	}
	return t
}

// render writes a page; the body is built first so that a template error
// is a clean 500, not half a page.
func (u *UI) render(w http.ResponseWriter, status int, page string, v *view) {
	t, ok := u.pages.pages[page]
	if !ok {
		u.Log.Error("render: no such page", "page", page)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		u.Log.Error("render", "page", page, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}
