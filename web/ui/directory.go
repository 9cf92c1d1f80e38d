package ui

import (
	"cmp"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/archipel-social/archipel/store"
)

// maxQuery bounds what the directory's fields accept.
const maxQuery = 200

type directoryData struct {
	Searched     bool
	People       []*store.Actor
	Active       []*store.Actor // active on the topic, not in People (first page only)
	InviteTo     []*store.Group
	Newer, Older string // links to the neighbouring pages of results
	First, Last  int    // the rank of the first and last person shown
}

// directoryPage is how many people a page of results shows.
const directoryPage = 40

// directory finds people by skill, name, organisation or unit, here and on
// the nodes this one knows.
func (u *UI) directory(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	v := u.newView(r, "title.directory", "directory")
	v.Form = url.Values{"skill": {q.Get("skill")}, "q": {q.Get("q")}, "local": {q.Get("local")}}
	skill, text := strings.TrimSpace(q.Get("skill")), strings.TrimSpace(q.Get("q"))
	d := directoryData{}
	if len(skill) > maxQuery || len(text) > maxQuery {
		v.Errors["skill"] = v.T("rule.query")
	} else if skill != "" || text != "" || q.Has("all") {
		offset, _ := strconv.Atoi(q.Get("offset"))
		offset = min(max(offset, 0), 10000)
		// One more than a page tells whether there is a next one.
		people, err := u.Store.Directory(r.Context(), store.DirectoryQuery{Skill: skill, Text: text,
			LocalOnly: q.Get("local") == "on", Limit: directoryPage + 1, Offset: offset})
		if err != nil {
			u.fail(w, r, err)
			return
		}
		page := func(off int) string {
			params := url.Values{}
			for _, k := range []string{"skill", "q", "local", "all"} {
				if val := q.Get(k); val != "" {
					params.Set(k, val)
				}
			}
			if off > 0 {
				params.Set("offset", strconv.Itoa(off))
			}
			return "/directory?" + params.Encode()
		}
		if len(people) > directoryPage {
			people = people[:directoryPage]
			d.Older = page(offset + directoryPage)
		}
		if offset > 0 {
			d.Newer = page(max(offset-directoryPage, 0))
		}
		d.Searched, d.People = true, people
		if words := cmp.Or(skill, text); words != "" && offset == 0 {
			var viewer int64
			exclude := make([]int64, 0, len(people))
			if s := sessionOf(r); s != nil {
				viewer = s.Actor.ID
			}
			for _, p := range people {
				exclude = append(exclude, p.ID)
			}
			if d.Active, err = u.Store.ActiveOnTopic(r.Context(), store.TopicQuery{Text: words, ViewerID: viewer, Exclude: exclude}); err != nil {
				u.fail(w, r, err)
				return
			}
		}
		d.First, d.Last = offset+1, offset+len(people)
	}
	if s := sessionOf(r); s != nil && len(d.People)+len(d.Active) > 0 {
		d.InviteTo = u.groupsIRun(r, s)
	}
	v.Data = d
	u.render(w, http.StatusOK, "directory", v)
}

func (u *UI) findForm(w http.ResponseWriter, r *http.Request) {
	v := u.newView(r, "title.find", "find")
	v.Form = r.URL.Query()
	u.render(w, http.StatusOK, "find", v)
}

// find resolves a pasted handle (@name@node, !group@node) or address and
// opens its page here, where it can be followed or joined.
func (u *UI) find(w http.ResponseWriter, r *http.Request) {
	in := strings.TrimSpace(r.PostFormValue("address"))
	v := u.newView(r, "title.find", "find")
	v.Form = r.PostForm
	a, err := u.resolve(r, in)
	if err != nil {
		status, msg, hint := classify(err)
		if msg == "" || status == http.StatusInternalServerError && !isRemoteFailure(err) {
			msg, hint = "err.not_a_handle", "hint.check_handle"
		}
		v.Errors["address"] = v.T(msg) + " " + v.T(hint)
		u.render(w, status, "find", v)
		return
	}
	http.Redirect(w, r, actorURL(a), http.StatusSeeOther)
}

func (u *UI) resolve(r *http.Request, in string) (*store.Actor, error) {
	in = strings.TrimPrefix(in, "acct:")
	if in == "" || len(in) > 500 {
		return nil, store.ErrNotFound
	}
	var a *store.Actor
	var err error
	if strings.HasPrefix(in, "https://") || strings.HasPrefix(in, "http://") {
		a, err = u.Federator.Actor(r.Context(), in, false)
		if err != nil {
			// A profile page's address rather than the actor's: /@name, /g/name.
			if pu, perr := url.Parse(in); perr == nil {
				p := strings.TrimSuffix(pu.Path, "/")
				name := ""
				switch {
				case strings.HasPrefix(p, "/@"):
					name = strings.TrimPrefix(p, "/@")
				case strings.HasPrefix(p, "/g/"):
					name = strings.TrimPrefix(p, "/g/")
				}
				if name != "" && !strings.Contains(name, "/") {
					a, err = u.Federator.ResolveHandle(r.Context(), name+"@"+pu.Host)
				}
			}
		}
	} else {
		h := strings.TrimLeft(in, "@!")
		if !strings.Contains(h, "@") {
			h += "@" + u.Links.Host()
		}
		if strings.HasPrefix(in, "!") {
			// !name@node names a group (Lemmy's way), even where a person
			// has the same name.
			a, err = u.Federator.ResolveGroupHandle(r.Context(), h)
		} else {
			a, err = u.Federator.ResolveHandle(r.Context(), h)
		}
	}
	if err == nil && a.Type != store.TypePerson && a.Type != store.TypeGroup {
		err = store.ErrNotFound
	}
	return u.known(r, a, err)
}
