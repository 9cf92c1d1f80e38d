package webpush

import (
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"strings"
	"testing"
	"time"
)

func TestSubscriptionKeysAndLimits(t *testing.T) {
	k, _ := ecdh.P256().GenerateKey(rand.Reader)
	pub := base64.RawURLEncoding.EncodeToString(k.PublicKey().Bytes())
	auth := base64.RawURLEncoding.EncodeToString(make([]byte, 16))
	if err := CheckSubscriptionKeys(pub, auth); err != nil {
		t.Errorf("good keys: %v", err)
	}
	// Padded standard base64, as some browsers send it.
	if err := CheckSubscriptionKeys(base64.StdEncoding.EncodeToString(k.PublicKey().Bytes()), auth+"=="); err != nil {
		t.Errorf("padded keys: %v", err)
	}
	for _, bad := range [][2]string{{"", auth}, {pub, ""}, {pub[:20], auth}, {pub, "AAAA"},
		{base64.RawURLEncoding.EncodeToString(make([]byte, 65)), auth}} {
		if CheckSubscriptionKeys(bad[0], bad[1]) == nil {
			t.Errorf("accepted %q %q", bad[0], bad[1])
		}
	}
	sealed, err := Encrypt([]byte("bonjour"), pub, auth)
	if err != nil || len(sealed) != 16+4+1+65+len("bonjour")+1+16 {
		t.Errorf("one record of %d bytes: %v", len(sealed), err)
	}
	if _, err := Encrypt(make([]byte, MaxPayload+1), pub, auth); err == nil {
		t.Errorf("a payload over one record was sealed")
	}
	raw, _ := NewVAPIDKey()
	key, err := ParseVAPIDKey(raw)
	if err != nil {
		t.Fatal(err)
	}
	v := VAPID{Key: key, Subject: "mailto:dsi@region.gouv.fr"}
	h, err := v.Authorization("https://push.example/send/abc?x=1", time.Now())
	if err != nil || !strings.HasPrefix(h, "vapid t=") || !strings.HasSuffix(h, ", k="+v.PublicKey()) {
		t.Errorf("authorization %q: %v", h, err)
	}
	if _, err := v.Authorization("not a url", time.Now()); err == nil {
		t.Errorf("an endpoint that is not a URL was signed for")
	}
}
