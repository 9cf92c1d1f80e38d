package ui

import (
	"io/fs"
	"regexp"
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
	used := regexp.MustCompile(`\.T "([a-z0-9_.\-]+)"`)
	files, _ := fs.Glob(templateFiles, "templates/*.html")
	for _, f := range files {
		raw, _ := templateFiles.ReadFile(f)
		for _, m := range used.FindAllStringSubmatch(string(raw), -1) {
			if _, ok := catalogues[langFR][m[1]]; !ok {
				t.Errorf("%s uses %q, missing from the catalogues", f, m[1])
			}
		}
	}
}

// Plurals follow each language's rules: French says "1 autre" and "0
// autre", English "1 other" but "0 others".
func TestPlural(t *testing.T) {
	for _, c := range []struct {
		lang string
		n    int
		want string
	}{{langFR, 1, "1 non lue"}, {langFR, 0, "0 non lue"}, {langFR, 2, "2 non lues"}, {langEN, 1, "1 unread"}, {langEN, 5, "5 unread"}} {
		if got := translatePlural(c.lang, "notif.unread", c.n, c.n); got != c.want {
			t.Errorf("%s %d: %q, want %q", c.lang, c.n, got, c.want)
		}
	}
	if got := translatePlural(langEN, "notif.type.follow.others", 1, "Ana", 1); got != "Ana and 1 other person follow you" {
		t.Errorf("en one: %q", got)
	}
	if got := translatePlural(langEN, "notif.type.follow.others", 3, "Ana", 3); got != "Ana and 3 other people follow you" {
		t.Errorf("en other: %q", got)
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
