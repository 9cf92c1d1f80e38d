package ui_test

import (
	"encoding/json"
	"html"
	"net/url"
	"strconv"
	"strings"
	"testing"

	nethtml "golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/archipel-social/archipel/store"
	"github.com/archipel-social/archipel/testnet"
)

// Typed text with everything an escaper touches: quotes, brackets, an
// ampersand, text that looks like an entity or a tag, accents and emoji.
const (
	typedLine = `L'équipe "projet" <R&D> & co — café ☕ 🎉 &amp; &#39; <b>gras</b>`
	typedText = typedLine + "\nligne 2\n\nparagraphe 3"
)

// pageText is what a reader sees of a page: its DOM's text, outside
// <script>, <style> and form fields (a textarea holds what was typed, which
// proves nothing about how the page shows it), whitespace collapsed.
func pageText(t *testing.T, page string) string {
	t.Helper()
	doc, err := nethtml.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	var walk func(*nethtml.Node)
	walk = func(n *nethtml.Node) {
		if n.Type == nethtml.ElementNode {
			switch n.Data {
			case "script", "style", "textarea", "head":
				return
			}
		}
		if n.Type == nethtml.TextNode {
			b.WriteString(n.Data)
		}
		if n.Type == nethtml.ElementNode && (n.Data == "br" || n.Data == "p") {
			b.WriteString(" ")
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return collapse(b.String())
}

func collapse(s string) string { return strings.Join(strings.Fields(s), " ") }

// fragmentText is the text of an HTML fragment (a post's content, a bio's
// HTML): paragraphs apart by a blank line, <br> a line break.
func fragmentText(t *testing.T, fragment string) string {
	t.Helper()
	nodes, err := nethtml.ParseFragment(strings.NewReader(fragment), &nethtml.Node{Type: nethtml.ElementNode, Data: "div", DataAtom: atom.Div})
	if err != nil {
		t.Fatal(err)
	}
	var paras []string
	var b strings.Builder
	var walk func(*nethtml.Node)
	walk = func(n *nethtml.Node) {
		switch {
		case n.Type == nethtml.TextNode:
			b.WriteString(n.Data)
		case n.Type == nethtml.ElementNode && n.Data == "br":
			b.WriteString("\n")
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
		if n.Type == nethtml.ElementNode && n.Data == "p" {
			paras = append(paras, b.String())
			b.Reset()
		}
	}
	for _, n := range nodes {
		walk(n)
	}
	if b.Len() > 0 {
		paras = append(paras, b.String())
	}
	return strings.Join(paras, "\n\n")
}

// Issue 13.10: text typed in any field comes out as typed, escaped once, in
// the API's JSON, on the pages and in the ActivityPub documents, whether it
// went in through the API or the web forms.
func TestTextRoundTrip(t *testing.T) {
	n := testnet.StartNode(t, testnet.Options{})
	for _, via := range []string{"api", "web"} {
		t.Run(via, func(t *testing.T) { roundTrip(t, n, via) })
	}
}

func roundTrip(t *testing.T, n *testnet.Node, via string) {
	user := n.CreateUser("par"+via, store.TierState, "admin")
	c, csrf := signIn(t, n, "par"+via)
	// line is what a one-line field gets; text what a multi-line one gets.
	line, text := typedLine+" "+via, typedText+" "+via
	// A skill is a hashtag too: no "#".
	skill := `Droit "public" <R&D> & l'Europe ☕ ` + via
	groupName := "atelier" + via

	postForm := func(path string, form url.Values) {
		t.Helper()
		form.Set("csrf", csrf)
		res, err := c.PostForm(n.URL+path, form)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode >= 400 {
			t.Fatalf("POST %s: %d", path, res.StatusCode)
		}
	}
	api := func(method, path string, body any, out any) {
		t.Helper()
		res := n.Do(method, path, user.Token, body)
		if res.Status != 200 {
			t.Fatalf("%s %s: %d %s", method, path, res.Status, res.Body)
		}
		if out != nil {
			res.JSON(t, out)
		}
	}
	activity := func(uri string) map[string]any {
		t.Helper()
		u, _ := url.Parse(uri)
		res := n.Do("GET", u.RequestURI(), "", nil, "Accept", "application/activity+json")
		if res.Status != 200 {
			t.Fatalf("GET %s as ActivityPub: %d %s", uri, res.Status, res.Body)
		}
		var doc map[string]any
		res.JSON(t, &doc)
		return doc
	}
	page := func(path string) string {
		t.Helper()
		res, body := get(t, c, n.URL+path)
		if res.StatusCode != 200 {
			t.Fatalf("GET %s: %d", path, res.StatusCode)
		}
		return pageText(t, body)
	}
	same := func(where, got, want string) {
		t.Helper()
		if got != want {
			t.Errorf("%s:\n got %q\nwant %q", where, got, want)
		}
	}
	shown := func(where, pageText, want string) {
		t.Helper()
		if !strings.Contains(pageText, collapse(want)) {
			t.Errorf("%s does not show %q:\n%s", where, want, pageText)
		}
		if escaped := collapse(html.EscapeString(want)); escaped != collapse(want) && strings.Contains(pageText, escaped) {
			t.Errorf("%s shows the text escaped twice: %q", where, escaped)
		}
	}

	// The profile: display name, bio, organisation, unit, job title, a skill.
	if via == "api" {
		api("PATCH", "/api/v1/accounts/update_credentials", map[string]any{"display_name": line, "note": text,
			"organisation": line, "unit": line, "job_title": line, "skills": []string{skill}}, nil)
	} else {
		postForm("/settings/profile", url.Values{"display_name": {line}, "bio": {text}, "organisation": {line},
			"unit": {line}, "job_title": {line}})
		postForm("/settings/skills/add", url.Values{"skill": {skill}})
	}
	var me struct {
		DisplayName  string   `json:"display_name"`
		Note         string   `json:"note"`
		Organisation string   `json:"organisation"`
		Unit         string   `json:"unit"`
		JobTitle     string   `json:"job_title"`
		Skills       []string `json:"skills"`
		URI          string   `json:"uri"`
		Fields       []struct{ Name, Value string }
		Source       struct {
			Note   string `json:"note"`
			Fields []struct{ Name, Value string }
		} `json:"source"`
	}
	api("GET", "/api/v1/accounts/verify_credentials", nil, &me)
	same("API display_name", me.DisplayName, line)
	same("API note (HTML)", fragmentText(t, me.Note), text)
	same("API source.note", me.Source.Note, text)
	same("API organisation", me.Organisation, line)
	same("API unit", me.Unit, line)
	same("API job_title", me.JobTitle, line)
	if len(me.Skills) != 1 {
		t.Errorf("API skills: %q", me.Skills)
	} else {
		same("API skill", me.Skills[0], skill)
	}
	// The profile fields: organisation, unit and job title hold the line,
	// the Skills field the skill.
	fieldText := func(name string) string {
		if name == "Skills" {
			return skill
		}
		return line
	}
	for _, f := range me.Fields {
		same("API field "+f.Name+" (HTML)", fragmentText(t, f.Value), fieldText(f.Name))
	}
	for _, f := range me.Source.Fields {
		same("API source field "+f.Name, f.Value, fieldText(f.Name))
	}
	profile := page("/@par" + via)
	shown("profile page", profile, line)
	shown("profile page bio", profile, text)
	shown("profile page skill", profile, skill)
	person := activity(me.URI)
	same("Person name", person["name"].(string), line)
	same("Person summary (HTML)", fragmentText(t, person["summary"].(string)), text)
	if attachments, ok := person["attachment"].([]any); ok {
		for _, a := range attachments {
			pv := a.(map[string]any)
			want := line
			switch pv["name"] {
			case "Tier":
				continue
			case "Skills":
				want = skill
			}
			same("Person attachment "+pv["name"].(string)+" (HTML)", fragmentText(t, pv["value"].(string)), want)
		}
	} else {
		t.Errorf("Person has no attachment: %v", person["attachment"])
	}

	// A group: its name and description.
	var group struct {
		ID          string `json:"id"`
		DisplayName string `json:"display_name"`
		Note        string `json:"note"`
		URI         string `json:"uri"`
	}
	if via == "api" {
		api("POST", "/api/v1/groups", map[string]any{"name": line, "username": groupName, "description": text}, &group)
	} else {
		postForm("/new/group", url.Values{"name": {line}, "username": {groupName}, "description": {text},
			"visibility": {store.VisibilityPublic}, "join_policy": {store.JoinOpen}})
		var groups []struct{ ID, Username string }
		api("GET", "/api/v1/groups", nil, &groups)
		for _, g := range groups {
			if g.Username == groupName {
				group.ID = g.ID
			}
		}
	}
	api("GET", "/api/v1/groups/"+group.ID, nil, &group)
	same("API group display_name", group.DisplayName, line)
	same("API group note (HTML)", fragmentText(t, group.Note), text)
	groupPage := page("/g/" + groupName)
	shown("group page", groupPage, line)
	shown("group page description", groupPage, text)
	// Counts follow the plural rules: the creator is the only member.
	shown("group page member count", groupPage, "1 membre ")
	_, english := get(t, c, n.URL+"/g/"+groupName, "Accept-Language", "en")
	shown("group page in English", pageText(t, english), "1 member ")
	shown("profile page counts", profile, "0 abonné · 0 abonnement")
	groupDoc := activity(group.URI)
	same("Group name", groupDoc["name"].(string), line)
	same("Group summary (HTML)", fragmentText(t, groupDoc["summary"].(string)), text)

	// A post in the group, and a content warning (API only: the web form
	// has no such field).
	var status struct {
		ID          string `json:"id"`
		Content     string `json:"content"`
		SpoilerText string `json:"spoiler_text"`
		URI         string `json:"uri"`
	}
	if via == "api" {
		api("POST", "/api/v1/statuses", map[string]any{"status": text, "spoiler_text": line, "visibility": "public"}, &status)
	} else {
		postForm("/posts", url.Values{"text": {text}, "visibility": {"public"}, "back": {"/"}})
		var statuses []struct{ ID string }
		api("GET", "/api/v1/accounts/"+strconv.FormatInt(user.Actor.ID, 10)+"/statuses", nil, &statuses)
		if len(statuses) == 0 {
			t.Fatal("the web post is not in the account's statuses")
		}
		status.ID = statuses[0].ID
	}
	api("GET", "/api/v1/statuses/"+status.ID, nil, &status)
	same("API status content (HTML)", fragmentText(t, status.Content), text)
	var source struct{ Text string }
	api("GET", "/api/v1/statuses/"+status.ID+"/source", nil, &source)
	same("API status source", source.Text, text)
	thread := page("/posts/" + status.ID)
	shown("thread page", thread, text)
	note := activity(status.URI)
	same("Note content (HTML)", fragmentText(t, note["content"].(string)), text)
	if via == "api" {
		same("API spoiler_text", status.SpoilerText, line)
		shown("thread page content warning", thread, line)
		same("Note summary (HTML)", fragmentText(t, note["summary"].(string)), line)
	}

	// The post edited: the new text comes out as typed too.
	edited := text + " (modifié)"
	if via == "api" {
		api("PUT", "/api/v1/statuses/"+status.ID, map[string]any{"status": edited, "spoiler_text": line}, nil)
	} else {
		postForm("/posts/"+status.ID+"/edit", url.Values{"edit_text": {edited}})
	}
	api("GET", "/api/v1/statuses/"+status.ID, nil, &status)
	same("API edited status content (HTML)", fragmentText(t, status.Content), edited)
	api("GET", "/api/v1/statuses/"+status.ID+"/source", nil, &source)
	same("API edited status source", source.Text, edited)
	shown("thread page after the edit", page("/posts/"+status.ID), edited)
	same("edited Note content (HTML)", fragmentText(t, activity(status.URI)["content"].(string)), edited)
	var history []struct {
		Content     string `json:"content"`
		SpoilerText string `json:"spoiler_text"`
	}
	api("GET", "/api/v1/statuses/"+status.ID+"/history", nil, &history)
	if len(history) != 2 {
		t.Errorf("status history: %d versions", len(history))
	} else {
		same("API history, first version (HTML)", fragmentText(t, history[0].Content), text)
		same("API history, edit (HTML)", fragmentText(t, history[1].Content), edited)
	}

	// A document of the group: its description.
	var doc struct {
		ID          string `json:"id"`
		Name        string `json:"name"`
		Description string `json:"description"`
		URI         string `json:"uri"`
	}
	pdf := "%PDF-1.7\n%%EOF\n"
	if via == "api" {
		res := user.Upload("/groups/"+group.ID+"/documents", "note.pdf", []byte(pdf), map[string]string{"description": text})
		if res.Status != 200 {
			t.Fatalf("API upload: %d %s", res.Status, res.Body)
		}
		res.JSON(t, &doc)
	} else {
		res, body := postMultipart(t, c, n.URL+"/g/"+groupName+"/documents", part{name: "csrf", value: csrf},
			part{name: "description", value: text}, part{name: "file", fileName: "note.pdf", value: pdf})
		if res.StatusCode != 200 {
			t.Fatalf("web upload: %d\n%s", res.StatusCode, body)
		}
		var docs []struct{ ID string }
		api("GET", "/api/v1/groups/"+group.ID+"/documents", nil, &docs)
		if len(docs) != 1 {
			t.Fatalf("group documents: %v", docs)
		}
		doc.ID = docs[0].ID
	}
	api("GET", "/api/v1/documents/"+doc.ID, nil, &doc)
	same("API document description", doc.Description, text)
	shown("documents page", page("/g/"+groupName+"/documents"), text)
	shown("document page", page("/g/"+groupName+"/documents/"+doc.ID), text)
	document := activity(doc.URI)
	same("Document summary (HTML)", fragmentText(t, document["summary"].(string)), text)

	// The document renamed and described anew.
	docName, docText := `L'équipe & "R&D" ☕ `+via+".pdf", text+" (revu)"
	if via == "api" {
		api("PATCH", "/api/v1/documents/"+doc.ID, map[string]any{"name": docName, "description": docText}, nil)
	} else {
		postForm("/g/"+groupName+"/documents/"+doc.ID+"/edit", url.Values{"name": {docName}, "folder": {""}, "description": {docText}})
	}
	api("GET", "/api/v1/documents/"+doc.ID, nil, &doc)
	same("API document name", doc.Name, docName)
	same("API edited document description", doc.Description, docText)
	docPage := page("/g/" + groupName + "/documents/" + doc.ID)
	shown("document page name", docPage, docName)
	shown("document page edited description", docPage, docText)
	document = activity(doc.URI)
	same("Document name", document["name"].(string), docName)
	same("edited Document summary (HTML)", fragmentText(t, document["summary"].(string)), docText)

	// A unit of the administration.
	unitName := line + " unité"
	if via == "api" {
		api("POST", "/api/v1/units", map[string]any{"name": unitName, "kind": "service"}, nil)
	} else {
		postForm("/admin/units", url.Values{"unit_name": {unitName}, "unit_kind": {"service"}})
	}
	var units []struct{ Name string }
	api("GET", "/api/v1/units", nil, &units)
	found := false
	for _, u := range units {
		found = found || u.Name == unitName
	}
	if !found {
		raw, _ := json.Marshal(units)
		t.Errorf("API units do not hold %q: %s", unitName, raw)
	}
	shown("admin page", page("/admin"), unitName)
}
