package federation

import (
	"reflect"
	"strings"
	"testing"
)

func FuzzParseSignatureHeader(f *testing.F) {
	const sig = "dGVzdCBzaWduYXR1cmU="
	seeds := []string{
		// Mastodon
		`keyId="https://mastodon.social/users/Gargron#main-key",algorithm="rsa-sha256",headers="(request-target) host date digest content-type",signature="` + sig + `"`,
		// GoToSocial
		`keyId="https://gts.example/users/alice/main-key",algorithm="hs2019",headers="(request-target) host date digest",signature="` + sig + `"`,
		// go-fed/httpsig with created/expires
		`keyId="https://x.example/actor#key",algorithm="hs2019",created=1700000000,expires=1700000300,headers="(request-target) (created) (expires) host digest",signature="` + sig + `"`,
		`keyId="a", algorithm="hs2019", headers="date", signature="` + sig + `"`,
		`KEYID="a\"b,c",SIGNATURE="` + sig + `",x=y`,
		// Broken ones
		``,
		`,,,`,
		`keyId=`,
		`keyId="a`,
		`keyId="a\`,
		`keyId="a",keyId="b",signature="` + sig + `"`,
		`keyId="a",signature="` + sig + `",signature="` + sig + `"`,
		`keyId="a",signature=` + sig,
		`keyId="a",created=-5,signature="` + sig + `"`,
		`keyId="a",created=99999999999999999999999,signature="` + sig + `"`,
		`keyId="a",headers="  ",signature="` + sig + `"`,
		`keyId="a",headers="date date",signature="` + sig + `"`,
		"keyId=\"a\x00\",signature=\"" + sig + `"`,
		`keyId="` + strings.Repeat(`\"`, 100) + `",signature=""`,
		`Signature keyId="a",signature="` + sig + `"`,
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParseSignatureHeader(s)
		if err != nil {
			return
		}
		if p.KeyID == "" || p.Signature == "" {
			t.Fatalf("parsed %q without keyId or signature: %+v", s, p)
		}
		out := p.String()
		again, err := ParseSignatureHeader(out)
		if err != nil {
			// String may grow past the size limit only by escaping.
			if len(out) > MaxSignatureHeaderBytes {
				return
			}
			t.Fatalf("re-parse of %q (from %q): %v", out, s, err)
		}
		if !reflect.DeepEqual(p, again) {
			t.Fatalf("round trip of %q:\n got  %+v\n want %+v", s, again, p)
		}
	})
}
