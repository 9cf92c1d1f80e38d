package federation

import (
	"context"
	"crypto"
	"crypto/ed25519"
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

// Ed25519 against RSA-2048 for what every delivery pays: one RFC 9421
// signature of a 1 KiB activity (SignMessage, Content-Digest included), and
// its verification on the receiving side.
func BenchmarkSignMessage(b *testing.B) {
	rsaKey, _ := rsaKeys(b)
	_, edKey, _ := ed25519.GenerateKey(nil)
	for _, k := range []struct {
		name string
		key  crypto.PrivateKey
	}{{"rsa2048", rsaKey}, {"ed25519", edKey}} {
		b.Run(k.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				req, err := http.NewRequest(http.MethodPost, inboxURL, nil)
				if err != nil {
					b.Fatal(err)
				}
				if err := SignMessage(req, benchActivity, testKeyID, k.key); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkVerifyMessage(b *testing.B) {
	rsaKey, _ := rsaKeys(b)
	edPub, edKey, _ := ed25519.GenerateKey(nil)
	ctx := context.Background()
	for _, k := range []struct {
		name string
		key  crypto.PrivateKey
		pub  crypto.PublicKey
	}{{"rsa2048", rsaKey, &rsaKey.PublicKey}, {"ed25519", edKey, edPub}} {
		b.Run(k.name, func(b *testing.B) {
			req, _ := http.NewRequest(http.MethodPost, inboxURL, nil)
			if err := SignMessageWith(req, benchActivity, testKeyID, k.key, MessageOptions{Created: t0}); err != nil {
				b.Fatal(err)
			}
			r := received(req, benchActivity)
			r.Header.Set("X-Forwarded-Proto", "https")
			keys := keyMap{testKeyID: k.pub}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := VerifyRequest(ctx, r, benchActivity, keys, t0.Add(time.Second)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
