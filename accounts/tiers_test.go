package accounts

import (
	"testing"

	"github.com/archipel-social/archipel/store"
)

func TestTierFor(t *testing.T) {
	rules := []store.TierRule{
		{Pattern: "*.gouv.fr", Tier: store.TierState},
		{Pattern: "ac-bordeaux.fr", Tier: store.TierPublic},
		{Pattern: "*.ville-metz.fr", Tier: store.TierPublic},
		{Pattern: "partenaires.gouv.fr", Tier: store.TierPartner},
	}
	cases := map[string]string{
		"agent@interieur.gouv.fr":         store.TierState,
		"agent@gironde.pref.gouv.fr":      store.TierState,
		"agent@gouv.fr":                   store.TierState,
		"agent@INTERIEUR.GOUV.FR":         store.TierState,
		"prof@ac-bordeaux.fr":             store.TierPublic,
		"prof@lycee.ac-bordeaux.fr":       store.TierPartner, // exact rule only
		"agent@urbanisme.ville-metz.fr":   store.TierPublic,
		"asso@partenaires.gouv.fr":        store.TierPartner, // the exact rule beats the wildcard
		"someone@gmail.com":               store.TierPartner,
		"trick@gouv.fr.evil.com":          store.TierPartner,
		"trick@notgouv.fr":                store.TierPartner,
		"agent@sous.partenaires.gouv.fr":  store.TierState,
		"x@ville-metz.fr":                 store.TierPublic,
		"x@metz.fr":                       store.TierPartner,
		"x@xville-metz.fr":                store.TierPartner,
		"agent@prefecture.interieur.gouv": store.TierPartner,
	}
	for email, want := range cases {
		if got := tierFor(rules, email); got != want {
			t.Errorf("tierFor(%q) = %q, want %q", email, got, want)
		}
	}
	if got := tierFor(nil, "a@interieur.gouv.fr"); got != store.TierPartner {
		t.Errorf("no rules: got %q, want partner", got)
	}
}

func TestValidatePattern(t *testing.T) {
	for _, ok := range []string{"gouv.fr", "*.gouv.fr", "ac-bordeaux.fr"} {
		if err := ValidatePattern(ok); err != nil {
			t.Errorf("%q refused: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "*.", "fr", "*.*.gouv.fr", "a@gouv.fr", "gouv.fr/x", "a b.fr"} {
		if err := ValidatePattern(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestPasswordHash(t *testing.T) {
	h, err := HashPassword("correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := CheckPassword(h, "correct horse"); !ok || err != nil {
		t.Fatalf("right password refused: %v", err)
	}
	if ok, _ := CheckPassword(h, "correct horsE"); ok {
		t.Fatal("wrong password accepted")
	}
	if _, err := CheckPassword("$2a$10$bcrypt", "x"); err == nil {
		t.Fatal("foreign hash format accepted")
	}
	h2, _ := HashPassword("correct horse")
	if h == h2 {
		t.Fatal("two hashes of one password are equal: no salt")
	}
}

func TestCleanSkills(t *testing.T) {
	got, err := CleanSkills([]string{"  Marchés   publics ", "", "urbanisme"})
	if err != nil || len(got) != 2 || got[0] != "Marchés publics" {
		t.Fatalf("got %q, %v", got, err)
	}
	long := make([]byte, MaxSkillLength+1)
	for i := range long {
		long[i] = 'a'
	}
	if _, err := CleanSkills([]string{string(long)}); err == nil {
		t.Fatal("over-long skill accepted")
	}
	many := make([]string, MaxSkills+1)
	for i := range many {
		many[i] = string(rune('a'+i%26)) + string(rune('a'+i/26))
	}
	if _, err := CleanSkills(many); err == nil {
		t.Fatal("51 skills accepted")
	}
	if _, err := CleanSkills([]string{"a\x00b"}); err == nil {
		t.Fatal("control character accepted")
	}
}
