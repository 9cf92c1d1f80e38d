package federation

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"net/http"
	"testing"
	"time"
)

// benchActivity is a typical 1 KiB delivery.
var benchActivity = func() []byte {
	b := make([]byte, 0, 1024)
	b = append(b, testActivity...)
	for len(b) < 1024 {
		b = append(b, ' ')
	}
	return b
}()

func BenchmarkSignRequest(b *testing.B) {
	key, _ := rsaKeys(b)
	b.ReportAllocs()
	for b.Loop() {
		req, err := http.NewRequest(http.MethodPost, inboxURL, nil)
		if err != nil {
			b.Fatal(err)
		}
		if err := SignRequest(req, benchActivity, testKeyID, key); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyRequest(b *testing.B) {
	key, _ := rsaKeys(b)
	req := received(signed(b, http.MethodPost, inboxURL, benchActivity, key), benchActivity)
	keys := staticKey(&key.PublicKey)
	ctx := context.Background()
	now := t0.Add(time.Second)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := VerifyRequest(ctx, req, benchActivity, keys, now); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRawRSASign is the floor for SignRequest: one RSA-2048 PKCS#1 v1.5
// signature over a SHA-256 digest.
func BenchmarkRawRSASign(b *testing.B) {
	key, _ := rsaKeys(b)
	digest := sha256.Sum256([]byte("(request-target): post /users/bob/inbox\nhost: archipel.example\ndate: Mon, 23 Nov 2026 10:00:00 GMT\ndigest: SHA-256=x"))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, digest[:]); err != nil {
			b.Fatal(err)
		}
	}
}
