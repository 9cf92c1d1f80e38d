package documents

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestCheckName(t *testing.T) {
	for _, ok := range []string{"Guide urbanisme.pdf", "compte-rendu 2026.docx", "  espaces.txt ", "été.odt", "a.b.c"} {
		if _, err := CheckName(ok); err != nil {
			t.Errorf("%q refused: %v", ok, err)
		}
	}
	bad := map[string]error{
		"":                         ErrNameEmpty,
		"   ":                      ErrNameEmpty,
		"../etc/passwd":            ErrNamePath,
		"dossier/fichier.pdf":      ErrNamePath,
		`c:\windows\x.ini`:         ErrNamePath,
		"..":                       ErrNamePath,
		".":                        ErrNamePath,
		"a..b":                     ErrNamePath,
		"rapport\x00.pdf":          ErrNameControl,
		"ligne\nsuivante.txt":      ErrNameControl,
		"fdp\u202egnp.exe":         ErrNameControl,
		strings.Repeat("é", 128):   ErrNameTooLong,
		string([]byte{0xff, 0xfe}): ErrNameEncoding,
	}
	for name, want := range bad {
		if _, err := CheckName(name); err != want {
			t.Errorf("%q: %v, want %v", name, err, want)
		}
	}
	if f, err := CheckFolder("/Réunions/2026/"); err != nil || f != "Réunions/2026" {
		t.Errorf("folder: %q %v", f, err)
	}
	if _, err := CheckFolder("a/../b"); err == nil {
		t.Error("folder with .. accepted")
	}
}

func FuzzCheckName(f *testing.F) {
	for _, s := range []string{"rapport.pdf", "../x", "a/b", "\x00", strings.Repeat("a", 300), "é.txt", "..", "\u202e"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out, err := CheckName(in)
		if err != nil {
			return
		}
		if out == "" || len(out) > MaxNameBytes || !utf8.ValidString(out) || strings.ContainsAny(out, `/\`) || strings.Contains(out, "..") {
			t.Fatalf("accepted unsafe name %q from %q", out, in)
		}
		for _, r := range out {
			if unicode.IsControl(r) {
				t.Fatalf("accepted control character in %q", out)
			}
		}
		if again, err := CheckName(out); err != nil || again != out {
			t.Fatalf("not stable: %q → %q, %v", out, again, err)
		}
	})
}

func FuzzCheckFolder(f *testing.F) {
	for _, s := range []string{"a/b", "/a/", "../x", "a//b", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out, err := CheckFolder(in)
		if err != nil || out == "" {
			return
		}
		for _, p := range strings.Split(out, "/") {
			if _, err := CheckName(p); err != nil {
				t.Fatalf("folder %q has a bad part %q", out, p)
			}
		}
	})
}
