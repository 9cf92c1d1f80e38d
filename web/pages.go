package web

import (
	"embed"
	"html/template"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/archipel-social/archipel/store"
)

//go:embed templates/*.html
var templateFiles embed.FS

var pages = template.Must(template.New("").Funcs(template.FuncMap{
	"dict": func(kv ...any) map[string]any {
		m := make(map[string]any, len(kv)/2)
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	},
	// sanitized marks post HTML as safe: local posts are escaped when written
	// and peers' HTML is sanitised on the way in.
	"sanitized": func(s string) template.HTML { return template.HTML(s) },
}).ParseFS(templateFiles, "templates/*.html"))

func (s *Server) render(w http.ResponseWriter, status int, name string, data any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if err := pages.ExecuteTemplate(w, name, data); err != nil {
		s.Log.Error("render", "template", name, "err", err)
	}
}

func (s *Server) homePage(w http.ResponseWriter, r *http.Request) {
	s.render(w, http.StatusOK, "home.html", map[string]any{"Host": s.Links.Host()})
}

func (s *Server) profilePage(w http.ResponseWriter, r *http.Request) {
	a, err := s.localActor(r, store.TypePerson)
	if err != nil {
		s.render(w, http.StatusNotFound, "notfound.html", map[string]any{"Host": s.Links.Host()})
		return
	}
	objs, _ := s.Store.AuthorObjects(r.Context(), a.ID, store.Page{Limit: 20})
	s.render(w, http.StatusOK, "profile.html", map[string]any{"Host": s.Links.Host(), "Actor": a, "Posts": objs})
}

func (s *Server) groupPage(w http.ResponseWriter, r *http.Request) {
	a, err := s.Store.LocalActorByUsername(r.Context(), chi.URLParam(r, "username"))
	var g *store.Group
	if err == nil && a.Type == store.TypeGroup {
		g, err = s.Store.GroupOf(r.Context(), a)
	} else if err == nil {
		err = store.ErrNotFound
	}
	if err != nil || g.Visibility == store.VisibilitySecret {
		s.render(w, http.StatusNotFound, "notfound.html", map[string]any{"Host": s.Links.Host()})
		return
	}
	n, _ := s.Store.CountMembers(r.Context(), g.ID)
	s.render(w, http.StatusOK, "group.html", map[string]any{"Host": s.Links.Host(), "Group": g, "Members": n})
}
