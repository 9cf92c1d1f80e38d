package wiki

import (
	"strings"
	"testing"
)

func TestRenderIsInert(t *testing.T) {
	hostile := "# Titre\n\n<script>alert(1)</script>\n\n<iframe src=\"https://evil.example\"></iframe>\n\n" +
		"[clic](javascript:alert(1)) <b onclick=\"x()\">gras</b> <img src=x onerror=alert(1)>\n"
	out := Render(hostile, nil).HTML
	for _, bad := range []string{"<script", "<iframe", "javascript:", "onclick", "onerror", "<img"} {
		if strings.Contains(strings.ToLower(out), bad) {
			t.Errorf("rendered HTML keeps %q: %s", bad, out)
		}
	}
	if !strings.Contains(out, "clic") {
		t.Errorf("the link text is lost: %s", out)
	}
}

func TestRenderGFMAndLinks(t *testing.T) {
	md := "# Guide d'accueil\n\n## Premiers jours\n\nVoir [[Badge et accès]] et [[Page absente]].\n\n" +
		"| a | b |\n|---|---|\n| 1 | 2 |\n\n- [x] fait\n- [ ] à faire\n"
	r := Render(md, func(title string) (string, bool) {
		return "/p/" + title, title == "Badge et accès"
	})
	if !strings.Contains(r.HTML, "<table>") || !strings.Contains(r.HTML, "☑") || !strings.Contains(r.HTML, "☐") {
		t.Errorf("GFM table or task list missing: %s", r.HTML)
	}
	if !strings.Contains(r.HTML, `class="wikilink"`) || !strings.Contains(r.HTML, `class="wikilink wikilink-new"`) {
		t.Errorf("wiki links: %s", r.HTML)
	}
	if len(r.TOC) != 2 || r.TOC[1].Text != "Premiers jours" || r.TOC[1].Level != 2 || r.TOC[1].ID == "" {
		t.Errorf("toc: %+v", r.TOC)
	}
	if !strings.Contains(r.HTML, `id="`+r.TOC[1].ID+`"`) {
		t.Errorf("heading ids dropped by the policy: %s", r.HTML)
	}
	if len(r.LinkedTitles) != 2 {
		t.Errorf("linked titles: %v", r.LinkedTitles)
	}
}

func TestCheckTitleAndBody(t *testing.T) {
	if _, err := CheckTitle(strings.Repeat("x", 10000)); err == nil {
		t.Error("a title of 10,000 characters is accepted")
	}
	if got, err := CheckTitle("  Guide   d'accueil "); err != nil || got != "Guide d'accueil" {
		t.Errorf("title: %q %v", got, err)
	}
	if err := CheckBody(strings.Repeat("x", MaxBody+1)); err == nil {
		t.Error("a body over 1 MiB is accepted")
	}
}

func TestDiff(t *testing.T) {
	d := Diff("un\ndeux\ntrois", "un\n2\ntrois\nquatre")
	want := []DiffLine{{Same, "un"}, {Removed, "deux"}, {Added, "2"}, {Same, "trois"}, {Added, "quatre"}}
	if len(d) != len(want) {
		t.Fatalf("diff: %+v", d)
	}
	for i := range want {
		if d[i] != want[i] {
			t.Errorf("line %d: %+v, want %+v", i, d[i], want[i])
		}
	}
	if Changed(Diff("a", "a\n")) {
		t.Error("a final newline counts as a change")
	}
}
