package ui

import (
	"io/fs"
	"regexp"
	"strings"
	"testing"
	"time"
)

// Every catalogue has the same keys, and every key a template names exists.
func TestCataloguesComplete(t *testing.T) {
	for key := range catalogues[langFR] {
		if _, ok := catalogues[langEN][key]; !ok {
			t.Errorf("en.json lacks %q", key)
		}
	}
	for key := range catalogues[langEN] {
		if _, ok := catalogues[langFR][key]; !ok {
			t.Errorf("fr.json lacks %q", key)
		}
	}
	// No message counts with "(s)": a count takes TN and key.one, key.other.
	bracketPlural := regexp.MustCompile(`\p{L}\((s|es|ies|x)\)`)
	for lang, msgs := range catalogues {
		for key, msg := range msgs {
			if bracketPlural.MatchString(msg) {
				t.Errorf("%s %q: %q has a bracketed plural; use key.one and key.other", lang, key, msg)
			}
		}
	}
	plurals := regexp.MustCompile(`\.TN "([a-z0-9_.\-]+)"`)
	files, _ := fs.Glob(templateFiles, "templates/*.html")
	for _, f := range files {
		raw, _ := templateFiles.ReadFile(f)
		for _, m := range plurals.FindAllStringSubmatch(string(raw), -1) {
			for _, form := range []string{".one", ".other"} {
				if !hasMessage(langFR, m[1]+form) || !hasMessage(langEN, m[1]+form) {
					t.Errorf("%s counts with %q, which lacks %s", f, m[1], form)
				}
			}
		}
	}
	used := regexp.MustCompile(`\.T "([a-z0-9_.\-]+)"`)
	for _, f := range files {
		raw, _ := templateFiles.ReadFile(f)
		for _, m := range used.FindAllStringSubmatch(string(raw), -1) {
			if _, ok := catalogues[langFR][m[1]]; !ok {
				t.Errorf("%s uses %q, missing from the catalogues", f, m[1])
			}
		}
	}
}

// Plurals follow each language's rules (CLDR's, from x/text): French
// takes the singular for 0 and 1, English only for 1. Every count message
// of the pages, for 0, 1 and 2.
func TestPlural(t *testing.T) {
	for _, c := range []struct {
		key    string
		fr, en [3]string // for 0, 1, 2
	}{
		{"group.members_count", [3]string{"0 membre", "1 membre", "2 membres"}, [3]string{"0 members", "1 member", "2 members"}},
		{"post.replies", [3]string{"0 réponse", "1 réponse", "2 réponses"}, [3]string{"0 replies", "1 reply", "2 replies"}},
		{"directory.results", [3]string{"0 résultat", "1 résultat", "2 résultats"}, [3]string{"0 results", "1 result", "2 results"}},
		{"docs.results", [3]string{"0 document trouvé", "1 document trouvé", "2 documents trouvés"}, [3]string{"0 documents found", "1 document found", "2 documents found"}},
		{"profile.followers", [3]string{"0 abonné", "1 abonné", "2 abonnés"}, [3]string{"0 followers", "1 follower", "2 followers"}},
		{"profile.following", [3]string{"0 abonnement", "1 abonnement", "2 abonnements"}, [3]string{"0 following", "1 following", "2 following"}},
		{"notif.unread", [3]string{"0 non lue", "1 non lue", "2 non lues"}, [3]string{"0 unread", "1 unread", "2 unread"}},
	} {
		for n := range 3 {
			if got := translatePlural(langFR, c.key, int64(n), n); got != c.fr[n] {
				t.Errorf("fr %s %d: %q, want %q", c.key, n, got, c.fr[n])
			}
			if got := translatePlural(langEN, c.key, int64(n), n); got != c.en[n] {
				t.Errorf("en %s %d: %q, want %q", c.key, n, got, c.en[n])
			}
		}
	}
	for n, want := range []string{"Attendez 0 seconde,", "Attendez 1 seconde,", "Attendez 2 secondes,"} {
		if got := translatePlural(langFR, "err.throttled", int64(n), n); !strings.Contains(got, want) {
			t.Errorf("fr err.throttled %d: %q", n, got)
		}
	}
	for n, want := range []string{"in 0 seconds.", "in 1 second.", "in 2 seconds."} {
		if got := translatePlural(langEN, "err.too_soon", int64(n), n); !strings.Contains(got, want) {
			t.Errorf("en err.too_soon %d: %q", n, got)
		}
	}
	if got := translatePlural(langEN, "notif.type.follow.others", 1, "Ana", 1); got != "Ana and 1 other person follow you" {
		t.Errorf("en one: %q", got)
	}
	if got := translatePlural(langEN, "notif.type.follow.others", 3, "Ana", 3); got != "Ana and 3 other people follow you" {
		t.Errorf("en other: %q", got)
	}
	if got := translatePlural(langFR, "group.members_count", 1<<40, 1<<40); got != "1099511627776 membres" {
		t.Errorf("fr, a count beyond int32: %q", got)
	}
	// Templates pass int and int64 counts.
	v := &view{Lang: langFR}
	if got := v.TN("group.members_count", int64(1), int64(1)); got != "1 membre" {
		t.Errorf("TN int64: %q", got)
	}
	if got := v.TN("docs.results", 0, 0); got != "0 document trouvé" {
		t.Errorf("TN int: %q", got)
	}
}

func TestFormatDate(t *testing.T) {
	d := time.Date(2026, 3, 3, 13, 5, 0, 0, time.UTC) // 14:05 in Paris
	if got := formatDate(langFR, d); got != "3 mars 2026 à 14:05" {
		t.Errorf("fr: %q", got)
	}
	if got := formatDate(langEN, d); got != "March 3, 2026 at 2:05 PM" {
		t.Errorf("en: %q", got)
	}
}

func TestSize(t *testing.T) {
	fr, en := &view{Lang: langFR}, &view{Lang: langEN}
	for n, want := range map[int64][2]string{92: {"92 o", "92 B"}, 1536: {"1,5 Ko", "1.5 KB"}, 100 << 20: {"100 Mo", "100 MB"}, 3 << 30: {"3 Go", "3 GB"}} {
		if got := fr.Size(n); got != want[0] {
			t.Errorf("fr Size(%d) = %q, want %q", n, got, want[0])
		}
		if got := en.Size(n); got != want[1] {
			t.Errorf("en Size(%d) = %q, want %q", n, got, want[1])
		}
	}
}
